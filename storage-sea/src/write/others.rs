//! Writes of districts, org units, roles, grants and activity entries: one row each, with
//! the same read-check-write pattern as users for versioned updates.

use homeroom::{
    ActivityEntry, District, DistrictId, Entity, Grant, GrantId, OrgUnit, Role, StorageError,
    UniqueKey, Version,
};
use sea_orm::ActiveValue::NotSet;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::blame::Blame;
use super::tx::Tx;
use crate::codec::{
    activity_row, district_row, grant_row, org_unit_row, role_row, stored_version, version,
};
use crate::entity::{district, grant, org_unit, role, user};
use crate::error::storage;

fn district_blame(d: &District) -> Blame {
    Blame::row(Entity::District, d.id, d.id)
        .key(UniqueKey::DistrictName, Some(District::name_key(&d.name)))
}

fn org_unit_blame(o: &OrgUnit) -> Blame {
    Blame::row(Entity::OrgUnit, o.id, o.district).key(
        UniqueKey::OrgUnitCode,
        o.code.as_deref().map(OrgUnit::code_key),
    )
}

fn role_blame(r: &Role) -> Blame {
    Blame::row(Entity::Role, r.id, r.district)
        .key(UniqueKey::RoleName, Some(Role::name_key(&r.name)))
}

pub(super) async fn insert_district(tx: &Tx<'_>, d: &District) -> Result<(), StorageError> {
    district::Entity::insert(district_row(d)?)
        .exec_without_returning(tx.txn)
        .await
        .map(drop)
        .map_err(|e| district_blame(d).error(e))
}

pub(super) async fn update_district(
    tx: &Tx<'_>,
    d: &District,
    expected: Version,
) -> Result<(), StorageError> {
    let blame = || district_blame(d).expecting(expected);
    let select = district::Entity::find_by_id(d.id.as_uuid())
        .select_only()
        .column(district::Column::Version);
    let stored = tx
        .lock_for_update(select)
        .into_tuple::<i64>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read a district"))?
        .ok_or_else(|| blame().not_found())?;
    StorageError::check_version(Entity::District, d.id, expected, stored_version(stored))?;
    let mut row = district_row(d)?;
    row.id = NotSet;
    let updated = district::Entity::update_many()
        .set(row)
        .filter(district::Column::Id.eq(d.id.as_uuid()))
        .filter(district::Column::Version.eq(version(expected)?))
        .exec(tx.txn)
        .await
        .map_err(|e| blame().error(e))?;
    expect_one(updated.rows_affected, blame)
}

pub(super) async fn insert_org_unit(tx: &Tx<'_>, o: &OrgUnit) -> Result<(), StorageError> {
    org_unit::Entity::insert(org_unit_row(o)?)
        .exec_without_returning(tx.txn)
        .await
        .map(drop)
        .map_err(|e| org_unit_blame(o).error(e))
}

pub(super) async fn update_org_unit(
    tx: &Tx<'_>,
    o: &OrgUnit,
    expected: Version,
) -> Result<(), StorageError> {
    let blame = || org_unit_blame(o).expecting(expected);
    let select = org_unit::Entity::find_by_id(o.id.as_uuid())
        .filter(org_unit::Column::District.eq(o.district.as_uuid()))
        .select_only()
        .column(org_unit::Column::Version);
    let stored = tx
        .lock_for_update(select)
        .into_tuple::<i64>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read an org unit"))?
        .ok_or_else(|| blame().not_found())?;
    StorageError::check_version(Entity::OrgUnit, o.id, expected, stored_version(stored))?;
    let mut row = org_unit_row(o)?;
    row.id = NotSet;
    row.district = NotSet;
    let updated = org_unit::Entity::update_many()
        .set(row)
        .filter(org_unit::Column::Id.eq(o.id.as_uuid()))
        .filter(org_unit::Column::District.eq(o.district.as_uuid()))
        .filter(org_unit::Column::Version.eq(version(expected)?))
        .exec(tx.txn)
        .await
        .map_err(|e| blame().error(e))?;
    expect_one(updated.rows_affected, blame)
}

