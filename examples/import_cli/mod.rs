//! The `import` command as a library: districts' scripts call the example binary, tests and the
//! folder runner call [`main`] and [`Importer`] directly.
//!
//! ```text
//! import --db URL --district NAME [--format auto|csv|xlsx|oneroster]
//!        [--mode upsert|create-only|update-only] [--sync] [--max-deactivate-percent N]
//!        [--create-org-units] [--dry-run] [--json] PATH
//! ```
//!
//! PATH is a CSV file, an Excel workbook, a OneRoster zip, or a folder holding a OneRoster
//! package. The import runs as a district-level administrator (a system actor); the district is
//! created if missing. A sync (`--sync`, not a dry run) first takes the district's sync lease
//! ([`homeroom::Leases`], on the database), so two replicas never sync one district at once.
//!
//! Exit status ([`Status::exit_code`]): 0 applied, or a clean dry run; 1 errors found and
//! nothing written (also `sync_in_progress`: another run holds the district's sync lease); 3
//! held by a guard; 2 usage, a PATH that cannot be read, or a database that cannot be used.

mod args;
mod input;
mod lease;
mod secrets;
mod summary;

pub use args::{
    DEFAULT_POLL, FOLDER_USAGE, FolderArgs, ImportArgs, Job, Schedule, USAGE, UsageError,
    parse_folder_args, parse_import_args,
};
pub use input::{InputError, open_no_follow, read_file};
pub use lease::LEASE_TTL;
pub use secrets::{Scrubbed, argument_secrets, redacted_url, run_scrubbed, scrub, url_secrets};
pub use summary::{IssueSummary, Summary};

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use homeroom::import::{Format, ImportData, ImportIssue, OneRosterPackage, ReadOptions, read};
use homeroom::system::{RandomIds, SystemClock};
use homeroom::{
    Actor, Approval, Directory, District, ErrorKind, IdGen, ImportPlan, ImportProgress, Leases,
    report_csv,
};
use homeroom_sea::SeaStorage;
use indicatif::{ProgressBar, ProgressStyle};

use lease::SyncLease;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Written (or nothing to write: the same file twice).
    Applied,
    /// A dry run found no errors and no guard holds it.
    Planned,
    /// The file has errors: nothing written.
    Errors,
    /// A sync guard holds the plan: nothing written.
    Held,
    /// Another run holds the district's sync lease: nothing written, try again later
    /// (error code `sync_in_progress`).
    SyncInProgress,
    /// This run's sync lease ran out and another run took it over before the write: nothing
    /// written, try again later (error code `sync_lease_lost`).
    LeaseLost,
    /// A user changed between planning and writing: nothing written, run again (error code
    /// `conflict`).
    Conflict,
    /// PATH cannot be read (missing, not a file or folder, no permission), or the command line
    /// does not fit it (error code `cannot_read` or `usage`).
    Unreadable,
    /// The database failed (error codes `database_unavailable`, `failed`): nothing written.
    Failed,
}

impl Status {
    /// The process exit status: 0, 1, 2 or 3 (see the [module documentation](self)).
    pub fn exit_code(self) -> i32 {
        match self {
            Self::Applied | Self::Planned => 0,
            Self::Errors | Self::SyncInProgress | Self::LeaseLost | Self::Conflict => 1,
            Self::Unreadable | Self::Failed => 2,
            Self::Held => 3,
        }
    }

    /// True when the file is fine as far as anyone knows and running it again later may
    /// succeed: the folder runner leaves such a file where it is.
    pub fn retry_later(self) -> bool {
        matches!(
            self,
            Self::SyncInProgress | Self::LeaseLost | Self::Conflict | Self::Failed
        )
    }
}

/// What one run did: the status, the summary `--json` prints, and what the report needs.
#[derive(Debug)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// The JSON object.
    pub summary: Summary,
    /// The rows read, when the file could be read.
    pub data: Option<ImportData>,
    /// The plan, when one was made.
    pub plan: Option<ImportPlan>,
}

impl Outcome {
    fn failed(status: Status, error: IssueSummary, data: Option<ImportData>) -> Self {
        Self {
            status,
            summary: Summary::failed(error),
            data,
            plan: None,
        }
    }

    /// The process exit status.
    pub fn exit_code(&self) -> i32 {
        self.status.exit_code()
    }

