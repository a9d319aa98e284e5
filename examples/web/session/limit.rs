//! The sign-in rate limit: at most [`MAX_FAILURES`] failed sign-ins per account and client in
//! [`WINDOW`]; past that, sign-in answers 429 without checking the password, with one message
//! whether the account exists or not. Kept in the database beside the sessions, so every
//! instance counts the same failures.
//!
//! Each attempt is written down before its password is checked and counted after, so
//! attempts racing in parallel cannot get more than [`MAX_FAILURES`] checks between them; a
//! success forgets the account's failures from that client.

use chrono::Duration;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter,
};

use super::tables::failure;
use super::{Sessions, sha256_hex};

/// How far back failures count.
pub const WINDOW: Duration = Duration::minutes(15);
/// How many failures in [`WINDOW`] an account may have from one client.
pub const MAX_FAILURES: u64 = 5;

/// The key of an account (as typed: trimmed, lower case) from a client (its address).
pub fn key(login: &str, client: &str) -> String {
    sha256_hex(format!("{}\n{client}", login.trim().to_lowercase()).as_bytes())
}

/// An attempt written down: forget it on success ([`Sessions::attempt_succeeded`]).
#[derive(Debug)]
pub struct Attempt {
    key: String,
}

impl Sessions {
    /// Writes down an attempt to sign in under `key`; `None` when the limit is reached (then
    /// the attempt is not counted, and the password must not be checked).
    pub async fn attempt(&self, key: &str) -> Result<Option<Attempt>, DbErr> {
        let now = self.clock().now().timestamp();
        let id = self.random_id();
        let row = failure::ActiveModel {
            id: Set(id.clone()),
            key_hash: Set(key.to_string()),
            at: Set(now),
        };
        failure::Entity::insert(row).exec(self.db()).await?;
        let recent = failure::Entity::find()
            .filter(failure::Column::KeyHash.eq(key))
            .filter(failure::Column::At.gt(now - WINDOW.num_seconds()))
            .count(self.db())
            .await?;
        if recent > MAX_FAILURES {
            failure::Entity::delete_by_id(id).exec(self.db()).await?;
            return Ok(None);
        }
        Ok(Some(Attempt {
            key: key.to_string(),
        }))
    }

    /// The attempt succeeded: the account's failures from this client are forgotten.
    pub async fn attempt_succeeded(&self, attempt: Attempt) -> Result<(), DbErr> {
        failure::Entity::delete_many()
            .filter(failure::Column::KeyHash.eq(attempt.key))
            .exec(self.db())
            .await?;
        Ok(())
    }
}

/// Deletes the failures at or before `before` (seconds since the Unix epoch).
pub(super) async fn forget_before(db: &DatabaseConnection, before: i64) -> Result<(), DbErr> {
    failure::Entity::delete_many()
        .filter(failure::Column::At.lte(before))
        .exec(db)
        .await?;
    Ok(())
}
