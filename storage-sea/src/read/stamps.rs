//! `import_stamps`: a sync's light read of the users it manages, from five columns of
//! `hr_users`; the `data` column (the whole user as JSON) is never read or decoded.
//!
//! On SQLite the stamps come back as one value per page of [`STAMPS_PER_PAGE`], not one row
//! each: every row the driver hands over crosses from its worker thread to the caller's task,
//! and with a hundred thousand rows those hand-offs (a wake-up each, on a busy machine a wait
//! for a core each) cost several times SQLite's own work. SQLite joins the five columns of
//! every stamp of a page into one text (`group_concat`, separators that no stored value can
//! hold), read through the covering index `ix_hr_users_import_stamps`; PostgreSQL streams the
//! rows, which its protocol batches anyway.

use futures::TryStreamExt;
use homeroom::{DistrictId, ImportFingerprint, ImportStamp, RecordStatus, StorageError, UserId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Select,
    Statement, StreamTrait, Value,
};

use crate::codec::stored_version;
use crate::entity::user;
use crate::error::storage;

/// The district's import-managed users as stamps.
pub(crate) async fn import_stamps<C: ConnectionTrait + StreamTrait>(
    db: &C,
    d: DistrictId,
) -> Result<Vec<ImportStamp>, StorageError> {
    match ConnectionTrait::get_database_backend(db) {
        DbBackend::Sqlite => joined_stamps(db, d).await,
        _ => streamed_stamps(db, d).await,
    }
}

/// Separates the fields of a stamp in the joined text (a control character: Local IDs hold
/// none, and the other fields are hex, digits, `:` and status words).
const FIELD: char = '\u{1f}';
/// Separates stamps in the joined text.
const STAMP: char = '\u{1e}';

/// Stamps per joined text: a page of about 1.5 MB, so a district of a million never has all
/// its stamps in memory as text as well (once in SQLite, once in the driver, once here: three
/// copies of some 190 MB, which set the peak memory of a no-change re-sync).
const STAMPS_PER_PAGE: u32 = 8192;

/// The two runs of pages: the users without a Local ID (an admin cleared it; keyed by id),
/// then the others, keyed by their Local ID, unique in the district. Each run is one range of
/// `ix_hr_users_import_stamps`, walked in index order from where the last page ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StampPages {
    /// `local_id IS NULL`, after a given id.
    WithoutLocalId,
    /// `local_id > ?`.
    ByLocalId,
}

/// The stamps as text joined by SQLite, a page at a time, split here.
async fn joined_stamps<C: ConnectionTrait>(
    db: &C,
    d: DistrictId,
) -> Result<Vec<ImportStamp>, StorageError> {
    joined_stamps_in_pages(db, d, STAMPS_PER_PAGE).await
}

/// [`joined_stamps`], `per_page` stamps a page.
async fn joined_stamps_in_pages<C: ConnectionTrait>(
    db: &C,
    d: DistrictId,
    per_page: u32,
) -> Result<Vec<ImportStamp>, StorageError> {
    let what = "cannot read the import stamps";
    let mut stamps = Vec::new();
    for pages in [StampPages::WithoutLocalId, StampPages::ByLocalId] {
        // Before every id (the empty blob) and every Local ID (never empty).
        let mut after = match pages {
            StampPages::WithoutLocalId => Value::from(Vec::<u8>::new()),
            StampPages::ByLocalId => Value::from(String::new()),
        };
        loop {
            let statement = Statement::from_sql_and_values(
                DbBackend::Sqlite,
                joined_sql(pages),
                [
                    Value::from(d.as_uuid()),
                    Value::from(true),
                    after,
                    Value::from(per_page),
                ],
            );
            let row = db.query_one_raw(statement).await.map_err(storage(what))?;
            let Some(row) = row else { break };
            let joined: Option<String> = row.try_get_by_index(0).map_err(storage(what))?;
            let Some(joined) = joined else { break };
            let read = stamps.len();
            for stamp in joined.split(STAMP) {
                stamps.push(split_stamp(stamp)?);
            }
            if stamps.len() - read < per_page as usize {
                break;
            }
            after = match pages {
                StampPages::WithoutLocalId => {
                    Value::from(row.try_get_by_index::<Vec<u8>>(1).map_err(storage(what))?)
                }
                StampPages::ByLocalId => {
                    Value::from(row.try_get_by_index::<String>(1).map_err(storage(what))?)
                }
            };
        }
    }
    Ok(stamps)
}

/// One stamp of the joined text.
fn split_stamp(stamp: &str) -> Result<ImportStamp, StorageError> {
    let mut fields = stamp.split(FIELD);
    let (Some(id), Some(local_id), Some(status), Some(version), Some(print), None) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err(bad_stamp());
    };
    let version: i64 = version.parse().map_err(|_| bad_stamp())?;
    Ok(ImportStamp {
        id: UserId::from_uuid(hex_uuid(id).ok_or_else(bad_stamp)?),
        local_id: (!local_id.is_empty()).then(|| local_id.into()),
        status: decode_status(status)?,
        version: homeroom::Version::new(stored_version(version)),
        fingerprint: decode_fingerprint((!print.is_empty()).then_some(print))?,
    })
}

