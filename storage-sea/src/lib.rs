//! SeaORM storage for Homeroom: SQLite as the embedded default, PostgreSQL for several service
//! replicas sharing one database.
//!
//! [`SeaStorage`] implements [`homeroom::Storage`] and passes the whole conformance kit on
//! both databases. It owns its schema (sea-orm-migration migrations, applied on connect) and
//! keeps every row whole as JSON next to indexed copies of the fields that lookups, unique
//! keys, filters and ordering need, so reads give back exactly what was written.
//!
//! ```
//! use homeroom::Storage;
//! use homeroom_sea::{Backend, SeaStorage};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), homeroom::StorageError> {
//! // A file: `sqlite://homeroom.db?mode=rwc`; PostgreSQL: `postgres://user:pw@host/db`.
//! let storage = SeaStorage::connect("sqlite::memory:").await?;
//! assert_eq!(storage.backend(), Backend::Sqlite);
//! assert!(storage.district_by_name("maple valley").await?.is_none());
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//!
//! - `sqlite` (default): SQLite through sqlx, bundled. Files run in WAL mode with
//!   `synchronous=NORMAL` and a busy timeout; write transactions begin `IMMEDIATE`;
//!   `sqlite::memory:` keeps exactly one connection.
//! - `postgres`: PostgreSQL through sqlx. `apply` is one READ COMMITTED transaction; rows are
//!   locked before they change and every update names the version it expects, so replicas
//!   racing on a row get one winner and a `Conflict` for the others.
//!
//! # Schema
//!
//! Tables are prefixed `hr_` and the applied migrations are recorded in
//! `hr_seaql_migrations`, so Homeroom can share a database with the host's own tables and
//! SeaORM migrations. Every lookup and filter of the trait has an index: unique
//! `(district, local_id)`, `(district, email_key)`, `(district, username_key)`, district
//! `name_key`, `(district, code_key)` of org units and `(district, name_key)` of roles; the
//! listing order `(district, sort_key, id)`, status and grade in listing order; a terms table
//! keyed `(district, term, user_id)` answering prefix search as one key range (no `LIKE`,
//! so `%` and `_` are plain characters); a memberships table keyed
//! `(district, org_unit_id, user_id)`; the activity log and profile records by subject or
//! user and time. A test checks the SQLite plans with `EXPLAIN QUERY PLAN`.
//!
//! Large change sets (an import) go to the database as multi-row inserts chunked under the
//! bind-parameter limits (SQLite 32 766, PostgreSQL 65 535), and still fail exactly like
//! small ones: the error is the first failing op's and nothing is left behind.
//!
//! # Leases
//!
//! [`SeaStorage`] also implements [`homeroom::Leases`] over the `hr_leases` table, so two
//! replicas never run the same district's sync at once: each change is one conditional
//! statement (an upsert that only takes an expired lease or the holder's own), atomic on both
//! databases, and expiry follows the database server's clock, never a replica's.
//!
//! # Errors
//!
//! Database errors become [`homeroom::StorageError`] kinds: a unique violation is
//! `AlreadyExists` with the key that collided, a stale version is `Conflict`, a missing row or
//! district is `NotFound`, and connection loss, pool timeouts and `SQLITE_BUSY` are
//! `Unavailable`. No SeaORM or sqlx type appears in this crate's API but one:
//! [`SeaStorage::connection`] hands a host the pool for its own tables on the same database.
//!
//! # Testing
//!
//! `cargo test -p homeroom-sea` runs the conformance kit on SQLite (in memory and on a file)
//! and, when a server is configured, on PostgreSQL, each case in a schema of its own:
//!
//! ```text
//! pg_virtualenv -- env HOMEROOM_REQUIRE_POSTGRES=1 cargo test -p homeroom-sea
//! ```
//!
//! `HOMEROOM_TEST_POSTGRES_URL` names another server; `HOMEROOM_REQUIRE_POSTGRES=1` turns a
//! missing server from a skip into a failure.

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("homeroom-sea needs a database: enable the `sqlite` feature, `postgres`, or both");

mod activity_json;
mod codec;
mod connect;
mod entity;
mod error;
mod lease;
mod limits;
mod migration;
mod options;
mod prefix;
mod read;
mod store;
#[doc(hidden)]
pub mod tables;
mod user_json;
mod write;

#[cfg(test)]
mod plans;

pub use connect::redacted_url;
pub use options::{Backend, SeaOptions};
pub use store::SeaStorage;
