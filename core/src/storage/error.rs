//! Storage errors, by kind.

use std::error::Error as StdError;
use std::fmt;

use crate::Version;

/// The kind of row an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entity {
    /// A district.
    District,
    /// An org unit.
    OrgUnit,
    /// A user.
    User,
    /// An activity-log entry.
    Activity,
    /// A role.
    Role,
    /// A grant.
    Grant,
    /// A record on a user's profile.
    Record,
    /// An [`Item`](crate::storage::Item) of the generic item store.
    Item,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::District => "district",
            Self::OrgUnit => "org unit",
            Self::User => "user",
            Self::Activity => "activity entry",
            Self::Role => "role",
            Self::Grant => "grant",
            Self::Record => "record",
            Self::Item => "item",
        })
    }
}

/// Which unique key a write collided on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UniqueKey {
    /// The row's id.
    Id,
    /// A district's name (case-insensitive).
    DistrictName,
    /// An org unit's code within its district (case-insensitive).
    OrgUnitCode,
    /// A user's Local ID within the district.
    LocalId,
    /// A user's e-mail within the district (case-insensitive).
    Email,
    /// A user's username within the district (case-insensitive).
    Username,
    /// A role's name within the district (case-insensitive).
    RoleName,
    /// A device's key among the district's open checkouts: a device cannot be out twice.
    OpenCheckout,
    /// An [`Item::key`](crate::storage::Item::key) among the district's items of one kind.
    ItemKey,
}

impl fmt::Display for UniqueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Id => "id",
            Self::DistrictName => "district name",
            Self::OrgUnitCode => "org unit code",
            Self::LocalId => "Local ID",
            Self::Email => "e-mail",
            Self::Username => "username",
            Self::RoleName => "role name",
            Self::OpenCheckout => "device checked out",
            Self::ItemKey => "key",
        })
    }
}

/// The kinds of [`StorageError`], for callers that branch on what went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageErrorKind {
    /// A row the write needs does not exist.
    NotFound,
    /// An insert collided with a unique key.
    AlreadyExists,
    /// A row changed since it was read (its version moved on).
    Conflict,
    /// The backend cannot do this.
    Unsupported,
    /// The backend is unreachable or overloaded; retrying later may succeed.
    Unavailable,
    /// A lease the caller renews or releases is no longer theirs: it expired, or another
    /// holder took it over. See [`Leases`](crate::storage::Leases).
    LeaseLost,
    /// Anything else the backend reports.
    Backend,
}

type Source = Box<dyn StdError + Send + Sync + 'static>;

/// What a [`Storage`](crate::Storage) call can fail with.
///
/// Match on [`StorageError::kind`], not on messages:
///
/// ```
/// use homeroom::{StorageError, StorageErrorKind, Entity, UniqueKey};
/// let err = StorageError::AlreadyExists { entity: Entity::User, key: UniqueKey::Email, value: "ada@example.org".into() };
/// assert_eq!(err.kind(), StorageErrorKind::AlreadyExists);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// A row the write needs does not exist.
    #[error("{entity} {id} does not exist")]
    NotFound {
        /// What kind of row.
        entity: Entity,
        /// Its id.
        id: String,
    },
    /// A write collided with a unique key.
    #[error("another {entity} already has {key} '{value}'")]
    AlreadyExists {
        /// What kind of row.
        entity: Entity,
        /// Which key.
        key: UniqueKey,
        /// The colliding value (the normalised key).
        value: String,
    },
    /// A versioned write found the row at a different version.
    #[error(
        "{entity} {id} was changed by someone else (expected version {expected}, found {found})"
    )]
    Conflict {
        /// What kind of row.
        entity: Entity,
        /// Its id.
        id: String,
        /// The version the write expected.
        expected: u64,
        /// The version stored.
        found: u64,
    },
    /// The backend does not support this operation.
    #[error("not supported by this storage backend: {operation}")]
    Unsupported {
        /// What was asked.
        operation: String,
    },
    /// The backend is unreachable or overloaded; the operation may succeed later.
    #[error("storage unavailable: {message}")]
    Unavailable {
        /// What happened.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Source>,
    },
    /// A lease the caller renews or releases is no longer theirs: it expired, or another
    /// holder took it over. See [`Leases`](crate::storage::Leases).
    #[error("lease '{name}' is no longer held by '{holder}': it expired or was taken over")]
    LeaseLost {
        /// The lease's name.
        name: String,
        /// The holder that lost it.
        holder: String,
    },
    /// Any other backend failure.
    #[error("storage backend error: {message}")]
    Backend {
        /// What happened.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Source>,
    },
}

impl StorageError {
    /// The error's kind.
    pub fn kind(&self) -> StorageErrorKind {
        match self {
            Self::NotFound { .. } => StorageErrorKind::NotFound,
            Self::AlreadyExists { .. } => StorageErrorKind::AlreadyExists,
            Self::Conflict { .. } => StorageErrorKind::Conflict,
            Self::Unsupported { .. } => StorageErrorKind::Unsupported,
            Self::Unavailable { .. } => StorageErrorKind::Unavailable,
            Self::LeaseLost { .. } => StorageErrorKind::LeaseLost,
            Self::Backend { .. } => StorageErrorKind::Backend,
        }
    }

    /// A backend error from a message and an underlying error.
    pub fn backend(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self::Backend {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// A not-found error.
    pub fn not_found(entity: Entity, id: impl fmt::Display) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// A unique-key collision: another `entity` already holds `key` with `value` (the
    /// normalised key, as the contract reports it).
    ///
    /// ```
    /// use homeroom::{Entity, StorageError, StorageErrorKind, UniqueKey};
    /// let err = StorageError::already_exists(Entity::Role, UniqueKey::RoleName, "teacher");
    /// assert_eq!(err.kind(), StorageErrorKind::AlreadyExists);
    /// assert_eq!(err.to_string(), "another role already has role name 'teacher'");
    /// ```
    pub fn already_exists(entity: Entity, key: UniqueKey, value: impl fmt::Display) -> Self {
        Self::AlreadyExists {
            entity,
            key,
            value: value.to_string(),
        }
    }

    /// A versioned write that found `entity` `id` stored at `found`, not at `expected`. A
    /// backend that cannot tell a version (a lost race, a batch) reports it as 0.
    pub fn conflict(entity: Entity, id: impl fmt::Display, expected: u64, found: u64) -> Self {
        Self::Conflict {
            entity,
            id: id.to_string(),
            expected,
            found,
        }
    }

    /// The version check of every versioned write: `Ok` when the row is stored at the
    /// `expected` version, else a [`Conflict`](Self::Conflict) naming `entity` `id` and both
    /// versions.
    ///
    /// ```
    /// use homeroom::{Entity, StorageError, StorageErrorKind, Version};
    /// assert!(StorageError::check_version(Entity::User, "u1", Version::FIRST, 1).is_ok());
    /// let err = StorageError::check_version(Entity::User, "u1", Version::FIRST, 2).unwrap_err();
    /// assert_eq!(err.kind(), StorageErrorKind::Conflict);
    /// ```
    pub fn check_version(
        entity: Entity,
        id: impl fmt::Display,
        expected: Version,
        found: u64,
    ) -> Result<(), Self> {
        if found == expected.get() {
            Ok(())
        } else {
            Err(Self::conflict(entity, id, expected.get(), found))
        }
    }
}
