//! "Try again later" errors: a SQLite file another process holds past the busy timeout, a
//! closed pool, an unreachable PostgreSQL server. All are `Unavailable`; a malformed URL is not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use homeroom::{ChangeSet, Op, Storage, StorageErrorKind};
use homeroom_sea::{SeaOptions, SeaStorage};
use sea_orm::{ConnectionTrait, Database};

use support::rows::district;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_file_locked_past_the_busy_timeout_is_unavailable() {
    let url = support::sqlite_file_url("busy");
    let storage = SeaStorage::connect_with(
        SeaOptions::new(url.clone()).busy_timeout(Duration::from_millis(200)),
    )
    .await
    .expect("connect");

    // Another process (here: another connection) holds the write lock.
    let other = Database::connect(url.as_str())
        .await
        .expect("second connection");
    other
        .execute_unprepared("BEGIN IMMEDIATE")
        .await
        .expect("take the write lock");

    let d = district(1, "Maple Valley");
    let error = storage
        .apply(ChangeSet::new().with(Op::InsertDistrict(d.clone())))
        .await
        .expect_err("the write must wait and give up");
    assert_eq!(error.kind(), StorageErrorKind::Unavailable, "{error:?}");

    // Reads go on under WAL, and once the lock is released the write succeeds.
    assert_eq!(storage.district(d.id).await.expect("read"), None);
    other.execute_unprepared("ROLLBACK").await.expect("release");
    storage
        .apply(ChangeSet::new().with(Op::InsertDistrict(d.clone())))
        .await
        .expect("the retry");
    assert_eq!(storage.district(d.id).await.expect("read"), Some(d));
}

#[tokio::test]
async fn a_closed_storage_is_unavailable() {
    let storage = SeaStorage::connect("sqlite::memory:")
        .await
        .expect("connect");
    storage.close().await.expect("close");
    let d = district(1, "Maple Valley");
    let error = storage.district(d.id).await.expect_err("closed");
    assert_eq!(error.kind(), StorageErrorKind::Unavailable, "{error:?}");
    let error = storage
        .apply(ChangeSet::new().with(Op::InsertDistrict(d)))
        .await
        .expect_err("closed");
    assert_eq!(error.kind(), StorageErrorKind::Unavailable, "{error:?}");
}

#[tokio::test]
async fn an_unreachable_postgres_server_is_unavailable() {
    let options = SeaOptions::new("postgres://homeroom:secret@127.0.0.1:1/homeroom")
        .acquire_timeout(Duration::from_secs(2));
    let error = SeaStorage::connect_with(options)
        .await
        .expect_err("nothing listens on port 1");
    assert_eq!(error.kind(), StorageErrorKind::Unavailable, "{error:?}");
    assert!(!error.to_string().contains("secret"), "{error}");
}

#[tokio::test]
async fn a_malformed_url_is_a_backend_error() {
    for url in [
        "mysql://localhost/x",
        "sqlite://no/such/dir/x.db?mode=bogus",
    ] {
        let error = SeaStorage::connect(url).await.expect_err(url);
        assert_eq!(error.kind(), StorageErrorKind::Backend, "{url}: {error:?}");
    }
}
