//! The PostgreSQL server the benches run on, when one is configured (built with
//! `--features postgres`).

use homeroom::StorageError;
use homeroom_sea::{SeaOptions, SeaStorage};
use sea_orm::ConnectionTrait;

/// The server's URL: `HOMEROOM_BENCH_POSTGRES_URL`, or the libpq environment that
/// `pg_virtualenv` sets (`PGHOST`/`PGDATABASE`); `None` when neither is set.
pub fn url() -> Option<String> {
    if let Ok(url) = std::env::var("HOMEROOM_BENCH_POSTGRES_URL")
        && !url.is_empty()
    {
        return Some(url);
    }
    let configured = ["PGHOST", "PGDATABASE"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    configured.then(|| "postgres://".to_owned())
}

/// A storage in the schema `schema` of the server at `url`, dropped first if it exists.
pub async fn fresh(url: &str, schema: &str) -> Result<SeaStorage, StorageError> {
    let failed = |e: sea_orm::DbErr| StorageError::backend("cannot reset the bench schema", e);
    let db = sea_orm::Database::connect(url).await.map_err(failed)?;
    db.execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .await
        .map_err(failed)?;
    let _ = db.close().await;
    SeaStorage::connect_with(SeaOptions::new(url).schema(schema)).await
}