/// Appends one activity entry, in a transaction or on its own (`db`).
pub(super) async fn append_activity<C: ConnectionTrait>(
    db: &C,
    entry: &ActivityEntry,
) -> Result<(), StorageError> {
    crate::entity::activity::Entity::insert(activity_row(entry)?)
        .exec_without_returning(db)
        .await
        .map(drop)
        .map_err(|e| Blame::row(Entity::Activity, entry.id, entry.district).error(e))
}

pub(super) async fn insert_role(tx: &Tx<'_>, r: &Role) -> Result<(), StorageError> {
    role::Entity::insert(role_row(r)?)
        .exec_without_returning(tx.txn)
        .await
        .map(drop)
        .map_err(|e| role_blame(r).error(e))
}

pub(super) async fn update_role(
    tx: &Tx<'_>,
    r: &Role,
    expected: Version,
) -> Result<(), StorageError> {
    let blame = || role_blame(r).expecting(expected);
    let select = role::Entity::find_by_id(r.id.as_uuid())
        .filter(role::Column::District.eq(r.district.as_uuid()))
        .select_only()
        .column(role::Column::Version);
    let stored = tx
        .lock_for_update(select)
        .into_tuple::<i64>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read a role"))?
        .ok_or_else(|| blame().not_found())?;
    StorageError::check_version(Entity::Role, r.id, expected, stored_version(stored))?;
    let mut row = role_row(r)?;
    row.id = NotSet;
    row.district = NotSet;
    let updated = role::Entity::update_many()
        .set(row)
        .filter(role::Column::Id.eq(r.id.as_uuid()))
        .filter(role::Column::District.eq(r.district.as_uuid()))
        .filter(role::Column::Version.eq(version(expected)?))
        .exec(tx.txn)
        .await
        .map_err(|e| blame().error(e))?;
    expect_one(updated.rows_affected, blame)
}

/// Inserts a grant whose holder and role exist in its district (both stay locked against
/// deletion until the set commits).
pub(super) async fn insert_grant(tx: &Tx<'_>, g: &Grant) -> Result<(), StorageError> {
    let holder = user::Entity::find_by_id(g.holder.as_uuid())
        .filter(user::Column::District.eq(g.district.as_uuid()))
        .select_only()
        .column(user::Column::Id);
    let holder = tx
        .lock_for_share(holder)
        .into_tuple::<uuid::Uuid>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read a grant's holder"))?;
    if holder.is_none() {
        return Err(StorageError::not_found(Entity::User, g.holder));
    }
    let role = role::Entity::find_by_id(g.role.as_uuid())
        .filter(role::Column::District.eq(g.district.as_uuid()))
        .select_only()
        .column(role::Column::Id);
    let role = tx
        .lock_for_share(role)
        .into_tuple::<uuid::Uuid>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read a grant's role"))?;
    if role.is_none() {
        return Err(StorageError::not_found(Entity::Role, g.role));
    }
    grant::Entity::insert(grant_row(g)?)
        .exec_without_returning(tx.txn)
        .await
        .map(drop)
        .map_err(|e| Blame::row(Entity::Grant, g.id, g.district).error(e))
}

pub(super) async fn delete_grant(
    tx: &Tx<'_>,
    district: DistrictId,
    id: GrantId,
    expected: Version,
) -> Result<(), StorageError> {
    let blame = || Blame::row(Entity::Grant, id, district).expecting(expected);
    let select = grant::Entity::find_by_id(id.as_uuid())
        .filter(grant::Column::District.eq(district.as_uuid()))
        .select_only()
        .column(grant::Column::Version);
    let stored = tx
        .lock_for_update(select)
        .into_tuple::<i64>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read a grant"))?
        .ok_or_else(|| blame().not_found())?;
    StorageError::check_version(Entity::Grant, id, expected, stored_version(stored))?;
    let deleted = grant::Entity::delete_many()
        .filter(grant::Column::Id.eq(id.as_uuid()))
        .filter(grant::Column::District.eq(district.as_uuid()))
        .filter(grant::Column::Version.eq(version(expected)?))
        .exec(tx.txn)
        .await
        .map_err(|e| blame().error(e))?;
    expect_one(deleted.rows_affected, blame)
}

/// A versioned write that found its row locked and checked must touch exactly that row.
fn expect_one(rows: u64, blame: impl FnOnce() -> Blame) -> Result<(), StorageError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(blame().conflict(0))
    }
}
