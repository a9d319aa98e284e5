//! A Homeroom storage backend on [redb](https://www.redb.org), an embedded key-value store,
//! written only against `homeroom`'s public API, as a third party would: the proof that the
//! storage contract can be met outside this workspace's own backends.
//!
//! - [`RedbStorage`] implements [`homeroom::Storage`]: rows are JSON under `(kind, id)`, with
//!   two secondary tables, one for listings in order and one for unique keys. Each
//!   [`apply`](homeroom::Storage::apply) is one redb write transaction, committed when every
//!   op succeeded and aborted at the first that fails, whose error is returned.
//! - [`RedbLeases`] implements [`homeroom::Leases`] on the same database, expiring by the
//!   [`Clock`] it is given.
//!
//! redb is an embedded database: one process owns the file, so "replicas" are the tasks of that
//! process, and its clock is the lease clock. Calls run on the calling thread (redb is
//! synchronous; a commit waits for the disk), which suits an embedded store; a server on a busy
//! runtime would move `apply` onto `spawn_blocking`.
//!
//! Searches walk the district's users in listing order and filter them with
//! [`UserQuery::matches`](homeroom::UserQuery::matches): linear in the district, with no text
//! index. docs/adapters.md walks through this adapter and gives its figures.
//!
//! ```no_run
//! use std::sync::Arc;
//! use homeroom::{Actor, Directory};
//! use homeroom_examples::redb_adapter::RedbStorage;
//! use homeroom::system::{RandomIds, SystemClock};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let storage = RedbStorage::create("homeroom.redb")?;
//! let directory = Directory::new(Arc::new(storage), Arc::new(SystemClock), Arc::new(RandomIds));
//! directory.create_district(&Actor::system("setup"), "Maple Valley USD").await?;
//! # Ok(())
//! # }
//! ```

mod lease;
mod query;
mod rows;
mod store;
mod tables;
mod write;

use std::path::Path;
use std::sync::Arc;

use homeroom::{Clock, StorageError};
use redb::backends::InMemoryBackend;
use redb::{Builder, Database, ReadableDatabase, WriteTransaction};

pub use lease::RedbLeases;
use tables::{INDEX, LEASES, ROWS, ReadTables, Tables, UNIQUE, db};

/// Homeroom's rows in a redb database. Clones share the database, so a clone is a second
/// handle on the same data (what the conformance kit's race cases need).
#[derive(Clone, Debug)]
pub struct RedbStorage {
    db: Arc<Database>,
}

impl RedbStorage {
    /// Opens the database file at `path`, creating it when it does not exist.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        Self::from_database(Database::create(path).map_err(db)?)
    }

    /// A database that lives in memory only: for tests.
    pub fn in_memory() -> Result<Self, StorageError> {
        let database = Builder::new()
            .create_with_backend(InMemoryBackend::new())
            .map_err(db)?;
        Self::from_database(database)
    }

    /// Uses an opened database, creating Homeroom's tables in it if they are missing.
    pub fn from_database(database: Database) -> Result<Self, StorageError> {
        let storage = Self {
            db: Arc::new(database),
        };
        // Reads open tables by name and fail on a missing one: create them all up front.
        storage.transact(|txn| {
            txn.open_table(ROWS).map_err(db)?;
            txn.open_table(INDEX).map_err(db)?;
            txn.open_table(UNIQUE).map_err(db)?;
            txn.open_table(LEASES).map_err(db)?;
            Ok(())
        })?;
        Ok(storage)
    }

    /// Leases on this database, expiring by `clock`.
    pub fn leases(&self, clock: Arc<dyn Clock>) -> RedbLeases {
        RedbLeases::new(self.clone(), clock)
    }

    /// Runs `work` in one write transaction: committed when it returns `Ok`, aborted (nothing
    /// of it ever visible) when it returns `Err`.
    fn transact<T>(
        &self,
        work: impl FnOnce(&WriteTransaction) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let txn = self.db.begin_write().map_err(db)?;
        match work(&txn) {
            Ok(value) => {
                txn.commit().map_err(db)?;
                Ok(value)
            }
            Err(error) => {
                txn.abort().map_err(db)?;
                Err(error)
            }
        }
    }

    /// A snapshot of the last committed state.
    fn read(&self) -> Result<ReadTables, StorageError> {
        let txn = self.db.begin_read().map_err(db)?;
        Ok(Tables {
            rows: txn.open_table(ROWS).map_err(db)?,
            index: txn.open_table(INDEX).map_err(db)?,
            unique: txn.open_table(UNIQUE).map_err(db)?,
        })
    }
}
