//! The command lines of `import` and `sync_folder`: one parser, since the folder runner takes
//! every import option.

use std::path::PathBuf;
use std::time::Duration;

use homeroom::import::Format;
use homeroom::messaging::Welcome;
use homeroom::{ImportMode, ImportOptions};
use homeroom_sea::redacted_url;

/// The usage line of `import`.
pub const USAGE: &str = "usage: import --db URL --district NAME [--format auto|csv|xlsx|oneroster] [--mode upsert|create-only|update-only] [--sync] [--max-deactivate-percent N] [--create-org-units] [--keep-temporary-passwords] [--welcome never|now|RFC3339-TIME] [--dry-run] [--json] PATH";

/// The usage line of `sync_folder`.
pub const FOLDER_USAGE: &str = "usage: sync_folder --db URL --district NAME [--format auto|csv|xlsx|oneroster] [--mode upsert|create-only|update-only] [--sync] [--max-deactivate-percent N] [--create-org-units] [--keep-temporary-passwords] [--welcome never|now|RFC3339-TIME] [--json] [--once | --poll-seconds N] DIR";

/// What to do with one file: the options every import shares.
#[derive(Clone, Debug, Default)]
pub struct Job {
    /// The format, or `None` to detect it (a folder is always a OneRoster package).
    pub format: Option<Format>,
    /// Mode, sync, guards, org units.
    pub options: ImportOptions,
    /// Plan only; write nothing.
    pub dry_run: bool,
}

/// A parsed `import` command line. `Debug` shows the database URL without its password.
#[derive(Clone)]
pub struct ImportArgs {
    /// The database URL (`sqlite://...?mode=rwc`, `postgres://...`).
    pub db: String,
    /// The district's name; created when missing.
    pub district: String,
    /// The import options.
    pub job: Job,
    /// Print one JSON object instead of a progress bar and a summary.
    pub json: bool,
    /// The file, or a folder holding a OneRoster package.
    pub path: PathBuf,
}

/// How the folder runner runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Process what is there, then exit.
    Once,
    /// Look for new files every so often, until stopped.
    Poll(Duration),
}

/// A parsed `sync_folder` command line. `Debug` shows the database URL without its password.
#[derive(Clone)]
pub struct FolderArgs {
    /// The database URL.
    pub db: String,
    /// The district's name; created when missing.
    pub district: String,
    /// The import options, for every file.
    pub job: Job,
    /// One JSON object per file (JSON Lines) instead of readable lines.
    pub json: bool,
    /// Once, or polling.
    pub schedule: Schedule,
    /// The folder files are dropped in.
    pub dir: PathBuf,
}

impl std::fmt::Debug for ImportArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportArgs")
            .field("db", &redacted_url(&self.db))
            .field("district", &self.district)
            .field("job", &self.job)
            .field("json", &self.json)
            .field("path", &self.path)
            .finish()
    }
}

impl std::fmt::Debug for FolderArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolderArgs")
            .field("db", &redacted_url(&self.db))
            .field("district", &self.district)
            .field("job", &self.job)
            .field("json", &self.json)
            .field("schedule", &self.schedule)
            .field("dir", &self.dir)
            .finish()
    }
}

/// The default polling interval of the folder runner.
pub const DEFAULT_POLL: Duration = Duration::from_secs(60);

/// Everything either command line may hold.
struct Parsed {
    db: Option<String>,
    district: Option<String>,
    job: Job,
    json: bool,
    once: bool,
    poll: Option<Duration>,
    path: Option<PathBuf>,
}

/// Why a command line was refused: a message for the user (empty for `--help`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Command {
    Import,
    Folder,
}

