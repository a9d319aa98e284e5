//! Generic items: inserted with an existing owner (if any), updated and deleted at the version
//! expected; the key is unique per district and kind (the database's unique index decides, so
//! two racing inserts of one key get one winner).

use homeroom::storage::Item;
use homeroom::{DistrictId, Entity, ItemId, StorageError, UniqueKey, UserId, Version};
use sea_orm::ActiveValue::NotSet;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::blame::Blame;
use super::tx::Tx;
use crate::codec::{item_row, stored_version, version};
use crate::entity::{item, user};
use crate::error::storage;

fn blame(i: &Item) -> Blame {
    Blame::row(Entity::Item, i.id, i.district).key(UniqueKey::ItemKey, i.key.clone())
}

/// Fails with `NotFound` unless `owner` exists in the district; locks the user against
/// deletion until the set commits.
async fn require_owner(
    tx: &Tx<'_>,
    district: DistrictId,
    owner: Option<UserId>,
) -> Result<(), StorageError> {
    let Some(owner) = owner else {
        return Ok(());
    };
    let select = user::Entity::find_by_id(owner.as_uuid())
        .filter(user::Column::District.eq(district.as_uuid()))
        .select_only()
        .column(user::Column::Id);
    let found = tx
        .lock_for_share(select)
        .into_tuple::<uuid::Uuid>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read an item's owner"))?;
    match found {
        Some(_) => Ok(()),
        None => Err(StorageError::not_found(Entity::User, owner)),
    }
}

pub(super) async fn insert(tx: &Tx<'_>, i: &Item) -> Result<(), StorageError> {
    require_owner(tx, i.district, i.owner).await?;
    item::Entity::insert(item_row(i)?)
        .exec_without_returning(tx.txn)
        .await
        .map(drop)
        .map_err(|e| blame(i).error(e))
}

/// The version an item is stored at, locked for the write that follows.
async fn stored_row_version(
    tx: &Tx<'_>,
    district: DistrictId,
    id: ItemId,
) -> Result<Option<i64>, StorageError> {
    let select = item::Entity::find_by_id(id.as_uuid())
        .filter(item::Column::District.eq(district.as_uuid()))
        .select_only()
        .column(item::Column::Version);
    tx.lock_for_update(select)
        .into_tuple::<i64>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read an item"))
}

/// Replaces an item stored at `expected`; its kind stays what it was stored as.
pub(super) async fn update(tx: &Tx<'_>, i: &Item, expected: Version) -> Result<(), StorageError> {
    let blame = || blame(i).expecting(expected);
    let stored = stored_row_version(tx, i.district, i.id)
        .await?
        .ok_or_else(|| blame().not_found())?;
    StorageError::check_version(Entity::Item, i.id, expected, stored_version(stored))?;
    require_owner(tx, i.district, i.owner).await?;
    let mut row = item_row(i)?;
    row.id = NotSet;
    row.district = NotSet;
    row.kind = NotSet;
    let updated = item::Entity::update_many()
        .set(row)
        .filter(item::Column::Id.eq(i.id.as_uuid()))
        .filter(item::Column::District.eq(i.district.as_uuid()))
        .filter(item::Column::Version.eq(version(expected)?))
        .exec(tx.txn)
        .await
        .map_err(|e| blame().error(e))?;
    if updated.rows_affected == 1 {
        Ok(())
    } else {
        Err(blame().conflict(0))
    }
}

pub(super) async fn delete(
    tx: &Tx<'_>,
    district: DistrictId,
    id: ItemId,
    expected: Version,
) -> Result<(), StorageError> {
    let blame = || Blame::row(Entity::Item, id, district).expecting(expected);
    let stored = stored_row_version(tx, district, id)
        .await?
        .ok_or_else(|| blame().not_found())?;
    StorageError::check_version(Entity::Item, id, expected, stored_version(stored))?;
    let deleted = item::Entity::delete_many()
        .filter(item::Column::Id.eq(id.as_uuid()))
        .filter(item::Column::District.eq(district.as_uuid()))
        .filter(item::Column::Version.eq(version(expected)?))
        .exec(tx.txn)
        .await
        .map_err(|e| blame().error(e))?;
    if deleted.rows_affected == 1 {
        Ok(())
    } else {
        Err(blame().conflict(0))
    }
}

/// Deletes every item `owner` owns: they go with their owner.
pub(super) async fn delete_owned_by(
    tx: &Tx<'_>,
    district: DistrictId,
    owner: UserId,
) -> Result<(), StorageError> {
    item::Entity::delete_many()
        .filter(item::Column::District.eq(district.as_uuid()))
        .filter(item::Column::Owner.eq(owner.as_uuid()))
        .exec(tx.txn)
        .await
        .map(drop)
        .map_err(storage("cannot delete a user's items"))
}
