//! PostgreSQL: a pool per storage, an optional schema of its own, and migrations serialised
//! across replicas by an advisory lock, so several services may start at once.

use std::str::FromStr;

use homeroom::StorageError;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use sea_orm_migration::MigratorTrait;

use super::{config, redacted};
use crate::error::{connect_error, storage};
use crate::migration::Migrator;
use crate::options::SeaOptions;

/// Default pool size.
const CONNECTIONS: u32 = 10;

/// The advisory lock every Homeroom migrator takes ("homeroom" in ASCII, as a number).
const MIGRATION_LOCK: i64 = 0x686f_6d65_726f_6f6d;

pub(super) async fn open(options: &SeaOptions) -> Result<DatabaseConnection, StorageError> {
    let url = options.url.as_str();
    let mut connect = PgConnectOptions::from_str(url)
        .map_err(|e| config(format!("invalid PostgreSQL URL '{}': {e}", redacted(url))))?;
    if let Some(schema) = &options.schema {
        check_schema_name(schema)?;
        connect = connect.options([("search_path", schema.as_str())]);
    }
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections.unwrap_or(CONNECTIONS))
        .acquire_timeout(options.acquire_timeout)
        .connect_with(connect)
        .await
        .map_err(connect_error("cannot connect to PostgreSQL"))?;
    let db = DatabaseConnection::from(pool);
    migrate(&db, options.schema.as_deref())
        .await
        .map_err(storage("cannot migrate the PostgreSQL database"))?;
    Ok(db)
}

/// Creates the schema if asked and applies pending migrations, all in one transaction that
/// holds the migration lock.
async fn migrate(db: &DatabaseConnection, schema: Option<&str>) -> Result<(), sea_orm::DbErr> {
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        .await?;
    if let Some(schema) = schema {
        txn.execute_unprepared(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .await?;
    }
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

fn check_schema_name(schema: &str) -> Result<(), StorageError> {
    let valid = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(config(format!(
            "invalid PostgreSQL schema name '{schema}': use at most 63 letters, digits and _, not starting with a digit"
        )))
    }
}
