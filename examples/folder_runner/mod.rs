//! The folder runner: imports the files dropped in a folder (by SFTP, by the SIS), one at a
//! time, oldest first, through the same code path as `import`, and files each away with its
//! report.
//!
//! ```text
//! sync_folder --db URL --district NAME [--sync] [--format ...] [--mode ...]
//!             [--max-deactivate-percent N] [--create-org-units] [--json]
//!             [--once | --poll-seconds N] DIR
//! ```
//!
//! - **What is picked up**: regular files and sub-folders (a OneRoster package as a folder;
//!   it is picked up once it holds a `manifest.csv`) directly in DIR. Hidden names (`.x`) and
//!   names ending `.part`, `.tmp` or `.partial` are uploads in progress and are left alone;
//!   so are `processed/` and `failed/`.
//! - **Order**: oldest modification time first, then by name; one at a time.
//! - **Where it goes**: applied (or nothing to change) → `DIR/processed/`; errors or held by
//!   a guard → `DIR/failed/`. Beside it go `<name>.report.csv` (the rows with their status and
//!   messages) and `<name>.result.json` (the object `import --json` prints). An earlier file of
//!   the same name is never overwritten: the new one gets a UTC timestamp (and a counter)
//!   before its extension.
//! - **Left in place, tried again on the next pass**: a sync another replica is running
//!   (`sync_in_progress`), a lost lease, a conflict, a database failure.
//! - **Untrusted folder**: symbolic links are never followed: a link dropped in DIR is left
//!   alone, a link inside a package folder is left out, and a `processed/` or `failed/` that is
//!   a link stops the pass (nothing is written through it). Reports are written under
//!   unpredictable temporary names created only if absent. A file's size is checked before it
//!   is read, and reading stops past the limit (see
//!   [`read_path`](crate::import_cli::read_path)). Nothing printed carries the database
//!   password.
//! - **Crash safety**: the report and result are written (to a temporary name, then renamed)
//!   before the file is moved, and the file is moved by a rename within DIR. A crash before the
//!   move leaves the file in DIR; the next pass imports it again, which, the first import
//!   having been written, plans no change and writes nothing.
//!
//! With `--once` it processes what is there and exits 0 when every file went to `processed/`,
//! 1 when any went to `failed/` or was left for later; 2 for usage or a database it cannot
//! open. Otherwise it looks again every `--poll-seconds` (default 60) until stopped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use homeroom::IdGen;
use homeroom::system::RandomIds;
use serde::Serialize;

use crate::import_cli::{
    FOLDER_USAGE, FolderArgs, Importer, Job, Outcome, Schedule, Status, Summary, UsageError,
    parse_folder_args, run_scrubbed,
};

/// The folder applied files go to.
pub const PROCESSED: &str = "processed";
/// The folder files with errors, or held by a guard, go to.
pub const FAILED: &str = "failed";

/// Name endings of uploads still in progress.
const IN_PROGRESS: [&str; 3] = [".part", ".tmp", ".partial"];

/// True for names the runner leaves alone: hidden, or an upload still in progress.
pub fn is_ignored_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.') || IN_PROGRESS.iter().any(|end| lower.ends_with(end))
}

/// Something in DIR waiting to be imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Its path.
    pub path: PathBuf,
    /// Its name in DIR.
    pub name: String,
    /// Its modification time.
    pub modified: SystemTime,
}

/// The files and package folders in `dir` ready to import, in the order they are processed:
/// oldest modification time first, then by name.
pub fn pending(dir: &Path) -> std::io::Result<Vec<Pending>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_ignored_name(&name) || name == PROCESSED || name == FAILED {
            continue;
        }
        let kind = entry.file_type()?;
        let ready = if kind.is_file() {
            true
        } else if kind.is_dir() {
            package_ready(&entry.path())?
        } else {
            false // symlinks, sockets, ...
        };
        if ready {
            let modified = entry
                .metadata()?
                .modified()
                .unwrap_or(SystemTime::UNIX_EPOCH);
            found.push(Pending {
                path: entry.path(),
                name,
                modified,
            });
        }
    }
    found.sort_by(|a, b| (a.modified, &a.name).cmp(&(b.modified, &b.name)));
    Ok(found)
}

