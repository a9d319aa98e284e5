//! Runs the ops of one set inside its transaction, batching inserts in batched mode.

use std::collections::HashSet;

use homeroom::{DistrictId, Entity, Op, StorageError, User};
use sea_orm::{DbErr, EntityTrait, QuerySelect};

use super::batch::{PendingActivity, PendingUsers};
use super::tx::Tx;
use super::updates::PendingUpdates;
use super::{items, others, records, users};
use crate::entity::district;
use crate::error::{DbFailure, classify, unique_key};

/// How a set's ops reach the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// Inserts go in multi-row statements.
    Batched,
    /// Every op on its own, in order.
    Exact,
}

/// The state of one attempt at a set, whose ops live for `'o`.
pub(super) struct Writer<'t, 'o> {
    tx: Tx<'t>,
    mode: Mode,
    /// Districts known to exist in this transaction (districts are never deleted).
    districts: HashSet<DistrictId>,
    users: PendingUsers,
    updates: PendingUpdates<'o>,
    activity: PendingActivity,
}

impl<'t, 'o> Writer<'t, 'o> {
    pub(super) fn new(tx: Tx<'t>, mode: Mode) -> Self {
        Self {
            tx,
            mode,
            districts: HashSet::new(),
            users: PendingUsers::default(),
            updates: PendingUpdates::default(),
            activity: PendingActivity::default(),
        }
    }

    /// Applies one op (or queues it, in batched mode).
    pub(super) async fn op(&mut self, op: &'o Op) -> Result<(), StorageError> {
        match op {
            Op::InsertUser(user) => {
                // A queued update may free a key this user takes.
                self.flush_updates().await?;
                return self.insert_user(user).await;
            }
            Op::UpdateUser { user, expected } if self.mode == Mode::Batched => {
                // The update may be of a queued insert.
                self.flush_users().await?;
                if self.updates.collides(user) || self.updates.is_full(self.tx.backend) {
                    self.flush_updates().await?;
                }
                self.updates.push(user, *expected);
                return Ok(());
            }
            Op::AppendActivity(entry) => {
                // The district's foreign key refuses an entry of a missing district (as
                // `NotFound`), with no read first.
                if self.mode == Mode::Exact {
                    return others::append_activity(self.tx.txn, entry).await;
                }
                if self.activity.collides(entry) || self.activity.is_full(self.tx.backend) {
                    self.flush_activity().await?;
                }
                return self.activity.push(entry);
            }
            _ => {}
        }
        // Every other op may read or change what a queued user insert or update writes.
        self.flush_users().await?;
        self.flush_updates().await?;
        match op {
            Op::InsertDistrict(d) => {
                others::insert_district(&self.tx, d).await?;
                self.districts.insert(d.id);
                Ok(())
            }
            Op::UpdateDistrict { district, expected } => {
                others::update_district(&self.tx, district, *expected).await
            }
            Op::InsertOrgUnit(unit) => {
                self.require_district(unit.district).await?;
                others::insert_org_unit(&self.tx, unit).await
            }
            Op::UpdateOrgUnit { org_unit, expected } => {
                others::update_org_unit(&self.tx, org_unit, *expected).await
            }
            Op::UpdateUser { user, expected } => users::update(&self.tx, user, *expected).await,
            Op::DeleteUser {
                district,
                id,
                expected,
            } => users::delete(&self.tx, *district, *id, *expected).await,
            Op::InsertRole(role) => {
                self.require_district(role.district).await?;
                others::insert_role(&self.tx, role).await
            }
            Op::UpdateRole { role, expected } => {
                others::update_role(&self.tx, role, *expected).await
            }
            Op::InsertGrant(grant) => {
                self.require_district(grant.district).await?;
                others::insert_grant(&self.tx, grant).await
            }
            Op::DeleteGrant {
                district,
                id,
                expected,
            } => others::delete_grant(&self.tx, *district, *id, *expected).await,
            Op::InsertRecord(record) => {
                self.require_district(record.district).await?;
                records::insert(&self.tx, record).await
            }
            Op::UpdateRecord { record, expected } => {
                records::update(&self.tx, record, *expected).await
            }
            Op::DeleteRecord {
                district,
                id,
                expected,
            } => records::delete(&self.tx, *district, *id, *expected).await,
            Op::SetPassword {
                district,
                user,
                credential,
            } => users::set_password(&self.tx, *district, *user, credential).await,
            Op::InsertItem(item) => {
                self.require_district(item.district).await?;
                items::insert(&self.tx, item).await
            }
            Op::UpdateItem { item, expected } => items::update(&self.tx, item, *expected).await,
            Op::DeleteItem {
                district,
                id,
                expected,
            } => items::delete(&self.tx, *district, *id, *expected).await,
            // `Op` is non-exhaustive: an op this backend does not know is refused, not ignored.
            other => Err(StorageError::Unsupported {
                operation: format!("{other:?}"),
            }),
        }
    }

    /// Writes whatever is still queued.
    pub(super) async fn finish(&mut self) -> Result<(), StorageError> {
        self.flush_users().await?;
        self.flush_updates().await?;
        self.flush_activity().await
    }

    async fn flush_updates(&mut self) -> Result<(), StorageError> {
        if self.updates.is_empty() {
            return Ok(());
        }
        self.updates.flush(&self.tx).await
    }

    async fn insert_user(&mut self, user: &User) -> Result<(), StorageError> {
        self.require_district(user.district).await?;
        if self.mode == Mode::Exact {
            return users::insert(&self.tx, user).await;
        }
        if self.users.collides(user) || self.users.is_full(self.tx.backend) {
            self.flush_users().await?;
        }
        self.users.push(user)
    }

    async fn flush_users(&mut self) -> Result<(), StorageError> {
        if self.users.is_empty() {
            return Ok(());
        }
        self.users
            .flush(self.tx.txn, self.tx.backend)
            .await
            .map_err(|e| batch_error(Entity::User, e))
    }

    async fn flush_activity(&mut self) -> Result<(), StorageError> {
        self.activity
            .flush(self.tx.txn, self.tx.backend)
            .await
            .map_err(|e| batch_error(Entity::Activity, e))
    }

    /// Fails with `NotFound` unless the district exists.
    async fn require_district(&mut self, id: DistrictId) -> Result<(), StorageError> {
        if self.districts.contains(&id) {
            return Ok(());
        }
        let found = district::Entity::find_by_id(id.as_uuid())
            .select_only()
            .column(district::Column::Id)
            .into_tuple::<uuid::Uuid>()
            .one(self.tx.txn)
            .await
            .map_err(crate::error::storage("cannot read a district"))?;
        match found {
            Some(_) => {
                self.districts.insert(id);
                Ok(())
            }
            None => Err(StorageError::not_found(Entity::District, id)),
        }
    }
}

/// The error of a multi-row insert. Which row failed is not known here; the set is run again
/// op by op to find it (see the [module documentation](super)), so only the kind matters.
fn batch_error(entity: Entity, err: DbErr) -> StorageError {
    match classify(err) {
        DbFailure::Unique(constraint) => {
            StorageError::already_exists(entity, unique_key(entity, &constraint), "")
        }
        DbFailure::ForeignKey => StorageError::not_found(Entity::District, "?"),
        DbFailure::Race(_) => StorageError::conflict(entity, "", 0, 0),
        other => other.into_storage("cannot insert a batch of rows"),
    }
}