/// The statement of one page of [`joined_stamps`]: the filter of [`stamps_select`] and a
/// range of the run's key after the bound value, at most a page of stamps joined, and the
/// last key of the page (where the next starts). Parameters: district, `true`, the bound,
/// the page size.
pub(crate) fn joined_sql(pages: StampPages) -> String {
    let (key, range) = match pages {
        StampPages::WithoutLocalId => ("id", "local_id IS NULL AND id > ?"),
        StampPages::ByLocalId => ("local_id", "local_id > ?"),
    };
    format!(
        "SELECT group_concat(stamp, char({stamp})), max(page_key) FROM \
         (SELECT hex(id) || char({field}) || coalesce(local_id, '') || char({field}) \
         || status || char({field}) || version || char({field}) \
         || coalesce(import_fingerprint, '') AS stamp, {key} AS page_key \
         FROM hr_users WHERE district = ? AND import_managed = ? AND {range} \
         ORDER BY {key} LIMIT ?)",
        field = u32::from(FIELD),
        stamp = u32::from(STAMP),
    )
}

/// A uuid written by SQLite's `hex()`: 32 upper-case hex digits.
fn hex_uuid(text: &str) -> Option<uuid::Uuid> {
    let bytes = text.as_bytes();
    if bytes.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let digit = |d: u8| {
            char::from(d)
                .to_digit(16)
                .and_then(|v| u8::try_from(v).ok())
        };
        *slot = (digit(*pair.first()?)? << 4) | digit(*pair.get(1)?)?;
    }
    Some(uuid::Uuid::from_bytes(out))
}

/// A joined stamp that does not split into its five fields.
fn bad_stamp() -> StorageError {
    StorageError::backend("cannot decode an import stamp", Malformed("import stamp"))
}

/// A stored fingerprint column.
pub(crate) fn decode_fingerprint(
    text: Option<&str>,
) -> Result<Option<ImportFingerprint>, StorageError> {
    text.map(str::parse::<ImportFingerprint>)
        .transpose()
        .map_err(|e| StorageError::backend("cannot decode a stored fingerprint", e))
}

/// The stamps, streamed row by row.
async fn streamed_stamps<C: ConnectionTrait + StreamTrait>(
    db: &C,
    d: DistrictId,
) -> Result<Vec<ImportStamp>, StorageError> {
    let mut rows = stamps_select(d)
        .into_tuple::<Row>()
        .stream(db)
        .await
        .map_err(storage("cannot read rows"))?;
    let mut stamps = Vec::new();
    while let Some((id, local_id, status, version, fingerprint)) =
        rows.try_next().await.map_err(storage("cannot read rows"))?
    {
        let fingerprint = decode_fingerprint(fingerprint.as_deref())?;
        stamps.push(ImportStamp {
            id: UserId::from_uuid(id),
            local_id: local_id.map(Into::into),
            status: decode_status(&status)?,
            version: homeroom::Version::new(stored_version(version)),
            fingerprint,
        });
    }
    Ok(stamps)
}

/// A stamp's columns: id, Local ID, status, version, fingerprint.
type Row = (uuid::Uuid, Option<String>, String, i64, Option<String>);

/// The stamps' `SELECT`: every column it reads is in `ix_hr_users_import_stamps` (migration
/// m0008), after the two it filters on, so the read is one range of that index and never
/// touches a user row (a test checks the plan).
pub(crate) fn stamps_select(d: DistrictId) -> Select<user::Entity> {
    user::Entity::find()
        .filter(user::Column::District.eq(d.as_uuid()))
        .filter(user::Column::ImportManaged.eq(true))
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::LocalId)
        .column(user::Column::Status)
        .column(user::Column::Version)
        .column(user::Column::ImportFingerprint)
}

/// A status column's value (`RecordStatus::as_str`).
fn decode_status(text: &str) -> Result<RecordStatus, StorageError> {
    RecordStatus::ALL
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| StorageError::backend("cannot decode a stored status", Malformed("status")))
}

/// A stored value that does not decode (what it should have been).
#[derive(Debug)]
struct Malformed(&'static str);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed {}", self.0)
    }
}

impl std::error::Error for Malformed {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeaStorage;
    use homeroom::conformance::Fixture;
    use homeroom::{ChangeSet, LocalId, Op, Storage};

    fn local_id(text: &str) -> Option<LocalId> {
        Some(LocalId::parse(text).unwrap())
    }

    /// Whatever the page size, paging the joined text lists the same stamps as reading them
    /// row by row: the users without a Local ID, every page boundary, the last short page.
    #[tokio::test]
    async fn stamps_read_in_pages_are_the_stamps_read_row_by_row() {
        let storage = SeaStorage::connect("sqlite::memory:").await.unwrap();
        let mut fx = Fixture::new();
        let d = fx.seed_district(&storage, "Maple Valley").await;
        let other = fx.seed_district(&storage, "Cedar Falls").await;
        let mut users = Vec::new();
        for n in 0..23 {
            let mut user = fx.user(d.id, "Ada", &format!("Lovelace{n}"));
            // Every fourth without a Local ID; one not managed by import.
            if n % 4 != 0 {
                user.details.local_id = local_id(&format!("{n:03}"));
            }
            user.import_managed = n != 5;
            users.push(user);
        }
        users.push({
            let mut elsewhere = fx.user(other.id, "Grace", "Hopper");
            elsewhere.details.local_id = local_id("001");
            elsewhere.import_managed = true;
            elsewhere
        });
        let set: ChangeSet = users
            .into_iter()
            .map(|u| Op::InsertUser(Box::new(u)))
            .collect();
        storage.apply(set).await.unwrap();

        let db = storage.connection();
        let sorted = |mut stamps: Vec<ImportStamp>| {
            stamps.sort_by_key(|s| s.id);
            stamps
        };
        let row_by_row = sorted(streamed_stamps(db, d.id).await.unwrap());
        assert_eq!(row_by_row.len(), 22);
        for per_page in [1, 2, 5, 6, 16, 17, 100] {
            let paged = sorted(joined_stamps_in_pages(db, d.id, per_page).await.unwrap());
            assert_eq!(paged, row_by_row, "{per_page} a page");
        }
    }
}
