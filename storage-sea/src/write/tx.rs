//! The transaction one attempt at a set writes in, with what every per-entity writer needs to
//! know about it: the backend, and the row locks that backend takes.

use sea_orm::sea_query::LockType;
use sea_orm::{DatabaseTransaction, QuerySelect};

use crate::options::Backend;

/// A write transaction and its backend, handed to the per-entity writers.
#[derive(Clone, Copy)]
pub(super) struct Tx<'t> {
    /// The open transaction.
    pub(super) txn: &'t DatabaseTransaction,
    /// The database behind it.
    pub(super) backend: Backend,
}

impl<'t> Tx<'t> {
    /// The transaction `txn` on `backend`.
    pub(super) fn new(txn: &'t DatabaseTransaction, backend: Backend) -> Self {
        Self { txn, backend }
    }

    /// The lock a read takes on a row it is about to change (PostgreSQL; SQLite's write
    /// transaction already excludes every other writer).
    pub(super) fn lock_for_update<S: QuerySelect>(&self, select: S) -> S {
        match self.backend {
            Backend::Postgres => select.lock(LockType::NoKeyUpdate),
            Backend::Sqlite => select,
        }
    }

    /// The lock a read takes on a row that must stay until commit (a grant's holder and role).
    pub(super) fn lock_for_share<S: QuerySelect>(&self, select: S) -> S {
        match self.backend {
            Backend::Postgres => select.lock(LockType::KeyShare),
            Backend::Sqlite => select,
        }
    }
}
