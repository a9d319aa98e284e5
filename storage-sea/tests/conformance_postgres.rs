//! The whole storage conformance kit on PostgreSQL, each case in a schema of its own
//! (`hr_<case>`), when a server is configured: `HOMEROOM_TEST_POSTGRES_URL`, or the standard
//! `PG*` variables as `pg_virtualenv` sets them:
//!
//! ```text
//! pg_virtualenv -- env HOMEROOM_REQUIRE_POSTGRES=1 cargo test -p homeroom-sea
//! ```
//!
//! Test paths read `postgres::<case>`. Without a server the cases are not compiled (see
//! `build.rs`) and `postgres_skipped` says so, or fails when `HOMEROOM_REQUIRE_POSTGRES=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

#[cfg(homeroom_test_postgres)]
mod postgres {
    use std::sync::Arc;

    use homeroom::Storage;

    homeroom::storage_conformance_tests!(|case: &'static str| async move {
        Arc::new(crate::support::postgres_fresh(case).await) as Arc<dyn Storage>
    });
}

#[cfg(not(homeroom_test_postgres))]
#[test]
fn postgres_skipped() {
    let required = std::env::var("HOMEROOM_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let why = "no PostgreSQL server configured (set HOMEROOM_TEST_POSTGRES_URL, or run under \
               pg_virtualenv, which sets PGHOST and PGDATABASE)";
    assert!(!required, "HOMEROOM_REQUIRE_POSTGRES=1 but {why}");
    eprintln!("skipping the PostgreSQL conformance cases: {why}");
}
