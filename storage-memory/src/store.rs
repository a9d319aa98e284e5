//! The `Storage` implementation.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use homeroom::password::PasswordCredential;
use homeroom::records::{DeviceKey, Record, RecordCounts};
use homeroom::storage::{ActingStamp, ActorStamp, ChangeChunks, Item, ItemKind, ItemQuery};
use homeroom::{
    ActivityCursor, ActivityEntry, ActivityQuery, ChangeSet, District, DistrictId, Grant, ItemId,
    Op, OrgUnit, Page, RecordCursor, RecordId, RecordQuery, Role, Storage, StorageError, User,
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
    #[tracing::instrument(level = "debug", name = "storage::district", skip_all, fields(district = %id))]
    async fn district(&self, id: DistrictId) -> Result<Option<District>, StorageError> {
        Ok(self.read().district(id).cloned())
    }

    #[tracing::instrument(level = "debug", name = "storage::district_by_name", skip_all, fields(name = %name_key))]
    async fn district_by_name(&self, name_key: &str) -> Result<Option<District>, StorageError> {
        Ok(self.read().district_by_name(name_key).cloned())
    }

    #[tracing::instrument(level = "debug", name = "storage::org_units", skip_all, fields(district = %district))]
    async fn org_units(&self, district: DistrictId) -> Result<Vec<OrgUnit>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .map(|t| t.org_units())
            .unwrap_or_default())
    }

    #[tracing::instrument(level = "debug", name = "storage::user", skip_all, fields(district = %district, user = %id))]
    async fn user(&self, district: DistrictId, id: UserId) -> Result<Option<User>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .and_then(|t| t.user(id))
            .cloned())
    }

    #[tracing::instrument(level = "debug", name = "storage::user_by_key", skip_all, fields(district = %district, key = key.kind()))]
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

    #[tracing::instrument(level = "debug", name = "storage::users", skip_all, fields(district = %district, users = ids.len()))]
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

    #[tracing::instrument(level = "debug", name = "storage::district_users", skip_all, fields(district = %district))]
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

    #[tracing::instrument(level = "debug", name = "storage::import_stamps", skip_all, fields(district = %district))]
    async fn import_stamps(
        &self,
        district: DistrictId,
    ) -> Result<Vec<homeroom::ImportStamp>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .map(|t| {
                t.users()
                    .filter_map(|u| homeroom::ImportStamp::of(u))
                    .collect()
            })
            .unwrap_or_default())
    }

    #[tracing::instrument(level = "debug", name = "storage::password_credential", skip_all, fields(district = %district, user = %user))]
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

    #[tracing::instrument(level = "debug", name = "storage::matching_users", skip_all, fields(district = %district))]
    async fn matching_users(
        &self,
        district: DistrictId,
        query: &UserQuery,
    ) -> Result<Vec<User>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .map(|t| t.matching(query).into_iter().cloned().collect())
            .unwrap_or_default())
    }

    #[tracing::instrument(level = "debug", name = "storage::acting_stamp", skip_all, fields(district = %district, user = ?actor))]
    async fn acting_stamp(
        &self,
        district: DistrictId,
        actor: Option<UserId>,
    ) -> Result<Option<ActingStamp>, StorageError> {
        let state = self.read();
        let Some(row) = state.district(district) else {
            return Ok(None);
        };
        let tenant = state.tenant(district);
        let actor = actor.and_then(|id| {
            let tenant = tenant?;
            let user = tenant.user(id)?;
            Some(ActorStamp {
                version: user.version,
                must_change: tenant.password(id).is_some_and(|c| c.must_change),
            })
        });
        Ok(Some(ActingStamp {
            district: row.clone(),
            actor,
        }))
    }

    #[tracing::instrument(level = "debug", name = "storage::search_users", skip_all, fields(district = %district))]
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

    #[tracing::instrument(level = "debug", name = "storage::activity", skip_all, fields(district = %district))]
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

    #[tracing::instrument(level = "debug", name = "storage::roles", skip_all, fields(district = %district))]
    async fn roles(&self, district: DistrictId) -> Result<Vec<Role>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .map(|t| t.roles())
            .unwrap_or_default())
    }

    #[tracing::instrument(level = "debug", name = "storage::grants", skip_all, fields(district = %district, holder = ?holder))]
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

    #[tracing::instrument(level = "debug", name = "storage::record", skip_all, fields(district = %district, record = %id))]
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

    #[tracing::instrument(level = "debug", name = "storage::records", skip_all, fields(district = %district))]
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

    #[tracing::instrument(level = "debug", name = "storage::record_counts", skip_all, fields(district = %district, user = %user))]
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

    #[tracing::instrument(level = "debug", name = "storage::user_records", skip_all, fields(district = %district, user = %user))]
    async fn user_records(
        &self,
        district: DistrictId,
        user: UserId,
        limit: usize,
    ) -> Result<Option<Vec<Record>>, StorageError> {
        Ok(match self.read().tenant(district) {
            Some(tenant) => tenant.user_records(user, limit),
            None => Some(Vec::new()),
        })
    }

    #[tracing::instrument(level = "debug", name = "storage::open_checkout", skip_all, fields(district = %district, device = %device_key))]
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

    #[tracing::instrument(level = "debug", name = "storage::device_records", skip_all, fields(district = %district))]
    async fn device_records(
        &self,
        district: DistrictId,
        key: &DeviceKey,
    ) -> Result<Vec<Record>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .map(|t| t.device_records(key))
            .unwrap_or_default())
    }

    #[tracing::instrument(level = "debug", name = "storage::item", skip_all, fields(district = %district, item = %id))]
    async fn item(&self, district: DistrictId, id: ItemId) -> Result<Option<Item>, StorageError> {
        Ok(self
            .read()
            .tenant(district)
            .and_then(|t| t.items.get(id))
            .cloned())
    }

    #[tracing::instrument(level = "debug", name = "storage::item_by_key", skip_all, fields(district = %district, kind = %kind))]
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

    #[tracing::instrument(level = "debug", name = "storage::items", skip_all, fields(district = %district, kind = %query.kind))]
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

    #[tracing::instrument(level = "debug", name = "storage::apply", skip_all, fields(district = ?changes.ops().first().and_then(Op::district), ops = changes.len()))]
    async fn apply(&self, changes: ChangeSet) -> Result<(), StorageError> {
        self.write().apply(changes.into_ops())
    }

    /// Each chunk is applied as it comes, under the one write lock, and every chunk is taken
    /// back if a later one fails.
    #[tracing::instrument(level = "debug", name = "storage::apply_chunked", skip_all)]
    async fn apply_chunked(&self, chunks: &mut dyn ChangeChunks) -> Result<(), StorageError> {
        self.write().apply_chunks(chunks)
    }
}