    /// The report to send back to whoever made the file: with a plan, the uploaded rows plus
    /// `Import Status` and `Import Messages` ([`report_csv`]); otherwise one line per problem.
    /// UTF-8 with a BOM, formula-safe.
    pub fn report_csv(&self) -> Vec<u8> {
        if let (Some(data), Some(plan)) = (&self.data, &self.plan) {
            return self.rows_report(data, plan);
        }
        let rows = self
            .summary
            .errors
            .iter()
            .map(|i| ("Error", i))
            .chain(self.summary.warnings.iter().map(|i| ("Warning", i)))
            .map(|(severity, i)| {
                vec![
                    i.file.clone(),
                    i.row.map(|r| r.to_string()).unwrap_or_default(),
                    i.column.clone().unwrap_or_default(),
                    severity.to_owned(),
                    i.code.clone(),
                    i.message.clone(),
                ]
            });
        homeroom::export::csv_bytes(
            &["File", "Row", "Column", "Severity", "Code", "Message"],
            rows,
        )
    }
}

impl Outcome {
    /// [`report_csv`], plus a line for each problem that is not about one of its rows (a row
    /// the reader rejected, the file as a whole, a guard's hold), so the report names every
    /// problem.
    fn rows_report(&self, data: &ImportData, plan: &ImportPlan) -> Vec<u8> {
        let mut bytes = report_csv(data, plan);
        let rows: HashSet<(&str, u32)> = data
            .users
            .iter()
            .map(|r| (&*r.source.file, r.source.row))
            .collect();
        let columns = data.users.first().map_or(0, |r| r.columns().names().len());
        let others = self
            .summary
            .errors
            .iter()
            .map(|i| ("error", "Error", i))
            .chain(self.summary.warnings.iter().map(|i| ("warning", "", i)))
            .filter(|(_, _, i)| {
                i.row
                    .is_none_or(|row| !rows.contains(&(i.file.as_str(), row)))
            });
        let mut writer = csv::Writer::from_writer(Vec::new());
        for (severity, status, i) in others {
            let column = i
                .column
                .as_deref()
                .map(|c| format!("{c}: "))
                .unwrap_or_default();
            let mut cells = vec![
                i.file.clone(),
                i.row.map(|r| r.to_string()).unwrap_or_default(),
            ];
            cells.extend(std::iter::repeat_n(String::new(), columns));
            cells.push(status.to_owned());
            cells.push(format!("{severity} {column}{} [{}]", i.message, i.code));
            let cells: Vec<String> = cells
                .iter()
                .map(|c| homeroom::export::formula_safe(c))
                .collect();
            // Writing to a Vec cannot fail.
            let _ = writer.write_record(&cells);
        }
        bytes.extend(writer.into_inner().unwrap_or_default());
        bytes
    }
}

/// Why a PATH gave no rows.
#[derive(Debug)]
pub enum ReadFailure {
    /// It was read, and is not an import (errors with codes, for the report): exit 1.
    Issues(Vec<ImportIssue>),
    /// It could not be read at all: exit 2.
    Unreadable(IssueSummary),
}

