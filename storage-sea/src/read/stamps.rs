//! `import_stamps`: a sync's light read of the users it manages, from five columns of
//! `hr_users`; the `data` column (the whole user as JSON) is never read or decoded.

use futures::TryStreamExt;
use homeroom::{DistrictId, ImportFingerprint, ImportStamp, RecordStatus, StorageError, UserId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select, StreamTrait,
};

use crate::codec::stored_version;
use crate::entity::user;
use crate::error::storage;

/// The district's import-managed users as stamps, streamed row by row.
pub(crate) async fn import_stamps<C: ConnectionTrait + StreamTrait>(
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
        let fingerprint = fingerprint
            .map(|f| f.parse::<ImportFingerprint>())
            .transpose()
            .map_err(|e| StorageError::backend("cannot decode a stored fingerprint", e))?;
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
/// m0009), after the two it filters on, so the read is one range of that index and never
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
        .ok_or_else(|| StorageError::backend("cannot decode a stored status", UnknownStatus))
}

/// A status column holding a value no `RecordStatus` writes.
#[derive(Debug)]
struct UnknownStatus;

impl std::fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unknown status")
    }
}

impl std::error::Error for UnknownStatus {}
