//! Bulk import and nightly sync from the command line: how districts' scripts call Homeroom.
//!
//! ```text
//! import --db URL --district NAME [--format auto|csv|xlsx|oneroster]
//!        [--mode upsert|create-only|update-only] [--sync] [--max-deactivate-percent N]
//!        [--create-org-units] [--dry-run] [--json] PATH
//! ```
//!
//! PATH is a CSV file, an Excel workbook, a OneRoster zip, or a folder holding a OneRoster
//! package. The import runs as a district-level administrator (a system actor); the district is
//! created if missing. Exit status: 0 applied (or a clean dry run), 1 errors found and nothing
//! written, 3 held by a guard, 2 usage or a file that cannot be read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use homeroom::import::{Format, ImportData, ImportIssue, OneRosterPackage, ReadOptions, read};
use homeroom::{
    Actor, Approval, Directory, ImportMode, ImportOptions, ImportPlan, ImportProgress, Storage,
};
use homeroom_memory::{RandomIds, SystemClock};
use homeroom_sea::SeaStorage;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

const USAGE: &str = "usage: import --db URL --district NAME [--format auto|csv|xlsx|oneroster] [--mode upsert|create-only|update-only] [--sync] [--max-deactivate-percent N] [--create-org-units] [--dry-run] [--json] PATH";

struct Args {
    db: String,
    district: String,
    format: Option<Format>,
    options: ImportOptions,
    dry_run: bool,
    json: bool,
    path: PathBuf,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut db, mut district, mut path) = (None, None, None);
    let mut format = None;
    let mut options = ImportOptions::default();
    let (mut dry_run, mut json) = (false, false);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--db" => db = Some(value("--db")?),
            "--district" => district = Some(value("--district")?),
            "--format" => {
                format = match value("--format")?.as_str() {
                    "auto" => None,
                    "csv" => Some(Format::Csv),
                    "xlsx" => Some(Format::Xlsx),
                    "oneroster" => Some(Format::OneRoster),
                    other => return Err(format!("unknown format '{other}'")),
                }
            }
            "--mode" => {
                options.mode = match value("--mode")?.as_str() {
                    "upsert" => ImportMode::Upsert,
                    "create-only" => ImportMode::CreateOnly,
                    "update-only" => ImportMode::UpdateOnly,
                    other => return Err(format!("unknown mode '{other}'")),
                }
            }
            "--sync" => options.sync = true,
            "--max-deactivate-percent" => {
                let n = value("--max-deactivate-percent")?;
                let percent: u8 = n
                    .parse()
                    .ok()
                    .filter(|p| *p <= 100)
                    .ok_or_else(|| format!("'{n}' is not a percentage from 0 to 100"))?;
                options.guard.max_deactivate_percent = Some(percent);
            }
            "--create-org-units" => options.create_org_units = true,
            "--dry-run" => dry_run = true,
            "--json" => json = true,
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ if path.is_none() => path = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument '{arg}'")),
        }
    }
    Ok(Args {
        db: db.ok_or("--db is required")?,
        district: district.ok_or("--district is required")?,
        format,
        options,
        dry_run,
        json,
        path: path.ok_or("PATH is required")?,
    })
}

/// Reads a file, or a folder as a OneRoster package.
fn read_path(path: &Path, format: Option<Format>) -> Result<ImportData, Vec<ImportIssue>> {
    let mut options = ReadOptions::default();
    if let Some(format) = format {
        options = options.with_format(format);
    }
    let unreadable = |e: std::io::Error| {
        vec![ImportIssue::error(
            homeroom::import::IssueCode::UnsupportedFormat,
            path.display().to_string(),
            format!("cannot read {}: {e}", path.display()),
        )]
    };
    if path.is_dir() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            if entry.path().is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                files.push((name, std::fs::read(entry.path()).map_err(unreadable)?));
            }
        }
        return OneRosterPackage::from_files(files)
            .read(&options)
            .map_err(|e| e.into_issues());
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    read(&bytes, &name, &options).map_err(|e| e.into_issues())
}

fn issue_json(issue: &ImportIssue) -> serde_json::Value {
    json!({ "file": issue.file, "row": issue.row, "column": issue.column, "code": issue.code.as_str(), "message": issue.message })
}

