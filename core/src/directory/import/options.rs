//! What the caller decides about an import: mode, sync, org units, guards, role mapping.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::RoleId;
use crate::messaging::Welcome;
use crate::model::UserKind;

/// How rows are matched to existing users (always by Local ID).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportMode {
    /// Existing Local ID → update; new Local ID → create.
    #[default]
    Upsert,
    /// Only new users; a Local ID that exists is an error.
    CreateOnly,
    /// Only existing users; a Local ID that does not exist is an error.
    UpdateOnly,
}

/// Thresholds that hold a suspicious plan until an admin approves it. Percentages are of the
/// district's Active import-managed users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGuard {
    /// Hold when more users than this would be deactivated.
    pub max_deactivate: Option<u64>,
    /// Hold when more than this percent would be deactivated.
    pub max_deactivate_percent: Option<u8>,
    /// Hold when more users than this would be updated.
    pub max_update: Option<u64>,
    /// Hold when more than this percent would be updated.
    pub max_update_percent: Option<u8>,
}

impl Default for SyncGuard {
    /// Deactivating more than 10% of the district's import-managed users at once is held: a
    /// truncated file must not wipe a district.
    fn default() -> Self {
        Self {
            max_deactivate: None,
            max_deactivate_percent: Some(10),
            max_update: None,
            max_update_percent: None,
        }
    }
}

/// Everything the caller decides about one import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// Upsert, create-only or update-only.
    pub mode: ImportMode,
    /// Full snapshot: import-managed users absent from the file become Inactive. Users created
    /// by hand are never deactivated.
    pub sync: bool,
    /// Create org units the file names that do not exist (as schools under the district)
    /// instead of reporting them as errors.
    pub create_org_units: bool,
    /// Thresholds that hold a suspicious plan.
    pub guard: SyncGuard,
    /// The kind of user when the file does not say.
    pub default_kind: UserKind,
    /// Whether users created with a temporary password (a Password column) must change it at
    /// first sign-in. On by default; a district that hands out passwords its users keep turns it
    /// off.
    #[serde(default = "must_change_by_default")]
    pub temporary_passwords_must_change: bool,
    /// Whether the users this import creates get a welcome e-mail, and when: not at all (the
    /// default: many districts send them once groups and buildings are ready, with
    /// [`Directory::invite_all`](crate::Directory::invite_all) or a message), at the next drain,
    /// or at a later time. Queued in the import's own write; needs Send Messages over each new
    /// user. A new user without an e-mail address gets none (a `no_email_for_welcome` warning).
    #[serde(default)]
    pub welcome: Welcome,
    /// OneRoster roles (lower case: `teacher`, `administrator`, ...) to Homeroom roles. Empty by
    /// default, so a file never hands out rights unless the caller opts in.
    pub oneroster_roles: BTreeMap<String, RoleId>,
    /// Compare every row with its user field by field, even when the fingerprint the last
    /// import stored with the user shows the row is unchanged (see
    /// [`ImportFingerprint`](crate::ImportFingerprint)). Off by default: the plan is the same
    /// either way, only slower with it on; tests use it to prove so.
    #[serde(default)]
    pub full_compare: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            mode: ImportMode::Upsert,
            sync: false,
            create_org_units: false,
            guard: SyncGuard::default(),
            default_kind: UserKind::Student,
            oneroster_roles: BTreeMap::new(),
            temporary_passwords_must_change: true,
            welcome: Welcome::Never,
            full_compare: false,
        }
    }
}

fn must_change_by_default() -> bool {
    true
}
