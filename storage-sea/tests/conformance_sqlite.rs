//! The whole storage conformance kit on SQLite: every case on a fresh in-memory database, and
//! every case again on a fresh WAL file (where the pool has several connections).
//!
//! Test paths read `sqlite_memory::<case>` and `sqlite_file::<case>`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

mod sqlite_memory {
    use std::sync::Arc;

    use homeroom::Storage;
    use homeroom_sea::SeaStorage;

    homeroom::storage_conformance_tests!(|case: &'static str| async move {
        match SeaStorage::connect("sqlite::memory:").await {
            Ok(storage) => Arc::new(storage) as Arc<dyn Storage>,
            Err(error) => panic!("cannot open an in-memory SQLite database for {case}: {error}"),
        }
    });
}

mod sqlite_file {
    use std::sync::Arc;

    use homeroom::Storage;

    homeroom::storage_conformance_tests!(|case: &'static str| async move {
        Arc::new(crate::support::sqlite_file(case).await) as Arc<dyn Storage>
    });
}
