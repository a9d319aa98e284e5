//! What a storage keeps for a user's password.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Password, PasswordHash};
use crate::clock::IdGen;
use crate::validation::InvalidValue;

/// A user's password as stored: its hash, whether the user must choose a new one at the next
/// sign-in, and when it was set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordCredential {
    /// The Argon2id hash.
    pub hash: PasswordHash,
    /// The user must change it at the next sign-in (a temporary password).
    pub must_change: bool,
    /// When it was set.
    pub set_at: DateTime<Utc>,
}

impl PasswordCredential {
    /// A credential for `password`, hashed with a fresh salt from `ids`.
    pub fn new(
        password: &Password,
        must_change: bool,
        ids: &dyn IdGen,
        at: DateTime<Utc>,
    ) -> Result<Self, InvalidValue> {
        Ok(Self {
            hash: PasswordHash::new(password, ids.salt())?,
            must_change,
            set_at: at,
        })
    }

    /// A temporary password, which the user must change at the next sign-in (what an admin or
    /// an import sets).
    pub fn temporary(
        password: &Password,
        ids: &dyn IdGen,
        at: DateTime<Utc>,
    ) -> Result<Self, InvalidValue> {
        Self::new(password, true, ids, at)
    }
}
