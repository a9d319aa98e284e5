//! The `import` command, called as a library with arguments: every format on a SQLite file
//! (and on PostgreSQL when a server is configured), the JSON object, the exit codes, the sync
//! guard and the sync lease.
//!
//! ```text
//! pg_virtualenv -- env HOMEROOM_REQUIRE_POSTGRES=1 cargo test -p homeroom-examples
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

use chrono::Duration;
use homeroom::{Lease, Leases};
use support::{
    arg, fixture, import, prepare_district, scratch, sqlite_url, truncated, unique_district,
    user_counts, workbook, zip_folder,
};

/// Imports `path` into `district` with `extra` options, as JSON.
async fn run(db: &str, district: &str, extra: &[&str], path: &str) -> support::Run {
    let mut args = vec!["--db", db, "--district", district, "--json"];
    args.extend_from_slice(extra);
    args.push(path);
    import(&args).await
}

/// Runs it, expects it applied with these counts (created, updated, unchanged).
async fn applied(db: &str, district: &str, extra: &[&str], path: &str, counts: (u64, u64, u64)) {
    let run = run(db, district, extra, path).await;
    assert_eq!(run.code, 0, "{run:?}");
    let s = run.summary();
    assert!(s.applied && !s.held, "{run:?}");
    assert!(s.errors.is_empty(), "{run:?}");
    assert_eq!((s.created, s.updated, s.unchanged), counts, "{run:?}");
}

/// Every format through the command: each imports, and the same file again changes nothing.
async fn every_format(db: &str, work: &std::path::Path) {
    // The Homeroom CSV template (the district has the role its Group Name column names).
    let district = unique_district("Template");
    prepare_district(db, &district).await;
    let template = fixture("template.csv");
    let flags = ["--create-org-units"];
    applied(db, &district, &flags, arg(&template), (3, 0, 0)).await;
    applied(db, &district, &flags, arg(&template), (0, 0, 3)).await;
    assert_eq!(user_counts(db, &district).await, (3, 3));

    // Excel.
    let district = unique_district("Workbook");
    let book = work.join("students.xlsx");
    std::fs::write(&book, workbook()).unwrap();
    applied(db, &district, &[], arg(&book), (3, 0, 0)).await;
    applied(db, &district, &["--format", "xlsx"], arg(&book), (0, 0, 3)).await;

    // OneRoster 1.1 and 1.2, as a folder and as a zip: the same package either way.
    for version in ["1.1", "1.2"] {
        let folder = fixture(&format!("oneroster-{version}"));
        let zip = work.join(format!("oneroster-{version}.zip"));
        std::fs::write(&zip, zip_folder(&folder)).unwrap();

        let district = unique_district(&format!("OneRoster {version} folder"));
        applied(db, &district, &[], arg(&folder), (3, 0, 0)).await;
        applied(db, &district, &[], arg(&folder), (0, 0, 3)).await;
        applied(
            db,
            &district,
            &["--format", "oneroster"],
            arg(&zip),
            (0, 0, 3),
        )
        .await;

        let district = unique_district(&format!("OneRoster {version} zip"));
        let first = run(db, &district, &[], arg(&zip)).await;
        assert_eq!(first.code, 0, "{first:?}");
        let s = first.summary();
        assert_eq!(
            (s.created, s.updated, s.deactivated),
            (3, 0, 0),
            "{first:?}"
        );
        // The guardian is skipped, and says so.
        assert!(
            s.warnings
                .iter()
                .any(|w| w.code == "oneroster_users_skipped"),
            "{first:?}"
        );
        applied(db, &district, &[], arg(&zip), (0, 0, 3)).await;
        assert_eq!(user_counts(db, &district).await, (3, 3));
    }
}

