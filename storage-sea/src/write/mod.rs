//! `apply`: one change set, one transaction, all or nothing.
//!
//! A set runs in one of two modes:
//!
//! - **batched** (sets with several inserts or updates): runs of `InsertUser` ops go to the
//!   database as multi-row inserts (users, then their terms and memberships), chunked under
//!   the bind-parameter limit, with no two rows of a chunk sharing a key; runs of `UpdateUser`
//!   ops read their stored rows in one statement, then update each row at its version; activity
//!   entries wait for the end of the set (nothing reads them back within it). Any other op
//!   first sends the queued users and updates, then runs on its own.
//! - **exact**: every op on its own, in order.
//!
//! Both give the same rows on success. When a batched run fails on the data (a taken key, a
//! stale version, a missing row), it is rolled back and the set is run again exactly, so the
//! error is always the first failing op's, as the contract requires; the extra work is paid
//! only by sets that fail.
//!
//! On SQLite, writers of one storage take turns on an in-process lock and every write
//! transaction begins `IMMEDIATE`, so writers in other processes wait on the busy timeout
//! instead of failing on a lock upgrade. On PostgreSQL the transaction runs at READ COMMITTED:
//! rows are read `FOR NO KEY UPDATE` before they are changed and every update names the
//! version it expects, so racing writers queue on the row and the loser sees the new version.

mod batch;
mod blame;
mod items;
mod others;
mod records;
mod rewrite;
mod rows;
mod tx;
mod updates;
mod users;
mod writer;

#[cfg(test)]
use homeroom::User;
use homeroom::storage::ChangeChunks;
use homeroom::{ChangeSet, Op, StorageError, StorageErrorKind};
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use crate::error::storage;
use crate::options::Backend;
use tx::Tx;
use writer::{Mode, Writer};

/// Applies a change set (the caller holds the SQLite write lock, if any).
pub(crate) async fn apply(
    db: &DatabaseConnection,
    backend: Backend,
    changes: ChangeSet,
) -> Result<(), StorageError> {
    let ops = changes.into_ops();
    match ops.as_slice() {
        [] => return Ok(()),
        // One insert is atomic by itself: no transaction around it (a disclosure-log entry
        // of a profile view is one statement, not four).
        [Op::AppendActivity(entry)] => return others::append_activity(db, entry).await,
        _ => {}
    }
    if batchable(&ops) < 2 {
        return run(db, backend, &ops, Mode::Exact).await;
    }
    match run(db, backend, &ops, Mode::Batched).await {
        Err(error) if is_about_the_data(&error) => run(db, backend, &ops, Mode::Exact).await,
        outcome => outcome,
    }
}

/// Applies the set `chunks` produces in one transaction, writing each chunk as it comes: the
/// set is never held whole. Each chunk runs under a savepoint, batched when it has several
/// batchable ops; when a batched chunk fails on the data, the savepoint is rolled back and the
/// chunk run again exactly, so the error is the first failing op's, as for [`apply`] (every
/// earlier chunk succeeded). A chunk that cannot be produced, or any failure, rolls back the
/// whole transaction.
pub(crate) async fn apply_chunked(
    db: &DatabaseConnection,
    backend: Backend,
    chunks: &mut dyn ChangeChunks,
) -> Result<(), StorageError> {
    let txn = begin(db, backend).await?;
    let mut outcome = Ok(());
    loop {
        let chunk = match chunks.next_chunk() {
            Ok(Some(chunk)) => chunk.into_ops(),
            Ok(None) => break,
            Err(error) => {
                outcome = Err(error);
                break;
            }
        };
        if let Err(error) = chunk_in(&txn, backend, &chunk).await {
            outcome = Err(error);
            break;
        }
    }
    settle(txn, outcome).await
}

/// One chunk of a chunked set, under a savepoint of `txn`: batched first when worth it, run
/// exactly again when the batched attempt fails on the data.
async fn chunk_in(
    txn: &DatabaseTransaction,
    backend: Backend,
    ops: &[Op],
) -> Result<(), StorageError> {
    if batchable(ops) >= 2 {
        match in_savepoint(txn, backend, ops, Mode::Batched).await {
            Err(error) if is_about_the_data(&error) => {}
            outcome => return outcome,
        }
    }
    in_savepoint(txn, backend, ops, Mode::Exact).await
}

/// Runs `ops` in `mode` under a savepoint of `txn`, released on success and rolled back on
/// failure (the outer transaction stays usable, on PostgreSQL too).
async fn in_savepoint(
    txn: &DatabaseTransaction,
    backend: Backend,
    ops: &[Op],
    mode: Mode,
) -> Result<(), StorageError> {
    let savepoint = txn
        .begin()
        .await
        .map_err(storage("cannot open a savepoint"))?;
    match write_ops(&savepoint, backend, ops, mode).await {
        Ok(()) => savepoint
            .commit()
            .await
            .map_err(storage("cannot release a savepoint")),
        Err(error) => {
            let _ = savepoint.rollback().await;
            Err(error)
        }
    }
}

