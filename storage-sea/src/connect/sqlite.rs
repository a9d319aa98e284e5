//! SQLite: WAL and `synchronous=NORMAL` for files, a busy timeout, foreign keys on, and exactly
//! one long-lived connection for an in-memory database.

use std::str::FromStr;

use homeroom::StorageError;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{DatabaseConnection, SqliteTransactionMode, TransactionOptions, TransactionTrait};
use sea_orm_migration::MigratorTrait;

use super::{config, redacted};
use crate::error::{connect_error, storage};
use crate::migration::Migrator;
use crate::options::SeaOptions;

/// Default pool size for a file: readers run side by side under WAL; writers take turns.
const FILE_CONNECTIONS: u32 = 4;

pub(super) async fn open(options: &SeaOptions) -> Result<DatabaseConnection, StorageError> {
    let url = options.url.as_str();
    let in_memory = is_in_memory(url);
    let mut connect = SqliteConnectOptions::from_str(url)
        .map_err(|e| config(format!("invalid SQLite URL '{}': {e}", redacted(url))))?
        .busy_timeout(options.busy_timeout)
        .foreign_keys(true);
    if !in_memory {
        connect = connect
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
    }
    let mut pool = SqlitePoolOptions::new().acquire_timeout(options.acquire_timeout);
    pool = if in_memory {
        // The database lives as long as its one connection: never let the pool close it.
        pool.max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        pool.max_connections(options.max_connections.unwrap_or(FILE_CONNECTIONS))
    };
    let pool = pool
        .connect_with(connect)
        .await
        .map_err(connect_error("cannot open the SQLite database"))?;
    let db = DatabaseConnection::from(pool);
    migrate(&db)
        .await
        .map_err(storage("cannot migrate the SQLite database"))?;
    Ok(db)
}

/// Applies pending migrations in one `IMMEDIATE` transaction, so processes that open a new
/// file at the same moment take turns: the first creates the schema, the others find it.
async fn migrate(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// True for the URLs sqlx opens as an in-memory database.
fn is_in_memory(url: &str) -> bool {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory")
}

#[cfg(test)]
mod tests {
    use super::is_in_memory;

    #[test]
    fn memory_urls_are_recognised() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://:memory:"));
        assert!(is_in_memory("sqlite://x?mode=memory"));
        assert!(!is_in_memory("sqlite://homeroom.db?mode=rwc"));
        assert!(!is_in_memory("sqlite:homeroom.db"));
    }
}
