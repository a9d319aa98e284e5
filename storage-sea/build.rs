//! Tells the PostgreSQL tests whether a server is configured.
//!
//! Plain `#[test]`s cannot skip themselves at run time, so the PostgreSQL tests of
//! `tests/bulk.rs` are compiled only when a server is named by `HOMEROOM_TEST_POSTGRES_URL` or
//! the standard `PGHOST` / `PGDATABASE` variables (which `pg_virtualenv` sets). The variables
//! are re-read whenever they change. (The conformance targets are harnesses of their own and
//! decide at run time, see `tests/support::postgres_missing`.)

fn main() {
    const NAMES: [&str; 3] = ["HOMEROOM_TEST_POSTGRES_URL", "PGHOST", "PGDATABASE"];
    println!("cargo::rustc-check-cfg=cfg(homeroom_test_postgres)");
    for name in NAMES {
        println!("cargo::rerun-if-env-changed={name}");
    }
    if NAMES
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
    {
        println!("cargo::rustc-cfg=homeroom_test_postgres");
    }
}
