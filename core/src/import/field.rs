//! The columns an import understands, and the header spellings that name them.

use std::fmt;

use serde::{Serialize, Serializer};

/// A column of the Homeroom import template: what a cell means.
///
/// Each field has a canonical header ([`ImportField::header`], used in the template and in
/// reports) and aliases: the names the product documents and common SIS exports use. Headers
/// are matched ignoring case, spaces, underscores and punctuation, so `Local ID`, `local_id`,
/// `LOCALID` and `Local-Id` all name [`ImportField::LocalId`].
///
/// ```
/// use homeroom::import::ImportField;
/// assert_eq!(ImportField::from_header("local_id"), Some(ImportField::LocalId));
/// assert_eq!(ImportField::from_header(" Email Address "), Some(ImportField::Email));
/// assert_eq!(ImportField::from_header("Middle Initial"), Some(ImportField::MiddleName));
/// assert_eq!(ImportField::from_header("Shoe size"), None);
/// assert_eq!(ImportField::LocalId.header(), "Local ID");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ImportField {
    /// The SIS key, unique in the district; imports match on it. Kept as text.
    LocalId,
    /// `student` or `staff`.
    Kind,
    /// Given name.
    FirstName,
    /// Family name.
    LastName,
    /// Middle name or initial.
    MiddleName,
    /// The name the person goes by.
    PreferredName,
    /// Name prefix (Dr., Ms., ...).
    Prefix,
    /// Name suffix (Jr., III, ...).
    Suffix,
    /// Job title (staff).
    JobTitle,
    /// E-mail address (set on create only; import never changes it).
    Email,
    /// Sign-in name (set on create only; import never changes it).
    Username,
    /// A student's grade (`K`, `6`, `PK`, ...).
    Grade,
    /// The building (school) the person belongs to, by name or code.
    Building,
    /// Org units the person belongs to, by name or code; a list.
    AuthorizedOrganizations,
    /// Homeroom roles to grant; a list.
    Roles,
    /// Grade levels a staff member teaches; a list.
    GradeLevels,
    /// Content areas a staff member teaches; a list.
    ContentAreas,
    /// The state's ID for an educator.
    StateEducatorId,
    /// A first password, to be changed at first sign-in (set on create only).
    TemporaryPassword,
    /// The permission group (a Homeroom role) by name.
    GroupName,
    /// Record status: `Active`, `Inactive` or `Archived`.
    Status,
    /// Home phone.
    HomePhone,
    /// Mobile phone.
    MobilePhone,
    /// Fax number.
    Fax,
    /// Pager number.
    Pager,
    /// IANA time zone name.
    TimeZone,
}

impl ImportField {
    /// Every field, in template order.
    pub const ALL: [ImportField; 26] = [
        Self::LocalId,
        Self::Kind,
        Self::FirstName,
        Self::LastName,
        Self::MiddleName,
        Self::PreferredName,
        Self::Prefix,
        Self::Suffix,
        Self::JobTitle,
        Self::Email,
        Self::Username,
        Self::Grade,
        Self::Building,
        Self::AuthorizedOrganizations,
        Self::Roles,
        Self::GradeLevels,
        Self::ContentAreas,
        Self::StateEducatorId,
        Self::TemporaryPassword,
        Self::GroupName,
        Self::Status,
        Self::HomePhone,
        Self::MobilePhone,
        Self::Fax,
        Self::Pager,
        Self::TimeZone,
    ];

    /// The number of fields.
    pub const COUNT: usize = Self::ALL.len();

