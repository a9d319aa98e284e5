//! What the command-line tests share: running the commands, fixtures, databases.

#![allow(dead_code)] // each test file uses a part
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support: a failure fails the calling test

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use homeroom::system::{RandomIds, SystemClock};
use homeroom::{
    Actor, Directory, District, IdGen, PermissionSet, RecordStatus, Storage, UserQuery,
};
use homeroom_examples::import_cli::Summary;
use homeroom_sea::SeaStorage;

/// What a command printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The one JSON object `--json` prints.
    pub fn summary(&self) -> Summary {
        let lines: Vec<&str> = self.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "expected one line of JSON: {self:?}");
        serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("not a summary ({e}): {self:?}"))
    }

    /// The JSON object as raw JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    pub fn error_codes(&self) -> Vec<String> {
        self.summary().errors.into_iter().map(|e| e.code).collect()
    }
}

/// Runs `import` with these arguments.
pub async fn import(args: &[&str]) -> Run {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = homeroom_examples::import_cli::main(args.iter().copied(), &mut out, &mut err).await;
    Run {
        code,
        stdout: String::from_utf8(out).unwrap(),
        stderr: String::from_utf8(err).unwrap(),
    }
}

/// Runs `sync_folder` with these arguments.
pub async fn sync_folder(args: &[&str]) -> Run {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code =
        homeroom_examples::folder_runner::main(args.iter().copied(), &mut out, &mut err).await;
    Run {
        code,
        stdout: String::from_utf8(out).unwrap(),
        stderr: String::from_utf8(err).unwrap(),
    }
}

/// A fixture of core's import tests.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/fixtures/import"
    ))
    .join(name)
}

/// A path as an argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// A fresh directory for one test's files (removed and made anew).
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("homeroom-examples")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh SQLite file for `name`.
pub fn sqlite_url(name: &str) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        scratch(&format!("db-{name}")).join("homeroom.db").display()
    )
}

/// The PostgreSQL URL the tests use, when a server is configured (`HOMEROOM_TEST_POSTGRES_URL`,
/// or the `PGHOST` / `PGDATABASE` variables `pg_virtualenv` sets: then `postgres://` takes every
/// part from them). `None` means skip, after saying so; with `HOMEROOM_REQUIRE_POSTGRES=1` a
/// missing server fails the test instead.
pub fn postgres_url(test: &str) -> Option<String> {
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(url) = set("HOMEROOM_TEST_POSTGRES_URL") {
        return Some(url);
    }
    if set("PGHOST").is_some() || set("PGDATABASE").is_some() {
        return Some("postgres://".to_owned());
    }
    let why = "no PostgreSQL server configured (set HOMEROOM_TEST_POSTGRES_URL, or run under \
               pg_virtualenv, which sets PGHOST and PGDATABASE)";
    let required = std::env::var("HOMEROOM_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert!(!required, "HOMEROOM_REQUIRE_POSTGRES=1 but {why}");
    eprintln!("skipping {test} on PostgreSQL: {why}");
    None
}

/// A district name no other test (nor an earlier run on a kept database) uses.
pub fn unique_district(tag: &str) -> String {
    format!("{tag} {}", RandomIds.next_uuid().simple())
}

fn directory(storage: Arc<SeaStorage>) -> Directory<SeaStorage> {
    Directory::new(storage, Arc::new(SystemClock), Arc::new(RandomIds))
}

/// Opens the database.
pub async fn storage(db: &str) -> Arc<SeaStorage> {
    Arc::new(SeaStorage::connect(db).await.unwrap())
}

/// Creates the district, with the role the template's "Group Name" column names ("Users"),
/// as a district that uses the template has it.
pub async fn prepare_district(db: &str, name: &str) -> District {
    let directory = directory(storage(db).await);
    let admin = Actor::system("test setup");
    let district = directory.create_district(&admin, name).await.unwrap();
    directory
        .create_role(&admin, district.id, "Users", PermissionSet::EMPTY)
        .await
        .unwrap();
    district
}

/// The district named `name`, if it exists.
pub async fn district(db: &str, name: &str) -> Option<District> {
    storage(db)
        .await
        .district_by_name(&District::name_key(name))
        .await
        .unwrap()
}

/// How many users the district has: (all, Active). (0, 0) when it does not exist.
pub async fn user_counts(db: &str, name: &str) -> (u64, u64) {
    let storage = storage(db).await;
    let Some(district) = storage
        .district_by_name(&District::name_key(name))
        .await
        .unwrap()
    else {
        return (0, 0);
    };
    let all = UserQuery {
        limit: 1,
        ..UserQuery::default()
    };
    let active = UserQuery {
        statuses: Some([RecordStatus::Active].into()),
        ..all.clone()
    };
    let total = |query: UserQuery| {
        let storage = Arc::clone(&storage);
        async move {
            storage
                .search_users(district.id, &query)
                .await
                .unwrap()
                .total
        }
    };
    (total(all).await, total(active).await)
}

/// The files of a folder, zipped (flat, as SIS exports are).
pub fn zip_folder(dir: &Path) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        zip.start_file(
            name,
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A workbook of three users: text and numeric cells, a Local ID with leading zeros.
pub fn workbook() -> Vec<u8> {
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Students").unwrap();
    let header = ["Local ID", "First Name", "Last Name", "Grade", "Email"];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "00123").unwrap();
    sheet.write_number(2, 0, 4567).unwrap();
    sheet.write_string(3, 0, "S-9").unwrap();
    for (r, (first, last, grade, email)) in [
        ("Ada", "Lovelace", "6", "ada@example.org"),
        ("Grace", "Hopper", "K", "grace@example.org"),
        ("Alan", "Turing", "12", ""),
    ]
    .into_iter()
    .enumerate()
    {
        let r = r as u32 + 1;
        sheet.write_string(r, 1, first).unwrap();
        sheet.write_string(r, 2, last).unwrap();
        sheet.write_string(r, 3, grade).unwrap();
        sheet.write_string(r, 4, email).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// The first `rows` lines (header included) of a text file, written to `to`.
pub fn truncated(from: &Path, rows: usize, to: &Path) {
    let text = std::fs::read_to_string(from).unwrap();
    let kept: Vec<&str> = text.lines().take(rows).collect();
    std::fs::write(to, kept.join("\n") + "\n").unwrap();
}
