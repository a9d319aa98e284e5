//! What a run tells its caller: the one JSON object of `--json`, and the readable summary.

use std::io::Write;

use homeroom::import::ImportIssue;
use homeroom::{ImportPlan, PlanCounts};
use serde::{Deserialize, Serialize};

/// One error or warning, as `--json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueSummary {
    /// The file (inside a zip or a package folder: the entry's name).
    pub file: String,
    /// The row, spreadsheet numbering (header = 1), when the problem is in one row.
    pub row: Option<u32>,
    /// The column's header as written, when the problem is in one column.
    pub column: Option<String>,
    /// A stable code (docs/import.md lists them).
    pub code: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl IssueSummary {
    /// A problem with the run as a whole (not with a row of the file).
    pub fn about(file: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            row: None,
            column: None,
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<&ImportIssue> for IssueSummary {
    fn from(issue: &ImportIssue) -> Self {
        Self {
            file: issue.file.clone(),
            row: issue.row,
            column: issue.column.clone(),
            code: issue.code.as_str().to_owned(),
            message: issue.message.clone(),
        }
    }
}

/// The one JSON object `import --json` prints, and the folder runner writes as
/// `<name>.result.json`.
///
/// The counts are the plan's: what the file does (or, when `applied` is false, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Written to the database.
    pub applied: bool,
    /// Held by a sync guard (nothing written).
    pub held: bool,
    /// Users created.
    pub created: u64,
    /// Users updated.
    pub updated: u64,
    /// Users the file leaves as they are.
    pub unchanged: u64,
    /// Users a sync deactivates.
    pub deactivated: u64,
    /// Welcome e-mails queued for the users created (`--welcome`).
    #[serde(default)]
    pub welcomes: u64,
    /// Errors: any means nothing was written.
    pub errors: Vec<IssueSummary>,
    /// Warnings (and, for a held plan, why it is held: code `held`).
    pub warnings: Vec<IssueSummary>,
}

impl Summary {
    /// The summary of a plan and its issues.
    pub(crate) fn of(
        file: &str,
        plan: Option<&ImportPlan>,
        issues: &[ImportIssue],
        applied: bool,
    ) -> Self {
        let counts = plan.map(|p| p.counts()).unwrap_or_default();
        let mut warnings: Vec<IssueSummary> = issues
            .iter()
            .filter(|i| !i.is_error())
            .map(IssueSummary::from)
            .collect();
        for trip in plan.map(|p| p.held()).unwrap_or_default() {
            warnings.push(IssueSummary::about(
                file,
                "held",
                format!(
                    "held by a guard: the sync would {} {} of {} import-managed users (limit {}); review the file, then rerun with a higher --max-deactivate-percent if it is right",
                    trip.what, trip.count, trip.of, trip.limit
                ),
            ));
        }
        Self {
            applied,
            held: plan.is_some_and(|p| !p.held().is_empty()),
            created: counts.created,
            updated: counts.updated,
            unchanged: counts.unchanged,
            deactivated: counts.deactivated,
            welcomes: counts.welcomes,
            errors: issues
                .iter()
                .filter(|i| i.is_error())
                .map(IssueSummary::from)
                .collect(),
            warnings,
        }
    }

    /// A run that failed as a whole with one error.
    pub(crate) fn failed(error: IssueSummary) -> Self {
        Self {
            errors: vec![error],
            ..Self::default()
        }
    }

    /// The counts, as a plan gives them.
    pub fn counts(&self) -> PlanCounts {
        PlanCounts {
            created: self.created,
            updated: self.updated,
            unchanged: self.unchanged,
            deactivated: self.deactivated,
            welcomes: self.welcomes,
            ..PlanCounts::default()
        }
    }

    /// The JSON object, on one line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// How many issues the readable summary lists before it says how many more there are.
const SHOWN: usize = 100;

/// Writes the readable summary: the problems, then one line of counts.
pub(crate) fn write_readable(
    out: &mut dyn Write,
    summary: &Summary,
    verb: &str,
    error_rows: Option<u64>,
) -> std::io::Result<()> {
    let issues = summary
        .errors
        .iter()
        .map(|i| ("error", i))
        .chain(summary.warnings.iter().map(|i| ("warning", i)));
    let total = summary.errors.len() + summary.warnings.len();
    for (severity, issue) in issues.take(SHOWN) {
        let mut place = issue.file.clone();
        if let Some(row) = issue.row {
            place.push_str(&format!(", row {row}"));
        }
        if let Some(column) = &issue.column {
            place.push_str(&format!(", column \"{column}\""));
        }
        writeln!(
            out,
            "{severity} {place}: {} [{}]",
            issue.message, issue.code
        )?;
    }
    if total > SHOWN {
        writeln!(
            out,
            "... and {} more (run with --json for all of them)",
            total - SHOWN
        )?;
    }
    let rows = error_rows.map_or_else(String::new, |n| format!(", {n} rows with errors"));
    let welcomes = match summary.welcomes {
        0 => String::new(),
        n => format!(", {n} welcome e-mails queued"),
    };
    writeln!(
        out,
        "{verb}: {} created, {} updated, {} unchanged, {} deactivated{rows}{welcomes}",
        summary.created, summary.updated, summary.unchanged, summary.deactivated
    )
}
