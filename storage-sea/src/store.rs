//! [`SeaStorage`]: the `homeroom::Storage` implementation.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use homeroom::records::{DeviceKey, Record, RecordCounts};
use homeroom::storage::{ChangeChunks, Item, ItemKind, ItemQuery};
use homeroom::{
    ActivityCursor, ActivityEntry, ActivityQuery, ChangeSet, District, DistrictId, Grant, ItemId,
    Op, OrgUnit, Page, RecordCursor, RecordId, RecordQuery, Role, Storage, StorageError, User,
    UserCursor, UserId, UserKey, UserQuery,
};
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, IsolationLevel, TransactionTrait,
};
use tokio::sync::Mutex;

use crate::connect::open;
use crate::error::storage;
use crate::options::{Backend, SeaOptions};
use crate::{read, write};

/// Homeroom's storage on SeaORM: a SQLite file (or memory) or a PostgreSQL database.
///
/// Connecting applies the crate's migrations, so a new database is ready at once and an old
/// one is brought up to date. Clones share one connection pool.
///
/// ```
/// use std::sync::Arc;
/// use homeroom::{Actor, Directory, ManualClock, SequentialIds};
/// use homeroom_sea::SeaStorage;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let storage = SeaStorage::connect("sqlite::memory:").await?;
/// let directory = Directory::new(
///     Arc::new(storage),
///     Arc::new(ManualClock::new(chrono::DateTime::UNIX_EPOCH)),
///     Arc::new(SequentialIds::new(1)),
/// );
/// let district = directory.create_district(&Actor::system("setup"), "Maple Valley USD").await?;
/// assert_eq!(district.name, "Maple Valley USD");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SeaStorage {
    db: DatabaseConnection,
    backend: Backend,
    /// SQLite only: the writers of this storage take turns here rather than on the database's
    /// busy handler.
    write_turn: Option<Arc<Mutex<()>>>,
}

impl SeaStorage {
    /// Connects to the database at `url` (see [`SeaOptions::new`] for the forms) with default
    /// options, and applies pending migrations.
    ///
    /// Fails with [`Unavailable`](homeroom::StorageErrorKind::Unavailable) when the database
    /// cannot be reached, and with a backend error for a malformed URL.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        Self::connect_with(SeaOptions::new(url)).await
    }

    /// Connects with explicit options, and applies pending migrations.
    pub async fn connect_with(options: impl Into<SeaOptions>) -> Result<Self, StorageError> {
        let options = options.into();
        let opened = open(&options).await?;
        Ok(Self {
            db: opened.db,
            backend: opened.backend,
            write_turn: (opened.backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
        })
    }

    /// Which database this storage talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool; calls made afterwards fail with
    /// [`Unavailable`](homeroom::StorageErrorKind::Unavailable).
    pub async fn close(&self) -> Result<(), StorageError> {
        self.db
            .close_by_ref()
            .await
            .map_err(storage("cannot close the database"))
    }

    /// The connection pool, for a host's own tables beside Homeroom's on the same database
    /// (the `web` example keeps its sessions there). Clones share the pool. The host owns its
    /// tables: Homeroom's are all prefixed `hr_`, so any other prefix stays clear of them.
    ///
    /// ```
    /// use sea_orm::ConnectionTrait;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let storage = homeroom_sea::SeaStorage::connect("sqlite::memory:").await?;
    /// storage
    ///     .connection()
    ///     .execute_unprepared("CREATE TABLE host_notes (id INTEGER PRIMARY KEY)")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// A transaction in which several reads see one snapshot.
    async fn snapshot(&self) -> Result<DatabaseTransaction, StorageError> {
        let begun = match self.backend {
            Backend::Postgres => {
                self.db
                    .begin_with_config(
                        Some(IsolationLevel::RepeatableRead),
                        Some(AccessMode::ReadOnly),
                    )
                    .await
            }
            // A deferred SQLite transaction reads one snapshot from its first SELECT on.
            Backend::Sqlite => self.db.begin().await,
        };
        begun.map_err(storage("cannot begin a read"))
    }
}

impl fmt::Debug for SeaStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeaStorage")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Ends a read-only transaction, keeping the read's outcome.
async fn end<T>(
    txn: DatabaseTransaction,
    outcome: Result<T, StorageError>,
) -> Result<T, StorageError> {
    let value = outcome?;
    txn.commit().await.map_err(storage("cannot end a read"))?;
    Ok(value)
}