/// The name a path's problems are reported under: its file name.
pub fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Reads a file of any format, or a folder as a OneRoster package (every regular file in it
/// but hidden ones).
///
/// Input is untrusted: a symbolic link (PATH itself, or a file in the folder) is refused, never
/// followed; so is anything but a regular file or a folder. A file's size is checked before it
/// is read, and the read stops past [`ReadLimits::max_bytes`](homeroom::import::ReadLimits);
/// a folder's files together may not exceed
/// [`max_unpacked_bytes`](homeroom::import::ReadLimits::max_unpacked_bytes), as a zip's may
/// not.
pub fn read_path(path: &Path, format: Option<Format>) -> Result<ImportData, ReadFailure> {
    let name = display_name(path);
    let unreadable = |message: String| {
        ReadFailure::Unreadable(IssueSummary::about(name.clone(), "cannot_read", message))
    };
    let from_input = |e: InputError| match e {
        InputError::Unreadable(message) => unreadable(message),
        InputError::TooLarge(issue) => ReadFailure::Issues(vec![issue]),
    };
    let io = |e: std::io::Error| unreadable(format!("cannot read {}: {e}", input::redacted(path)));
    let mut options = ReadOptions::default();
    if let Some(format) = format {
        options = options.with_format(format);
    }
    let limits = options.limits.clone();
    let meta = std::fs::symlink_metadata(path).map_err(io)?;
    if meta.file_type().is_symlink() {
        return Err(unreadable(format!(
            "{} is a symbolic link, which an import never follows; give the path of the file or folder itself",
            input::redacted(path)
        )));
    }
    if meta.is_dir() {
        if matches!(format, Some(Format::Csv | Format::Xlsx)) {
            return Err(ReadFailure::Unreadable(IssueSummary::about(
                name,
                "usage",
                "a folder is read as a OneRoster package; leave out --format or use --format oneroster",
            )));
        }
        let mut files = Vec::new();
        let mut total: u64 = 0;
        for entry in std::fs::read_dir(path).map_err(io)? {
            let entry = entry.map_err(io)?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            // `file_type` does not follow links: a link in the folder is left out.
            if file_name.starts_with('.') || !entry.file_type().map_err(io)?.is_file() {
                continue;
            }
            let bytes = input::read_file(&entry.path(), &file_name, &limits).map_err(from_input)?;
            total = total.saturating_add(bytes.len() as u64);
            if total > limits.max_unpacked_bytes {
                let issue = input::too_large(&name, None, limits.max_unpacked_bytes);
                return Err(ReadFailure::Issues(vec![issue]));
            }
            files.push((file_name, bytes));
        }
        return OneRosterPackage::from_files(files)
            .read(&options)
            .map_err(|e| ReadFailure::Issues(e.into_issues()));
    }
    let bytes = input::read_file(path, &name, &limits).map_err(from_input)?;
    read(&bytes, &name, &options).map_err(|e| ReadFailure::Issues(e.into_issues()))
}

/// An import run against one district of one database, as a district-level administrator:
/// connect once, import any number of files.
pub struct Importer {
    /// The secrets of the database URL, scrubbed out of every outcome (which the folder runner
    /// also writes to files).
    secrets: Vec<String>,
    storage: Arc<SeaStorage>,
    directory: Directory<SeaStorage>,
    admin: Actor,
    district: District,
    holder: String,
}

impl std::fmt::Debug for Importer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer")
            .field("district", &self.district.name)
            .field("holder", &self.holder)
            .finish_non_exhaustive()
    }
}

fn storage_issue(what: &str, kind_unavailable: bool, e: impl std::fmt::Display) -> IssueSummary {
    let code = if kind_unavailable {
        "database_unavailable"
    } else {
        "failed"
    };
    IssueSummary::about(String::new(), code, format!("{what}: {e}"))
}

impl Importer {
    /// Connects to the database at `db` (migrating it) and finds the district named
    /// `district`, creating it when missing.
    pub async fn open(db: &str, district: &str) -> Result<Self, IssueSummary> {
        let storage = SeaStorage::connect(db).await.map_err(|e| {
            let mut issue = storage_issue(
                &format!("cannot open the database {}", redacted_url(db)),
                e.kind() == homeroom::StorageErrorKind::Unavailable,
                e,
            );
            // The database's own message may quote the URL, in whatever form.
            issue.message = scrub(&issue.message, &url_secrets(db));
            issue
        })?;
        let storage = Arc::new(storage);
        let directory = Directory::new(
            Arc::clone(&storage),
            Arc::new(SystemClock),
            Arc::new(RandomIds),
        );
        let admin = Actor::system("import");
        let found = match directory.district_by_name(&admin, district).await {
            Ok(found) => found,
            Err(e) if e.kind() == ErrorKind::NotFound => directory
                .create_district(&admin, district)
                .await
                .map_err(|e| error_issue("cannot create the district", &e))?,
            Err(e) => return Err(error_issue("cannot read the district", &e)),
        };
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        let holder = format!(
            "{}pid {} run {}",
            match host.trim() {
                "" => String::new(),
                host => format!("{host} "),
            },
            std::process::id(),
            RandomIds.next_uuid()
        );
        Ok(Self {
            secrets: argument_secrets(&[db]),
            storage,
            directory,
            admin,
            district: found,
            holder,
        })
    }

    /// The district imported into.
    pub fn district(&self) -> &District {
        &self.district
    }

    /// The storage, for callers that want to look at what an import did.
    pub fn storage(&self) -> &Arc<SeaStorage> {
        &self.storage
    }

