//! One op of a change set, inside the write transaction of the whole set.
//!
//! Nothing here undoes anything: the first error makes `apply` abort the transaction, so the
//! ops before it vanish with it. That is why `store` may release a row's old keys before
//! finding a new key taken.

use homeroom::records::{Record, RecordKind};
use homeroom::{DistrictId, Entity, Op, StorageError, UniqueKey, User, Version};
use uuid::Uuid;

use super::rows::{Row, StoredItem, owned_list, record_list};
use super::tables::{PASSWORD, WriteTables, db, scope, to_json};

impl WriteTables<'_> {
    /// Applies one op, or fails with the error the contract names for it.
    pub(super) fn apply_op(&mut self, op: Op) -> Result<(), StorageError> {
        match op {
            Op::InsertDistrict(district) => self.insert(&district),
            Op::UpdateDistrict { district, expected } => self.update(&district, expected),
            Op::InsertOrgUnit(unit) => self.insert(&unit),
            Op::UpdateOrgUnit { org_unit, expected } => self.update(&org_unit, expected),
            Op::InsertUser(user) => self.insert(&*user),
            Op::UpdateUser { user, expected } => self.update(&*user, expected),
            Op::DeleteUser {
                district,
                id,
                expected,
            } => self.delete_user(district, id.as_uuid(), expected),
            Op::AppendActivity(entry) => self.insert(&entry),
            Op::InsertRole(role) => self.insert(&role),
            Op::UpdateRole { role, expected } => self.update(&role, expected),
            Op::InsertGrant(grant) => {
                self.require_user(grant.district, grant.holder.as_uuid())?;
                self.require::<homeroom::Role>(grant.district, grant.role.as_uuid())?;
                self.insert(&grant)
            }
            Op::DeleteGrant {
                district,
                id,
                expected,
            } => {
                let current = self.current::<homeroom::Grant>(district, id.as_uuid(), expected)?;
                self.store(Some(&current), None)
            }
            Op::InsertRecord(record) => {
                self.require_user(record.district, record.user.as_uuid())?;
                self.insert(&record)
            }
            Op::UpdateRecord { record, expected } => {
                self.require_user(record.district, record.user.as_uuid())?;
                self.update(&record, expected)
            }
            Op::DeleteRecord {
                district,
                id,
                expected,
            } => {
                let current = self.current::<Record>(district, id.as_uuid(), expected)?;
                self.store(Some(&current), None)
            }
            Op::SetPassword {
                district,
                user,
                credential,
            } => {
                self.require_user(district, user.as_uuid())?;
                let json = to_json(&credential)?;
                let key = (PASSWORD, user.as_uuid().as_u128());
                self.rows.insert(key, json.as_slice()).map_err(db)?;
                Ok(())
            }
            Op::InsertItem(item) => {
                if let Some(owner) = item.owner {
                    self.require_user(item.district, owner.as_uuid())?;
                }
                self.insert(&StoredItem::from(item))
            }
            Op::UpdateItem { item, expected } => {
                let id = item.id.as_uuid();
                let current = self.current::<StoredItem>(item.district, id, expected)?;
                if let Some(owner) = item.owner {
                    self.require_user(item.district, owner.as_uuid())?;
                }
                // An item keeps the kind it was stored as.
                let item = StoredItem::from(homeroom::storage::Item {
                    kind: current.kind(),
                    ..item
                });
                self.store(Some(&current), Some(&item))
            }
            Op::DeleteItem {
                district,
                id,
                expected,
            } => {
                let current = self.current::<StoredItem>(district, id.as_uuid(), expected)?;
                self.store(Some(&current), None)
            }
            // `Op` is non-exhaustive: an op this adapter does not know is refused, not ignored.
            other => Err(StorageError::Unsupported {
                operation: format!("{other:?}"),
            }),
        }
    }

    /// Inserts a new row: its district must exist and its id must be free.
    fn insert<T: Row>(&mut self, row: &T) -> Result<(), StorageError> {
        if T::ENTITY != Entity::District && !self.has_district(row.district())? {
            return Err(StorageError::not_found(Entity::District, row.district()));
        }
        if self.get::<T>(row.id())?.is_some() {
            return Err(StorageError::AlreadyExists {
                entity: T::ENTITY,
                key: UniqueKey::Id,
                value: row.id().to_string(),
            });
        }
        self.store(None, Some(row))
    }

    /// Replaces a row stored at `expected` in the row's district.
    fn update<T: Row>(&mut self, row: &T, expected: Version) -> Result<(), StorageError> {
        let current = self.current::<T>(row.district(), row.id(), expected)?;
        self.store(Some(&current), Some(row))
    }

    /// The row a versioned write replaces: `NotFound` when the district or the row (in that
    /// district) is missing, `Conflict` when it is stored at another version.
    fn current<T: Row>(
        &self,
        district: DistrictId,
        id: Uuid,
        expected: Version,
    ) -> Result<T, StorageError> {
        if !self.has_district(district)? {
            return Err(StorageError::not_found(Entity::District, district));
        }
        let current = self.require::<T>(district, id)?;
        if current.version() != expected {
            return Err(conflict::<T>(id, expected, current.version()));
        }
        Ok(current)
    }

    /// The row with this id in this district, or `NotFound`.
    fn require<T: Row>(&self, district: DistrictId, id: Uuid) -> Result<T, StorageError> {
        self.get_in::<T>(district, id)?
            .ok_or_else(|| StorageError::not_found(T::ENTITY, id))
    }

    fn require_user(&self, district: DistrictId, id: Uuid) -> Result<(), StorageError> {
        if !self.has_district(district)? {
            return Err(StorageError::not_found(Entity::District, district));
        }
        self.require::<User>(district, id).map(drop)
    }

    /// Deletes a user with their password and items, unless records still refer to them.
    fn delete_user(
        &mut self,
        district: DistrictId,
        id: Uuid,
        expected: Version,
    ) -> Result<(), StorageError> {
        let user = self.current::<User>(district, id, expected)?;
        for kind in RecordKind::ALL {
            if !self
                .ids(district, &record_list(user.id, kind.as_str()))?
                .is_empty()
            {
                return Err(conflict::<User>(id, expected, expected));
            }
        }
        for item in self.list::<StoredItem>(district, &owned_list(user.id))? {
            self.store(Some(&item), None)?;
        }
        self.rows.remove((PASSWORD, id.as_u128())).map_err(db)?;
        self.store(Some(&user), None)
    }

    /// Replaces `old` with `new` (either may be absent), keeping `index` and `unique` in step.
    /// Fails with `AlreadyExists` when another row holds one of `new`'s unique keys.
    fn store<T: Row>(&mut self, old: Option<&T>, new: Option<&T>) -> Result<(), StorageError> {
        if let Some(old) = old {
            let (d, id) = (scope(Some(old.district())), old.id().as_u128());
            for (list, order) in old.listings() {
                self.index
                    .remove((d, list.as_str(), order.as_str(), id))
                    .map_err(db)?;
            }
            let s = scope(old.key_scope());
            for (_, ns, value) in old.claims() {
                self.unique
                    .remove((s, ns.as_str(), value.as_str()))
                    .map_err(db)?;
            }
            self.rows.remove((T::TAG, id)).map_err(db)?;
        }
        let Some(new) = new else { return Ok(()) };
        let (d, id) = (scope(Some(new.district())), new.id().as_u128());
        let s = scope(new.key_scope());
        for (key, ns, value) in new.claims() {
            if self
                .holder(s, &ns, &value)?
                .is_some_and(|holder| holder != id)
            {
                return Err(StorageError::AlreadyExists {
                    entity: T::ENTITY,
                    key,
                    value,
                });
            }
            self.unique
                .insert((s, ns.as_str(), value.as_str()), id)
                .map_err(db)?;
        }
        for (list, order) in new.listings() {
            self.index
                .insert((d, list.as_str(), order.as_str(), id), ())
                .map_err(db)?;
        }
        let json = to_json(new)?;
        self.rows
            .insert((T::TAG, id), json.as_slice())
            .map_err(db)?;
        Ok(())
    }
}

fn conflict<T: Row>(id: Uuid, expected: Version, found: Version) -> StorageError {
    StorageError::Conflict {
        entity: T::ENTITY,
        id: id.to_string(),
        expected: expected.get(),
        found: found.get(),
    }
}