/// A package folder is ready once it has its manifest and no upload in progress inside.
fn package_ready(dir: &Path) -> std::io::Result<bool> {
    let mut manifest = false;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if IN_PROGRESS
            .iter()
            .any(|end| name.to_ascii_lowercase().ends_with(end))
        {
            return Ok(false);
        }
        manifest |= name.eq_ignore_ascii_case("manifest.csv");
    }
    Ok(manifest)
}

/// What became of one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Filed {
    /// Its name in DIR.
    pub file: String,
    /// `processed`, `failed` or `left` (left in DIR to try again later).
    pub outcome: &'static str,
    /// The exit status `import` would have given it.
    pub exit: i32,
    /// Where it went, relative to DIR (`None` when left).
    pub moved_to: Option<String>,
    /// The import's result object.
    pub result: Summary,
}

/// A name in `dir` that neither `name` nor its reports use yet: `name` itself, else with a UTC
/// timestamp before the extension, else with a counter too.
pub fn free_name(dir: &Path, name: &str) -> String {
    let taken = |candidate: &str| {
        [
            candidate.to_owned(),
            format!("{candidate}.report.csv"),
            format!("{candidate}.result.json"),
        ]
        .iter()
        .any(|n| dir.join(n).symlink_metadata().is_ok())
    };
    if !taken(name) {
        return name.to_owned();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut candidate = format!("{stem}.{stamp}{ext}");
    let mut n = 2;
    while taken(&candidate) {
        candidate = format!("{stem}.{stamp}-{n}{ext}");
        n += 1;
    }
    candidate
}

/// Writes `bytes` to `path` through a temporary name and a rename, so `path` is either absent
/// or whole.
///
/// The temporary name is unpredictable (`.<name>.<random>.tmp`) and created only if nothing is
/// there (`create_new`, which never follows a symbolic link), so a link planted in the folder
/// cannot redirect the write; the rename replaces a link at `path` itself, not its target.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(
        ".{}.{}.tmp",
        file_name.unwrap_or_default(),
        RandomIds.next_uuid().simple()
    ));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    std::fs::rename(&temp, path)
}

/// `dir/folder`, created if missing; refused when it is a symbolic link or not a folder, so
/// reports and files are never written or moved through a link planted there.
fn own_folder(dir: &Path, folder: &str) -> std::io::Result<PathBuf> {
    let path = dir.join(folder);
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(std::io::Error::other(format!(
            "{} is a symbolic link; the runner never writes through one: replace it with a folder",
            path.display()
        ))),
        Ok(meta) if !meta.is_dir() => Err(std::io::Error::other(format!(
            "{} is not a folder: move it away so the runner can create the folder",
            path.display()
        ))),
        Ok(_) => Ok(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir(&path)?;
            Ok(path)
        }
        Err(e) => Err(e),
    }
}

/// Files one imported entry away: writes its report and result into `processed/` or
/// `failed/`, then moves it beside them. Returns where it went, relative to `dir`.
pub fn file_away(dir: &Path, entry: &Pending, outcome: &Outcome) -> std::io::Result<String> {
    let folder = if outcome.status == Status::Applied {
        PROCESSED
    } else {
        FAILED
    };
    let target_dir = own_folder(dir, folder)?;
    let name = free_name(&target_dir, &entry.name);
    write_whole(
        &target_dir.join(format!("{name}.report.csv")),
        &outcome.report_csv(),
    )?;
    let mut json = outcome.summary.to_json();
    json.push('\n');
    write_whole(
        &target_dir.join(format!("{name}.result.json")),
        json.as_bytes(),
    )?;
    std::fs::rename(&entry.path, target_dir.join(&name))?;
    Ok(format!("{folder}/{name}"))
}

