//! The steps of an import under review, shared by the pages and the JSON API: plan an upload
//! (the dry run), show the plan again, apply it, its CSV report.
//!
//! The session keeps the uploaded file and the options ([`PendingImport`]), never the plan:
//! each step plans again from them on whichever instance gets the request. Applying needs the
//! fingerprint of the plan shown ([`plan_fingerprint`]); a plan made again that differs (a
//! user edited meanwhile, a row that now fails) is refused with [`WebError::Changed`] and
//! nothing is written, so an admin never applies a plan they did not see.

use homeroom::import::{ImportData, ImportIssue, ReadOptions};
use homeroom::{Actor, Approval, ImportOptions, ImportOutcome, ImportPlan, PlanCounts};
use serde::Serialize;

use super::error::WebError;
use super::session::Session;
use super::session::work::PendingImport;
use super::{App, signed_in};

/// One problem of a plan, as the page and the API show it.
#[derive(Clone, Debug, Serialize)]
pub struct IssueRow {
    /// `error` or `warning`.
    pub severity: String,
    /// A stable code.
    pub code: String,
    /// The row (1 = the first data row after the header), if about one.
    pub row: Option<u32>,
    /// The column's header, if about one.
    pub column: Option<String>,
    /// For a person.
    pub message: String,
}

impl From<&ImportIssue> for IssueRow {
    fn from(i: &ImportIssue) -> Self {
        Self {
            severity: i.severity.as_str().into(),
            code: i.code.as_str().into(),
            row: i.row,
            column: i.column.clone(),
            message: i.message.clone(),
        }
    }
}

/// A plan as the page and the API show it.
#[derive(Clone, Debug, Serialize)]
pub struct PlanView {
    /// The uploaded file's name.
    pub file: String,
    /// What it would do (once applied: what it did).
    pub counts: PlanCounts,
    /// Every problem, by row and column.
    pub issues: Vec<IssueRow>,
    /// True when applying it would be refused for its errors.
    pub has_errors: bool,
    /// The plan's fingerprint: send it back to apply exactly this plan.
    pub fingerprint: String,
    /// True when this plan is not the one last shown (the data changed since).
    pub changed: bool,
    /// What applying it did, once applied.
    pub applied: Option<ImportOutcome>,
}

/// The fingerprint of a plan: the SHA-256 of everything it says (counts, each row's outcome
/// with the versions planned against, org units, deactivations, issues).
pub fn plan_fingerprint(plan: &ImportPlan) -> Result<String, WebError> {
    let bytes = serde_json::to_vec(plan)
        .map_err(|e| WebError::BadRequest(format!("the plan could not be fingerprinted: {e}")))?;
    Ok(super::session::sha256_hex(&bytes))
}

fn read(file: &str, bytes: &[u8]) -> Result<ImportData, WebError> {
    homeroom::import::read(bytes, file, &ReadOptions::default()).map_err(|e| {
        let issues: Vec<String> = e.into_issues().iter().map(|i| i.message.clone()).collect();
        WebError::BadRequest(format!("{file} could not be read: {}", issues.join("; ")))
    })
}

async fn plan(
    app: &App,
    actor: &Actor,
    file: &str,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<(ImportData, ImportPlan), WebError> {
    let data = read(file, bytes)?;
    let plan = app
        .directory
        .plan_import(actor, app.district, &data, options)
        .await?;
    Ok((data, plan))
}

fn view(file: &str, plan: &ImportPlan, changed: bool) -> Result<PlanView, WebError> {
    Ok(PlanView {
        file: file.to_string(),
        counts: plan.counts(),
        issues: plan.issues().iter().map(IssueRow::from).collect(),
        has_errors: plan.has_errors(),
        fingerprint: plan_fingerprint(plan)?,
        changed,
        applied: None,
    })
}

fn applied_view(pending: &PendingImport, outcome: &ImportOutcome) -> PlanView {
    PlanView {
        file: pending.file.clone(),
        counts: outcome.counts,
        issues: Vec::new(),
        has_errors: false,
        fingerprint: pending.fingerprint.clone(),
        changed: false,
        applied: Some(outcome.clone()),
    }
}

/// Reads `bytes` as an import file and plans it (the dry run); the file waits in the session
/// with the plan's fingerprint.
pub async fn plan_upload(
    app: &App,
    s: &Session,
    file: &str,
    bytes: &[u8],
) -> Result<PlanView, WebError> {
    let actor = signed_in(s)?;
    let options = ImportOptions::default();
    let (_, plan) = plan(app, &actor, file, bytes, &options).await?;
    let shown = view(file, &plan, false)?;
    let pending = PendingImport {
        file: file.to_string(),
        bytes: bytes.to_vec(),
        options,
        fingerprint: shown.fingerprint.clone(),
        outcome: None,
        report: None,
    };
    app.sessions.put_import(&s.id, &pending).await?;
    Ok(shown)
}

async fn pending(app: &App, s: &Session) -> Result<PendingImport, WebError> {
    app.sessions
        .import(&s.id)
        .await?
        .ok_or(WebError::Missing("a planned import"))
}

/// The session's import as it plans now (or what applying it did). A plan that differs from
/// the one last shown is marked `changed` and becomes the one shown.
pub async fn current(app: &App, s: &Session) -> Result<PlanView, WebError> {
    let actor = signed_in(s)?;
    let mut pending = pending(app, s).await?;
    if let Some(outcome) = &pending.outcome {
        return Ok(applied_view(&pending, outcome));
    }
    let (_, plan) = plan(app, &actor, &pending.file, &pending.bytes, &pending.options).await?;
    let mut shown = view(&pending.file, &plan, false)?;
    if shown.fingerprint != pending.fingerprint {
        shown.changed = true;
        pending.fingerprint = shown.fingerprint.clone();
        app.sessions.put_import(&s.id, &pending).await?;
    }
    Ok(shown)
}

/// Applies the session's import: plans it again and writes it only when that plan is the one
/// shown (`shown`, else the one the session last showed). Refused when it has errors, or was
/// applied already.
pub async fn apply_pending(
    app: &App,
    s: &Session,
    shown: Option<&str>,
) -> Result<PlanView, WebError> {
    let actor = signed_in(s)?;
    let mut pending = pending(app, s).await?;
    if pending.outcome.is_some() {
        return Err(WebError::BadRequest(
            "this import was applied already".into(),
        ));
    }
    let (data, plan) = plan(app, &actor, &pending.file, &pending.bytes, &pending.options).await?;
    let expected = shown.unwrap_or(&pending.fingerprint);
    if plan_fingerprint(&plan)? != expected {
        return Err(WebError::Changed);
    }
    let outcome = app
        .directory
        .apply_import(&actor, app.district, &plan, Approval::Required, &|_| {})
        .await?;
    pending.report = Some(homeroom::report_csv(&data, &plan));
    pending.outcome = Some(outcome.clone());
    app.sessions.put_import(&s.id, &pending).await?;
    Ok(applied_view(&pending, &outcome))
}

/// The CSV report of the session's import: the uploaded rows with their status and messages
/// (as planned now, or as applied).
pub async fn report_csv(app: &App, s: &Session) -> Result<Vec<u8>, WebError> {
    let actor = signed_in(s)?;
    let pending = pending(app, s).await?;
    if let Some(report) = pending.report {
        return Ok(report);
    }
    let (data, plan) = plan(app, &actor, &pending.file, &pending.bytes, &pending.options).await?;
    Ok(homeroom::report_csv(&data, &plan))
}
