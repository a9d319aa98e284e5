//! Storage wrappers for tests that need a write to go wrong on purpose: held until several
//! commands have all decided (so each decides on the same state, and then they write one
//! after the other: what "two admins at the same moment" means, made repeatable), or failed
//! at the N-th write. One wrapper forwards every call; a [`BeforeApply`] hook says what
//! happens before a write reaches the store.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use homeroom::password::PasswordCredential;
use homeroom::query::{
    ActivityCursor, ActivityQuery, Page, RecordCursor, RecordQuery, UserCursor, UserQuery,
};
use homeroom::records::{DeviceKey, Record, RecordCounts};
use homeroom::storage::{ChangeChunks, Item, ItemKind, ItemQuery};
use homeroom::{
    ActivityEntry, ChangeSet, District, DistrictId, Grant, ItemId, OrgUnit, RecordId, Role,
    Storage, StorageError, User, UserId, UserKey,
};
use tokio::sync::Barrier;

/// What happens before each write reaches the store.
#[async_trait]
pub trait BeforeApply: Send + Sync {
    /// Runs before the write; an error fails the write instead of it reaching the store.
    async fn before_apply(&self) -> Result<(), StorageError>;
}

/// A store that forwards every call to the one inside, running `hook` before each write.
pub struct Hooked<H> {
    inner: Arc<dyn Storage>,
    hook: H,
    /// Calls of `district_users`, the read of every whole user of a district.
    district_user_reads: AtomicUsize,
}

impl<H> std::fmt::Debug for Hooked<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooked").finish_non_exhaustive()
    }
}

impl<H: BeforeApply> Hooked<H> {
    /// `inner`, with `hook` before every write.
    pub fn new(inner: Arc<dyn Storage>, hook: H) -> Self {
        Self {
            inner,
            hook,
            district_user_reads: AtomicUsize::new(0),
        }
    }

    /// How many times every whole user of a district was read (`district_users`).
    pub fn district_user_reads(&self) -> usize {
        self.district_user_reads.load(Ordering::SeqCst)
    }

    /// The hook, to arm it.
    pub fn hook(&self) -> &H {
        &self.hook
    }
}

/// How long a race waits for its other side before the test fails instead of hanging.
const RACE_BOUND: std::time::Duration = std::time::Duration::from_secs(20);

/// Holds writes until several have arrived: after [`Gate::hold_next_applies`] with `n`, the
/// next `n` writes wait until all `n` are waiting, then go through in turn.
#[derive(Debug, Default)]
pub struct Gate {
    held: AtomicUsize,
    barrier: std::sync::Mutex<Option<Arc<Barrier>>>,
}

impl Gate {
    /// Holds the next `n` writes until all `n` are waiting.
    pub fn hold_next_applies(&self, n: usize) {
        self.held.store(n, Ordering::SeqCst);
        if let Ok(mut barrier) = self.barrier.lock() {
            *barrier = Some(Arc::new(Barrier::new(n)));
        }
    }
}

#[async_trait]
impl BeforeApply for Gate {
    async fn before_apply(&self) -> Result<(), StorageError> {
        let take = self
            .held
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if take.is_ok() {
            let barrier = self.barrier.lock().ok().and_then(|b| b.clone());
            if let Some(barrier) = barrier {
                // A write the test expected that never comes (a broken rule refused it before
                // it wrote) must fail the test, not hang it.
                if tokio::time::timeout(RACE_BOUND, barrier.wait())
                    .await
                    .is_err()
                {
                    return Err(StorageError::Backend {
                        message: "the other racing write never arrived".into(),
                        source: None,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Fails the `fail_at`-th write (counting from 1) as if the store were unreachable.
#[derive(Debug, Default)]
pub struct FailNth {
    /// Writes seen so far.
    pub calls: AtomicUsize,
    /// The write that fails.
    pub fail_at: usize,
}

impl FailNth {
    /// Fails the `fail_at`-th write.
    pub fn at(fail_at: usize) -> Self {
        Self {
            calls: AtomicUsize::new(0),
            fail_at,
        }
    }
}

#[async_trait]
impl BeforeApply for FailNth {
    async fn before_apply(&self) -> Result<(), StorageError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) + 1 == self.fail_at {
            return Err(StorageError::Unavailable {
                message: "injected fault".into(),
                source: None,
            });
        }
        Ok(())
    }
}

#[async_trait]
impl<H: BeforeApply> Storage for Hooked<H> {
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
        self.district_user_reads.fetch_add(1, Ordering::SeqCst);
        self.inner.district_users(d).await
    }
    async fn import_stamps(
        &self,
        d: DistrictId,
    ) -> Result<Vec<homeroom::ImportStamp>, StorageError> {
        self.inner.import_stamps(d).await
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
    async fn acting_stamp(
        &self,
        d: DistrictId,
        actor: Option<UserId>,
    ) -> Result<Option<homeroom::storage::ActingStamp>, StorageError> {
        self.inner.acting_stamp(d, actor).await
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
    async fn user_records(
        &self,
        d: DistrictId,
        user: UserId,
        limit: usize,
    ) -> Result<Option<Vec<homeroom::records::Record>>, StorageError> {
        self.inner.user_records(d, user, limit).await
    }
    async fn device_records(
        &self,
        d: DistrictId,
        key: &DeviceKey,
    ) -> Result<Vec<Record>, StorageError> {
        self.inner.device_records(d, key).await
    }
    async fn matching_users(
        &self,
        d: DistrictId,
        query: &UserQuery,
    ) -> Result<Vec<User>, StorageError> {
        self.inner.matching_users(d, query).await
    }
    async fn open_checkout(
        &self,
        d: DistrictId,
        asset_tag: &str,
    ) -> Result<Option<Record>, StorageError> {
        self.inner.open_checkout(d, asset_tag).await
    }
    async fn item(&self, d: DistrictId, id: ItemId) -> Result<Option<Item>, StorageError> {
        self.inner.item(d, id).await
    }
    async fn item_by_key(
        &self,
        d: DistrictId,
        kind: &ItemKind,
        key: &str,
    ) -> Result<Option<Item>, StorageError> {
        self.inner.item_by_key(d, kind, key).await
    }
    async fn items(
        &self,
        d: DistrictId,
        query: &ItemQuery,
    ) -> Result<Page<Item, ItemId>, StorageError> {
        self.inner.items(d, query).await
    }
    async fn apply(&self, changes: ChangeSet) -> Result<(), StorageError> {
        self.hook.before_apply().await?;
        self.inner.apply(changes).await
    }

    async fn apply_chunked(&self, chunks: &mut dyn ChangeChunks) -> Result<(), StorageError> {
        self.hook.before_apply().await?;
        self.inner.apply_chunked(chunks).await
    }
}

/// Runs both commands at once, for races whose writes a [`Gate`] holds until both have
/// arrived. If one command decides not to write (refused, or a change it wrongly thinks
/// empty), the other would wait for ever: after 20 seconds that fails the test instead, so
/// a mutant that breaks the race shows as caught rather than as a hang.
#[allow(clippy::panic)] // test harness: a race that never completes fails the test
pub async fn at_once<A, B>(
    x: impl std::future::Future<Output = A>,
    y: impl std::future::Future<Output = B>,
) -> (A, B) {
    let both = async { tokio::join!(x, y) };
    match tokio::time::timeout(RACE_BOUND, both).await {
        Ok(pair) => pair,
        Err(_) => panic!("one of the two racing commands never wrote, so neither finished"),
    }
}
