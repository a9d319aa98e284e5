//! The errors a [`Directory`](crate::Directory) command returns.

use crate::storage::{Entity, StorageError, StorageErrorKind, UniqueKey};
use crate::validation::{FieldError, InvalidValue, ValidationCode, ValidationErrors};

/// The kinds of [`Error`], for callers that branch on what went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The thing asked for does not exist (or is outside the actor's view).
    NotFound,
    /// The actor may see the target but lacks the permission for this action.
    Forbidden,
    /// The input was refused; the error lists every problem by field.
    Invalid,
    /// Someone else changed the row since it was read; reload and retry.
    Conflict,
    /// The storage is unreachable or overloaded; retrying later may succeed.
    Unavailable,
    /// The storage failed in a way the caller cannot fix.
    Storage,
}

/// What a [`Directory`](crate::Directory) command can fail with.
///
/// ```
/// use homeroom::{Error, ErrorKind, Entity};
/// let err = Error::NotFound { entity: Entity::User, id: "42".into() };
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert_eq!(err.to_string(), "user 42 was not found");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The thing asked for does not exist.
    #[error("{entity} {id} was not found")]
    NotFound {
        /// What kind of thing.
        entity: Entity,
        /// Its id (or name).
        id: String,
    },
    /// The actor may see the target but lacks a permission the action needs.
    #[error("you need the '{permission}' permission {scope} to do this")]
    Forbidden {
        /// The permission missing.
        permission: crate::Permission,
        /// Where it is needed, for the message ("over this user", "district-wide", ...).
        scope: &'static str,
    },
    /// The input was refused.
    #[error("the {entity} was not saved: {errors}")]
    Invalid {
        /// What was being saved.
        entity: Entity,
        /// Every problem, by field.
        errors: ValidationErrors,
    },
    /// The row changed since the caller read it.
    #[error(
        "{entity} {id} was changed by someone else since you loaded it (you had version {expected}, it is now version {found}); reload it and make your change again"
    )]
    Conflict {
        /// What kind of row.
        entity: Entity,
        /// Its id.
        id: String,
        /// The version the caller had.
        expected: u64,
        /// The version stored now.
        found: u64,
    },
    /// The storage failed.
    #[error(transparent)]
    Storage(StorageError),
}

impl Error {
    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Forbidden { .. } => ErrorKind::Forbidden,
            Self::Invalid { .. } => ErrorKind::Invalid,
            Self::Conflict { .. } => ErrorKind::Conflict,
            Self::Storage(e) if e.kind() == StorageErrorKind::Unavailable => ErrorKind::Unavailable,
            Self::Storage(_) => ErrorKind::Storage,
        }
    }

    /// The validation problems, when the input was refused.
    pub fn validation(&self) -> Option<&ValidationErrors> {
        match self {
            Self::Invalid { errors, .. } => Some(errors),
            _ => None,
        }
    }

    pub(crate) fn not_found(entity: Entity, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub(crate) fn forbidden(permission: crate::Permission, scope: &'static str) -> Self {
        Self::Forbidden { permission, scope }
    }

    pub(crate) fn invalid(entity: Entity, errors: ValidationErrors) -> Self {
        Self::Invalid { entity, errors }
    }

    pub(crate) fn invalid_field(entity: Entity, error: FieldError) -> Self {
        Self::invalid(entity, error.into())
    }
}

impl From<StorageError> for Error {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound { entity, id } => Self::NotFound { entity, id },
            StorageError::Conflict {
                entity,
                id,
                expected,
                found,
            } => Self::Conflict {
                entity,
                id,
                expected,
                found,
            },
            StorageError::AlreadyExists { entity, key, value } => match taken_field(key) {
                Some(field) => Self::invalid_field(
                    entity,
                    InvalidValue::new(
                        ValidationCode::Taken,
                        format!("another {entity} in this district already has {key} '{value}'"),
                    )
                    .at(field),
                ),
                None => Self::Storage(StorageError::AlreadyExists { entity, key, value }),
            },
            other => Self::Storage(other),
        }
    }
}

/// The input field a unique key comes from.
fn taken_field(key: UniqueKey) -> Option<&'static str> {
    match key {
        UniqueKey::DistrictName => Some("name"),
        UniqueKey::OrgUnitCode => Some("code"),
        UniqueKey::LocalId => Some("local_id"),
        UniqueKey::Email => Some("email"),
        UniqueKey::Username => Some("username"),
        UniqueKey::RoleName => Some("name"),
        _ => None,
    }
}