/// Files with errors: exit 1, the errors with file, row, column and code, nothing written.
async fn bad_files_write_nothing(db: &str) {
    let district = unique_district("Bad files");
    prepare_district(db, &district).await;
    // students.xlsx has `TRUE` in an e-mail cell.
    let run_ = run(db, &district, &[], arg(&fixture("students.xlsx"))).await;
    assert_eq!(run_.code, 1, "{run_:?}");
    let s = run_.summary();
    assert!(!s.applied && !s.held);
    let error = &s.errors[0];
    assert_eq!(
        (
            error.file.as_str(),
            error.row,
            error.column.as_deref(),
            error.code.as_str()
        ),
        ("students.xlsx", Some(3), Some("Email"), "invalid_email"),
        "{run_:?}"
    );
    // The raw JSON has exactly the promised keys.
    let json = run_.json();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "applied",
            "created",
            "deactivated",
            "errors",
            "held",
            "unchanged",
            "updated",
            "warnings",
            "welcomes"
        ]
    );
    let mut error_keys: Vec<&str> = json["errors"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    error_keys.sort_unstable();
    assert_eq!(error_keys, ["code", "column", "file", "message", "row"]);
    assert_eq!(user_counts(db, &district).await, (0, 0));

    // A reader error (a ragged row) and a file that is not an import at all.
    let ragged = run(db, &district, &[], arg(&fixture("ragged.csv"))).await;
    assert_eq!(ragged.code, 1, "{ragged:?}");
    assert!(
        ragged.error_codes().contains(&"ragged_row".to_owned()),
        "{ragged:?}"
    );
    let not_csv = run(
        db,
        &district,
        &["--format", "xlsx"],
        arg(&fixture("template.csv")),
    )
    .await;
    assert_eq!(not_csv.code, 1, "{not_csv:?}");
    assert_eq!(user_counts(db, &district).await, (0, 0));

    // One good row and one bad: the good one is not written either.
    let work = scratch(&format!("bad-{}", district.replace(' ', "-")));
    let mixed = work.join("mixed.csv");
    std::fs::write(
        &mixed,
        "Local ID,First Name,Last Name,Email\n1,Ada,Lovelace,ada@example.org\n2,Grace,Hopper,not-an-email\n",
    )
    .unwrap();
    let run_ = run(db, &district, &[], arg(&mixed)).await;
    assert_eq!(run_.code, 1, "{run_:?}");
    let s = run_.summary();
    assert_eq!(
        (s.errors[0].row, s.errors[0].code.as_str()),
        (Some(3), "invalid_email")
    );
    assert_eq!(user_counts(db, &district).await, (0, 0));
}

/// A truncated file in a sync: held (exit 3), nothing deactivated, until the limit allows it.
async fn sync_guard_holds_a_truncated_file(db: &str, work: &std::path::Path) {
    let district = unique_district("Guard");
    prepare_district(db, &district).await;
    let full = fixture("template.csv");
    applied(
        db,
        &district,
        &["--create-org-units"],
        arg(&full),
        (3, 0, 0),
    )
    .await;
    let short = work.join("truncated.csv");
    truncated(&full, 2, &short); // the header and the first of three users

    for extra in [
        &["--sync"][..],
        &["--sync", "--dry-run"],
        &["--sync", "--max-deactivate-percent", "50"],
    ] {
        let held = run(db, &district, extra, arg(&short)).await;
        assert_eq!(held.code, 3, "{extra:?}: {held:?}");
        let s = held.summary();
        assert!(s.held && !s.applied, "{held:?}");
        assert_eq!((s.deactivated, s.unchanged), (2, 1), "{held:?}");
        assert!(s.warnings.iter().any(|w| w.code == "held"), "{held:?}");
        assert_eq!(
            user_counts(db, &district).await,
            (3, 3),
            "nothing deactivated"
        );
    }
    // Without --sync the same file deactivates nobody.
    applied(db, &district, &[], arg(&short), (0, 0, 1)).await;
    // The admin reviewed it: allow it.
    let run_ = run(
        db,
        &district,
        &["--sync", "--max-deactivate-percent", "100"],
        arg(&short),
    )
    .await;
    assert_eq!(run_.code, 0, "{run_:?}");
    let s = run_.summary();
    assert!(s.applied);
    assert_eq!(s.deactivated, 2);
    assert_eq!(user_counts(db, &district).await, (3, 1));
    // The same sync again: nothing to do.
    let again = run(
        db,
        &district,
        &["--sync", "--max-deactivate-percent", "100"],
        arg(&short),
    )
    .await;
    assert_eq!(again.code, 0, "{again:?}");
    let s = again.summary();
    assert_eq!(
        (s.created, s.updated, s.deactivated, s.unchanged),
        (0, 0, 0, 1),
        "{again:?}"
    );
}