#[async_trait]
impl Storage for SeaStorage {
    #[tracing::instrument(level = "debug", name = "storage::district", skip_all, fields(district = %id))]
    async fn district(&self, id: DistrictId) -> Result<Option<District>, StorageError> {
        read::district(&self.db, id).await
    }

    #[tracing::instrument(level = "debug", name = "storage::district_by_name", skip_all, fields(name = %name_key))]
    async fn district_by_name(&self, name_key: &str) -> Result<Option<District>, StorageError> {
        read::district_by_name(&self.db, name_key).await
    }

    #[tracing::instrument(level = "debug", name = "storage::org_units", skip_all, fields(district = %district))]
    async fn org_units(&self, district: DistrictId) -> Result<Vec<OrgUnit>, StorageError> {
        read::org_units(&self.db, district).await
    }

    #[tracing::instrument(level = "debug", name = "storage::user", skip_all, fields(district = %district, user = %id))]
    async fn user(&self, district: DistrictId, id: UserId) -> Result<Option<User>, StorageError> {
        read::user(&self.db, district, id).await
    }

    #[tracing::instrument(level = "debug", name = "storage::user_by_key", skip_all, fields(district = %district, key = key.kind()))]
    async fn user_by_key(
        &self,
        district: DistrictId,
        key: &UserKey,
    ) -> Result<Option<User>, StorageError> {
        read::user_by_key(&self.db, district, key).await
    }

