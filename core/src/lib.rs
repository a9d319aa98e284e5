//! # Homeroom
//!
//! The user directory of a school district, as a library: students and staff, the buildings
//! and departments they belong to, their statuses and their activity log, behind a storage
//! trait that any database can implement.
//!
//! - [`Directory`] is the service layer: every command takes the acting [`Actor`], decides in
//!   pure code, and writes one atomic [`ChangeSet`].
//! - [`Storage`] is the backend contract; `homeroom-memory` and `homeroom-sea` (SQLite,
//!   PostgreSQL) implement it, and the [`conformance`] kit (feature `conformance`) proves any
//!   backend keeps it.
//! - The crate is pure: no database, no runtime, no clock and no randomness of its own. Time
//!   comes from a [`Clock`] and ids from an [`IdGen`] that the host passes in: in production
//!   the [`system`] ones (feature `system`, on by default; core never uses them itself), in
//!   tests [`ManualClock`] and [`SequentialIds`].
//!
//! See the repository's `docs/ARCHITECTURE.md` for the whole picture.

pub mod activity;
mod actor;
pub mod authz;
mod clock;
mod directory;
mod error;
pub mod export;
mod ids;
pub mod import;
pub mod messaging;
pub mod model;
pub mod onboarding;
pub mod password;
pub mod query;
pub mod records;
pub mod requests;
pub mod storage;
#[cfg(feature = "system")]
pub mod system;
pub mod transfer;
pub mod validation;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use activity::{ActivityAction, ActivityEntry, ActorRef, FieldChange, Subject};
pub use actor::Actor;
pub use authz::{
    AnyPermission, AppPermission, AppPermissions, ApplicationSpec, Applications, Authority,
    Checkable, Grant, HostAuthority, Permission, PermissionSet, Preset, Reach, Role,
    RolePermissions, Scope,
};
pub use clock::{Clock, IdGen, ManualClock, SequentialIds};
pub use directory::import::{
    Approval, Deactivation, GuardTrip, HeldLease, ImportMode, ImportOptions, ImportOutcome,
    ImportPlan, ImportProgress, PackedDetails, PlanCounts, PlannedGrant, PlannedOrgUnit, RowAction,
    RowPlan, SyncGuard, report_csv,
};
pub use directory::profile;
pub use directory::{
    AppAccess, ApplicationAccess, BulkAccess, BulkAction, BulkDelivery, BulkInvitations,
    BulkOperation, BulkOperationView, BulkOutcome, BulkPreview, CheckoutReceipt,
    DEFAULT_AUTHORITY_CACHE, DeviceHolder, DeviceHolders, Directory, DisabledUser, Impersonation,
    IncidentSubject, MAX_IMPERSONATION, NewCheckout, NewIncident, NewOrgUnit, OrgUnitChange,
    Selection, SignIn, SkipReason, UserFacets, UserLink, UserSearch,
};
pub use error::{Error, ErrorKind, Refusal};
pub use ids::{
    ActivityId, DistrictId, GrantId, ImportBatchId, ItemId, OrgUnitId, RecordId, RoleId, UserId,
    Version,
};
pub use model::*;
pub use query::{
    ActivityCursor, ActivityQuery, Page, RecordCursor, RecordQuery, UserCursor, UserQuery,
};
pub use storage::{
    ChangeSet, Entity, ImportStamp, Lease, Leases, Op, Storage, StorageError, StorageErrorKind,
    UniqueKey, UserKey,
};
pub use validation::{FieldError, InvalidValue, ValidationCode, ValidationErrors};
