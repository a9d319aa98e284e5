//! What a OneRoster package says beyond the common row model: orgs, roles, sourcedIds.

use std::fmt;

use serde::Serialize;

use super::source::RowRef;
use crate::model::{Guardian, OrgUnitKind, UserKind};

/// The OneRoster version of a package, from `oneroster.version` in `manifest.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum OneRosterVersion {
    /// 1.0 and 1.1: a user's role and orgs are in `users.csv`.
    #[serde(rename = "1.1")]
    V1_1,
    /// 1.2: a user's roles and orgs are in `roles.csv`.
    #[serde(rename = "1.2")]
    V1_2,
}

impl OneRosterVersion {
    /// `1.1` or `1.2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1_1 => "1.1",
            Self::V1_2 => "1.2",
        }
    }
}

impl fmt::Display for OneRosterVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An org's `type` in `orgs.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrgType {
    /// The district itself (a local education agency).
    District,
    /// A school: a building, in the product documents' words.
    School,
    /// A department of a school or of the district office.
    Department,
    /// A grouping of schools (a region, an area).
    Local,
    /// A state education agency.
    State,
    /// A national body.
    National,
}

impl OrgType {
    /// Parses an org type, ignoring case.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value.trim().to_ascii_lowercase().as_str() {
            "district" => Self::District,
            "school" => Self::School,
            "department" => Self::Department,
            "local" => Self::Local,
            "state" => Self::State,
            "national" => Self::National,
            _ => return None,
        })
    }

    /// The OneRoster spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::District => "district",
            Self::School => "school",
            Self::Department => "department",
            Self::Local => "local",
            Self::State => "state",
            Self::National => "national",
        }
    }

    /// The kind of Homeroom org unit this becomes; `None` for the district itself, which is
    /// the Homeroom district, not an org unit.
    pub fn org_unit_kind(self) -> Option<OrgUnitKind> {
        match self {
            Self::District => None,
            Self::School => Some(OrgUnitKind::School),
            Self::Department => Some(OrgUnitKind::Department),
            Self::Local => Some(OrgUnitKind::Local),
            Self::State | Self::National => Some(OrgUnitKind::Other),
        }
    }
}

impl fmt::Display for OrgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of `orgs.csv`.
///
/// The `district` row is the Homeroom district itself; the others become org units under it,
/// keyed by `sourced_id` (stable across exports, unlike names and identifiers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportOrg {
    /// Where the row is.
    pub source: RowRef,
    /// The export's unique key for the org.
    pub sourced_id: String,
    /// `status` as written (blank or `active` in a bulk export).
    pub status: Option<String>,
    /// The org's name.
    pub name: String,
    /// Its type.
    pub org_type: OrgType,
    /// The human-readable code (a school number), if any.
    pub identifier: Option<String>,
    /// The parent org's `sourcedId`, if any.
    pub parent_sourced_id: Option<String>,
}

/// `roleType` in OneRoster 1.2 `roles.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleType {
    /// The user's main role.
    Primary,
    /// An additional role.
    Secondary,
}

impl RoleType {
    /// Parses `primary` or `secondary`, ignoring case.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "primary" => Some(Self::Primary),
            "secondary" => Some(Self::Secondary),
            _ => None,
        }
    }
}

/// The OneRoster roles (1.1 and 1.2 vocabularies together), in their spelling. Extensions
/// (`ext:...`) are allowed too.
pub const ONEROSTER_ROLES: [&str; 13] = [
    "administrator",
    "aide",
    "counselor",
    "districtAdministrator",
    "guardian",
    "parent",
    "principal",
    "proctor",
    "relative",
    "siteAdministrator",
    "student",
    "systemAdministrator",
    "teacher",
];

/// Whether `role` is a OneRoster role (case-insensitive), extensions (`ext:...`) included.
pub fn is_oneroster_role(role: &str) -> bool {
    let role = role.trim();
    role.get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("ext:"))
        || ONEROSTER_ROLES
            .iter()
            .any(|known| known.eq_ignore_ascii_case(role))
}

/// The kind of user a OneRoster role makes: `student` a student, guardians, parents and
/// relatives nobody (they are contacts, not users), everything else staff.
pub fn role_user_kind(role: &str) -> Option<UserKind> {
    let role = role.trim().to_ascii_lowercase();
    match role.as_str() {
        "student" => Some(UserKind::Student),
        "guardian" | "parent" | "relative" => None,
        _ => Some(UserKind::Staff),
    }
}

/// One role of a user at one org: a row of 1.2 `roles.csv`, or the `role` × one of the
/// `orgSourcedIds` of a 1.1 `users.csv` row.
///
/// Turning roles into Homeroom grants is opt-in (a mapping in the import options): by default a
/// file hands out no rights, and roles only set a user's kind and org memberships.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterRole {
    /// Where the role is written.
    pub source: RowRef,
    /// The org's `sourcedId`.
    pub org_sourced_id: String,
    /// The role as written (`teacher`, `districtAdministrator`, `ext:coach`, ...).
    pub role: String,
    /// `primary` or `secondary` (1.2 only).
    pub role_type: Option<RoleType>,
    /// `beginDate` as written (1.2 only).
    pub begin_date: Option<String>,
    /// `endDate` as written (1.2 only).
    pub end_date: Option<String>,
}

/// What a OneRoster package says about a user beyond the common fields of
/// [`ImportRow`](crate::import::ImportRow).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterUser {
    /// The export's unique key for the user.
    pub sourced_id: String,
    /// The SIS's human-readable ID, if any.
    pub identifier: Option<String>,
    /// `status` as written (blank or `active` in a bulk export; `tobedeleted` if the SIS marks
    /// the user as gone).
    pub status: Option<String>,
    /// `enabledUser`: `false` means the user may not sign in. `None` when blank.
    pub enabled_user: Option<bool>,
    /// The role that decides the user's kind: the primary role, else the first one.
    pub primary_role: String,
    /// Every role of the user, in file order.
    pub roles: Vec<RosterRole>,
    /// The `sourcedId` of every org the user has a role in, in file order, once each (the
    /// district org included).
    pub org_sourced_ids: Vec<String>,
    /// `primaryOrgSourcedId` (1.2 only).
    pub primary_org_sourced_id: Option<String>,
    /// The contacts of a student: the package's guardians, parents and relatives linked to
    /// them through `agentSourcedIds`. `None` when the package holds no such rows (the export
    /// does not carry guardians, so the import leaves them as they are).
    pub guardians: Option<Vec<Guardian>>,
}
