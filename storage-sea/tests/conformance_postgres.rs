//! The whole storage conformance kit on PostgreSQL, each case in a schema of its own
//! (`hr_<case>`), when a server is configured: `HOMEROOM_TEST_POSTGRES_URL`, or the standard
//! `PG*` variables as `pg_virtualenv` sets them:
//!
//! ```text
//! pg_virtualenv -- env HOMEROOM_REQUIRE_POSTGRES=1 cargo test -p homeroom-sea --test conformance_postgres
//! ```
//!
//! Test names read `postgres::<case>`. A race's second handle is a second pool on the case's
//! schema, as another replica would have. Without a server every case is reported as ignored
//! (`[skipped]`), or fails when `HOMEROOM_REQUIRE_POSTGRES=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

use std::process::ExitCode;
use std::sync::Arc;

use homeroom::conformance::{Backend, Handle, Kit};

/// A fresh schema per case on the configured server.
struct Postgres;

#[async_trait::async_trait]
impl Backend for Postgres {
    fn offers_leases(&self) -> bool {
        true
    }

    async fn fresh(&self, case: &'static str) -> Handle {
        Handle::of(Arc::new(support::postgres_fresh(case).await))
    }

    async fn another_handle(&self, case: &'static str, _first: &Handle) -> Handle {
        Handle::of(Arc::new(support::postgres_in(case).await))
    }
}

fn main() -> ExitCode {
    let kit = Kit::new();
    let kit = match support::postgres_missing() {
        None => kit.backend("postgres", Postgres),
        Some(why) if support::postgres_required() => kit.unavailable(
            "postgres",
            &format!("HOMEROOM_REQUIRE_POSTGRES=1 but {why}"),
        ),
        Some(why) => kit.skipped("postgres", why),
    };
    kit.main()
}
