//! Fingerprints of rows and of what they are planned under (see [`ImportFingerprint`]): a row
//! whose user still carries the fingerprint it would leave is unchanged, with no compare.
//!
//! Only rows whose plan depends on nothing but their cells, their user, the options, the
//! district's settings and its org tree get one ([`eligible`]): a row that grants roles or
//! groups, enables applications, sets a password or a status, or comes from OneRoster is
//! always planned in full, since grants and application access are not part of the user and do
//! not move its version.

use crate::directory::import::options::ImportOptions;
use crate::import::{ImportField, ImportRow, application_column};
use crate::model::{District, FingerprintHash, FingerprintHasher, ImportFingerprint, OrgTree};

/// Bumped whenever what is hashed changes meaning, so older fingerprints simply stop matching.
const ROW_TAG: &[u8] = b"homeroom-import-row/1";
const CONTEXT_TAG: &[u8] = b"homeroom-import-context/1";

/// True when `row` may be skipped by fingerprint: every cell is a user field a compare reads,
/// and the cells that grant rights or set a password or status are blank.
pub(crate) fn eligible(row: &ImportRow) -> bool {
    row.roster().is_none()
        && row.cells().all(|(name, field, value)| match field {
            Some(
                ImportField::Roles
                | ImportField::GroupName
                | ImportField::TemporaryPassword
                | ImportField::Status,
            ) => value.trim().is_empty(),
            Some(_) => true,
            None => application_column(name).is_none(),
        })
}

/// The digest of a row: every column's header and raw value, in file order.
pub(crate) fn row_hash(row: &ImportRow) -> FingerprintHash {
    let mut hasher = FingerprintHasher::new();
    hasher.part(ROW_TAG);
    for (name, _, value) in row.cells() {
        hasher.part(name.as_bytes());
        hasher.part(value.as_bytes());
    }
    hasher.finish()
}

/// The digest of what a row is planned under: the options that planning a row reads, the
/// district's name and settings, and every org unit (id, parent, name, code, kind, version).
/// The guard thresholds and welcome e-mails are left out: they never change how an existing
/// user's row is planned (the guard counts a whole plan; welcomes go to new users only).
pub(crate) fn context_hash(
    district: &District,
    tree: &OrgTree,
    options: &ImportOptions,
) -> Option<FingerprintHash> {
    let mut hasher = FingerprintHasher::new();
    hasher.part(CONTEXT_TAG);
    hasher.part(&json(&(
        options.mode,
        options.sync,
        options.create_org_units,
        options.default_kind,
        options.temporary_passwords_must_change,
        &options.oneroster_roles,
    ))?);
    hasher.part(&json(&(district.id, &district.name, &district.settings))?);
    let mut units: Vec<_> = tree.units().collect();
    units.sort_by_key(|u| u.id);
    for unit in units {
        hasher.part(&json(unit)?);
    }
    Some(hasher.finish())
}

/// A value as JSON (deterministic: structs in field order, maps ordered). `None` if it cannot
/// be written, and then no fingerprint is made or trusted.
fn json<T: serde::Serialize + ?Sized>(value: &T) -> Option<Vec<u8>> {
    serde_json::to_vec(value).ok()
}

/// True when `stored` is the fingerprint this row would leave on a user now at `version`.
pub(crate) fn matches(
    stored: Option<&ImportFingerprint>,
    row: FingerprintHash,
    context: FingerprintHash,
    version: crate::ids::Version,
) -> bool {
    stored.is_some_and(|f| f.row == row && f.context == context && f.version == version)
}
