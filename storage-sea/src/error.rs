//! Database errors, sorted into what the storage contract cares about.
//!
//! SeaORM reports failures as [`DbErr`]; the contract wants [`StorageError`] kinds. The
//! database's own error code decides: unique and foreign-key violations, lost races
//! (deadlocks, serialization failures), and everything that means "try again later"
//! (connection loss, pool timeout, `SQLITE_BUSY`). The op that met the error turns a
//! [`DbFailure`] into the `StorageError` it owes its caller, since only it knows the row.

use homeroom::{Entity, StorageError, UniqueKey};
use sea_orm::{DbErr, RuntimeErr, sqlx};

/// A database error, sorted.
#[derive(Debug)]
pub(crate) enum DbFailure {
    /// A unique constraint or index refused the write; the text names it (PostgreSQL's
    /// constraint name, SQLite's `table.column` list).
    Unique(String),
    /// A foreign key refused the write.
    ForeignKey,
    /// The write lost a race the database broke up (deadlock, serialization failure).
    Race(DbErr),
    /// The database is unreachable or busy; a retry may succeed.
    Unavailable(DbErr),
    /// Anything else.
    Other(DbErr),
}

impl DbFailure {
    /// The error for a caller that has no row to blame (reads, transaction control).
    pub(crate) fn into_storage(self, what: &str) -> StorageError {
        match self {
            Self::Unavailable(err) => unavailable(what, err),
            Self::Unique(text) => StorageError::Backend {
                message: format!("{what}: unexpected unique violation ({text})"),
                source: None,
            },
            Self::ForeignKey => StorageError::Backend {
                message: format!("{what}: unexpected foreign-key violation"),
                source: None,
            },
            Self::Race(err) | Self::Other(err) => StorageError::backend(what.to_owned(), err),
        }
    }
}

/// Sorts a SeaORM error.
pub(crate) fn classify(err: DbErr) -> DbFailure {
    match &err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return DbFailure::Unavailable(err),
        _ => {}
    }
    let Some(sqlx_err) = sqlx_error(&err) else {
        return DbFailure::Other(err);
    };
    match sqlx_err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => DbFailure::Unavailable(err),
        sqlx::Error::Database(db) => match db.kind() {
            sqlx::error::ErrorKind::UniqueViolation => {
                let text = db
                    .constraint()
                    .map_or_else(|| db.message().to_owned(), str::to_owned);
                DbFailure::Unique(text)
            }
            sqlx::error::ErrorKind::ForeignKeyViolation => DbFailure::ForeignKey,
            _ => match code_class(&db.code().unwrap_or_default()) {
                CodeClass::Race => DbFailure::Race(err),
                CodeClass::Unavailable => DbFailure::Unavailable(err),
                CodeClass::Other => DbFailure::Other(err),
            },
        },
        _ => DbFailure::Other(err),
    }
}

/// A SeaORM error as a `StorageError`, for callers with no row to blame.
pub(crate) fn storage(what: &str) -> impl FnOnce(DbErr) -> StorageError + '_ {
    move |err| classify(err).into_storage(what)
}

/// A sqlx error met while opening a pool, as a `StorageError`.
pub(crate) fn connect_error(what: &str) -> impl FnOnce(sqlx::Error) -> StorageError + '_ {
    move |err| storage(what)(DbErr::Conn(RuntimeErr::SqlxError(std::sync::Arc::new(err))))
}

