//! The whole storage conformance kit on SQLite: every case on a fresh in-memory database, and
//! every case again on a fresh WAL file (where the pool has several connections, and the
//! second handle of a race is a second storage on the same file, as another process would
//! open it).
//!
//! Test names read `sqlite_memory::<case>` and `sqlite_file::<case>`; `cargo test --test
//! conformance_sqlite -- <case>` runs one case on both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

use std::process::ExitCode;
use std::sync::Arc;

use homeroom::conformance::{Backend, Handle, Kit};
use homeroom_sea::SeaStorage;

/// `sqlite::memory:`: the database lives in its one pool, so a race's second handle is the
/// first one again.
struct SqliteMemory;

#[async_trait::async_trait]
impl Backend for SqliteMemory {
    fn offers_leases(&self) -> bool {
        true
    }

    async fn fresh(&self, case: &'static str) -> Handle {
        match SeaStorage::connect("sqlite::memory:").await {
            Ok(storage) => Handle::of(Arc::new(storage)),
            Err(error) => panic!("cannot open an in-memory SQLite database for {case}: {error}"),
        }
    }

    async fn another_handle(&self, _case: &'static str, first: &Handle) -> Handle {
        first.clone()
    }
}

/// A fresh WAL file per case; a second handle is a second storage on the file.
struct SqliteFile;

#[async_trait::async_trait]
impl Backend for SqliteFile {
    fn offers_leases(&self) -> bool {
        true
    }

    async fn fresh(&self, case: &'static str) -> Handle {
        Handle::of(Arc::new(support::sqlite_file(case).await))
    }

    async fn another_handle(&self, case: &'static str, _first: &Handle) -> Handle {
        let url = support::existing_sqlite_file_url(case);
        match SeaStorage::connect(&url).await {
            Ok(storage) => Handle::of(Arc::new(storage)),
            Err(error) => panic!("cannot open a second storage on {url}: {error}"),
        }
    }
}

fn main() -> ExitCode {
    Kit::new()
        .backend("sqlite_memory", SqliteMemory)
        .backend("sqlite_file", SqliteFile)
        .main()
}
