//! The multi-row inserts of batched mode: consecutive `InsertUser` (and `AppendActivity`) ops
//! gathered into chunks that fit one statement under the bind-parameter limit, with no two
//! rows of a chunk sharing a key (a row that would repeat one sends the chunk first, so the
//! database, not the chunk, meets the collision).

use std::collections::HashSet;

use homeroom::{ActivityEntry, StorageError, User};
use sea_orm::{ConnectionTrait, DbErr, Iterable, Value};
use uuid::Uuid;

use super::rows::insert_rows;
use crate::codec::{ACTIVITY_COLUMNS, USER_COLUMNS, activity_values, stored_terms, user_values};
use crate::entity::user;
use crate::limits::rows_per_statement;
use crate::options::Backend;

/// Users waiting to be inserted together: a statement's worth of user rows, with their search
/// terms and memberships, which follow in statements of their own.
#[derive(Default)]
pub(super) struct PendingUsers {
    users: Vec<[Value; USER_COLUMNS.len()]>,
    /// `(district, term, user)`: the terms table's key.
    terms: Vec<(Uuid, String, Uuid)>,
    /// `(district, org unit, user)`: the memberships table's key.
    members: Vec<(Uuid, Uuid, Uuid)>,
    /// Hashes of every id and unique key in the users chunk (a collision of hashes only sends
    /// the chunk early).
    keys: HashSet<u64>,
}

impl PendingUsers {
    /// Hashes of `u`'s id, Local ID, e-mail key and username key.
    fn keys_of(u: &User) -> impl Iterator<Item = u64> {
        let d = &u.details;
        let district = u.district.as_uuid();
        [
            Some(key_hash(0, Uuid::nil(), u.id.as_uuid().as_bytes())),
            d.local_id
                .as_ref()
                .map(|l| key_hash(1, district, l.as_str().as_bytes())),
            d.email
                .as_ref()
                .map(|e| key_hash(2, district, e.key().as_bytes())),
            d.username
                .as_ref()
                .map(|n| key_hash(3, district, n.key().as_bytes())),
        ]
        .into_iter()
        .flatten()
    }

    /// True when `u` may share a key with a user waiting in the chunk: the chunk goes first.
    pub(super) fn collides(&self, u: &User) -> bool {
        Self::keys_of(u).any(|k| self.keys.contains(&k))
    }

    /// True when the next user would not fit in the chunk's statement.
    pub(super) fn is_full(&self, backend: Backend) -> bool {
        let columns = user::Column::iter().count();
        self.users.len() >= rows_per_statement(backend, columns, 0)
    }

    /// True when nothing waits.
    pub(super) fn is_empty(&self) -> bool {
        self.users.is_empty() && self.terms.is_empty() && self.members.is_empty()
    }

    pub(super) fn push(&mut self, u: &User) -> Result<(), StorageError> {
        let (district, id) = (u.district.as_uuid(), u.id.as_uuid());
        self.users.push(user_values(u)?);
        self.keys.extend(Self::keys_of(u));
        self.terms
            .extend(stored_terms(u).into_iter().map(|t| (district, t, id)));
        self.members.extend(
            u.details
                .org_units
                .iter()
                .map(|unit| (district, unit.as_uuid(), id)),
        );
        Ok(())
    }

    /// Inserts every waiting user, then their terms and memberships.
    pub(super) async fn flush<C: ConnectionTrait>(
        &mut self,
        db: &C,
        backend: Backend,
    ) -> Result<(), DbErr> {
        self.keys.clear();
        let users = std::mem::take(&mut self.users);
        insert_rows(db, backend, "hr_users", USER_COLUMNS, users).await?;
        let terms = std::mem::take(&mut self.terms)
            .into_iter()
            .map(|(district, term, user)| [district.into(), term.into(), user.into()])
            .collect();
        insert_rows(
            db,
            backend,
            "hr_user_terms",
            ["district", "term", "user_id"],
            terms,
        )
        .await?;
        let members = std::mem::take(&mut self.members)
            .into_iter()
            .map(|(district, unit, user)| [district.into(), unit.into(), user.into()])
            .collect();
        insert_rows(
            db,
            backend,
            "hr_user_org_units",
            ["district", "org_unit_id", "user_id"],
            members,
        )
        .await
    }
}

/// A 64-bit FNV-1a hash of a key of kind `kind` in `district`.
fn key_hash(kind: u8, district: Uuid, value: &[u8]) -> u64 {
    [kind]
        .iter()
        .chain(district.as_bytes())
        .chain(value)
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// Activity entries waiting to be inserted together, as plain values (one SQL text per chunk
/// size, no per-cell expression tree).
#[derive(Default)]
pub(super) struct PendingActivity {
    rows: Vec<[Value; 6]>,
    ids: HashSet<Uuid>,
}

impl PendingActivity {
    /// True when `entry`'s id is already waiting: the chunk must go first.
    pub(super) fn collides(&self, entry: &ActivityEntry) -> bool {
        self.ids.contains(&entry.id.as_uuid())
    }

    pub(super) fn is_full(&self, backend: Backend) -> bool {
        self.rows.len() >= rows_per_statement(backend, ACTIVITY_COLUMNS.len(), 0)
    }

    pub(super) fn push(&mut self, entry: &ActivityEntry) -> Result<(), StorageError> {
        self.rows.push(activity_values(entry)?);
        self.ids.insert(entry.id.as_uuid());
        Ok(())
    }

    pub(super) async fn flush<C: ConnectionTrait>(
        &mut self,
        db: &C,
        backend: Backend,
    ) -> Result<(), DbErr> {
        self.ids.clear();
        let rows = std::mem::take(&mut self.rows);
        insert_rows(db, backend, "hr_activity", ACTIVITY_COLUMNS, rows).await
    }
}
