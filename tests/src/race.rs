//! Racing commands deterministically: a storage wrapper that holds writes until several
//! commands have all read what they needed, so each decides on the same state, and then lets
//! them write one after the other. What "two admins at the same moment" means, made repeatable.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use homeroom::password::PasswordCredential;
use homeroom::query::{
    ActivityCursor, ActivityQuery, Page, RecordCursor, RecordQuery, UserCursor, UserQuery,
};
use homeroom::records::{Record, RecordCounts};
use homeroom::{
    ActivityEntry, ChangeSet, District, DistrictId, Grant, OrgUnit, RecordId, Role, Storage,
    StorageError, User, UserId, UserKey,
};
use tokio::sync::Barrier;

/// Forwards every call to the store inside; once [`Rendezvous::hold_next_applies`] is called
/// with `n`, the next `n` writes wait until all `n` have arrived, then go through in turn.
pub struct Rendezvous {
    inner: Arc<dyn Storage>,
    held: AtomicUsize,
    barrier: std::sync::Mutex<Option<Arc<Barrier>>>,
}

impl std::fmt::Debug for Rendezvous {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rendezvous")
            .field("held", &self.held)
            .finish_non_exhaustive()
    }
}

impl Rendezvous {
    /// A wrapper around `inner` that holds nothing yet.
    pub fn new(inner: Arc<dyn Storage>) -> Self {
        Self {
            inner,
            held: AtomicUsize::new(0),
            barrier: std::sync::Mutex::new(None),
        }
    }

    /// Holds the next `n` writes until all `n` are waiting.
    pub fn hold_next_applies(&self, n: usize) {
        self.held.store(n, Ordering::SeqCst);
        if let Ok(mut barrier) = self.barrier.lock() {
            *barrier = Some(Arc::new(Barrier::new(n)));
        }
    }

    async fn wait_turn(&self) {
        let take = self
            .held
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if take.is_err() {
            return;
        }
        let barrier = self.barrier.lock().ok().and_then(|b| b.clone());
        if let Some(barrier) = barrier {
            barrier.wait().await;
        }
    }
}

#[async_trait]
impl Storage for Rendezvous {
    async fn district(&self, id: DistrictId) -> Result<Option<District>, StorageError> {
        self.inner.district(id).await
    }
    async fn district_by_name(&self, key: &str) -> Result<Option<District>, StorageError> {
        self.inner.district_by_name(key).await
    }
    async fn org_units(&self, d: DistrictId) -> Result<Vec<OrgUnit>, StorageError> {
        self.inner.org_units(d).await
    }
    async fn user(&self, d: DistrictId, id: UserId) -> Result<Option<User>, StorageError> {
        self.inner.user(d, id).await
    }
    async fn user_by_key(&self, d: DistrictId, k: &UserKey) -> Result<Option<User>, StorageError> {
        self.inner.user_by_key(d, k).await
    }
    async fn users(&self, d: DistrictId, ids: &[UserId]) -> Result<Vec<User>, StorageError> {
        self.inner.users(d, ids).await
    }
    async fn district_users(&self, d: DistrictId) -> Result<Vec<Arc<User>>, StorageError> {
        self.inner.district_users(d).await
    }
    async fn search_users(
        &self,
        d: DistrictId,
        q: &UserQuery,
    ) -> Result<Page<User, UserCursor>, StorageError> {
        self.inner.search_users(d, q).await
    }
    async fn activity(
        &self,
        d: DistrictId,
        q: &ActivityQuery,
    ) -> Result<Page<ActivityEntry, ActivityCursor>, StorageError> {
        self.inner.activity(d, q).await
    }
    async fn password_credential(
        &self,
        d: DistrictId,
        user: UserId,
    ) -> Result<Option<PasswordCredential>, StorageError> {
        self.inner.password_credential(d, user).await
    }
    async fn roles(&self, d: DistrictId) -> Result<Vec<Role>, StorageError> {
        self.inner.roles(d).await
    }
    async fn grants(&self, d: DistrictId, h: Option<UserId>) -> Result<Vec<Grant>, StorageError> {
        self.inner.grants(d, h).await
    }
    async fn record(&self, d: DistrictId, id: RecordId) -> Result<Option<Record>, StorageError> {
        self.inner.record(d, id).await
    }
    async fn records(
        &self,
        d: DistrictId,
        q: &RecordQuery,
    ) -> Result<Page<Record, RecordCursor>, StorageError> {
        self.inner.records(d, q).await
    }
    async fn record_counts(
        &self,
        d: DistrictId,
        user: UserId,
    ) -> Result<RecordCounts, StorageError> {
        self.inner.record_counts(d, user).await
    }
    async fn open_checkout(
        &self,
        d: DistrictId,
        asset_tag: &str,
    ) -> Result<Option<Record>, StorageError> {
        self.inner.open_checkout(d, asset_tag).await
    }
    async fn apply(&self, changes: ChangeSet) -> Result<(), StorageError> {
        self.wait_turn().await;
        self.inner.apply(changes).await
    }
}