/// A sync takes the district's lease: held by someone else, the run stops with
/// `sync_in_progress` (exit 1, nothing written); the run gives the lease back when done.
async fn sync_takes_the_lease(db: &str) {
    let name = unique_district("Lease");
    let district = prepare_district(db, &name).await;
    let storage = support::storage(db).await;
    let lease_name = Lease::sync_name(district.id);
    let other = storage
        .try_acquire(&lease_name, "another replica", Duration::seconds(60))
        .await
        .unwrap()
        .expect("the lease is free");
    let template = fixture("template.csv");
    let flags = ["--sync", "--create-org-units"];
    let busy = run(db, &name, &flags, arg(&template)).await;
    assert_eq!(busy.code, 1, "{busy:?}");
    assert_eq!(busy.error_codes(), ["sync_in_progress"], "{busy:?}");
    assert_eq!(user_counts(db, &name).await, (0, 0));
    // A dry run writes nothing, so needs no lease; an import that is not a sync neither.
    let dry = run(
        db,
        &name,
        &["--sync", "--dry-run", "--create-org-units"],
        arg(&template),
    )
    .await;
    assert_eq!(dry.code, 0, "{dry:?}");

    storage.release(&other).await.unwrap();
    let run_ = run(db, &name, &flags, arg(&template)).await;
    assert_eq!(run_.code, 0, "{run_:?}");
    assert_eq!(run_.summary().created, 3);
    // Given back: free for the next run.
    let next = storage
        .try_acquire(&lease_name, "next", Duration::seconds(60))
        .await
        .unwrap()
        .expect("the run released its lease");
    storage.release(&next).await.unwrap();
}

mod sqlite {
    use super::*;

    #[tokio::test]
    async fn every_format_imports_and_reimports_as_no_change() {
        let work = scratch("formats-sqlite");
        every_format(&sqlite_url("formats"), &work).await;
    }

    #[tokio::test]
    async fn bad_files_exit_1_and_write_nothing() {
        bad_files_write_nothing(&sqlite_url("bad")).await;
    }

    #[tokio::test]
    async fn a_truncated_sync_is_held_with_exit_3() {
        let work = scratch("guard-sqlite");
        sync_guard_holds_a_truncated_file(&sqlite_url("guard"), &work).await;
    }

    #[tokio::test]
    async fn a_sync_takes_the_district_lease() {
        sync_takes_the_lease(&sqlite_url("lease")).await;
    }

    #[tokio::test]
    async fn the_district_is_created_and_a_dry_run_writes_nothing() {
        let db = sqlite_url("dry-run");
        let run_ = run(
            &db,
            "Fresh USD",
            &["--dry-run"],
            arg(&fixture("oneroster-1.2")),
        )
        .await;
        assert_eq!(run_.code, 0, "{run_:?}");
        let s = run_.summary();
        assert!(!s.applied);
        assert_eq!(s.created, 3, "the plan's counts");
        assert!(support::district(&db, "fresh usd").await.is_some());
        assert_eq!(user_counts(&db, "Fresh USD").await, (0, 0));
    }

    #[tokio::test]
    async fn without_json_a_readable_summary() {
        let db = sqlite_url("readable");
        let path = fixture("oneroster-1.1");
        let args = ["--db", &db, "--district", "Readable", arg(&path)];
        let run_ = import(&args).await;
        assert_eq!(run_.code, 0, "{run_:?}");
        assert!(
            run_.stdout
                .contains("applied: 3 created, 0 updated, 0 unchanged, 0 deactivated"),
            "{run_:?}"
        );
        assert!(
            run_.stdout.contains("[oneroster_users_skipped]"),
            "{run_:?}"
        );
        let bad = import(&[
            "--db",
            &db,
            "--district",
            "Fresh",
            arg(&fixture("students.xlsx")),
        ])
        .await;
        assert_eq!(bad.code, 1, "{bad:?}");
        assert!(
            bad.stdout
                .contains("error students.xlsx, row 3, column \"Email\":"),
            "{bad:?}"
        );
        assert!(bad.stdout.contains("not applied"), "{bad:?}");
    }