    /// The field's position in [`ImportField::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The canonical header, as in the template (`Local ID`, `First Name`, ...).
    pub fn header(self) -> &'static str {
        self.aliases()[0]
    }

    /// The stable snake_case name (`local_id`, `first_name`, ...), as in JSON reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LocalId => "local_id",
            Self::Kind => "kind",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::MiddleName => "middle_name",
            Self::PreferredName => "preferred_name",
            Self::Prefix => "prefix",
            Self::Suffix => "suffix",
            Self::JobTitle => "job_title",
            Self::Email => "email",
            Self::Username => "username",
            Self::Grade => "grade",
            Self::Building => "building",
            Self::AuthorizedOrganizations => "authorized_organizations",
            Self::Roles => "roles",
            Self::GradeLevels => "grade_levels",
            Self::ContentAreas => "content_areas",
            Self::StateEducatorId => "state_educator_id",
            Self::TemporaryPassword => "temporary_password",
            Self::GroupName => "group_name",
            Self::Status => "status",
            Self::HomePhone => "home_phone",
            Self::MobilePhone => "mobile_phone",
            Self::Fax => "fax",
            Self::Pager => "pager",
            Self::TimeZone => "time_zone",
        }
    }

    /// True for fields whose cell holds a list (see [`split_list`](super::split_list)).
    pub fn is_list(self) -> bool {
        matches!(
            self,
            Self::AuthorizedOrganizations | Self::Roles | Self::GradeLevels | Self::ContentAreas
        )
    }

    /// True for fields whose cell holds a secret (the Temporary Password): its value never
    /// appears in `Debug`, serde output or import reports (DESIGN.md §8).
    pub fn is_secret(self) -> bool {
        matches!(self, Self::TemporaryPassword)
    }

    /// The header spellings that name this field; the first is the canonical one.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::LocalId => &[
                "Local ID",
                "Student ID",
                "Staff ID",
                "Employee ID",
                "SIS ID",
                "Student Number",
            ],
            Self::Kind => &["User Type", "Kind", "Type", "Person Type", "User Kind"],
            Self::FirstName => &["First Name", "First", "Given Name"],
            Self::LastName => &["Last Name", "Last", "Surname", "Family Name"],
            Self::MiddleName => &["Middle Initial", "Middle Name", "Middle", "MI"],
            Self::PreferredName => &["Preferred Name", "Nickname", "Preferred First Name"],
            Self::Prefix => &["Prefix"],
            Self::Suffix => &["Suffix"],
            Self::JobTitle => &["Job Title", "Title", "Position"],
            Self::Email => &["Email", "Email Address"],
            Self::Username => &["Username", "Login", "Login Name"],
            Self::Grade => &["Grade", "Current Grade"],
            Self::Building => &["Building", "Buildings", "School", "Building Assignments"],
            Self::AuthorizedOrganizations => &[
                "Authorized Organizations",
                "Organizations",
                "Organization",
                "Org Units",
            ],
            Self::Roles => &["Roles", "Role"],
            Self::GradeLevels => &["Grade Levels"],
            Self::ContentAreas => &["Content Areas", "Content Area", "Subjects"],
            Self::StateEducatorId => &["State Educator ID", "State ID"],
            Self::TemporaryPassword => &["Temporary Password", "Password"],
            Self::GroupName => &["Group Name", "Group"],
            Self::Status => &["Status", "User Status"],
            Self::HomePhone => &["Home Phone", "Phone"],
            Self::MobilePhone => &["Mobile Phone", "Mobile", "Cell Phone", "Cell"],
            Self::Fax => &["Fax"],
            Self::Pager => &["Pager"],
            Self::TimeZone => &["Time Zone"],
        }
    }

    /// The field a header names, matching case-, space-, underscore- and
    /// punctuation-insensitively against every alias.
    pub fn from_header(header: &str) -> Option<Self> {
        let key = normalize_header(header);
        if key.is_empty() {
            return None;
        }
        Self::ALL.into_iter().find(|field| {
            field
                .aliases()
                .iter()
                .any(|alias| normalize_header(alias) == key)
        })
    }
}

impl fmt::Display for ImportField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.header())
    }
}

impl Serialize for ImportField {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A header reduced to lower-case letters and digits: `" Local_ID "` → `"localid"`.
pub(crate) fn normalize_header(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_unambiguous() {
        let mut seen = std::collections::BTreeMap::new();
        for field in ImportField::ALL {
            for alias in field.aliases() {
                let previous = seen.insert(normalize_header(alias), field);
                assert!(previous.is_none(), "alias {alias} is used twice");
            }
        }
    }

    #[test]
    fn index_matches_all() {
        for (i, field) in ImportField::ALL.into_iter().enumerate() {
            assert_eq!(field.index(), i);
            assert_eq!(ImportField::from_header(field.header()), Some(field));
        }
    }
}
