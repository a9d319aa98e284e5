//! The conformance kit must catch a broken backend. Two deliberately broken wrappers around
//! `MemoryStorage` run the whole kit; each must fail the cases that describe its flaw, and
//! the honest backend (with leases) must fail none.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use async_trait::async_trait;
use homeroom::conformance::{Backend, Handle, failures};
use homeroom::password::PasswordCredential;
use homeroom::records::{DeviceKey, Record, RecordCounts};
use homeroom::storage::{Item, ItemKind, ItemQuery};
use homeroom::*;
use homeroom_memory::{MemoryLeases, MemoryStorage};

/// Forwards every read; `apply` is supplied by the flaw.
struct Broken {
    inner: MemoryStorage,
    flaw: Flaw,
}

#[derive(Clone, Copy)]
enum Flaw {
    /// Overwrites rows whatever version the write expected.
    IgnoresVersions,
    /// Applies ops one by one, keeping those before a failure.
    NotAtomic,
}

impl Broken {
    /// The version stored now for a write's row, so the write can pretend it expected it.
    async fn current_version(&self, op: &Op) -> Option<Version> {
        match op {
            Op::UpdateUser { user, .. } => self
                .inner
                .user(user.district, user.id)
                .await
                .unwrap()
                .map(|u| u.version),
            Op::DeleteUser { district, id, .. } => self
                .inner
                .user(*district, *id)
                .await
                .unwrap()
                .map(|u| u.version),
            Op::UpdateDistrict { district, .. } => self
                .inner
                .district(district.id)
                .await
                .unwrap()
                .map(|d| d.version),
            _ => None,
        }
    }
}

