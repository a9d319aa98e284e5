//! Import in the browser: upload a CSV, XLSX or OneRoster zip, see the dry-run plan (counts,
//! problems by row and column), apply it, download the CSV report. The plan waits in the
//! session between the steps; the JSON API ([`api`](super::api)) uses the same functions.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use homeroom::import::{ImportIssue, ReadOptions};
use homeroom::{Approval, ImportOptions, ImportOutcome, PlanCounts};
use serde::Serialize;

use super::error::WebError;
use super::session::{PendingImport, Session, same_token};
use super::views::see_other;
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
    /// What it would do.
    pub counts: PlanCounts,
    /// Every problem, by row and column.
    pub issues: Vec<IssueRow>,
    /// True when applying it would be refused for its errors.
    pub has_errors: bool,
    /// What applying it did, once applied.
    pub applied: Option<ImportOutcome>,
}

impl PlanView {
    /// The view of a pending import.
    pub fn of(pending: &PendingImport) -> Self {
        Self {
            file: pending.file.clone(),
            counts: pending.plan.counts(),
            issues: pending.plan.issues().iter().map(IssueRow::from).collect(),
            has_errors: pending.plan.has_errors(),
            applied: pending.outcome.clone(),
        }
    }
}

/// Reads `bytes` as an import file and plans it (the dry run); the plan waits in the session.
pub async fn plan_upload(
    app: &App,
    s: &Session,
    file: &str,
    bytes: &[u8],
) -> Result<PlanView, WebError> {
    let actor = signed_in(s)?;
    let data = homeroom::import::read(bytes, file, &ReadOptions::default()).map_err(|e| {
        let issues: Vec<String> = e.into_issues().iter().map(|i| i.message.clone()).collect();
        WebError::BadRequest(format!("{file} could not be read: {}", issues.join("; ")))
    })?;
    let plan = app
        .directory
        .plan_import(&actor, app.district, &data, &ImportOptions::default())
        .await?;
    let pending = PendingImport {
        file: file.to_string(),
        data: Arc::new(data),
        plan: Arc::new(plan),
        outcome: None,
    };
    let view = PlanView::of(&pending);
    app.sessions.update(&s.id, |s| s.import = Some(pending));
    Ok(view)
}

/// Applies the session's planned import (refused when it has errors, or was applied).
pub async fn apply_pending(app: &App, s: &Session) -> Result<PlanView, WebError> {
    let actor = signed_in(s)?;
    let mut pending = s
        .import
        .clone()
        .ok_or(WebError::Missing("a planned import"))?;
    if pending.outcome.is_some() {
        return Err(WebError::BadRequest(
            "this import was applied already".into(),
        ));
    }
    let outcome = app
        .directory
        .apply_import(
            &actor,
            app.district,
            &pending.plan,
            Approval::Required,
            &|_| {},
        )
        .await?;
    pending.outcome = Some(outcome);
    let view = PlanView::of(&pending);
    app.sessions.update(&s.id, |s| s.import = Some(pending));
    Ok(view)
}

/// The CSV report of the session's import: the uploaded rows with their status and messages.
pub async fn report(Extension(s): Extension<Session>) -> Response {
    match (signed_in(&s), &s.import) {
        (Ok(_), Some(pending)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"import-report.csv\"",
                ),
            ],
            homeroom::report_csv(&pending.data, &pending.plan),
        )
            .into_response(),
        (Err(e), _) => super::error::ApiError(e).into_response(),
        (Ok(_), None) => {
            super::error::ApiError(WebError::Missing("a planned import")).into_response()
        }
    }
}

/// `GET /import`.
pub async fn form(State(app): State<Arc<App>>, Extension(s): Extension<Session>) -> Response {
    if let Err(e) = signed_in(&s) {
        return app.views.error(&s, &e);
    }
    app.views
        .page(StatusCode::OK, &s, "Import", "import.html", ())
}

/// `POST /import` (multipart: `csrf`, then `file`): plans the file, then shows the plan.
pub async fn upload(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    mut multipart: Multipart,
) -> Response {
    let mut csrf_ok = false;
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => {
                    let token = field.text().await.unwrap_or_default();
                    csrf_ok = same_token(&token, &s.csrf);
                }
                // The token comes first in the form: a file without it is not even read.
                Some("file") if csrf_ok => {
                    let name = field.file_name().unwrap_or("upload.csv").to_string();
                    match field.bytes().await {
                        Ok(bytes) => file = Some((name, bytes)),
                        Err(e) => return bad(&app, &s, &format!("the upload failed: {e}")),
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(e) => return bad(&app, &s, &format!("the upload failed: {e}")),
        }
    }
    if !csrf_ok {
        return app.views.error(&s, &WebError::Csrf);
    }
    let Some((name, bytes)) = file else {
        return bad(&app, &s, "choose a file to upload");
    };
    match plan_upload(&app, &s, &name, &bytes).await {
        Ok(_) => see_other("/import/plan"),
        Err(WebError::BadRequest(message)) => bad(&app, &s, &message),
        Err(e) => app.views.error(&s, &e),
    }
}

fn bad(app: &App, s: &Session, message: &str) -> Response {
    let values = serde_json::json!({ "error": message });
    app.views
        .page(StatusCode::BAD_REQUEST, s, "Import", "import.html", values)
}

/// `GET /import/plan`: the session's plan.
pub async fn plan(State(app): State<Arc<App>>, Extension(s): Extension<Session>) -> Response {
    if let Err(e) = signed_in(&s) {
        return app.views.error(&s, &e);
    }
    let Some(pending) = &s.import else {
        return see_other("/import");
    };
    let view = PlanView::of(pending);
    let can_apply = !view.has_errors && view.applied.is_none();
    let title = format!("Import plan: {}", view.file);
    let values = serde_json::json!({
        "file": view.file, "counts": view.counts, "issues": view.issues,
        "applied": view.applied.map(|o| o.counts), "can_apply": can_apply,
    });
    app.views
        .page(StatusCode::OK, &s, &title, "plan.html", values)
}

/// `POST /import/apply`.
pub async fn apply(State(app): State<Arc<App>>, Extension(s): Extension<Session>) -> Response {
    match apply_pending(&app, &s).await {
        Ok(_) => see_other("/import/plan"),
        Err(e) => app.views.error(&s, &e),
    }
}
