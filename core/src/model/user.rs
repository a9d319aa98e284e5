//! Users: students and staff.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Access, Email, Grade, Guardian, LocalId, NotificationPreferences, PersonName, Phones};
use super::{RecordStatus, Username};
use crate::ids::{DistrictId, OrgUnitId, UserId, Version};

/// Whether a user is a student or a member of staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum UserKind {
    /// A student.
    Student,
    /// A teacher, administrator, technician or other staff member.
    Staff,
}

impl UserKind {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Student => "student",
            Self::Staff => "staff",
        }
    }
}

impl fmt::Display for UserKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything about a user that an admin edits: the input to create and update.
///
/// Status and access are changed through their own commands, and id, version and timestamps are
/// kept by the directory, so they are not here.
///
/// ```
/// use homeroom::{Email, Grade, UserDetails, UserKind};
/// let details = UserDetails::new(UserKind::Student, "Ada", "Lovelace")
///     .with_local_id("00123")
///     .unwrap()
///     .with_email("ada@example.org")
///     .unwrap()
///     .with_grade("6")
///     .unwrap();
/// assert_eq!(details.grade, Some(Grade::Numbered(6)));
/// assert_eq!(details.email, Some(Email::parse("ada@example.org").unwrap()));
/// ```
///
/// Serialized, what is empty is left out (a blank field, no org units, default notification
/// preferences, an unsigned policy), and what is left out reads back empty: a million stored
/// students each carry the few fields they have, and details stored with every field written
/// out (`null`, `[]`) read as before.
///
/// ```
/// use homeroom::{UserDetails, UserKind};
/// let details = UserDetails::new(UserKind::Student, "Ada", "Lovelace");
/// let json = serde_json::to_string(&details).unwrap();
/// assert_eq!(json, r#"{"kind":"Student","name":{"first":"Ada","last":"Lovelace"}}"#);
/// let written_out = r#"{"kind":"Student","name":{"prefix":null,"first":"Ada","middle":null,
///   "last":"Lovelace","suffix":null,"preferred":null},"job_title":null,"email":null,
///   "org_units":[],"phones":{"home":null},"guardians":[],"custom_fields":{},
///   "notifications":{"message_emails":true,"digests":true},"aup_signed":false}"#;
/// assert_eq!(serde_json::from_str::<UserDetails>(written_out).unwrap(), details);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetails {
    /// Student or staff.
    pub kind: UserKind,
    /// Name parts.
    pub name: PersonName,
    /// Job title (staff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The SIS key, unique in the district.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_id: Option<LocalId>,
    /// The state's educator identifier (staff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_educator_id: Option<String>,
    /// Sign-in name, unique in the district regardless of case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<Username>,
    /// E-mail address, unique in the district regardless of case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Grade level (students).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// The org units (buildings, departments) the user belongs to.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub org_units: BTreeSet<OrgUnitId>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Phones::is_empty")]
    pub phones: Phones,
    /// Parents, guardians and other contacts (students).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guardians: Vec<Guardian>,
    /// District-defined fields, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, String>,
    /// IANA time zone name, such as `America/Chicago`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Notification preferences.
    #[serde(default, skip_serializing_if = "NotificationPreferences::is_default")]
    pub notifications: NotificationPreferences,
    /// Whether the acceptable-use policy has been signed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aup_signed: bool,
    /// Whether the device fee has been paid.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fee_paid: bool,
    /// The subject the district's single sign-on provider knows this user by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_subject: Option<String>,
}

impl UserDetails {
    /// Details with a kind and a name and everything else empty.
    pub fn new(kind: UserKind, first: impl Into<String>, last: impl Into<String>) -> Self {
        Self {
            kind,
            name: PersonName::new(first, last),
            job_title: None,
            description: None,
            local_id: None,
            state_educator_id: None,
            username: None,
            email: None,
            grade: None,
            org_units: BTreeSet::new(),
            phones: Phones::default(),
            guardians: Vec::new(),
            custom_fields: BTreeMap::new(),
            time_zone: None,
            notifications: NotificationPreferences::default(),
            aup_signed: false,
            fee_paid: false,
            sso_subject: None,
        }
    }