#[async_trait]
impl Storage for Broken {
    async fn district(&self, id: DistrictId) -> Result<Option<District>, StorageError> {
        self.inner.district(id).await
    }
    async fn district_by_name(&self, name_key: &str) -> Result<Option<District>, StorageError> {
        self.inner.district_by_name(name_key).await
    }
    async fn org_units(&self, district: DistrictId) -> Result<Vec<OrgUnit>, StorageError> {
        self.inner.org_units(district).await
    }
    async fn user(&self, district: DistrictId, id: UserId) -> Result<Option<User>, StorageError> {
        self.inner.user(district, id).await
    }
    async fn user_by_key(
        &self,
        district: DistrictId,
        key: &UserKey,
    ) -> Result<Option<User>, StorageError> {
        self.inner.user_by_key(district, key).await
    }
    async fn users(&self, district: DistrictId, ids: &[UserId]) -> Result<Vec<User>, StorageError> {
        self.inner.users(district, ids).await
    }
    async fn search_users(
        &self,
        district: DistrictId,
        query: &UserQuery,
    ) -> Result<Page<User, UserCursor>, StorageError> {
        self.inner.search_users(district, query).await
    }
    async fn activity(
        &self,
        district: DistrictId,
        query: &ActivityQuery,
    ) -> Result<Page<ActivityEntry, ActivityCursor>, StorageError> {
        self.inner.activity(district, query).await
    }
    async fn roles(&self, district: DistrictId) -> Result<Vec<Role>, StorageError> {
        self.inner.roles(district).await
    }
    async fn grants(
        &self,
        district: DistrictId,
        holder: Option<UserId>,
    ) -> Result<Vec<Grant>, StorageError> {
        self.inner.grants(district, holder).await
    }
    async fn password_credential(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<Option<PasswordCredential>, StorageError> {
        self.inner.password_credential(district, user).await
    }
    async fn record(
        &self,
        district: DistrictId,
        id: RecordId,
    ) -> Result<Option<Record>, StorageError> {
        self.inner.record(district, id).await
    }
    async fn records(
        &self,
        district: DistrictId,
        query: &RecordQuery,
    ) -> Result<Page<Record, RecordCursor>, StorageError> {
        self.inner.records(district, query).await
    }
    async fn record_counts(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<RecordCounts, StorageError> {
        self.inner.record_counts(district, user).await
    }
    async fn device_records(
        &self,
        district: DistrictId,
        key: &DeviceKey,
    ) -> Result<Vec<Record>, StorageError> {
        self.inner.device_records(district, key).await
    }
    async fn matching_users(
        &self,
        district: DistrictId,
        query: &UserQuery,
    ) -> Result<Vec<User>, StorageError> {
        self.inner.matching_users(district, query).await
    }
    async fn open_checkout(
        &self,
        district: DistrictId,
        device_key: &str,
    ) -> Result<Option<Record>, StorageError> {
        self.inner.open_checkout(district, device_key).await
    }
    async fn item(&self, district: DistrictId, id: ItemId) -> Result<Option<Item>, StorageError> {
        self.inner.item(district, id).await
    }
    async fn item_by_key(
        &self,
        district: DistrictId,
        kind: &ItemKind,
        key: &str,
    ) -> Result<Option<Item>, StorageError> {
        self.inner.item_by_key(district, kind, key).await
    }
    async fn items(
        &self,
        district: DistrictId,
        query: &ItemQuery,
    ) -> Result<Page<Item, ItemId>, StorageError> {
        self.inner.items(district, query).await
    }
    async fn apply(&self, changes: ChangeSet) -> Result<(), StorageError> {
        match self.flaw {
            Flaw::IgnoresVersions => {
                let mut honest = ChangeSet::new();
                for op in changes.into_ops() {
                    let stored = self.current_version(&op).await;
                    honest.push(match (op, stored) {
                        (Op::UpdateUser { user, .. }, Some(v)) => {
                            Op::UpdateUser { user, expected: v }
                        }
                        (Op::DeleteUser { district, id, .. }, Some(v)) => Op::DeleteUser {
                            district,
                            id,
                            expected: v,
                        },
                        (Op::UpdateDistrict { district, .. }, Some(v)) => Op::UpdateDistrict {
                            district,
                            expected: v,
                        },
                        (op, _) => op,
                    });
                }
                self.inner.apply(honest).await
            }
            Flaw::NotAtomic => {
                for op in changes.into_ops() {
                    self.inner.apply(ChangeSet::new().with(op)).await?;
                }
                Ok(())
            }
        }
    }
}

/// A backend whose stores have `flaw` (or none), and no leases.
struct Flawed(Option<Flaw>);

#[async_trait]
impl Backend for Flawed {
    fn offers_leases(&self) -> bool {
        self.0.is_none()
    }

    async fn fresh(&self, _case: &'static str) -> Handle {
        match self.0 {
            Some(flaw) => Handle::new(Arc::new(Broken {
                inner: MemoryStorage::new(),
                flaw,
            })),
            None => Handle::new(Arc::new(MemoryStorage::new()))
                .with_leases(Arc::new(MemoryLeases::new())),
        }
    }

    async fn another_handle(&self, _case: &'static str, first: &Handle) -> Handle {
        first.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kit_catches_a_backend_that_ignores_versions() {
    let failed = failures(Flawed(Some(Flaw::IgnoresVersions))).await;
    for case in [
        "stale_update_is_a_conflict",
        "stale_delete_is_a_conflict",
        "stale_district_update_is_a_conflict",
    ] {
        assert!(
            failed.contains(&case),
            "{case} should fail; failed: {failed:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kit_catches_a_backend_that_is_not_atomic() {
    let failed = failures(Flawed(Some(Flaw::NotAtomic))).await;
    for case in [
        "failed_set_leaves_nothing_behind_on_duplicate_key",
        "failed_set_leaves_no_role_or_grant_behind",
    ] {
        assert!(
            failed.contains(&case),
            "{case} should fail; failed: {failed:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_honest_backend_fails_nothing() {
    let failed = failures(Flawed(None)).await;
    assert!(failed.is_empty(), "{failed:?}");
}
