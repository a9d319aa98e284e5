//! Runs the ops of one set inside its transaction, batching inserts in batched mode.

use std::collections::HashSet;

use homeroom::{DistrictId, Entity, Op, StorageError, User};
use sea_orm::sea_query::LockType;
use sea_orm::{DatabaseTransaction, DbErr, EntityTrait, QuerySelect};

use super::Mode;
use super::batch::{PendingActivity, PendingUsers};
use super::{items, others, records, users};
use crate::entity::district;
use crate::error::{DbFailure, classify, unique_key};
use crate::options::Backend;

/// The state of one attempt at a set.
pub(super) struct Writer<'t> {
    pub(super) txn: &'t DatabaseTransaction,
    pub(super) backend: Backend,
    mode: Mode,
    /// Districts known to exist in this transaction (districts are never deleted).
    districts: HashSet<DistrictId>,
    users: PendingUsers,
    activity: PendingActivity,
}

impl<'t> Writer<'t> {
    pub(super) fn new(txn: &'t DatabaseTransaction, backend: Backend, mode: Mode) -> Self {
        Self {
            txn,
            backend,
            mode,
            districts: HashSet::new(),
            users: PendingUsers::default(),
            activity: PendingActivity::default(),
        }
    }

    /// Applies one op (or queues it, in batched mode).
    pub(super) async fn op(&mut self, op: &Op) -> Result<(), StorageError> {
        match op {
            Op::InsertUser(user) => return self.insert_user(user).await,
            Op::AppendActivity(entry) => {
                self.require_district(entry.district).await?;
                if self.mode == Mode::Exact {
                    return others::append_activity(self, entry).await;
                }
                if self.activity.collides(entry) || self.activity.is_full(self.backend) {
                    self.flush_activity().await?;
                }
                return self.activity.push(entry);
            }
            _ => {}
        }
        // Every other op may read or change what a queued user insert writes.
        self.flush_users().await?;
        match op {
            Op::InsertDistrict(d) => {
                others::insert_district(self, d).await?;
                self.districts.insert(d.id);
                Ok(())
            }
            Op::UpdateDistrict { district, expected } => {
                others::update_district(self, district, *expected).await
            }
            Op::InsertOrgUnit(unit) => {
                self.require_district(unit.district).await?;
                others::insert_org_unit(self, unit).await
            }
            Op::UpdateOrgUnit { org_unit, expected } => {
                others::update_org_unit(self, org_unit, *expected).await
            }
            Op::UpdateUser { user, expected } => users::update(self, user, *expected).await,
            Op::DeleteUser {
                district,
                id,
                expected,
            } => users::delete(self, *district, *id, *expected).await,
            Op::InsertRole(role) => {
                self.require_district(role.district).await?;
                others::insert_role(self, role).await
            }
            Op::UpdateRole { role, expected } => others::update_role(self, role, *expected).await,
            Op::InsertGrant(grant) => {
                self.require_district(grant.district).await?;
                others::insert_grant(self, grant).await
            }
            Op::DeleteGrant {
                district,
                id,
                expected,
            } => others::delete_grant(self, *district, *id, *expected).await,
            Op::InsertRecord(record) => {
                self.require_district(record.district).await?;
                records::insert(self, record).await
            }
            Op::UpdateRecord { record, expected } => records::update(self, record, *expected).await,
            Op::SetPassword {
                district,
                user,
                credential,
            } => users::set_password(self, *district, *user, credential).await,
            Op::InsertItem(item) => {
                self.require_district(item.district).await?;
                items::insert(self, item).await
            }
            Op::UpdateItem { item, expected } => items::update(self, item, *expected).await,
            Op::DeleteItem {
                district,
                id,
                expected,
            } => items::delete(self, *district, *id, *expected).await,
            // `Op` is non-exhaustive: an op this backend does not know is refused, not ignored.
            other => Err(StorageError::Unsupported {
                operation: format!("{other:?}"),
            }),
        }
    }

    /// Writes whatever is still queued.
    pub(super) async fn finish(&mut self) -> Result<(), StorageError> {
        self.flush_users().await?;
        self.flush_activity().await
    }

    async fn insert_user(&mut self, user: &User) -> Result<(), StorageError> {
        self.require_district(user.district).await?;
        if self.mode == Mode::Exact {
            return users::insert(self, user).await;
        }
        if self.users.collides(user) || self.users.is_full(self.backend) {
            self.flush_users().await?;
        }
        self.users.push(user)
    }

    async fn flush_users(&mut self) -> Result<(), StorageError> {
        if self.users.is_empty() {
            return Ok(());
        }
        self.users
            .flush(self.txn, self.backend)
            .await
            .map_err(|e| batch_error(Entity::User, e))
    }

    async fn flush_activity(&mut self) -> Result<(), StorageError> {
        self.activity
            .flush(self.txn, self.backend)
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
            .one(self.txn)
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

    /// The lock a read takes on a row it is about to change (PostgreSQL; SQLite's write
    /// transaction already excludes every other writer).
    pub(super) fn lock_for_update<S: QuerySelect>(&self, select: S) -> S {
        match self.backend {
            Backend::Postgres => select.lock(LockType::NoKeyUpdate),
            Backend::Sqlite => select,
        }
    }

    /// The lock a read takes on a row that must stay until commit (a grant's holder and role).
    pub(super) fn lock_for_share<S: QuerySelect>(&self, select: S) -> S {
        match self.backend {
            Backend::Postgres => select.lock(LockType::KeyShare),
            Backend::Sqlite => select,
        }
    }
}

/// The error of a multi-row insert. Which row failed is not known here; the set is run again
/// op by op to find it (see the [module documentation](super)), so only the kind matters.
fn batch_error(entity: Entity, err: DbErr) -> StorageError {
    match classify(err) {
        DbFailure::Unique(constraint) => StorageError::AlreadyExists {
            entity,
            key: unique_key(entity, &constraint),
            value: String::new(),
        },
        DbFailure::ForeignKey => StorageError::not_found(Entity::District, "?"),
        DbFailure::Race(_) => StorageError::Conflict {
            entity,
            id: String::new(),
            expected: 0,
            found: 0,
        },
        other => other.into_storage("cannot insert a batch of rows"),
    }
}