    /// Sets the Local ID, parsed.
    pub fn with_local_id(mut self, local_id: &str) -> Result<Self, crate::InvalidValue> {
        self.local_id = Some(LocalId::parse(local_id)?);
        Ok(self)
    }

    /// Sets the e-mail address, parsed.
    pub fn with_email(mut self, email: &str) -> Result<Self, crate::InvalidValue> {
        self.email = Some(Email::parse(email)?);
        Ok(self)
    }

    /// Sets the username, parsed.
    pub fn with_username(mut self, username: &str) -> Result<Self, crate::InvalidValue> {
        self.username = Some(Username::parse(username)?);
        Ok(self)
    }

    /// Sets the grade, parsed.
    pub fn with_grade(mut self, grade: &str) -> Result<Self, crate::InvalidValue> {
        self.grade = Some(Grade::parse(grade)?);
        Ok(self)
    }

    /// Adds an org unit membership.
    #[must_use]
    pub fn in_org_unit(mut self, org_unit: OrgUnitId) -> Self {
        self.org_units.insert(org_unit);
        self
    }

    /// Every field as `(name, display value)`, in a fixed order. The activity log diffs these,
    /// so a new field added to the struct must be added here too.
    pub fn field_values(&self) -> Vec<(Cow<'static, str>, Option<String>)> {
        fn opt<T: ToString>(value: &Option<T>) -> Option<String> {
            value.as_ref().map(ToString::to_string)
        }
        let mut fields: Vec<(Cow<'static, str>, Option<String>)> = vec![
            ("kind".into(), Some(self.kind.to_string())),
            ("name.prefix".into(), self.name.prefix.clone()),
            ("name.first".into(), Some(self.name.first.clone())),
            ("name.middle".into(), self.name.middle.clone()),
            ("name.last".into(), Some(self.name.last.clone())),
            ("name.suffix".into(), self.name.suffix.clone()),
            ("name.preferred".into(), self.name.preferred.clone()),
            ("job_title".into(), self.job_title.clone()),
            ("description".into(), self.description.clone()),
            ("local_id".into(), opt(&self.local_id)),
            ("state_educator_id".into(), self.state_educator_id.clone()),
            ("username".into(), opt(&self.username)),
            ("email".into(), opt(&self.email)),
            ("grade".into(), opt(&self.grade)),
            ("org_units".into(), join(self.org_units.iter())),
            ("phones.home".into(), self.phones.home.clone()),
            ("phones.mobile".into(), self.phones.mobile.clone()),
            ("phones.fax".into(), self.phones.fax.clone()),
            ("phones.pager".into(), self.phones.pager.clone()),
            ("time_zone".into(), self.time_zone.clone()),
            (
                "notifications.message_emails".into(),
                Some(self.notifications.message_emails.to_string()),
            ),
            (
                "notifications.digests".into(),
                Some(self.notifications.digests.to_string()),
            ),
            ("aup_signed".into(), Some(self.aup_signed.to_string())),
            ("fee_paid".into(), Some(self.fee_paid.to_string())),
            ("sso_subject".into(), self.sso_subject.clone()),
        ];
        for (i, g) in self.guardians.iter().enumerate() {
            let parts = [
                Some(g.name.as_str()),
                g.relation.as_deref(),
                g.email.as_deref(),
                g.phone.as_deref(),
            ];
            let text = parts.iter().map(|p| p.unwrap_or("")).collect::<Vec<_>>();
            fields.push((format!("guardians[{i}]").into(), Some(text.join(" | "))));
        }
        for (name, value) in &self.custom_fields {
            fields.push((format!("custom.{name}").into(), Some(value.clone())));
        }
        fields
    }
}

fn join<T: ToString>(items: impl Iterator<Item = T>) -> Option<String> {
    let parts: Vec<String> = items.map(|i| i.to_string()).collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(","))
    }
}