fn summary_json(
    plan: Option<&ImportPlan>,
    issues: &[ImportIssue],
    applied: bool,
) -> serde_json::Value {
    let counts = plan.map(|p| p.counts).unwrap_or_default();
    json!({
        "applied": applied,
        "held": plan.is_some_and(|p| !p.held.is_empty()),
        "created": if applied || plan.is_some() { counts.created } else { 0 },
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "deactivated": counts.deactivated,
        "errors": issues.iter().filter(|i| i.is_error()).map(issue_json).collect::<Vec<_>>(),
        "warnings": issues.iter().filter(|i| !i.is_error()).map(issue_json).collect::<Vec<_>>(),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("import: {problem}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args).await {
        Ok(code) => code,
        Err(problem) => {
            if args.json {
                println!(
                    "{}",
                    json!({ "applied": false, "held": false, "created": 0, "updated": 0, "unchanged": 0, "deactivated": 0, "errors": [{ "file": args.path.display().to_string(), "row": null, "column": null, "code": "failed", "message": problem }], "warnings": [] })
                );
            } else {
                eprintln!("import: {problem}");
            }
            ExitCode::from(2)
        }
    }
}

async fn run(args: &Args) -> Result<ExitCode, String> {
    let data = match read_path(&args.path, args.format) {
        Ok(data) => data,
        Err(issues) => {
            report(args, None, &issues, false);
            return Ok(ExitCode::from(
                if issues
                    .iter()
                    .any(|i| i.code.as_str() == "unsupported_format")
                {
                    2
                } else {
                    1
                },
            ));
        }
    };
    let storage = SeaStorage::connect(&args.db)
        .await
        .map_err(|e| format!("cannot open {}: {e}", args.db))?;
    let directory = Directory::new(
        Arc::new(storage) as Arc<dyn Storage>,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    );
    let admin = Actor::system("import");
    let district = match directory.district_by_name(&admin, &args.district).await {
        Ok(d) => d,
        Err(e) if e.kind() == homeroom::ErrorKind::NotFound => directory
            .create_district(&admin, &args.district)
            .await
            .map_err(|e| e.to_string())?,
        Err(e) => return Err(e.to_string()),
    };
    let bar = (!args.json).then(|| {
        let bar = ProgressBar::new(data.users.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |p: ImportProgress| {
        if let Some(bar) = &bar {
            match p {
                ImportProgress::Loading { .. } => bar.set_message("loading"),
                ImportProgress::Planning { done, .. } => {
                    bar.set_message("planning");
                    bar.set_position(done);
                }
                ImportProgress::Writing { .. } => bar.set_message("writing"),
                ImportProgress::Finished => bar.finish_with_message("done"),
            }
        }
    };
    let plan = directory
        .plan_import_with_progress(&admin, district.id, &data, &args.options, &progress)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(bar) = &bar {
        bar.set_position(data.users.len() as u64);
    }
    if plan.has_errors() {
        report(args, Some(&plan), &plan.issues, false);
        return Ok(ExitCode::from(1));
    }
    if args.dry_run {
        report(args, Some(&plan), &plan.issues, false);
        return Ok(ExitCode::from(if plan.held.is_empty() { 0 } else { 3 }));
    }
    if !plan.held.is_empty() {
        report(args, Some(&plan), &plan.issues, false);
        return Ok(ExitCode::from(3));
    }
    directory
        .apply_import(&admin, district.id, &plan, Approval::Required, &progress)
        .await
        .map_err(|e| e.to_string())?;
    report(args, Some(&plan), &plan.issues, true);
    Ok(ExitCode::SUCCESS)
}

fn report(args: &Args, plan: Option<&ImportPlan>, issues: &[ImportIssue], applied: bool) {
    if args.json {
        println!("{}", summary_json(plan, issues, applied));
        return;
    }
    for issue in issues {
        println!(
            "{} {issue} [{}]",
            issue.severity.as_str(),
            issue.code.as_str()
        );
    }
    if let Some(plan) = plan {
        let c = plan.counts;
        let verb = if applied {
            "applied"
        } else if args.dry_run {
            "dry run"
        } else {
            "not applied"
        };
        println!(
            "{verb}: {} created, {} updated, {} unchanged, {} deactivated, {} rows with errors",
            c.created, c.updated, c.unchanged, c.deactivated, c.error_rows
        );
        for trip in &plan.held {
            println!(
                "held: would {} {} of {} import-managed users (limit {}); rerun after review",
                trip.what, trip.count, trip.of, trip.limit
            );
        }
    }
}
