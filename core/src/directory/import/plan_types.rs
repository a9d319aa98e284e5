//! What a plan says: per row create / update (field by field) / unchanged / error, the org units
//! to create, the users to deactivate, every issue, and what the guards held.

use serde::Serialize;

use crate::activity::FieldChange;
use crate::authz::Scope;
use crate::ids::{DistrictId, OrgUnitId, RoleId, UserId, Version};
use crate::import::{ImportIssue, RowRef};
use crate::messaging::Welcome;
use crate::model::{OrgUnitKind, RecordStatus};

use super::packed_details::PackedDetails;

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
        /// Their details, packed: a plan of a million new users keeps a few hundred bytes
        /// for each.
        details: PackedDetails,
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
        /// Their new details, packed.
        details: PackedDetails,
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
    /// The host applications the row enables its user for (from `<Application> Group Name`
    /// and `<Application> Role` columns), by key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applications: Vec<String>,
    /// The row's fingerprint, stored with the user it creates or updates (none for other
    /// rows, and for rows that may not be skipped by fingerprint or have an issue).
    #[serde(skip)]
    pub(crate) fingerprint: Option<crate::model::FingerprintHash>,
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    /// Welcome e-mails the import queues (new users with an e-mail address, when
    /// [`ImportOptions::welcome`](crate::ImportOptions::welcome) asks for them).
    pub welcomes: u64,
}

/// A plan: what an import would do, shown to a person before anything is written.
///
/// Only [`Directory::plan_import`](crate::Directory::plan_import) makes one: its fields are read
/// through accessors, so a host cannot hand [`Directory::apply_import`](crate::Directory::apply_import)
/// a plan it wrote or edited itself. Apply still checks every change against the applying
/// actor, and refuses a plan made before a role, grant or org-unit change.
///
/// ```compile_fail
/// // Outside the crate a plan cannot be edited (nor built): the fields are private.
/// fn tamper(plan: &mut homeroom::ImportPlan) {
///     plan.rows.clear();
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportPlan {
    pub(crate) district: DistrictId,
    /// The district's version when the plan was made: role, grant and org-unit changes move it.
    pub(crate) district_version: Version,
    /// A full snapshot (sync): it may deactivate users.
    pub(crate) sync: bool,
    /// Whether the temporary passwords it sets must be changed at first sign-in.
    pub(crate) temporary_passwords_must_change: bool,
    /// Whether the users it creates get a welcome e-mail, and when.
    pub(crate) welcome: Welcome,
    pub(crate) rows: Vec<RowPlan>,
    pub(crate) org_units: Vec<PlannedOrgUnit>,
    pub(crate) deactivations: Vec<Deactivation>,
    pub(crate) issues: Vec<ImportIssue>,
    pub(crate) held: Vec<GuardTrip>,
    pub(crate) counts: PlanCounts,
    /// What its rows were planned under, stored in the fingerprints it leaves (`None`: it
    /// leaves none).
    #[serde(skip)]
    pub(crate) context: Option<crate::model::FingerprintHash>,
}

impl ImportPlan {
    /// The district.
    pub fn district(&self) -> DistrictId {
        self.district
    }

    /// The district's version when the plan was made; apply refuses the plan once roles,
    /// grants or org units have changed since.
    pub fn district_version(&self) -> Version {
        self.district_version
    }

    /// True for a sync (full snapshot) plan.
    pub fn is_sync(&self) -> bool {
        self.sync
    }

    /// Whether the users the plan creates get a welcome e-mail, and when.
    pub fn welcome(&self) -> Welcome {
        self.welcome
    }

    /// One entry per row, in file order.
    pub fn rows(&self) -> &[RowPlan] {
        &self.rows
    }

    /// Org units to create or change.
    pub fn org_units(&self) -> &[PlannedOrgUnit] {
        &self.org_units
    }

    /// Users a sync deactivates.
    pub fn deactivations(&self) -> &[Deactivation] {
        &self.deactivations
    }

    /// Every error and warning: the reader's and the plan's.
    pub fn issues(&self) -> &[ImportIssue] {
        &self.issues
    }

    /// Why guards hold the plan (empty when they do not).
    pub fn held(&self) -> &[GuardTrip] {
        &self.held
    }

    /// The tallies.
    pub fn counts(&self) -> PlanCounts {
        self.counts
    }

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
