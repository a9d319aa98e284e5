//! What a plan says: per row create / update (field by field) / unchanged / error, the org units
//! to create, the users to deactivate, every issue, and what the guards held.

use serde::Serialize;

use crate::activity::FieldChange;
use crate::authz::Scope;
use crate::ids::{DistrictId, OrgUnitId, RoleId, UserId, Version};
use crate::import::{ImportIssue, RowRef};
use crate::model::{OrgUnitKind, RecordStatus, UserDetails};

/// A role the plan grants a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedGrant {
    /// The role.
    pub role: RoleId,
    /// Where.
    pub scope: Scope,
}

/// What happens to one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RowAction {
    /// A new user.
    Create {
        /// Their details (boxed: a plan of a hundred thousand unchanged rows stays small).
        details: Box<UserDetails>,
        /// Their status.
        status: RecordStatus,
        /// Roles granted.
        grants: Vec<PlannedGrant>,
        /// A temporary password from the file, set (must change at first sign-in) when the
        /// user is created. Never serialized.
        #[serde(skip)]
        temporary_password: Option<crate::password::Password>,
    },
    /// An existing user changes.
    Update {
        /// Who.
        user: UserId,
        /// The version planned against; apply refuses if it moved.
        expected: Version,
        /// Their new details.
        details: Box<UserDetails>,
        /// Their new status.
        status: RecordStatus,
        /// What changes, field by field.
        changes: Vec<FieldChange>,
        /// Roles granted.
        grants: Vec<PlannedGrant>,
    },
    /// An existing user the file does not change.
    Unchanged {
        /// Who.
        user: UserId,
    },
    /// The row has errors (see the plan's issues for this row).
    Error,
}

/// The plan for one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowPlan {
    /// Where the row is.
    pub source: RowRef,
    /// Its Local ID as written (held inline up to 24 bytes: a plan of many rows does not
    /// allocate one string per row).
    pub local_id: Option<compact_str::CompactString>,
    /// What happens.
    pub action: RowAction,
}

/// An org unit the plan creates or changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedOrgUnit {
    /// Its id (for a new unit, derived from the district and its code, so plans are
    /// deterministic).
    pub id: OrgUnitId,
    /// The version of the existing unit being updated; `None` to create it.
    pub expected: Option<Version>,
    /// Its name.
    pub name: String,
    /// Its code.
    pub code: Option<String>,
    /// Its kind.
    pub kind: OrgUnitKind,
    /// The unit above it.
    pub parent: Option<OrgUnitId>,
}

/// A user a sync makes Inactive because the file no longer lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deactivation {
    /// Who.
    pub user: UserId,
    /// The version planned against.
    pub expected: Version,
    /// Their name, for the report.
    pub name: String,
    /// Their Local ID.
    pub local_id: Option<String>,
}

/// Why a guard held the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GuardTrip {
    /// `deactivate` or `update`.
    pub what: &'static str,
    /// How many the plan would touch.
    pub count: u64,
    /// The district's Active import-managed users.
    pub of: u64,
    /// The limit crossed, as written ("10%", "500").
    pub limit: String,
}

/// How many rows do what.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlanCounts {
    /// New users.
    pub created: u64,
    /// Changed users.
    pub updated: u64,
    /// Users the file leaves as they are.
    pub unchanged: u64,
    /// Users a sync deactivates.
    pub deactivated: u64,
    /// Rows with errors.
    pub error_rows: u64,
}

/// A plan: what an import would do, shown to a person before anything is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportPlan {
    /// The district.
    pub district: DistrictId,
    /// One entry per row, in file order.
    pub rows: Vec<RowPlan>,
    /// Org units to create or change.
    pub org_units: Vec<PlannedOrgUnit>,
    /// Users a sync deactivates.
    pub deactivations: Vec<Deactivation>,
    /// Every error and warning: the reader's and the plan's.
    pub issues: Vec<ImportIssue>,
    /// Why guards hold the plan (empty when they do not).
    pub held: Vec<GuardTrip>,
    /// The tallies.
    pub counts: PlanCounts,
}

impl ImportPlan {
    /// True when any issue is an error: nothing may be written.
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(ImportIssue::is_error)
    }

    /// True when the plan writes nothing.
    pub fn is_noop(&self) -> bool {
        self.counts.created == 0
            && self.counts.updated == 0
            && self.counts.deactivated == 0
            && self.org_units.is_empty()
    }
}