/// How many ops of `ops` the batched mode groups.
fn batchable(ops: &[Op]) -> usize {
    ops.iter()
        .filter(|op| {
            matches!(
                op,
                Op::InsertUser(_) | Op::UpdateUser { .. } | Op::AppendActivity(_)
            )
        })
        .count()
}

/// Every op through one writer in `txn`, then the writer's queued rows.
async fn write_ops(
    txn: &DatabaseTransaction,
    backend: Backend,
    ops: &[Op],
    mode: Mode,
) -> Result<(), StorageError> {
    let mut writer = Writer::new(Tx::new(txn, backend), mode);
    for op in ops {
        writer.op(op).await?;
    }
    writer.finish().await
}

/// Errors an exact run may place differently (or not meet at all).
fn is_about_the_data(error: &StorageError) -> bool {
    matches!(
        error.kind(),
        StorageErrorKind::AlreadyExists | StorageErrorKind::NotFound | StorageErrorKind::Conflict
    )
}

/// One attempt: every op in one transaction, committed only if all succeed.
async fn run(
    db: &DatabaseConnection,
    backend: Backend,
    ops: &[Op],
    mode: Mode,
) -> Result<(), StorageError> {
    let txn = begin(db, backend).await?;
    let outcome = write_ops(&txn, backend, ops, mode).await;
    settle(txn, outcome).await
}

/// Commits `txn` when `outcome` is a success, rolls it back otherwise.
async fn settle(
    txn: DatabaseTransaction,
    outcome: Result<(), StorageError>,
) -> Result<(), StorageError> {
    match outcome {
        Ok(()) => txn
            .commit()
            .await
            .map_err(storage("cannot commit the change set")),
        Err(error) => {
            // The error is what the caller needs; a failed rollback only means the connection
            // is gone, and the database discards the transaction by itself then.
            let _ = txn.rollback().await;
            Err(error)
        }
    }
}

/// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite, so the write lock is taken up
/// front; the default (READ COMMITTED) on PostgreSQL.
async fn begin(
    db: &DatabaseConnection,
    backend: Backend,
) -> Result<DatabaseTransaction, StorageError> {
    let options = match backend {
        Backend::Sqlite => TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        },
        Backend::Postgres => TransactionOptions::default(),
    };
    db.begin_with_options(options)
        .await
        .map_err(storage("cannot begin a write transaction"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

    use homeroom::conformance::Fixture;
    use homeroom::{RecordStatus, Storage};

    use super::*;
    use crate::SeaStorage;

    /// A run of updates (and their log entries) goes through in batched mode itself, not only
    /// through the exact rerun that a failed batched attempt falls back to.
    #[tokio::test]
    async fn batched_updates_succeed_without_the_exact_rerun() {
        let storage = SeaStorage::connect("sqlite::memory:").await.unwrap();
        let mut fx = Fixture::new();
        let district = fx.district("Maple Valley");
        let users: Vec<User> = (0..5)
            .map(|n| fx.user(district.id, "Kid", &format!("K{n}")))
            .collect();
        let mut seed = vec![Op::InsertDistrict(district.clone())];
        seed.extend(users.iter().map(|u| Op::InsertUser(Box::new(u.clone()))));
        storage.apply(seed.into_iter().collect()).await.unwrap();
        let mut ops = Vec::new();
        for (n, u) in users.iter().enumerate() {
            let mut archived = u.clone();
            archived.status = RecordStatus::Archived;
            archived.version = u.version.next();
            if n == 2 {
                archived.details.email = homeroom::Email::parse("k2@x.org").ok();
            }
            ops.push(Op::UpdateUser {
                user: Box::new(archived),
                expected: u.version,
            });
            ops.push(Op::AppendActivity(fx.activity(district.id, u.id, n as i64)));
        }
        run(storage.connection(), storage.backend(), &ops, Mode::Batched)
            .await
            .unwrap();
        let stored = storage
            .users(district.id, &users.iter().map(|u| u.id).collect::<Vec<_>>())
            .await
            .unwrap();
        assert!(
            stored
                .iter()
                .all(|u| u.status == RecordStatus::Archived && u.version.get() == 2)
        );
        // A stale one fails the batched attempt as a conflict.
        let stale = ops[..2].to_vec();
        let error = run(
            storage.connection(),
            storage.backend(),
            &stale,
            Mode::Batched,
        )
        .await
        .unwrap_err();
        assert_eq!(error.kind(), StorageErrorKind::Conflict);
    }
}
