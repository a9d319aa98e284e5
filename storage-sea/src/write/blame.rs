//! Which `StorageError` a failed write owes its caller: the database says what went wrong,
//! the op knows which row it was writing.

use homeroom::{DistrictId, Entity, StorageError, UniqueKey, User, Version};
use sea_orm::DbErr;

use crate::error::{DbFailure, classify, unique_key};

/// The row an op was writing, for its error.
#[derive(Clone)]
pub(super) struct Blame {
    pub(super) entity: Entity,
    pub(super) id: String,
    pub(super) district: DistrictId,
    /// The version an update or delete expected (`None` for inserts).
    pub(super) expected: Option<Version>,
    /// The normalised values of the row's unique keys other than its id.
    pub(super) keys: Vec<(UniqueKey, String)>,
}

impl Blame {
    /// A row with no unique key but its id.
    pub(super) fn row(entity: Entity, id: impl ToString, district: DistrictId) -> Self {
        Self {
            entity,
            id: id.to_string(),
            district,
            expected: None,
            keys: Vec::new(),
        }
    }

    /// The same row, written expecting `expected`.
    pub(super) fn expecting(mut self, expected: Version) -> Self {
        self.expected = Some(expected);
        self
    }

    /// The same row, with a unique key.
    pub(super) fn key(mut self, key: UniqueKey, value: Option<String>) -> Self {
        if let Some(value) = value {
            self.keys.push((key, value));
        }
        self
    }

    /// A user and its keys.
    pub(super) fn user(user: &User) -> Self {
        let d = &user.details;
        Self::row(Entity::User, user.id, user.district)
            .key(
                UniqueKey::LocalId,
                d.local_id.as_ref().map(|l| l.as_str().to_owned()),
            )
            .key(UniqueKey::Email, d.email.as_ref().map(|e| e.key()))
            .key(UniqueKey::Username, d.username.as_ref().map(|u| u.key()))
    }

    /// The error for a failed statement of this op.
    pub(super) fn error(self, err: DbErr) -> StorageError {
        match classify(err) {
            DbFailure::Unique(constraint) => {
                let key = unique_key(self.entity, &constraint);
                let value = self
                    .keys
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map_or_else(|| self.id.clone(), |(_, v)| v.clone());
                StorageError::already_exists(self.entity, key, value)
            }
            DbFailure::ForeignKey => StorageError::not_found(Entity::District, self.district),
            // The database broke up a deadlock or a serialization failure: this write lost a
            // race, and the version it would have found is not known (reported as 0).
            DbFailure::Race(_) => self.conflict(0),
            other => other.into_storage(&format!("cannot write {} {}", self.entity, self.id)),
        }
    }

    /// The row is stored at `found`, not at the version expected.
    pub(super) fn conflict(self, found: u64) -> StorageError {
        StorageError::conflict(
            self.entity,
            self.id,
            self.expected.map_or(0, Version::get),
            found,
        )
    }

    /// The row is not stored (in the district named).
    pub(super) fn not_found(self) -> StorageError {
        StorageError::NotFound {
            entity: self.entity,
            id: self.id,
        }
    }
}