    #[tracing::instrument(level = "debug", name = "storage::users", skip_all, fields(district = %district, users = ids.len()))]
    async fn users(&self, district: DistrictId, ids: &[UserId]) -> Result<Vec<User>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let txn = self.snapshot().await?;
        let found = read::users(&txn, self.backend, district, ids).await;
        end(txn, found).await
    }

    #[tracing::instrument(level = "debug", name = "storage::district_users", skip_all, fields(district = %district))]
    async fn district_users(
        &self,
        district: DistrictId,
    ) -> Result<Vec<std::sync::Arc<User>>, StorageError> {
        let txn = self.snapshot().await?;
        let found = read::district_users(&txn, district).await;
        end(txn, found).await
    }

    #[tracing::instrument(level = "debug", name = "storage::import_stamps", skip_all, fields(district = %district))]
    async fn import_stamps(
        &self,
        district: DistrictId,
    ) -> Result<Vec<homeroom::ImportStamp>, StorageError> {
        let txn = self.snapshot().await?;
        let found = read::import_stamps(&txn, district).await;
        end(txn, found).await
    }

    #[tracing::instrument(level = "debug", name = "storage::password_credential", skip_all, fields(district = %district, user = %user))]
    async fn password_credential(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<Option<homeroom::password::PasswordCredential>, StorageError> {
        read::password(&self.db, district, user).await
    }

    #[tracing::instrument(level = "debug", name = "storage::acting_stamp", skip_all, fields(district = %district, user = ?actor))]
    async fn acting_stamp(
        &self,
        district: DistrictId,
        actor: Option<UserId>,
    ) -> Result<Option<homeroom::storage::ActingStamp>, StorageError> {
        read::acting_stamp(&self.db, self.backend, district, actor).await
    }

    #[tracing::instrument(level = "debug", name = "storage::search_users", skip_all, fields(district = %district))]
    async fn search_users(
        &self,
        district: DistrictId,
        query: &UserQuery,
    ) -> Result<Page<User, UserCursor>, StorageError> {
        // One statement (page and total together): no snapshot transaction needed.
        read::search_users(&self.db, district, query).await
    }

    #[tracing::instrument(level = "debug", name = "storage::matching_users", skip_all, fields(district = %district))]
    async fn matching_users(
        &self,
        district: DistrictId,
        query: &UserQuery,
    ) -> Result<Vec<User>, StorageError> {
        let txn = self.snapshot().await?;
        let found = read::matching_users(&txn, district, query).await;
        end(txn, found).await
    }

    #[tracing::instrument(level = "debug", name = "storage::activity", skip_all, fields(district = %district))]
    async fn activity(
        &self,
        district: DistrictId,
        query: &ActivityQuery,
    ) -> Result<Page<ActivityEntry, ActivityCursor>, StorageError> {
        // One statement (page and total together): no snapshot transaction needed.
        read::activity_page(&self.db, district, query).await
    }

    #[tracing::instrument(level = "debug", name = "storage::roles", skip_all, fields(district = %district))]
    async fn roles(&self, district: DistrictId) -> Result<Vec<Role>, StorageError> {
        read::roles(&self.db, district).await
    }

    #[tracing::instrument(level = "debug", name = "storage::grants", skip_all, fields(district = %district, holder = ?holder))]
    async fn grants(
        &self,
        district: DistrictId,
        holder: Option<UserId>,
    ) -> Result<Vec<Grant>, StorageError> {
        read::grants(&self.db, district, holder).await
    }

    #[tracing::instrument(level = "debug", name = "storage::record", skip_all, fields(district = %district, record = %id))]
    async fn record(
        &self,
        district: DistrictId,
        id: RecordId,
    ) -> Result<Option<Record>, StorageError> {
        read::record(&self.db, district, id).await
    }

    #[tracing::instrument(level = "debug", name = "storage::records", skip_all, fields(district = %district))]
    async fn records(
        &self,
        district: DistrictId,
        query: &RecordQuery,
    ) -> Result<Page<Record, RecordCursor>, StorageError> {
        // One statement (page and total together): no snapshot transaction needed.
        read::records_page(&self.db, district, query).await
    }

    #[tracing::instrument(level = "debug", name = "storage::record_counts", skip_all, fields(district = %district, user = %user))]
    async fn record_counts(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<RecordCounts, StorageError> {
        read::record_counts(&self.db, district, user).await
    }

    #[tracing::instrument(level = "debug", name = "storage::user_records", skip_all, fields(district = %district, user = %user))]
    async fn user_records(
        &self,
        district: DistrictId,
        user: UserId,
        limit: usize,
    ) -> Result<Option<Vec<homeroom::records::Record>>, StorageError> {
        read::user_records(&self.db, district, user, limit).await
    }

    #[tracing::instrument(level = "debug", name = "storage::open_checkout", skip_all, fields(district = %district, device = %device_key))]
    async fn open_checkout(
        &self,
        district: DistrictId,
        device_key: &str,
    ) -> Result<Option<Record>, StorageError> {
        read::open_checkout(&self.db, district, device_key).await
    }

    #[tracing::instrument(level = "debug", name = "storage::device_records", skip_all, fields(district = %district))]
    async fn device_records(
        &self,
        district: DistrictId,
        key: &DeviceKey,
    ) -> Result<Vec<Record>, StorageError> {
        read::device_records(&self.db, district, key).await
    }

    #[tracing::instrument(level = "debug", name = "storage::item", skip_all, fields(district = %district, item = %id))]
    async fn item(&self, district: DistrictId, id: ItemId) -> Result<Option<Item>, StorageError> {
        read::item(&self.db, district, id).await
    }

    #[tracing::instrument(level = "debug", name = "storage::item_by_key", skip_all, fields(district = %district, kind = %kind))]
    async fn item_by_key(
        &self,
        district: DistrictId,
        kind: &ItemKind,
        key: &str,
    ) -> Result<Option<Item>, StorageError> {
        read::item_by_key(&self.db, district, kind, key).await
    }

    #[tracing::instrument(level = "debug", name = "storage::items", skip_all, fields(district = %district, kind = %query.kind))]
    async fn items(
        &self,
        district: DistrictId,
        query: &ItemQuery,
    ) -> Result<Page<Item, ItemId>, StorageError> {
        let txn = self.snapshot().await?;
        let page = read::items_page(&txn, district, query).await;
        end(txn, page).await
    }

    #[tracing::instrument(level = "debug", name = "storage::apply", skip_all, fields(district = ?changes.ops().first().and_then(Op::district), ops = changes.len()))]
    async fn apply(&self, changes: ChangeSet) -> Result<(), StorageError> {
        let _turn = match &self.write_turn {
            Some(turn) => Some(turn.lock().await),
            None => None,
        };
        write::apply(&self.db, self.backend, changes).await
    }

    /// One transaction; each chunk is written as it comes, under a savepoint (see
    /// `write::apply_chunked`).
    #[tracing::instrument(level = "debug", name = "storage::apply_chunked", skip_all)]
    async fn apply_chunked(&self, chunks: &mut dyn ChangeChunks) -> Result<(), StorageError> {
        let _turn = match &self.write_turn {
            Some(turn) => Some(turn.lock().await),
            None => None,
        };
        write::apply_chunked(&self.db, self.backend, chunks).await
    }
}
