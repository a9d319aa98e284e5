//! [`Leases`] on the database: one row per name in `hr_leases`, changed only by single
//! conditional statements, with expiry by the database server's clock.
//!
//! - Acquire is one `INSERT ... ON CONFLICT (name) DO UPDATE ... WHERE <expired or same
//!   holder> RETURNING`: the row is inserted, or taken over, or left alone (no row returned)
//!   in one atomic statement, so of any number of replicas racing for a free lease exactly
//!   one gets it, on SQLite and on PostgreSQL alike.
//! - Renew and release are one `UPDATE ... WHERE name, holder and token match`; no row
//!   matched means the lease was lost.
//! - "Now" is the database's (`julianday('now')`, `statement_timestamp()`), in milliseconds
//!   since the Unix epoch, so the replicas' clocks may disagree.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use homeroom::{Lease, Leases, StorageError};
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};

use crate::error::storage;
use crate::options::Backend;
use crate::store::SeaStorage;

/// The database clock, in milliseconds since the Unix epoch, for one statement.
fn now_ms(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)",
        Backend::Postgres => {
            "CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT)"
        }
    }
}

/// The `n`th bind parameter (from 1), numbered so it may be used twice.
fn arg(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => format!("?{n}"),
        Backend::Postgres => format!("${n}"),
    }
}

fn statement(backend: Backend, sql: String, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend.db_backend(), sql, values)
}

fn ttl_ms(ttl: Duration) -> i64 {
    Lease::clamp_ttl(ttl).num_milliseconds().max(1)
}

fn token_value(token: u64) -> Value {
    i64::try_from(token).unwrap_or(i64::MAX).into()
}

fn expiry(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn read_row(row: &QueryResult, what: &str) -> Result<(u64, DateTime<Utc>), StorageError> {
    let token: i64 = row.try_get("", "token").map_err(storage(what))?;
    let expires_ms: i64 = row.try_get("", "expires_ms").map_err(storage(what))?;
    Ok((u64::try_from(token).unwrap_or(0), expiry(expires_ms)))
}

#[async_trait]
impl Leases for SeaStorage {
    #[tracing::instrument(level = "debug", name = "leases::try_acquire", skip_all, fields(name = %name, holder = %holder, ttl_secs = ttl.num_seconds()))]
    async fn try_acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StorageError> {
        let b = self.backend();
        let now = now_ms(b);
        let (p_name, p_holder, p_ttl) = (arg(b, 1), arg(b, 2), arg(b, 3));
        let sql = format!(
            "INSERT INTO hr_leases (name, holder, token, expires_ms) \
             VALUES ({p_name}, {p_holder}, 1, {now} + {p_ttl}) \
             ON CONFLICT (name) DO UPDATE SET \
               holder = excluded.holder, \
               token = hr_leases.token + 1, \
               expires_ms = excluded.expires_ms \
             WHERE hr_leases.expires_ms <= {now} OR hr_leases.holder = excluded.holder \
             RETURNING token, expires_ms"
        );
        let values = vec![name.into(), holder.into(), ttl_ms(ttl).into()];
        let what = "cannot take a lease";
        let row = self
            .connection()
            .query_one_raw(statement(b, sql, values))
            .await
            .map_err(storage(what))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (token, expires_at) = read_row(&row, what)?;
        Ok(Some(Lease {
            name: name.to_owned(),
            holder: holder.to_owned(),
            token,
            expires_at,
        }))
    }

    #[tracing::instrument(level = "debug", name = "leases::renew", skip_all, fields(name = %lease.name, holder = %lease.holder, token = lease.token, ttl_secs = ttl.num_seconds()))]
    async fn renew(&self, lease: &Lease, ttl: Duration) -> Result<Lease, StorageError> {
        let b = self.backend();
        let now = now_ms(b);
        let (p_name, p_holder, p_token, p_ttl) = (arg(b, 1), arg(b, 2), arg(b, 3), arg(b, 4));
        let sql = format!(
            "UPDATE hr_leases SET expires_ms = {now} + {p_ttl} \
             WHERE name = {p_name} AND holder = {p_holder} AND token = {p_token} \
               AND expires_ms > {now} \
             RETURNING token, expires_ms"
        );
        let values = vec![
            lease.name.as_str().into(),
            lease.holder.as_str().into(),
            token_value(lease.token),
            ttl_ms(ttl).into(),
        ];
        let what = "cannot renew a lease";
        let row = self
            .connection()
            .query_one_raw(statement(b, sql, values))
            .await
            .map_err(storage(what))?
            .ok_or_else(|| lease.lost())?;
        let (token, expires_at) = read_row(&row, what)?;
        Ok(Lease {
            token,
            expires_at,
            ..lease.clone()
        })
    }

    #[tracing::instrument(level = "debug", name = "leases::release", skip_all, fields(name = %lease.name, holder = %lease.holder, token = lease.token))]
    async fn release(&self, lease: &Lease) -> Result<(), StorageError> {
        let b = self.backend();
        let now = now_ms(b);
        let least = match b {
            Backend::Sqlite => "MIN",
            Backend::Postgres => "LEAST",
        };
        let (p_name, p_holder, p_token) = (arg(b, 1), arg(b, 2), arg(b, 3));
        let sql = format!(
            "UPDATE hr_leases SET expires_ms = {least}(expires_ms, {now}) \
             WHERE name = {p_name} AND holder = {p_holder} AND token = {p_token}"
        );
        let values = vec![
            lease.name.as_str().into(),
            lease.holder.as_str().into(),
            token_value(lease.token),
        ];
        let done = self
            .connection()
            .execute_raw(statement(b, sql, values))
            .await
            .map_err(storage("cannot release a lease"))?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(lease.lost())
        }
    }
}
