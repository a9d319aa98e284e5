//! The user updates of batched mode: a run of `UpdateUser` ops reads its stored rows in one
//! statement (not one read per user), then rewrites them (see `rewrite`: only the changed
//! columns, at the version expected); the search terms and memberships the run adds follow in
//! multi-row inserts.
//!
//! A failure about the data (a missing row, a stale version, a taken key) makes the set run
//! again exactly (see the [module documentation](super)), so the error is the first failing
//! op's.

use std::collections::{HashMap, HashSet};

use homeroom::{Entity, StorageError, User, UserId, Version};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::blame::Blame;
use super::rewrite::{Added, Rewrite, rewrite_all};
use super::tx::Tx;
use crate::entity::user;
use crate::error::storage;
use crate::limits::rows_per_statement;
use crate::options::Backend;
use crate::user_json::{UserRow, select_user_row, user_of_row};

/// The most updates one run holds: their stored rows are read at once.
const MAX_RUN: usize = 1000;

/// User updates waiting to be written together.
#[derive(Default)]
pub(super) struct PendingUpdates<'o> {
    rows: Vec<(&'o User, Version)>,
    ids: HashSet<Uuid>,
}

impl<'o> PendingUpdates<'o> {
    /// True when `u` already waits: a second update of one user goes after the first.
    pub(super) fn collides(&self, u: &User) -> bool {
        self.ids.contains(&u.id.as_uuid())
    }

    /// True when the run's read would take no more ids.
    pub(super) fn is_full(&self, backend: Backend) -> bool {
        self.rows.len() >= rows_per_statement(backend, 1, 0).min(MAX_RUN)
    }

    /// True when nothing waits.
    pub(super) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub(super) fn push(&mut self, u: &'o User, expected: Version) {
        self.ids.insert(u.id.as_uuid());
        self.rows.push((u, expected));
    }

    /// Writes every waiting update, in order.
    pub(super) async fn flush(&mut self, tx: &Tx<'_>) -> Result<(), StorageError> {
        self.ids.clear();
        let rows = std::mem::take(&mut self.rows);
        let Some((first, _)) = rows.first() else {
            return Ok(());
        };
        let blame = Blame::row(Entity::User, "", first.district);
        let mut stored = stored_rows(tx, &rows).await?;
        let mut rewrites = Vec::with_capacity(rows.len());
        for (u, expected) in &rows {
            let blame = || Blame::user(u).expecting(*expected);
            let old = stored
                .remove(&u.id)
                .filter(|old| old.district == u.district)
                .ok_or_else(|| blame().not_found())?;
            StorageError::check_version(Entity::User, u.id, *expected, old.version.get())?;
            rewrites.push(Rewrite {
                old,
                new: u,
                expected: *expected,
            });
        }
        let mut added = Added::default();
        rewrite_all(tx, &rewrites, &mut added).await?;
        added.flush(tx, &blame).await
    }
}

/// Each user of `rows` as stored, by id, locked for the rest of the transaction.
async fn stored_rows(
    tx: &Tx<'_>,
    rows: &[(&User, Version)],
) -> Result<HashMap<UserId, User>, StorageError> {
    let select = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|(u, _)| u.id.as_uuid())));
    let found: Vec<UserRow> = tx
        .lock_for_update(select_user_row(select))
        .into_tuple()
        .all(tx.txn)
        .await
        .map_err(storage("cannot read users"))?;
    found
        .into_iter()
        .map(|row| user_of_row(row).map(|u| (u.id, u)))
        .collect()
}
