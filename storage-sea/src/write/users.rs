//! User writes: the user row plus its search terms and memberships, kept in step.
//!
//! An update or delete first reads the stored row (locked on PostgreSQL), which settles
//! `NotFound` and `Conflict` and tells which terms and memberships the row had; the update
//! itself still names the version it expects (`UPDATE ... WHERE id = ? AND district = ? AND
//! version = ?`, see `rewrite`). Only the columns, terms and memberships that changed are
//! written. In batched mode, runs of updates read their stored rows together (`updates`).

use homeroom::password::PasswordCredential;
use homeroom::{DistrictId, Entity, StorageError, User, UserId, Version};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::blame::Blame;
use super::rewrite::{Added, Rewrite, rewrite_all};
use super::rows::insert_models;
use super::tx::Tx;
use crate::codec::{membership_rows, stored_terms, term_rows, user_row};
use crate::entity::membership::ActiveModel as MembershipRow;
use crate::entity::user_term::ActiveModel as TermRow;
use crate::entity::{membership, password, user, user_term};
use crate::error::storage;
use crate::user_json::{UserRow, select_user_row, user_of_row};

/// The table rows of one user: the user, its search terms and its memberships.
struct UserRows {
    user: user::ActiveModel,
    terms: Vec<TermRow>,
    members: Vec<MembershipRow>,
}

impl UserRows {
    fn of(u: &User) -> Result<Self, StorageError> {
        Ok(Self {
            user: user_row(u)?,
            terms: term_rows(u, stored_terms(u)).collect(),
            members: membership_rows(u, &u.details.org_units).collect(),
        })
    }
}

/// Inserts one user with its terms and memberships.
pub(super) async fn insert(tx: &Tx<'_>, u: &User) -> Result<(), StorageError> {
    let rows = UserRows::of(u)?;
    user::Entity::insert(rows.user)
        .exec_without_returning(tx.txn)
        .await
        .map_err(|e| Blame::user(u).error(e))?;
    insert_models(tx.txn, tx.backend, rows.terms)
        .await
        .map_err(|e| Blame::user(u).error(e))?;
    insert_models(tx.txn, tx.backend, rows.members)
        .await
        .map_err(|e| Blame::user(u).error(e))
}

/// Replaces a user stored at `expected` with `u`.
pub(super) async fn update(tx: &Tx<'_>, u: &User, expected: Version) -> Result<(), StorageError> {
    let blame = || Blame::user(u).expecting(expected);
    let old = stored(tx, u.district, u.id)
        .await?
        .ok_or_else(|| blame().not_found())?;
    StorageError::check_version(Entity::User, u.id, expected, old.version.get())?;
    let mut added = Added::default();
    let rewrite = Rewrite {
        old,
        new: u,
        expected,
    };
    rewrite_all(tx, std::slice::from_ref(&rewrite), &mut added).await?;
    added.flush(tx, &blame()).await
}

/// Deletes a user stored at `expected`, with its terms and memberships.
pub(super) async fn delete(
    tx: &Tx<'_>,
    district: DistrictId,
    id: UserId,
    expected: Version,
) -> Result<(), StorageError> {
    let blame = || Blame::row(Entity::User, id, district).expecting(expected);
    let old = stored(tx, district, id)
        .await?
        .ok_or_else(|| blame().not_found())?;
    StorageError::check_version(Entity::User, id, expected, old.version.get())?;

    let deleted = user::Entity::delete_many()
        .filter(user::Column::Id.eq(id.as_uuid()))
        .filter(user::Column::District.eq(district.as_uuid()))
        .filter(user::Column::Version.eq(crate::codec::version(expected)?))
        .exec(tx.txn)
        .await
        .map_err(|e| blame().error(e))?;
    if deleted.rows_affected != 1 {
        return Err(blame().conflict(0));
    }
    // Counted after the delete holds the row: a record inserted meanwhile (its insert locks
    // the user for share) is either seen here or finds no user.
    if !crate::read::record_counts(tx.txn, district, id)
        .await?
        .is_empty()
    {
        return Err(blame().conflict(expected.get()));
    }
    super::items::delete_owned_by(tx, district, id).await?;
    delete_terms(tx, district, id, stored_terms(&old).iter().collect()).await?;
    let units = old.details.org_units.iter().map(|o| o.as_uuid()).collect();
    delete_members(tx, district, id, units).await?;
    password::Entity::delete_many()
        .filter(password::Column::UserId.eq(id.as_uuid()))
        .filter(password::Column::District.eq(district.as_uuid()))
        .exec(tx.txn)
        .await
        .map(drop)
        .map_err(storage("cannot delete a user's password"))
}

/// Sets (inserts or replaces) a user's password credential; the user must exist.
pub(super) async fn set_password(
    tx: &Tx<'_>,
    district: DistrictId,
    id: UserId,
    credential: &PasswordCredential,
) -> Result<(), StorageError> {
    if stored(tx, district, id).await?.is_none() {
        return Err(StorageError::not_found(Entity::User, id));
    }
    let row = password::ActiveModel {
        user_id: Set(id.as_uuid()),
        district: Set(district.as_uuid()),
        data: Set(crate::codec::to_json(credential)?),
    };
    password::Entity::insert(row)
        .on_conflict(
            OnConflict::column(password::Column::UserId)
                .update_column(password::Column::Data)
                .to_owned(),
        )
        .exec_without_returning(tx.txn)
        .await
        .map(drop)
        .map_err(storage("cannot store a password"))
}

/// A user as stored, locked for the rest of the transaction.
async fn stored(
    tx: &Tx<'_>,
    district: DistrictId,
    id: UserId,
) -> Result<Option<User>, StorageError> {
    let select = user::Entity::find_by_id(id.as_uuid())
        .filter(user::Column::District.eq(district.as_uuid()));
    tx.lock_for_update(select_user_row(select))
        .into_tuple::<UserRow>()
        .one(tx.txn)
        .await
        .map_err(storage("cannot read a user"))?
        .map(user_of_row)
        .transpose()
}

pub(super) async fn delete_terms(
    tx: &Tx<'_>,
    district: DistrictId,
    id: UserId,
    terms: Vec<&String>,
) -> Result<(), StorageError> {
    for chunk in terms.chunks(crate::limits::rows_per_statement(tx.backend, 1, 2)) {
        user_term::Entity::delete_many()
            .filter(user_term::Column::District.eq(district.as_uuid()))
            .filter(user_term::Column::UserId.eq(id.as_uuid()))
            .filter(user_term::Column::Term.is_in(chunk.iter().map(|t| t.as_str())))
            .exec(tx.txn)
            .await
            .map_err(storage("cannot delete a user's search terms"))?;
    }
    Ok(())
}

pub(super) async fn delete_members(
    tx: &Tx<'_>,
    district: DistrictId,
    id: UserId,
    units: Vec<uuid::Uuid>,
) -> Result<(), StorageError> {
    for chunk in units.chunks(crate::limits::rows_per_statement(tx.backend, 1, 2)) {
        membership::Entity::delete_many()
            .filter(membership::Column::District.eq(district.as_uuid()))
            .filter(membership::Column::UserId.eq(id.as_uuid()))
            .filter(membership::Column::OrgUnitId.is_in(chunk.iter().copied()))
            .exec(tx.txn)
            .await
            .map_err(storage("cannot delete a user's memberships"))?;
    }
    Ok(())
}
