//! Profile records: inserted for an existing user, updated at the version expected; the open
//! checkout of a device is unique per district (the database's unique index decides, so two
//! racing checkouts of one device get one winner).

use homeroom::records::Record;
use homeroom::{DistrictId, Entity, RecordId, StorageError, UniqueKey, Version};
use sea_orm::ActiveValue::NotSet;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::blame::Blame;
use super::tx::Tx;
use crate::codec::{record_row, stored_version, version};
use crate::entity::{record, user};
use crate::error::storage;

fn blame(r: &Record) -> Blame {
    Blame::row(Entity::Record, r.id, r.district).key(UniqueKey::OpenCheckout, r.open_device_key())
}

/// Fails with `NotFound` unless the record's user exists in its district; the user stays
/// locked against deletion until the set commits.
async fn require_user(tx: &Tx<'_>, r: &Record) -> Result<(), StorageError> {
    let owner = user::Entity::find_by_id(r.user.as_uuid())
        .filter(user::Column::District.eq(r.district.as_uuid()))
        .select_only()
        .column(user::Column::Id);
    let owner = tx
        .lock_for_share(owner)
        .into_tuple::<uuid::Uuid>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read a record's user"))?;
    if owner.is_none() {
        return Err(StorageError::not_found(Entity::User, r.user));
    }
    Ok(())
}

/// Inserts a record whose user exists in its district (the user stays locked against deletion
/// until the set commits).
pub(super) async fn insert(tx: &Tx<'_>, r: &Record) -> Result<(), StorageError> {
    require_user(tx, r).await?;
    record::Entity::insert(record_row(r)?)
        .exec_without_returning(tx.txn)
        .await
        .map(drop)
        .map_err(|e| blame(r).error(e))
}

/// Replaces a record stored at `expected` with `r`.
pub(super) async fn update(tx: &Tx<'_>, r: &Record, expected: Version) -> Result<(), StorageError> {
    let blame = || blame(r).expecting(expected);
    let select = record::Entity::find_by_id(r.id.as_uuid())
        .filter(record::Column::District.eq(r.district.as_uuid()))
        .select_only()
        .column(record::Column::Version)
        .column(record::Column::UserId);
    let (stored, holder) = tx
        .lock_for_update(select)
        .into_tuple::<(i64, uuid::Uuid)>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read a record"))?
        .ok_or_else(|| blame().not_found())?;
    StorageError::check_version(Entity::Record, r.id, expected, stored_version(stored))?;
    if holder != r.user.as_uuid() {
        // Moved to another user (a data transfer): they must exist, and stay until the commit.
        require_user(tx, r).await?;
    }
    let mut row = record_row(r)?;
    row.id = NotSet;
    row.district = NotSet;
    let updated = record::Entity::update_many()
        .set(row)
        .filter(record::Column::Id.eq(r.id.as_uuid()))
        .filter(record::Column::District.eq(r.district.as_uuid()))
        .filter(record::Column::Version.eq(version(expected)?))
        .exec(tx.txn)
        .await
        .map_err(|e| blame().error(e))?;
    if updated.rows_affected == 1 {
        Ok(())
    } else {
        Err(blame().conflict(0))
    }
}

/// Deletes a record stored at `expected`.
pub(super) async fn delete(
    tx: &Tx<'_>,
    district: DistrictId,
    id: RecordId,
    expected: Version,
) -> Result<(), StorageError> {
    let blame = || Blame::row(Entity::Record, id, district).expecting(expected);
    let deleted = record::Entity::delete_many()
        .filter(record::Column::Id.eq(id.as_uuid()))
        .filter(record::Column::District.eq(district.as_uuid()))
        .filter(record::Column::Version.eq(version(expected)?))
        .exec(tx.txn)
        .await
        .map_err(|e| blame().error(e))?;
    if deleted.rows_affected == 1 {
        return Ok(());
    }
    // Nothing deleted: say whether the record is missing or at another version.
    let select = record::Entity::find_by_id(id.as_uuid())
        .filter(record::Column::District.eq(district.as_uuid()))
        .select_only()
        .column(record::Column::Version);
    let stored = select
        .into_tuple::<i64>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read a record"))?
        .ok_or_else(|| blame().not_found())?;
    Err(blame().conflict(stored_version(stored)))
}