/// One pass over `dir`: imports every ready entry in order and files it away.
pub async fn process_dir(
    importer: &Importer,
    dir: &Path,
    job: &Job,
    mut each: impl FnMut(&Filed),
) -> std::io::Result<Vec<Filed>> {
    let mut done = Vec::new();
    for entry in pending(dir)? {
        let outcome = importer.import_path(&entry.path, job, &|_| {}).await;
        let (label, moved_to) = if outcome.status.retry_later() {
            ("left", None)
        } else {
            let moved = file_away(dir, &entry, &outcome)?;
            let label = if outcome.status == Status::Applied {
                PROCESSED
            } else {
                FAILED
            };
            (label, Some(moved))
        };
        let filed = Filed {
            file: entry.name.clone(),
            outcome: label,
            exit: outcome.exit_code(),
            moved_to,
            result: outcome.summary,
        };
        each(&filed);
        done.push(filed);
    }
    Ok(done)
}

fn write_line(out: &mut dyn Write, filed: &Filed, json: bool) -> std::io::Result<()> {
    if json {
        return writeln!(
            out,
            "{}",
            serde_json::to_string(filed).unwrap_or_else(|_| "{}".into())
        );
    }
    let r = &filed.result;
    let counts = format!(
        "{} created, {} updated, {} unchanged, {} deactivated, {} errors",
        r.created,
        r.updated,
        r.unchanged,
        r.deactivated,
        r.errors.len()
    );
    match &filed.moved_to {
        Some(to) => writeln!(out, "{}: {} → {to} ({counts})", filed.file, filed.outcome)?,
        None => writeln!(out, "{}: left for the next pass", filed.file)?,
    }
    for error in r.errors.iter().take(3) {
        writeln!(out, "  {} [{}]", error.message, error.code)?;
    }
    if r.errors.len() > 3 {
        writeln!(
            out,
            "  ... see {}.report.csv",
            filed.moved_to.as_deref().unwrap_or(&filed.file)
        )?;
    }
    Ok(())
}

/// The whole `sync_folder` command: parses `args` (without the program name), runs, writes to
/// `stdout` (one line, or one JSON object with `--json`, per file) and `stderr`, and returns
/// the exit status. Only returns with `--once` (or on a usage or database error).
pub async fn main<I, S>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    run_scrubbed(args, stdout, stderr, run).await
}

async fn run(args: Vec<String>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let args: FolderArgs = match parse_folder_args(args) {
        Ok(args) => args,
        Err(UsageError(problem)) => {
            if !problem.is_empty() {
                let _ = writeln!(stderr, "sync_folder: {problem}");
            }
            let _ = writeln!(stderr, "{FOLDER_USAGE}");
            return 2;
        }
    };
    if !args.dir.is_dir() {
        let _ = writeln!(
            stderr,
            "sync_folder: {} is not a folder\n{FOLDER_USAGE}",
            args.dir.display()
        );
        return 2;
    }
    let importer = match Importer::open(&args.db, &args.district).await {
        Ok(importer) => importer,
        Err(issue) => {
            let _ = writeln!(stderr, "sync_folder: {} [{}]", issue.message, issue.code);
            return 2;
        }
    };
    loop {
        let pass = process_dir(&importer, &args.dir, &args.job, |filed| {
            let _ = write_line(stdout, filed, args.json);
        })
        .await;
        match (pass, args.schedule) {
            (Ok(filed), Schedule::Once) => {
                return i32::from(filed.iter().any(|f| f.outcome != PROCESSED));
            }
            (Err(e), Schedule::Once) => {
                let _ = writeln!(stderr, "sync_folder: {}: {e}", args.dir.display());
                return 1;
            }
            (Err(e), Schedule::Poll(_)) => {
                let _ = writeln!(stderr, "sync_folder: {}: {e}", args.dir.display());
            }
            (Ok(_), Schedule::Poll(_)) => {}
        }
        if let Schedule::Poll(every) = args.schedule {
            tokio::time::sleep(every).await;
        }
    }
}
