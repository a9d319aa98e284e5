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

/// What a secret is replaced by in messages.
const MASK: &str = "***";

/// A database URL fit for messages and logs: the password of `user:password@host` and the
/// value of every parameter that names a secret (`password=`, `sslpassword=`, `pwd=`,
/// `token=`, `sslkey=`, ... in the query or in a `key=value` connection string) become `***`.
///
/// It errs on the side of hiding: an `@` later in the URL (in a parameter, say) hides what
/// comes before it after the first `:`.
///
/// ```
/// use homeroom_sea::redacted_url;
/// assert_eq!(redacted_url("postgres://ann:s3cret@db:5432/hr"), "postgres://ann:***@db:5432/hr");
/// assert_eq!(
///     redacted_url("postgres://db/hr?user=ann&password=s3cret&sslmode=require"),
///     "postgres://db/hr?user=ann&password=***&sslmode=require"
/// );
/// assert_eq!(redacted_url("sqlite://hr.db?mode=rwc"), "sqlite://hr.db?mode=rwc");
/// ```
pub fn redacted_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let rest = match rest.rfind('@') {
        Some(at) => {
            let (credentials, host) = rest.split_at(at);
            match credentials.split_once(':') {
                Some((user, _)) => format!("{user}:{MASK}{host}"),
                None => rest.to_owned(),
            }
        }
        None => rest.to_owned(),
    };
    redact_parameters(&format!("{scheme}{rest}"))
}

/// True for a parameter name that holds a secret.
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["pass", "pwd", "secret", "token", "key"]
        .iter()
        .any(|word| name.contains(word))
}

/// Replaces the value of every `name=value` whose name holds a secret. A name starts after
/// `?`, `&`, `;` or white space (or at the start); a value runs to the next of those or `#`.
fn redact_parameters(text: &str) -> String {
    let is_separator = |c: char| matches!(c, '?' | '&' | ';' | '#') || c.is_whitespace();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let (before, after) = rest.split_at(eq);
        let name_start = before.rfind(is_separator).map_or(0, |i| i + 1);
        let name = before.get(name_start..).unwrap_or_default();
        let value = after.get(1..).unwrap_or_default();
        let value_end = value.find(is_separator).unwrap_or(value.len());
        out.push_str(before);
        out.push('=');
        if is_secret_name(name) && value_end > 0 {
            out.push_str(MASK);
        } else {
            out.push_str(value.get(..value_end).unwrap_or_default());
        }
        rest = value.get(value_end..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

pub(crate) use redacted_url as redacted;

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

    #[test]
    fn every_form_of_password_is_left_out() {
        for (url, expected) in [
            (
                "postgres://db/hr?password=s3cret",
                "postgres://db/hr?password=***",
            ),
            (
                "postgresql://ann@db/hr?sslmode=verify-full&sslpassword=s3cret&application_name=hr",
                "postgresql://ann@db/hr?sslmode=verify-full&sslpassword=***&application_name=hr",
            ),
            (
                "postgres://ann:s3c@ret@db/hr?PASSWORD=s3cret#x",
                "postgres://ann:***@db/hr?PASSWORD=***#x",
            ),
            (
                "host=db user=ann password=s3cret",
                "host=db user=ann password=***",
            ),
            (
                "sqlite://hr.db?mode=rwc&key=s3cret",
                "sqlite://hr.db?mode=rwc&key=***",
            ),
            ("postgres://db/hr?password=", "postgres://db/hr?password="),
        ] {
            assert_eq!(redacted(url), expected, "{url}");
        }
    }
}