fn sqlx_error(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum CodeClass {
    Race,
    Unavailable,
    Other,
}

/// What a database error code means here, unique and foreign-key violations aside (sqlx sorts
/// those itself). PostgreSQL codes are five-character SQLSTATEs; SQLite codes are (extended)
/// result numbers of at most four digits.
fn code_class(code: &str) -> CodeClass {
    if code.len() == 5 {
        return match code {
            "40001" | "40P01" => CodeClass::Race, // serialization failure, deadlock
            "57P01" | "57P02" | "57P03" => CodeClass::Unavailable, // shutdown, cannot connect now
            c if c.starts_with("08") || c.starts_with("53") => CodeClass::Unavailable, // connection, resources
            _ => CodeClass::Other,
        };
    }
    match code.parse::<i32>() {
        // SQLITE_BUSY and SQLITE_LOCKED with their extended codes: https://www.sqlite.org/rescode.html
        Ok(n) if matches!(n & 0xff, 5 | 6) => CodeClass::Unavailable,
        _ => CodeClass::Other,
    }
}

/// Which unique key of `entity` a constraint text names. The index names of the migration and
/// SQLite's column lists both carry the key's column name; anything else is the primary key.
pub(crate) fn unique_key(entity: Entity, constraint: &str) -> UniqueKey {
    let c = constraint.to_ascii_lowercase();
    if c.contains("item_key") {
        UniqueKey::ItemKey
    } else if c.contains("device_key") {
        UniqueKey::OpenCheckout
    } else if c.contains("email_key") {
        UniqueKey::Email
    } else if c.contains("username_key") {
        UniqueKey::Username
    } else if c.contains("local_id") {
        UniqueKey::LocalId
    } else if c.contains("code_key") {
        UniqueKey::OrgUnitCode
    } else if c.contains("name_key") {
        if entity == Entity::Role {
            UniqueKey::RoleName
        } else {
            UniqueKey::DistrictName
        }
    } else {
        UniqueKey::Id
    }
}

/// An unavailable error with its cause.
pub(crate) fn unavailable(what: &str, err: DbErr) -> StorageError {
    StorageError::Unavailable {
        message: format!("{what}: {err}"),
        source: Some(Box::new(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_sort_into_classes() {
        assert_eq!(code_class("2067"), CodeClass::Other);
        assert_eq!(code_class("5"), CodeClass::Unavailable);
        assert_eq!(code_class("517"), CodeClass::Unavailable); // SQLITE_BUSY_SNAPSHOT
        assert_eq!(code_class("6"), CodeClass::Unavailable);
        assert_eq!(code_class("19"), CodeClass::Other);
        assert_eq!(code_class("23505"), CodeClass::Other);
        assert_eq!(code_class("40001"), CodeClass::Race);
        assert_eq!(code_class("40P01"), CodeClass::Race);
        assert_eq!(code_class("08006"), CodeClass::Unavailable);
        assert_eq!(code_class("57P01"), CodeClass::Unavailable);
        assert_eq!(code_class("53300"), CodeClass::Unavailable);
        assert_eq!(code_class("42601"), CodeClass::Other);
    }

    #[test]
    fn constraint_texts_name_their_keys() {
        let sqlite = "UNIQUE constraint failed: hr_users.district, hr_users.email_key";
        assert_eq!(unique_key(Entity::User, sqlite), UniqueKey::Email);
        assert_eq!(
            unique_key(Entity::User, "ux_hr_users_username_key"),
            UniqueKey::Username
        );
        assert_eq!(
            unique_key(Entity::User, "ux_hr_users_local_id"),
            UniqueKey::LocalId
        );
        assert_eq!(unique_key(Entity::User, "hr_users_pkey"), UniqueKey::Id);
        assert_eq!(
            unique_key(Entity::User, "UNIQUE constraint failed: hr_users.id"),
            UniqueKey::Id
        );
        assert_eq!(
            unique_key(Entity::District, "ux_hr_districts_name_key"),
            UniqueKey::DistrictName
        );
        assert_eq!(
            unique_key(Entity::Role, "ux_hr_roles_name_key"),
            UniqueKey::RoleName
        );
        assert_eq!(
            unique_key(Entity::Record, "ux_hr_records_open_device_key"),
            UniqueKey::OpenCheckout
        );
        assert_eq!(
            unique_key(Entity::OrgUnit, "ux_hr_org_units_code_key"),
            UniqueKey::OrgUnitCode
        );
    }
}
