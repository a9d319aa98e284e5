//! Opening the pool for a URL, tuned for its database, and bringing the schema up to date.

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use homeroom::StorageError;
use sea_orm::DatabaseConnection;

use crate::options::{Backend, SeaOptions};

/// An open, migrated database.
pub(crate) struct Opened {
    pub(crate) db: DatabaseConnection,
    pub(crate) backend: Backend,
}

/// Opens the database the options name and applies every pending migration.
pub(crate) async fn open(options: &SeaOptions) -> Result<Opened, StorageError> {
    let url = options.url.as_str();
    if url.starts_with("sqlite:") {
        open_sqlite(options).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        open_postgres(options).await
    } else {
        Err(config(format!(
            "unsupported database URL '{}': expected sqlite:... or postgres://...",
            redacted(url)
        )))
    }
}

#[cfg(feature = "sqlite")]
async fn open_sqlite(options: &SeaOptions) -> Result<Opened, StorageError> {
    Ok(Opened {
        db: sqlite::open(options).await?,
        backend: Backend::Sqlite,
    })
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite(_: &SeaOptions) -> Result<Opened, StorageError> {
    Err(StorageError::Unsupported {
        operation: "SQLite (build homeroom-sea with the `sqlite` feature)".into(),
    })
}

#[cfg(feature = "postgres")]
async fn open_postgres(options: &SeaOptions) -> Result<Opened, StorageError> {
    Ok(Opened {
        db: postgres::open(options).await?,
        backend: Backend::Postgres,
    })
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_: &SeaOptions) -> Result<Opened, StorageError> {
    Err(StorageError::Unsupported {
        operation: "PostgreSQL (build homeroom-sea with the `postgres` feature)".into(),
    })
}

/// A configuration mistake: nothing to retry.
pub(crate) fn config(message: String) -> StorageError {
    StorageError::Backend {
        message,
        source: None,
    }
}

/// The URL without its password, for messages.
pub(crate) fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn passwords_are_left_out_of_messages() {
        assert_eq!(
            redacted("postgres://ann:s3cret@db:5432/hr"),
            "postgres://ann:***@db:5432/hr"
        );
        assert_eq!(redacted("postgres://ann@db/hr"), "postgres://ann@db/hr");
        assert_eq!(redacted("sqlite::memory:"), "sqlite::memory:");
    }
}
