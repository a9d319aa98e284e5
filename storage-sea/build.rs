//! Tells the PostgreSQL tests whether a server is configured.
//!
//! The conformance macro emits plain `#[test]`s, which cannot skip themselves at run time, so
//! `tests/conformance_postgres.rs` compiles its cases only when a server is named by
//! `HOMEROOM_TEST_POSTGRES_URL` or the standard `PGHOST` / `PGDATABASE` variables (which
//! `pg_virtualenv` sets), and otherwise one test that reports the skip, or fails when
//! `HOMEROOM_REQUIRE_POSTGRES=1`. The variables are re-read whenever they change.

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
