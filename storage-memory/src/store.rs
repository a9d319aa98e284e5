//! The `Storage` implementation.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use homeroom::password::PasswordCredential;
use homeroom::records::{Record, RecordCounts};
use homeroom::storage::{Item, ItemKind, ItemQuery};
use homeroom::{
    ActivityCursor, ActivityEntry, ActivityQuery, ChangeSet, District, DistrictId, Grant, ItemId,
    OrgUnit, Page, RecordCursor, RecordId, RecordQuery, Role, Storage, StorageError, User,
    UserCursor, UserId, UserKey, UserQuery,
};

use crate::state::State;

/// Homeroom's rows in memory. Cheap to create; share it with `Arc`.
///
/// One lock guards everything: reads run in parallel, and each `apply` holds the write lock
/// from its first op to its last, so change sets are serialised and a reader never sees half
/// of one.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    state: RwLock<State>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    // A panic while holding the lock cannot leave a half-applied set (apply undoes on error
    // and never panics mid-way), so a poisoned lock still guards consistent data.
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl Storage for MemoryStorage {
    async fn district(&self, id: DistrictId) -> Result<Option<District>, StorageError> {
        Ok(self.read().district(id).cloned())
    }

    async fn district_by_name(&self, name_key: &str) -> Result<Option<District>, StorageError> {
        Ok(self.read().district_by_name(name_key).cloned())
    }

    async fn org_units(&self, district: DistrictId) -> Result<Vec<OrgUnit>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .map(|t| t.org_units())
            .unwrap_or_default())
    }

    async fn user(&self, district: DistrictId, id: UserId) -> Result<Option<User>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .and_then(|t| t.user(id))
            .cloned())
    }

    async fn user_by_key(
        &self,
        district: DistrictId,
        key: &UserKey,
    ) -> Result<Option<User>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .and_then(|t| t.user_by_key(key))
            .cloned())
    }

    async fn users(&self, district: DistrictId, ids: &[UserId]) -> Result<Vec<User>, StorageError> {
        let state = self.read();
        let Some(tenant) = state.tenant(district) else {
            return Ok(Vec::new());
        };
        Ok(ids
            .iter()
            .filter_map(|id| tenant.user(*id))
            .cloned()
            .collect())
    }

    async fn district_users(
        &self,
        district: DistrictId,
    ) -> Result<Vec<std::sync::Arc<User>>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .map(|t| t.users().cloned().collect())
            .unwrap_or_default())
    }

    async fn password_credential(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<Option<PasswordCredential>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .and_then(|t| t.password(user))
            .cloned())
    }

    async fn search_users(
        &self,
        district: DistrictId,
        query: &UserQuery,
    ) -> Result<Page<User, UserCursor>, StorageError> {
        Ok(match self.read().tenant(district) {
            Some(tenant) => tenant.search(query),
            None => Page::empty(),
        })
    }

    async fn activity(
        &self,
        district: DistrictId,
        query: &ActivityQuery,
    ) -> Result<Page<ActivityEntry, ActivityCursor>, StorageError> {
        Ok(match self.read().tenant(district) {
            Some(tenant) => tenant.activity(query),
            None => Page::empty(),
        })
    }

    async fn roles(&self, district: DistrictId) -> Result<Vec<Role>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .map(|t| t.roles())
            .unwrap_or_default())
    }

    async fn grants(
        &self,
        district: DistrictId,
        holder: Option<UserId>,
    ) -> Result<Vec<Grant>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .map(|t| t.grants(holder))
            .unwrap_or_default())
    }

    async fn record(
        &self,
        district: DistrictId,
        id: RecordId,
    ) -> Result<Option<Record>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .and_then(|t| t.record(id))
            .cloned())
    }

    async fn records(
        &self,
        district: DistrictId,
        query: &RecordQuery,
    ) -> Result<Page<Record, RecordCursor>, StorageError> {
        Ok(match self.read().tenant(district) {
            Some(tenant) => tenant.records(query),
            None => Page::empty(),
        })
    }

    async fn record_counts(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<RecordCounts, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .map(|t| t.record_counts(user))
            .unwrap_or_default())
    }

    async fn open_checkout(
        &self,
        district: DistrictId,
        device_key: &str,
    ) -> Result<Option<Record>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .and_then(|t| t.open_checkout(device_key))
            .cloned())
    }

    async fn item(&self, district: DistrictId, id: ItemId) -> Result<Option<Item>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .and_then(|t| t.items.get(id))
            .cloned())
    }

    async fn item_by_key(
        &self,
        district: DistrictId,
        kind: &ItemKind,
        key: &str,
    ) -> Result<Option<Item>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .and_then(|t| t.items.by_key(kind, key))
            .cloned())
    }

    async fn items(
        &self,
        district: DistrictId,
        query: &ItemQuery,
    ) -> Result<Page<Item, ItemId>, StorageError> {
        Ok(match self.read().tenant(district) {
            Some(tenant) => tenant.items.page(query),
            None => Page::empty(),
        })
    }

    async fn apply(&self, changes: ChangeSet) -> Result<(), StorageError> {
        self.write().apply(changes.into_ops())
    }
}
