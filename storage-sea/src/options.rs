//! How to open a [`SeaStorage`](crate::SeaStorage): the database URL and a few knobs.

use std::time::Duration;

/// Where and how to connect.
///
/// ```
/// use std::time::Duration;
/// use homeroom_sea::SeaOptions;
///
/// let options = SeaOptions::new("sqlite://homeroom.db?mode=rwc")
///     .max_connections(4)
///     .busy_timeout(Duration::from_secs(10));
/// assert_eq!(options.url(), "sqlite://homeroom.db?mode=rwc");
/// ```
///
/// `Debug` shows the URL without its password ([`redacted_url`](crate::redacted_url)).
#[derive(Clone)]
pub struct SeaOptions {
    pub(crate) url: String,
    pub(crate) max_connections: Option<u32>,
    pub(crate) busy_timeout: Duration,
    pub(crate) acquire_timeout: Duration,
    pub(crate) schema: Option<String>,
}

impl std::fmt::Debug for SeaOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeaOptions")
            .field("url", &crate::redacted_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("busy_timeout", &self.busy_timeout)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("schema", &self.schema)
            .finish()
    }
}

impl SeaOptions {
    /// Options for a database URL:
    ///
    /// - `sqlite://path/to/homeroom.db?mode=rwc` — a SQLite file, created if missing
    ///   (`mode=rw` to require it to exist);
    /// - `sqlite::memory:` — a private in-memory SQLite database, gone when the storage is
    ///   dropped;
    /// - `postgres://user:password@host:port/database` — a PostgreSQL database. Parts left out
    ///   come from the standard `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD` and `PGDATABASE`
    ///   variables, so plain `postgres://` works inside `pg_virtualenv`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: None,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(30),
            schema: None,
        }
    }

    /// The database URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The most connections the pool opens. Defaults: 4 for a SQLite file, 10 for PostgreSQL.
    /// An in-memory SQLite database always has exactly one connection (each connection would
    /// otherwise see a database of its own).
    #[must_use]
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = Some(max.max(1));
        self
    }

    /// How long a SQLite write waits for another process's write to finish before giving up
    /// with [`Unavailable`](homeroom::StorageErrorKind::Unavailable). Default 5 seconds.
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How long a call waits for a free connection from the pool before giving up with
    /// [`Unavailable`](homeroom::StorageErrorKind::Unavailable). Default 30 seconds.
    #[must_use]
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// PostgreSQL only: keep Homeroom's tables in this schema (created if missing) instead of
    /// the connection's default search path. Letters, digits and `_` only. Several
    /// installations (or test cases) can share one database this way.
    #[must_use]
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }
}

impl From<&str> for SeaOptions {
    fn from(url: &str) -> Self {
        Self::new(url)
    }
}

impl From<String> for SeaOptions {
    fn from(url: String) -> Self {
        Self::new(url)
    }
}

/// Which database a [`SeaStorage`](crate::SeaStorage) talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite, a file or in memory.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// SeaORM's name for this database, for statements built by hand.
    pub(crate) fn db_backend(self) -> sea_orm::DbBackend {
        match self {
            Self::Sqlite => sea_orm::DbBackend::Sqlite,
            Self::Postgres => sea_orm::DbBackend::Postgres,
        }
    }
}