/// A stored user: the details an admin edits plus what the directory keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The district the user belongs to.
    pub district: DistrictId,
    /// Name, identifiers, memberships and the rest.
    pub details: UserDetails,
    /// Active, Inactive or Archived.
    pub status: RecordStatus,
    /// Allowed, Suspended or Locked.
    pub access: Access,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the user was last changed.
    pub updated_at: DateTime<Utc>,
    /// The optimistic-concurrency version; pass it back when updating.
    pub version: Version,
    /// Created or matched by an import or sync: a sync may deactivate the user when the SIS
    /// stops listing them. Users created by hand are never deactivated by a sync.
    #[serde(default)]
    pub import_managed: bool,
    /// What the import that last created or updated this user saw, so the next sync can skip
    /// comparing an unchanged row (see [`ImportFingerprint`](super::ImportFingerprint)). `None` for users no import
    /// wrote, and for rows stored before fingerprints existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_fingerprint: Option<super::ImportFingerprint>,
}

impl User {
    /// A new user created at `at`: active, allowed to sign in, at [`Version::FIRST`], not
    /// managed by an import.
    ///
    /// ```
    /// use homeroom::{DistrictId, RecordStatus, User, UserDetails, UserId, UserKind, Version};
    /// let id = UserId::from_uuid(uuid::Uuid::from_u128(7));
    /// let district = DistrictId::from_uuid(uuid::Uuid::from_u128(1));
    /// let details = UserDetails::new(UserKind::Student, "Ada", "Hopper");
    /// let user = User::new(id, district, details, chrono::DateTime::UNIX_EPOCH);
    /// assert_eq!((user.status, user.version), (RecordStatus::Active, Version::FIRST));
    /// assert!(!user.import_managed);
    /// ```
    pub fn new(id: UserId, district: DistrictId, details: UserDetails, at: DateTime<Utc>) -> Self {
        Self {
            id,
            district,
            details,
            status: RecordStatus::Active,
            access: Access::Allowed,
            created_at: at,
            updated_at: at,
            version: Version::FIRST,
            import_managed: false,
            import_fingerprint: None,
        }
    }

    /// The key users are listed in: last, first, middle name in lower case, separated by a
    /// character that sorts before any letter. Ties are broken by id.
    pub fn sort_key(&self) -> String {
        let name = &self.details.name;
        format!(
            "{}\u{1}{}\u{1}{}",
            name.last.to_lowercase(),
            name.first.to_lowercase(),
            name.middle.as_deref().unwrap_or("").to_lowercase()
        )
    }

    /// The lower-case strings a text search matches by prefix: first, preferred and last name,
    /// "first last" and "preferred last", e-mail, Local ID and username.
    ///
    /// ```
    /// use chrono::Utc;
    /// # use homeroom::*;
    /// # let details = UserDetails::new(UserKind::Student, "Ada", "Lovelace").with_local_id("S-9").unwrap();
    /// # let user = User { id: UserId::from_uuid(uuid::Uuid::nil()), district: DistrictId::from_uuid(uuid::Uuid::nil()),
    /// #   details, status: RecordStatus::Active, access: Access::Allowed, created_at: chrono::DateTime::UNIX_EPOCH,
    /// #   updated_at: chrono::DateTime::UNIX_EPOCH, version: Version::FIRST, import_managed: false,
    /// #   import_fingerprint: None };
    /// assert!(user.search_terms().contains(&"ada lovelace".to_string()));
    /// assert!(user.search_terms().contains(&"s-9".to_string()));
    /// ```
    pub fn search_terms(&self) -> Vec<String> {
        let d = &self.details;
        let mut terms = vec![
            d.name.first.to_lowercase(),
            d.name.last.to_lowercase(),
            format!("{} {}", d.name.first, d.name.last).to_lowercase(),
        ];
        if let Some(preferred) = &d.name.preferred {
            terms.push(preferred.to_lowercase());
            terms.push(format!("{} {}", preferred, d.name.last).to_lowercase());
        }
        if let Some(email) = &d.email {
            terms.push(email.key());
        }
        if let Some(local_id) = &d.local_id {
            terms.push(local_id.as_str().to_lowercase());
        }
        if let Some(username) = &d.username {
            terms.push(username.key());
        }
        terms.retain(|t| !t.trim().is_empty());
        terms.sort();
        terms.dedup();
        terms
    }
}
