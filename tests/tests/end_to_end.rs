//! The end-to-end suite, one test binary: every file beside this one is a module of it.
//!
//! One binary instead of one per file: linking a test binary against the whole workspace
//! (SeaORM, SQLite, PostgreSQL drivers) costs seconds, and paying it once instead of 40+ times
//! takes minutes off every `cargo test`, CI run and mutation-testing cycle (`scripts/mutants-authz`
//! rebuilds this suite for each mutant). Run one file's tests with
//! `cargo test -p homeroom-tests --test end_to_end attack_import::`.
//!
//! A new file in this directory must be listed below: `every_test_file_is_a_module` fails
//! until it is, so no test file can be left out of the run by accident. The one exception is
//! `storage_spans.rs`, a binary of its own (see `Cargo.toml`): it installs tracing subscribers,
//! and tracing's process-wide callsite cache makes spans recorded on one test's thread depend
//! on what other tests' threads did first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod app_import;
mod app_properties;
mod applications;
mod attack_accounts;
mod attack_applications;
mod attack_cached_authority;
mod attack_hashing;
mod attack_import;
mod attack_input;
mod attack_invitations;
mod attack_records;
mod attack_requests;
mod attack_transfer;
mod authorization;
mod authz_properties;
mod authz_rules;
mod authz_rules_guarded;
mod authz_rules_races;
mod bulk;
mod clock_reads;
mod device_lookup;
mod directory;
mod district_rules;
mod facets;
mod impersonation;
mod import;
mod import_audit;
mod import_fingerprints;
mod import_guardians;
mod import_properties;
mod import_welcome;
mod invitations;
mod offboarding;
mod outbox;
mod passwords;
mod profile_properties;
mod profile_requests;
mod scenarios;
mod scenarios_people;
mod send_futures;
mod templates;
mod transfer_authored;
mod transfer_properties;
mod transfers;

/// Every `.rs` file in this directory is declared as a module above or is a test target of
/// its own in `Cargo.toml` (Cargo does not discover them: `autotests = false`), so none is
/// silently left out of the run.
#[test]
fn every_test_file_is_a_module() {
    let this = include_str!("end_to_end.rs");
    let manifest = include_str!("../Cargo.toml");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the tests directory is readable") {
        let path = entry.expect("a directory entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs")
            && stem != "end_to_end"
            && !this.contains(&format!("\nmod {stem};\n"))
            && !manifest.contains(&format!("path = \"tests/{stem}.rs\""))
        {
            missing.push(stem.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "test files not declared as modules of end_to_end.rs: {missing:?}"
    );
}
