//! `impl Storage for RedbStorage`: each read on one snapshot, each `apply` in one write
//! transaction.

use std::sync::Arc;

use async_trait::async_trait;
use homeroom::password::PasswordCredential;
use homeroom::records::{DeviceKey, Record, RecordCounts};
use homeroom::storage::{Item, ItemKind, ItemQuery};
use homeroom::{
    ActivityCursor, ActivityEntry, ActivityQuery, ChangeSet, District, DistrictId, Grant, ItemId,
    OrgUnit, Page, RecordCursor, RecordId, RecordQuery, Role, Storage, StorageError, User,
    UserCursor, UserId, UserKey, UserQuery,
};

use super::RedbStorage;
use super::rows::{StoredItem, item_list};
use super::tables::{INDEX, PASSWORD, ROWS, Tables, UNIQUE, db, scope};

#[async_trait]
impl Storage for RedbStorage {
    async fn district(&self, id: DistrictId) -> Result<Option<District>, StorageError> {
        self.read()?.get(id.as_uuid())
    }

    async fn district_by_name(&self, name_key: &str) -> Result<Option<District>, StorageError> {
        let tables = self.read()?;
        match tables.holder(scope(None), "district_name", name_key)? {
            Some(id) => tables.json("district", id),
            None => Ok(None),
        }
    }

    async fn org_units(&self, district: DistrictId) -> Result<Vec<OrgUnit>, StorageError> {
        self.read()?.list(district, "org_unit")
    }

    async fn user(&self, district: DistrictId, id: UserId) -> Result<Option<User>, StorageError> {
        self.read()?.get_in(district, id.as_uuid())
    }

    async fn user_by_key(
        &self,
        district: DistrictId,
        key: &UserKey,
    ) -> Result<Option<User>, StorageError> {
        let (namespace, value) = match key {
            UserKey::LocalId(v) => ("local_id", v),
            UserKey::Email(v) => ("email", v),
            UserKey::Username(v) => ("username", v),
        };
        self.read()?.by_claim(district, namespace, value)
    }

    async fn users(&self, district: DistrictId, ids: &[UserId]) -> Result<Vec<User>, StorageError> {
        let tables = self.read()?;
        let mut users = Vec::with_capacity(ids.len());
        for id in ids {
            users.extend(tables.get_in::<User>(district, id.as_uuid())?);
        }
        Ok(users)
    }

    async fn district_users(&self, district: DistrictId) -> Result<Vec<Arc<User>>, StorageError> {
        let users = self.read()?.list::<User>(district, "user")?;
        Ok(users.into_iter().map(Arc::new).collect())
    }

    async fn search_users(
        &self,
        district: DistrictId,
        query: &UserQuery,
    ) -> Result<Page<User, UserCursor>, StorageError> {
        self.read()?.search_users(district, query)
    }

    async fn activity(
        &self,
        district: DistrictId,
        query: &ActivityQuery,
    ) -> Result<Page<ActivityEntry, ActivityCursor>, StorageError> {
        self.read()?.activity(district, query)
    }

    async fn password_credential(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<Option<PasswordCredential>, StorageError> {
        let tables = self.read()?;
        // Stored by user id alone: the user's district decides whose it is.
        if tables.get_in::<User>(district, user.as_uuid())?.is_none() {
            return Ok(None);
        }
        tables.json(PASSWORD, user.as_uuid().as_u128())
    }

    async fn roles(&self, district: DistrictId) -> Result<Vec<Role>, StorageError> {
        self.read()?.list(district, "role")
    }

    async fn grants(
        &self,
        district: DistrictId,
        holder: Option<UserId>,
    ) -> Result<Vec<Grant>, StorageError> {
        let list = holder.map_or_else(|| "grant".to_owned(), |h| format!("grant:{h}"));
        self.read()?.list(district, &list)
    }

    async fn record(
        &self,
        district: DistrictId,
        id: RecordId,
    ) -> Result<Option<Record>, StorageError> {
        self.read()?.get_in(district, id.as_uuid())
    }

    async fn records(
        &self,
        district: DistrictId,
        query: &RecordQuery,
    ) -> Result<Page<Record, RecordCursor>, StorageError> {
        self.read()?.records(district, query)
    }

    async fn record_counts(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<RecordCounts, StorageError> {
        self.read()?.record_counts(district, user)
    }

    async fn device_records(
        &self,
        district: DistrictId,
        key: &DeviceKey,
    ) -> Result<Vec<Record>, StorageError> {
        self.read()?.device_records(district, key)
    }

    async fn open_checkout(
        &self,
        district: DistrictId,
        device_key: &str,
    ) -> Result<Option<Record>, StorageError> {
        self.read()?.by_claim(district, "checkout", device_key)
    }

    async fn item(&self, district: DistrictId, id: ItemId) -> Result<Option<Item>, StorageError> {
        let stored = self.read()?.get_in::<StoredItem>(district, id.as_uuid())?;
        Ok(stored.map(Item::from))
    }

    async fn item_by_key(
        &self,
        district: DistrictId,
        kind: &ItemKind,
        key: &str,
    ) -> Result<Option<Item>, StorageError> {
        let stored = self
            .read()?
            .by_claim::<StoredItem>(district, &item_list(kind), key)?;
        Ok(stored.map(Item::from))
    }

    async fn items(
        &self,
        district: DistrictId,
        query: &ItemQuery,
    ) -> Result<Page<Item, ItemId>, StorageError> {
        self.read()?.items(district, query)
    }

    async fn apply(&self, changes: ChangeSet) -> Result<(), StorageError> {
        self.transact(|txn| {
            let mut tables = Tables {
                rows: txn.open_table(ROWS).map_err(db)?,
                index: txn.open_table(INDEX).map_err(db)?,
                unique: txn.open_table(UNIQUE).map_err(db)?,
            };
            for op in changes.into_ops() {
                tables.apply_op(op)?;
            }
            Ok(())
        })
    }
}