    #[tokio::test]
    async fn welcome_emails_are_queued_and_counted() {
        let db = sqlite_url("welcome");
        let path = fixture("oneroster-1.1");
        let held = ["--welcome", "2027-08-15T07:00:00Z"];
        let run_ = run(&db, "Welcome", &held, arg(&path)).await;
        assert_eq!(run_.code, 0, "{run_:?}");
        let s = run_.summary();
        assert_eq!((s.created, s.welcomes), (3, 3), "{run_:?}");
        let readable = import(&[
            "--db",
            &db,
            "--district",
            "Again",
            "--welcome",
            "now",
            arg(&path),
        ])
        .await;
        assert!(
            readable.stdout.contains("applied: 3 created, 0 updated, 0 unchanged, 0 deactivated, 0 rows with errors, 3 welcome e-mails queued"),
            "{readable:?}"
        );
        let bad = import(&[
            "--db",
            &db,
            "--district",
            "X",
            "--welcome",
            "soon",
            arg(&path),
        ])
        .await;
        assert_eq!(bad.code, 2, "{bad:?}");
        assert!(
            bad.stderr.contains("--welcome takes never, now or a time"),
            "{bad:?}"
        );
    }

    #[tokio::test]
    async fn usage_errors_exit_2() {
        let db = sqlite_url("usage");
        let csv = fixture("template.csv");
        let csv = arg(&csv);
        let cases: [&[&str]; 9] = [
            &[],
            &["--db", &db, csv],
            &["--district", "X", csv],
            &["--db", &db, "--district", "X"],
            &["--db", &db, "--district", "X", "--mode", "merge", csv],
            &["--db", &db, "--district", "X", "--format", "pdf", csv],
            &[
                "--db",
                &db,
                "--district",
                "X",
                "--max-deactivate-percent",
                "101",
                csv,
            ],
            &["--db", &db, "--district", "X", "--once", csv],
            &["--db", &db, "--district", "X", csv, "extra.csv"],
        ];
        for args in cases {
            let run_ = import(args).await;
            assert_eq!(run_.code, 2, "{args:?}: {run_:?}");
            assert!(run_.stderr.contains("usage: import --db URL"), "{run_:?}");
            assert!(run_.stdout.is_empty(), "{run_:?}");
        }
        // With --json, still exactly one JSON object.
        let run_ = import(&["--json", "--db", &db, csv]).await;
        assert_eq!(run_.code, 2);
        assert_eq!(run_.error_codes(), ["usage"]);
        // A PATH that does not exist, a database that cannot be opened.
        let missing = import(&["--db", &db, "--district", "X", "--json", "no/such/file.csv"]).await;
        assert_eq!(missing.code, 2, "{missing:?}");
        assert_eq!(missing.error_codes(), ["cannot_read"]);
        let nodb = import(&["--db", "mysql://nope", "--district", "X", "--json", csv]).await;
        assert_eq!(nodb.code, 2, "{nodb:?}");
        assert_eq!(nodb.summary().errors.len(), 1);
    }
}

mod postgres {
    use super::*;

    #[tokio::test]
    async fn every_format_imports_and_reimports_as_no_change() {
        let Some(db) = support::postgres_url("every_format") else {
            return;
        };
        let work = scratch("formats-postgres");
        every_format(&db, &work).await;
    }

    #[tokio::test]
    async fn bad_files_exit_1_and_write_nothing() {
        let Some(db) = support::postgres_url("bad_files") else {
            return;
        };
        bad_files_write_nothing(&db).await;
    }

    #[tokio::test]
    async fn a_truncated_sync_is_held_with_exit_3() {
        let Some(db) = support::postgres_url("sync_guard") else {
            return;
        };
        let work = scratch("guard-postgres");
        sync_guard_holds_a_truncated_file(&db, &work).await;
    }

    #[tokio::test]
    async fn a_sync_takes_the_district_lease() {
        let Some(db) = support::postgres_url("sync_lease") else {
            return;
        };
        sync_takes_the_lease(&db).await;
    }
}