fn parse(args: Vec<String>, command: Command) -> Result<Parsed, UsageError> {
    let usage = |message: String| UsageError(message);
    let mut parsed = Parsed {
        db: None,
        district: None,
        job: Job::default(),
        json: false,
        once: false,
        poll: None,
        path: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| usage(format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--db" => parsed.db = Some(value("--db")?),
            "--district" => parsed.district = Some(value("--district")?),
            "--format" => {
                parsed.job.format = match value("--format")?.as_str() {
                    "auto" => None,
                    "csv" => Some(Format::Csv),
                    "xlsx" => Some(Format::Xlsx),
                    "oneroster" => Some(Format::OneRoster),
                    other => return Err(usage(format!("unknown format '{other}'"))),
                }
            }
            "--mode" => {
                parsed.job.options.mode = match value("--mode")?.as_str() {
                    "upsert" => ImportMode::Upsert,
                    "create-only" => ImportMode::CreateOnly,
                    "update-only" => ImportMode::UpdateOnly,
                    other => return Err(usage(format!("unknown mode '{other}'"))),
                }
            }
            "--sync" => parsed.job.options.sync = true,
            // Temporary passwords the users keep: no change forced at first sign-in.
            "--keep-temporary-passwords" => {
                parsed.job.options.temporary_passwords_must_change = false;
            }
            // Welcome e-mails for the users the import creates: none (the default), at the
            // next drain, or held until a launch time.
            "--welcome" => {
                let when = value("--welcome")?;
                parsed.job.options.welcome = match when.as_str() {
                    "never" => Welcome::Never,
                    "now" => Welcome::Now,
                    time => chrono::DateTime::parse_from_rfc3339(time)
                        .map(|t| Welcome::At(t.with_timezone(&chrono::Utc)))
                        .map_err(|_| {
                            usage(format!(
                                "--welcome takes never, now or a time such as 2027-08-15T07:00:00Z, not '{time}'"
                            ))
                        })?,
                };
            }
            "--max-deactivate-percent" => {
                let n = value("--max-deactivate-percent")?;
                let percent: u8 = n
                    .parse()
                    .ok()
                    .filter(|p| *p <= 100)
                    .ok_or_else(|| usage(format!("'{n}' is not a percentage from 0 to 100")))?;
                parsed.job.options.guard.max_deactivate_percent = Some(percent);
            }
            "--create-org-units" => parsed.job.options.create_org_units = true,
            "--dry-run" if command == Command::Import => parsed.job.dry_run = true,
            "--json" => parsed.json = true,
            "--once" if command == Command::Folder => parsed.once = true,
            "--poll-seconds" if command == Command::Folder => {
                let n = value("--poll-seconds")?;
                let seconds: u64 =
                    n.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                        usage(format!("'{n}' is not a number of seconds above 0"))
                    })?;
                parsed.poll = Some(Duration::from_secs(seconds));
            }
            "-h" | "--help" => return Err(usage(String::new())),
            "--dry-run" => {
                return Err(usage(
                    "--dry-run does not apply to the folder runner (it would move files it did not import); try a file with `import --dry-run`".into(),
                ));
            }
            flag if flag.starts_with("--") => {
                return Err(usage(format!("unknown option {}", redacted_url(flag))));
            }
            _ if parsed.path.is_none() => parsed.path = Some(PathBuf::from(arg)),
            _ => {
                return Err(usage(format!(
                    "unexpected argument '{}'",
                    redacted_url(&arg)
                )));
            }
        }
    }
    Ok(parsed)
}

fn required<T>(value: Option<T>, what: &str) -> Result<T, UsageError> {
    value.ok_or_else(|| UsageError(format!("{what} is required")))
}

/// Parses the arguments of `import` (without the program name).
///
/// ```
/// use homeroom_examples::import_cli::parse_import_args;
/// let args = parse_import_args(["--db", "sqlite::memory:", "--district", "Maple", "--sync", "users.csv"]).unwrap();
/// assert!(args.job.options.sync);
/// assert!(parse_import_args(["--db", "sqlite::memory:", "users.csv"]).is_err());
///
/// // Welcome e-mails held until the district launches; a time that is not RFC 3339 is refused.
/// let held = ["--db", "sqlite::memory:", "--district", "Maple", "--welcome", "2027-08-15T07:00:00Z", "users.csv"];
/// let args = parse_import_args(held).unwrap();
/// assert!(matches!(args.job.options.welcome, homeroom::messaging::Welcome::At(_)));
/// let vague = ["--db", "sqlite::memory:", "--district", "Maple", "--welcome", "monday", "users.csv"];
/// assert!(parse_import_args(vague).unwrap_err().to_string().contains("'monday'"));
/// ```
pub fn parse_import_args<I, S>(args: I) -> Result<ImportArgs, UsageError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let parsed = parse(args.into_iter().map(Into::into).collect(), Command::Import)?;
    Ok(ImportArgs {
        db: required(parsed.db, "--db")?,
        district: required(parsed.district, "--district")?,
        job: parsed.job,
        json: parsed.json,
        path: required(parsed.path, "PATH")?,
    })
}

/// Parses the arguments of `sync_folder` (without the program name).
pub fn parse_folder_args<I, S>(args: I) -> Result<FolderArgs, UsageError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let parsed = parse(args.into_iter().map(Into::into).collect(), Command::Folder)?;
    let schedule = match (parsed.once, parsed.poll) {
        (true, Some(_)) => {
            return Err(UsageError(
                "--once and --poll-seconds exclude each other".into(),
            ));
        }
        (true, None) => Schedule::Once,
        (false, poll) => Schedule::Poll(poll.unwrap_or(DEFAULT_POLL)),
    };
    Ok(FolderArgs {
        db: required(parsed.db, "--db")?,
        district: required(parsed.district, "--district")?,
        job: parsed.job,
        json: parsed.json,
        schedule,
        dir: required(parsed.path, "DIR")?,
    })
}
