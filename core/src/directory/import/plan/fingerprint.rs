//! Fingerprints of rows and of what they are planned under (see [`ImportFingerprint`]): a row
//! whose user still carries the fingerprint it would leave is unchanged, with no compare.
//!
//! Only rows whose plan depends on nothing but their cells, their user, the options, the
//! district's settings and its org tree get one ([`eligible`]): a row that grants roles or
//! groups, enables applications, sets a password or a status, or comes from OneRoster is
//! always planned in full, since grants and application access are not part of the user and do
//! not move its version.

use crate::directory::import::options::ImportOptions;
use std::sync::Arc;

use crate::import::{Columns, ImportField, ImportRow, application_column};
use crate::model::{District, FingerprintHash, FingerprintHasher, ImportFingerprint, OrgTree};

/// Bumped whenever what is hashed changes meaning, so older fingerprints simply stop matching.
const ROW_TAG: &[u8] = b"homeroom-import-row/2";
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

/// Digests rows ([`RowHasher::hash`]). The header of a file is the same on every row, so it is
/// hashed once, into a first block every row's digest starts from; a row then costs the
/// compression of its values alone (two SHA-256 blocks for a typical roster row, where hashing
/// every header beside its value took five).
#[derive(Default)]
pub(crate) struct RowHasher {
    /// The columns the prefix was made for, and the hasher holding that prefix.
    prefix: Option<(Arc<Columns>, FingerprintHasher)>,
    /// The bytes of the row being hashed (reused, so hashing allocates nothing per row).
    scratch: Vec<u8>,
}

impl RowHasher {
    /// The digest of a row: SHA-256 of one 64-byte block holding the digest of the tag and
    /// every header (length-prefixed), then the number of cells, each cell's length (u32
    /// little-endian) and the cells' bytes end to end. The lengths make the encoding
    /// injective: two rows under the same headers give the same bytes only when every cell is
    /// equal.
    pub(crate) fn hash(&mut self, row: &ImportRow) -> FingerprintHash {
        let columns = row.columns();
        let hasher = match &self.prefix {
            Some((kept, hasher)) if Arc::ptr_eq(kept, columns) || **kept == **columns => {
                hasher.clone()
            }
            _ => {
                let hasher = prefix(columns);
                self.prefix = Some((Arc::clone(columns), hasher.clone()));
                hasher
            }
        };
        let scratch = &mut self.scratch;
        scratch.clear();
        scratch.extend_from_slice(&cell_len(row.values().len()));
        for value in row.values() {
            scratch.extend_from_slice(&cell_len(value.len()));
        }
        for value in row.values() {
            scratch.extend_from_slice(value.as_bytes());
        }
        let mut hasher = hasher;
        hasher.raw(scratch);
        hasher.finish()
    }
}

/// A length as four little-endian bytes (a cell or a row longer than 4 GiB cannot be read).
fn cell_len(len: usize) -> [u8; 4] {
    u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes()
}

/// The hasher every row under `columns` starts from: one whole block (the digest of the tag
/// and the headers, zero-padded to 64 bytes), already compressed.
fn prefix(columns: &Columns) -> FingerprintHasher {
    let header = FingerprintHash::of(
        std::iter::once(ROW_TAG).chain(columns.names().iter().map(String::as_bytes)),
    );
    let mut block = [0u8; 64];
    block[..16].copy_from_slice(&header.bytes());
    let mut hasher = FingerprintHasher::new();
    hasher.raw(&block);
    hasher
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::RowRef;

    fn row(columns: &Arc<Columns>, values: &[&str]) -> ImportRow {
        let values = values.iter().map(|v| (*v).to_owned()).collect();
        ImportRow::new(RowRef::new("f.csv", 2), Arc::clone(columns), values)
    }

    #[test]
    fn a_row_digest_changes_with_any_cell_or_header_and_not_with_the_hasher() {
        let names = Arc::new(Columns::from_headers(["Local ID", "First Name", "Notes"]));
        let other = Arc::new(Columns::from_headers(["Local ID", "First Name", "Note"]));
        let mut hasher = RowHasher::default();
        let base = hasher.hash(&row(&names, &["1", "Ada", "x"]));
        assert_eq!(base, hasher.hash(&row(&names, &["1", "Ada", "x"])));
        // A fresh hasher, and one that hashed rows of another file in between, agree.
        assert_eq!(
            base,
            RowHasher::default().hash(&row(&names, &["1", "Ada", "x"]))
        );
        let under_other = hasher.hash(&row(&other, &["1", "Ada", "x"]));
        assert_ne!(base, under_other, "another header");
        assert_eq!(base, hasher.hash(&row(&names, &["1", "Ada", "x"])));
        for changed in [
            ["1", "Ada", "y"],
            ["1", "Adax", ""],
            ["1A", "da", "x"],
            ["1", "Ada ", "x"],
            ["", "1Ada", "x"],
        ] {
            assert_ne!(base, hasher.hash(&row(&names, &changed)), "{changed:?}");
        }
    }
}
