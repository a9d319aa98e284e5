//! The folder runner, called as a library with arguments on a SQLite file: files processed in
//! order, one at a time, moved to `processed/` or `failed/` with their reports; uploads in
//! progress left alone; nothing overwritten; a sync another run holds left for later.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

use std::path::Path;
use std::time::{Duration, SystemTime};

use homeroom::{Lease, Leases};
use homeroom_examples::import_cli::Summary;
use support::{
    arg, fixture, prepare_district, scratch, sqlite_url, sync_folder, truncated, user_counts,
    zip_folder,
};

/// Sets a file's or folder's modification time to `seconds` after a fixed moment.
fn touch(path: &Path, seconds: u64) {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + seconds);
    std::fs::File::open(path).unwrap().set_modified(at).unwrap();
}

fn copy(from: &Path, to: &Path, seconds: u64) {
    std::fs::copy(from, to).unwrap();
    touch(to, seconds);
}

fn copy_folder(from: &Path, to: &Path, seconds: u64) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    touch(to, seconds);
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The JSON lines of a `--json` run: (file, outcome, moved_to, result).
fn lines(run: &support::Run) -> Vec<serde_json::Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn result_in(dir: &Path, name: &str) -> Summary {
    let text = std::fs::read_to_string(dir.join(format!("{name}.result.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn files_are_processed_in_order_and_filed_with_their_reports() {
    let db = sqlite_url("folder-order");
    prepare_district(&db, "Folder USD").await;
    let work = scratch("folder-order");
    let dir = work.join("inbox");
    std::fs::create_dir_all(&dir).unwrap();

    // Dropped files, named against their order: the oldest goes first, then by name.
    copy(&fixture("template.csv"), &dir.join("4-students.csv"), 10);
    copy(&fixture("ragged.csv"), &dir.join("3-bad.csv"), 20);
    std::fs::write(
        dir.join("2-roster.zip"),
        zip_folder(&fixture("oneroster-1.2")),
    )
    .unwrap();
    touch(&dir.join("2-roster.zip"), 30);
    copy_folder(&fixture("oneroster-1.1"), &dir.join("1-package"), 40);
    // The same package again, twice, dropped at the same moment.
    for name in ["b-again.zip", "a-again.zip"] {
        std::fs::write(dir.join(name), zip_folder(&fixture("oneroster-1.1"))).unwrap();
        touch(&dir.join(name), 50);
    }
    // Uploads in progress, hidden files and folders without a manifest are left alone.
    let left_alone = [
        ".hidden.csv",
        "upload.csv.part",
        "upload.csv.PARTIAL",
        "export.tmp",
    ];
    for name in left_alone {
        copy(&fixture("template.csv"), &dir.join(name), 0);
    }
    std::fs::create_dir_all(dir.join("incomplete")).unwrap();
    std::fs::copy(
        fixture("oneroster-1.1/users.csv"),
        dir.join("incomplete/users.csv"),
    )
    .unwrap();
    copy_folder(&fixture("oneroster-1.1"), &dir.join("package.part"), 0);

    let run = sync_folder(&[
        "--db",
        &db,
        "--district",
        "Folder USD",
        "--create-org-units",
        "--json",
        "--once",
        arg(&dir),
    ])
    .await;
    assert_eq!(run.code, 1, "one file failed: {run:?}");
    let lines = lines(&run);
    let order: Vec<&str> = lines.iter().map(|l| l["file"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        [
            "4-students.csv",
            "3-bad.csv",
            "2-roster.zip",
            "1-package",
            "a-again.zip",
            "b-again.zip"
        ],
        "{run:?}"
    );
    let outcomes: Vec<(&str, i64)> = lines
        .iter()
        .map(|l| (l["outcome"].as_str().unwrap(), l["exit"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("processed", 0),
            ("failed", 1),
            ("processed", 0),
            ("processed", 0),
            ("processed", 0),
            ("processed", 0)
        ]
    );
    assert_eq!(lines[0]["result"]["created"], 3);
    assert_eq!(lines[4]["result"]["created"], 0);
    assert_eq!(lines[4]["result"]["updated"], 0);

    // Everything processed or failed has moved, with its report and result beside it.
    let processed = dir.join("processed");
    let failed = dir.join("failed");
    let mut expected_processed = Vec::new();
    for name in [
        "1-package",
        "2-roster.zip",
        "4-students.csv",
        "a-again.zip",
        "b-again.zip",
    ] {
        expected_processed.extend([
            name.to_owned(),
            format!("{name}.report.csv"),
            format!("{name}.result.json"),
        ]);
    }
    expected_processed.sort();
    assert_eq!(names(&processed), expected_processed);
    assert_eq!(
        names(&failed),
        ["3-bad.csv", "3-bad.csv.report.csv", "3-bad.csv.result.json"]
    );
    assert!(processed.join("1-package").join("manifest.csv").is_file());
    let mut still_there = vec!["failed", "incomplete", "package.part", "processed"];
    still_there.extend(left_alone);
    still_there.sort_unstable();
    assert_eq!(names(&dir), still_there);

    // The result files are what --json printed; the reports are the rows with their status.
    let students = result_in(&processed, "4-students.csv");
    assert_eq!(serde_json::to_value(&students).unwrap(), lines[0]["result"]);
    assert!(students.applied);
    let report = std::fs::read_to_string(processed.join("4-students.csv.report.csv")).unwrap();
    assert!(report.contains("Import Status"), "{report}");
    assert!(report.contains("Create"), "{report}");
    let bad = result_in(&failed, "3-bad.csv");
    assert!(!bad.applied);
    assert!(bad.errors.iter().any(|e| e.code == "ragged_row"), "{bad:?}");
    let report = std::fs::read_to_string(failed.join("3-bad.csv.report.csv")).unwrap();
    assert!(report.contains("ragged_row"), "{report}");

    // Nothing left to do: a second pass processes nothing and succeeds.
    let idle = sync_folder(&["--db", &db, "--district", "Folder USD", "--once", arg(&dir)]).await;
    assert_eq!((idle.code, idle.stdout.as_str()), (0, ""), "{idle:?}");
}

#[tokio::test]
async fn a_file_of_the_same_name_never_overwrites_an_earlier_one() {
    let db = sqlite_url("folder-names");
    prepare_district(&db, "Names USD").await;
    let dir = scratch("folder-names");
    let args = [
        "--db",
        &db,
        "--district",
        "Names USD",
        "--create-org-units",
        "--once",
    ];
    for round in 0..3 {
        copy(&fixture("template.csv"), &dir.join("nightly.csv"), round);
        let mut with_dir = args.to_vec();
        with_dir.push(arg(&dir));
        let run = sync_folder(&with_dir).await;
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout
                .starts_with("nightly.csv: processed → processed/nightly"),
            "{run:?}"
        );
    }
    let processed = names(&dir.join("processed"));
    let files: Vec<&String> = processed
        .iter()
        .filter(|n| n.ends_with(".csv") && !n.ends_with(".report.csv"))
        .collect();
    assert_eq!(files.len(), 3, "{processed:?}");
    assert_eq!(processed.len(), 9, "{processed:?}");
    assert!(
        files
            .iter()
            .all(|n| n.starts_with("nightly") && n.ends_with(".csv"))
    );
    // The first created the users; the later ones changed nothing.
    let created: Vec<u64> = files
        .iter()
        .map(|n| result_in(&dir.join("processed"), n).created)
        .collect();
    let mut sorted = created.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [0, 0, 3]);
    assert_eq!(result_in(&dir.join("processed"), "nightly.csv").created, 3);
}

#[tokio::test]
async fn a_held_sync_fails_and_a_sync_in_progress_is_left_for_later() {
    let db = sqlite_url("folder-sync");
    let district = prepare_district(&db, "Sync USD").await;
    let dir = scratch("folder-sync");
    let sync_args = |dir: &Path| {
        [
            "--db".to_owned(),
            db.clone(),
            "--district".to_owned(),
            "Sync USD".to_owned(),
            "--sync".to_owned(),
            "--create-org-units".to_owned(),
            "--once".to_owned(),
            arg(dir).to_owned(),
        ]
    };
    let run_with = |args: [String; 8]| async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        sync_folder(&args).await
    };

    copy(&fixture("template.csv"), &dir.join("full.csv"), 1);
    let run = run_with(sync_args(&dir)).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(user_counts(&db, "Sync USD").await, (3, 3));

    // A truncated file: held by the guard, filed as failed, nobody deactivated.
    truncated(&fixture("template.csv"), 2, &dir.join("short.csv"));
    let run = run_with(sync_args(&dir)).await;
    assert_eq!(run.code, 1, "{run:?}");
    let held = result_in(&dir.join("failed"), "short.csv");
    assert!(held.held && !held.applied, "{held:?}");
    assert_eq!(held.deactivated, 2);
    assert_eq!(user_counts(&db, "Sync USD").await, (3, 3));

    // Another replica is syncing this district: the file stays for the next pass.
    let storage = support::storage(&db).await;
    let other = storage
        .try_acquire(
            &Lease::sync_name(district.id),
            "another replica",
            chrono::Duration::seconds(60),
        )
        .await
        .unwrap()
        .unwrap();
    copy(&fixture("template.csv"), &dir.join("later.csv"), 2);
    let run = run_with(sync_args(&dir)).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("later.csv: left for the next pass"),
        "{run:?}"
    );
    assert!(run.stdout.contains("[sync_in_progress]"), "{run:?}");
    assert!(dir.join("later.csv").is_file());
    assert!(!dir.join("processed").join("later.csv").exists());

    storage.release(&other).await.unwrap();
    let run = run_with(sync_args(&dir)).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(dir.join("processed").join("later.csv").is_file());
    assert_eq!(result_in(&dir.join("processed"), "later.csv").unchanged, 3);
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let db = sqlite_url("folder-usage");
    let dir = scratch("folder-usage");
    let dir = arg(&dir);
    let cases: [&[&str]; 6] = [
        &[],
        &["--db", &db, "--district", "X", "--once"],
        &[
            "--db",
            &db,
            "--district",
            "X",
            "--once",
            "--poll-seconds",
            "5",
            dir,
        ],
        &["--db", &db, "--district", "X", "--poll-seconds", "0", dir],
        &["--db", &db, "--district", "X", "--dry-run", "--once", dir],
        &["--db", &db, "--district", "X", "--once", "no/such/folder"],
    ];
    for args in cases {
        let run = sync_folder(args).await;
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("usage: sync_folder"), "{run:?}");
    }
}
