//! Hostile input to the `import` command and the folder runner: database passwords and
//! temporary passwords never appear in what they print or write; symbolic links are never
//! followed, read or written through; an oversized file is refused before it is read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::path::Path;

use support::{arg, fixture, import, prepare_district, scratch, sqlite_url, sync_folder};

const DB_SECRET: &str = "s3cret-pw";

/// Database URLs that carry [`DB_SECRET`] in each form, and that fail at once (a bad port, a
/// parameter SQLite does not know), so the error path is what prints.
fn secret_urls() -> Vec<String> {
    vec![
        format!("postgres://ann:{DB_SECRET}@db.invalid:notaport/hr"),
        format!("postgres://ann@db.invalid:notaport/hr?password={DB_SECRET}"),
        format!("postgresql://db.invalid:notaport/hr?sslmode=require&sslpassword={DB_SECRET}"),
        format!("sqlite://nowhere.db?password={DB_SECRET}"),
    ]
}

fn assert_no_secret(run: &support::Run, secret: &str) {
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "the secret was printed: {run:?}"
    );
}

#[tokio::test]
async fn attack_import_cli_never_prints_the_database_password() {
    for db in secret_urls() {
        for json in [true, false] {
            let mut args = vec!["--db", db.as_str(), "--district", "Maple"];
            if json {
                args.push("--json");
            }
            let template = fixture("template.csv");
            args.push(arg(&template));
            let run = import(&args).await;
            assert_eq!(run.code, 2, "{run:?}");
            assert_no_secret(&run, DB_SECRET);
            // The message still says which database could not be opened.
            let printed = format!("{}{}", run.stdout, run.stderr);
            assert!(
                printed.contains("db.invalid") || printed.contains("nowhere.db"),
                "{run:?}"
            );
        }
    }
}

#[tokio::test]
async fn attack_import_cli_never_echoes_a_password_given_in_the_wrong_place() {
    let url = format!("postgres://ann:{DB_SECRET}@db.invalid/hr");
    // As an unknown option, and as a second PATH.
    let option = format!("--db={url}");
    for args in [
        vec![option.as_str(), "--district", "Maple", "users.csv"],
        vec![
            "--db",
            "sqlite::memory:",
            "--district",
            "Maple",
            "users.csv",
            url.as_str(),
        ],
        vec![
            "--db",
            "sqlite::memory:",
            "--district",
            "Maple",
            "--json",
            url.as_str(),
        ],
    ] {
        let run = import(&args).await;
        assert_eq!(run.code, 2, "{run:?}");
        assert_no_secret(&run, DB_SECRET);
    }
}

#[tokio::test]
async fn attack_folder_runner_never_prints_the_database_password() {
    let dir = scratch("attack-folder-db");
    for db in secret_urls() {
        let run = sync_folder(&["--db", &db, "--district", "Maple", "--once", arg(&dir)]).await;
        assert_eq!(run.code, 2, "{run:?}");
        assert_no_secret(&run, DB_SECRET);
    }
}

/// A folder runner's inbox with the template (which holds a temporary password) dropped in it.
async fn inbox(name: &str) -> (String, std::path::PathBuf) {
    let db = sqlite_url(name);
    prepare_district(&db, "Folder USD").await;
    let dir = scratch(name).join("inbox");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("template.csv"), dir.join("students.csv")).unwrap();
    (db, dir)
}

async fn run_once(db: &str, dir: &Path) -> support::Run {
    sync_folder(&[
        "--db",
        db,
        "--district",
        "Folder USD",
        "--create-org-units",
        "--once",
        arg(dir),
    ])
    .await
}

#[tokio::test]
async fn attack_folder_runner_reports_leave_temporary_passwords_out() {
    let (db, dir) = inbox("attack-folder-report").await;
    let run = run_once(&db, &dir).await;
    assert_eq!(run.code, 0, "{run:?}");
    let report = std::fs::read_to_string(dir.join("processed/students.csv.report.csv")).unwrap();
    assert!(report.contains("Temporary Password"), "{report}");
    assert!(!report.contains("Change-me-1"), "{report}");
    assert!(!run.stdout.contains("Change-me-1"), "{run:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn attack_symlinked_processed_folder_is_not_written_through() {
    let (db, dir) = inbox("attack-processed-link").await;
    let elsewhere = dir.parent().unwrap().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("processed")).unwrap();
    let run = run_once(&db, &dir).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("symbolic link"), "{run:?}");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    // The file stays in the inbox, for the next pass once the link is gone.
    assert!(dir.join("students.csv").is_file());
}

#[cfg(unix)]
#[tokio::test]
async fn attack_planted_temporary_file_link_is_not_written_through() {
    let (db, dir) = inbox("attack-temp-link").await;
    let victim = dir.parent().unwrap().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    std::fs::create_dir_all(dir.join("processed")).unwrap();
    // The names the runner used to write its report and result through.
    for name in [
        ".students.csv.report.csv.tmp",
        ".students.csv.result.json.tmp",
    ] {
        std::os::unix::fs::symlink(&victim, dir.join("processed").join(name)).unwrap();
    }
    let run = run_once(&db, &dir).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(dir.join("processed/students.csv.report.csv").is_file());
}

#[cfg(unix)]
#[tokio::test]
async fn attack_symlinked_input_file_is_refused() {
    let dir = scratch("attack-input-link");
    let link = dir.join("users.csv");
    std::os::unix::fs::symlink(fixture("template.csv"), &link).unwrap();
    let run = import_json(&link).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.error_codes(), ["cannot_read"], "{run:?}");
    assert!(run.stdout.contains("symbolic link"), "{run:?}");
}

/// `import --json PATH` into a fresh in-memory district.
async fn import_json(path: &std::path::Path) -> support::Run {
    import(&[
        "--db",
        "sqlite::memory:",
        "--district",
        "Maple",
        "--json",
        arg(path),
    ])
    .await
}

/// The peak resident memory of this process, in bytes (Linux).
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[tokio::test]
async fn attack_oversized_file_is_refused_without_being_read() {
    let dir = scratch("attack-oversized");
    let big = dir.join("huge.csv");
    // 2 GB of nothing: a sparse file, which takes no disk.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let run = import_json(&big).await;
    // Refused without reading it into memory: the peak (where the platform tells it) stays
    // far below the file's size. No timing is asserted; a loaded machine is slow, not wrong.
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.error_codes(), ["file_too_large"], "{run:?}");
    if let Some(peak) = peak_memory() {
        assert!(peak < 512 * 1024 * 1024, "peak memory {peak} bytes");
    }
}

#[test]
fn attack_parsed_arguments_and_options_debug_hide_the_database_password() {
    use homeroom_examples::import_cli::{parse_folder_args, parse_import_args};
    for db in secret_urls() {
        let args = parse_import_args(["--db", db.as_str(), "--district", "M", "u.csv"]).unwrap();
        assert!(!format!("{args:?}").contains(DB_SECRET), "{args:?}");
        let args = parse_folder_args(["--db", db.as_str(), "--district", "M", "dir"]).unwrap();
        assert!(!format!("{args:?}").contains(DB_SECRET), "{args:?}");
        let options = homeroom_sea::SeaOptions::new(db.as_str());
        assert!(!format!("{options:?}").contains(DB_SECRET), "{options:?}");
    }
}