    /// Who this importer's sync lease names as its holder (unique per importer).
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Reads `path` and imports it: the whole run of `import`.
    pub async fn import_path(
        &self,
        path: &Path,
        job: &Job,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Outcome {
        let name = display_name(path);
        match read_path(path, job.format) {
            Ok(data) => self.import_data(&name, data, job, progress).await,
            Err(failure) => read_failure(&name, failure),
        }
    }

    /// Plans and (unless a dry run, an error or a guard stops it) applies rows already read.
    /// A sync takes the district's sync lease first and gives it back at the end.
    pub async fn import_data(
        &self,
        name: &str,
        data: ImportData,
        job: &Job,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Outcome {
        let mut outcome = self.run_import(name, data, job, progress).await;
        self.scrub_outcome(&mut outcome);
        outcome
    }

    async fn run_import(
        &self,
        name: &str,
        data: ImportData,
        job: &Job,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Outcome {
        let lease = if job.options.sync && !job.dry_run {
            let leases: Arc<dyn Leases> = Arc::clone(&self.storage) as Arc<dyn Leases>;
            match SyncLease::acquire(leases, self.district.id, &self.holder).await {
                Ok(Some(lease)) => Some(lease),
                Ok(None) => {
                    let message = format!(
                        "another sync of {} is running (it holds the lease '{}'); nothing was written: try again when it has finished",
                        self.district.name,
                        homeroom::Lease::sync_name(self.district.id)
                    );
                    let issue = IssueSummary::about(name, "sync_in_progress", message);
                    return Outcome::failed(Status::SyncInProgress, issue, Some(data));
                }
                Err(e) => {
                    let unavailable = e.kind() == homeroom::StorageErrorKind::Unavailable;
                    let mut issue = storage_issue("cannot take the sync lease", unavailable, e);
                    issue.file = name.to_owned();
                    return Outcome::failed(Status::Failed, issue, Some(data));
                }
            }
        } else {
            None
        };
        let outcome = self
            .plan_and_apply(name, data, job, lease.as_ref(), progress)
            .await;
        if let Some(lease) = lease {
            // A lease we cannot give back runs out by itself within its ttl.
            let _ = lease.release().await;
        }
        outcome
    }

    /// Takes the database's secrets out of an outcome's messages, however a database error
    /// happened to quote them.
    fn scrub_outcome(&self, outcome: &mut Outcome) {
        let summary = &mut outcome.summary;
        for issue in summary.errors.iter_mut().chain(summary.warnings.iter_mut()) {
            issue.message = scrub(&issue.message, &self.secrets);
        }
    }

    async fn plan_and_apply(
        &self,
        name: &str,
        data: ImportData,
        job: &Job,
        lease: Option<&SyncLease>,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Outcome {
        let district = self.district.id;
        let plan = match self
            .directory
            .plan_import_with_progress(&self.admin, district, &data, &job.options, progress)
            .await
        {
            Ok(plan) => plan,
            Err(e) => return error_outcome(name, "cannot plan the import", &e, data),
        };
        let done = |status, applied| {
            let summary = Summary::of(name, Some(&plan), plan.issues(), applied);
            (status, summary)
        };
        let (status, summary) = if plan.has_errors() {
            done(Status::Errors, false)
        } else if !plan.held().is_empty() {
            done(Status::Held, false)
        } else if job.dry_run {
            done(Status::Planned, false)
        } else {
            // A sync goes through `apply_sync`, which renews the lease just before the write:
            // a run whose lease was taken over writes nothing.
            let applied = match lease {
                Some(lease) => {
                    let current = lease.lease();
                    let held = homeroom::HeldLease::new(lease.leases(), &current, lease::LEASE_TTL);
                    self.directory
                        .apply_sync(
                            &self.admin,
                            district,
                            &plan,
                            Approval::Required,
                            held,
                            progress,
                        )
                        .await
                }
                None => {
                    self.directory
                        .apply_import(&self.admin, district, &plan, Approval::Required, progress)
                        .await
                }
            };
            match applied {
                Ok(_) => done(Status::Applied, true),
                Err(e) if lease_lost(&e) => {
                    let issue = IssueSummary::about(
                        name,
                        "sync_lease_lost",
                        format!(
                            "the sync lease could not be renewed ({e}); nothing was written: try again"
                        ),
                    );
                    return Outcome::failed(Status::LeaseLost, issue, Some(data));
                }
                Err(e) => return error_outcome(name, "cannot apply the import", &e, data),
            }
        };
        Outcome {
            status,
            summary,
            data: Some(data),
            plan: Some(plan),
        }
    }
}

/// True when a write failed because this run's sync lease was taken over.
fn lease_lost(e: &homeroom::Error) -> bool {
    matches!(e, homeroom::Error::Storage(s) if s.kind() == homeroom::StorageErrorKind::LeaseLost)
}

fn error_issue(what: &str, e: &homeroom::Error) -> IssueSummary {
    storage_issue(what, e.kind() == ErrorKind::Unavailable, e)
}

fn error_outcome(name: &str, what: &str, e: &homeroom::Error, data: ImportData) -> Outcome {
    let (status, mut issue) = if e.kind() == ErrorKind::Conflict {
        let issue = IssueSummary::about(
            name,
            "conflict",
            format!("{what}: {e}; nothing was written: run the import again"),
        );
        (Status::Conflict, issue)
    } else {
        (Status::Failed, error_issue(what, e))
    };
    issue.file = name.to_owned();
    Outcome::failed(status, issue, Some(data))
}

fn read_failure(name: &str, failure: ReadFailure) -> Outcome {
    match failure {
        ReadFailure::Issues(issues) => Outcome {
            status: Status::Errors,
            summary: Summary::of(name, None, &issues, false),
            data: None,
            plan: None,
        },
        ReadFailure::Unreadable(issue) => Outcome::failed(Status::Unreadable, issue, None),
    }
}

/// A progress bar for a run of `rows` rows, drawn on the terminal's standard error (hidden
/// when that is not a terminal).
pub fn progress_bar(rows: u64) -> ProgressBar {
    let bar = ProgressBar::new(rows);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Moves a progress bar along an import's progress.
pub fn show_progress(bar: &ProgressBar, p: ImportProgress) {
    match p {
        ImportProgress::Loading { .. } => bar.set_message("loading"),
        ImportProgress::Planning { done, total } => {
            bar.set_message("planning");
            bar.set_length(total);
            bar.set_position(done);
        }
        ImportProgress::Writing { .. } => bar.set_message("writing"),
        ImportProgress::Finished => bar.finish_with_message("done"),
    }
}

/// Writes an outcome the way `import` does: the JSON object, or the readable summary.
pub fn write_outcome(out: &mut dyn Write, outcome: &Outcome, json: bool) -> std::io::Result<()> {
    if json {
        return writeln!(out, "{}", outcome.summary.to_json());
    }
    let verb = match outcome.status {
        Status::Applied => "applied",
        Status::Planned => "dry run",
        Status::Held => "held, not applied",
        _ => "not applied",
    };
    let error_rows = outcome.plan.as_ref().map(|p| p.counts().error_rows);
    summary::write_readable(out, &outcome.summary, verb, error_rows)
}

/// The whole `import` command: parses `args` (without the program name), runs, writes to
/// `stdout` and `stderr`, and returns the exit status.
///
/// With `--json` exactly one JSON object goes to `stdout`, whatever happens (a usage error
/// too, with code `usage`); without it, a progress bar goes to the terminal and a readable
/// summary to `stdout`.
pub async fn main<I, S>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    run_scrubbed(args, stdout, stderr, run).await
}

async fn run(args: Vec<String>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let json = args.iter().any(|a| a == "--json");
    let args = match parse_import_args(args) {
        Ok(args) => args,
        Err(UsageError(problem)) => {
            if !problem.is_empty() {
                let _ = writeln!(stderr, "import: {problem}");
            }
            let _ = writeln!(stderr, "{USAGE}");
            if json {
                let issue = IssueSummary::about("", "usage", format!("{problem} ({USAGE})"));
                let _ = writeln!(stdout, "{}", Summary::failed(issue).to_json());
            }
            return 2;
        }
    };
    let name = display_name(&args.path);
    // Read first: a file that is not an import never touches the database.
    let outcome = match read_path(&args.path, args.job.format) {
        Err(failure) => read_failure(&name, failure),
        Ok(data) => match Importer::open(&args.db, &args.district).await {
            Err(mut issue) => {
                issue.file = name.clone();
                Outcome::failed(Status::Failed, issue, Some(data))
            }
            Ok(importer) => {
                let bar = (!args.json).then(|| progress_bar(data.users.len() as u64));
                let progress = |p: ImportProgress| {
                    if let Some(bar) = &bar {
                        show_progress(bar, p);
                    }
                };
                let outcome = importer
                    .import_data(&name, data, &args.job, &progress)
                    .await;
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                outcome
            }
        },
    };
    if !args.json && matches!(outcome.status, Status::Unreadable | Status::Failed) {
        for error in &outcome.summary.errors {
            let _ = writeln!(stderr, "import: {} [{}]", error.message, error.code);
        }
    } else {
        let _ = write_outcome(stdout, &outcome, args.json);
    }
    outcome.exit_code()
}
