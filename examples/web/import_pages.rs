//! Import in the browser: upload a CSV, XLSX or OneRoster zip, see the dry-run plan (counts,
//! problems by row and column), apply it, download the CSV report. The file waits in the
//! session between the steps and is planned again at each ([`import_review`]); the JSON API
//! ([`api`](super::api)) uses the same functions.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Form, Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::{ApiError, WebError};
use super::import_review::{self, apply_pending, current, plan_upload};
use super::session::{Session, same_token};
use super::views::see_other;
use super::{App, signed_in};

/// `GET /import/report.csv` (and the API's): the CSV report of the session's import.
pub async fn report(State(app): State<Arc<App>>, Extension(s): Extension<Session>) -> Response {
    match import_review::report_csv(&app, &s).await {
        Ok(csv) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"import-report.csv\"",
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => ApiError(e).into_response(),
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

/// `GET /import/plan`: the session's import, planned again now.
pub async fn plan(State(app): State<Arc<App>>, Extension(s): Extension<Session>) -> Response {
    plan_page(&app, &s, StatusCode::OK).await
}

/// The plan page with `status`: after a refused apply (409) it shows the plan as it is now,
/// marked changed, to review again.
async fn plan_page(app: &App, s: &Session, status: StatusCode) -> Response {
    let view = match current(app, s).await {
        Ok(view) => view,
        Err(WebError::Missing(_)) => return see_other("/import"),
        Err(e) => return app.views.error(s, &e),
    };
    let can_apply = !view.has_errors && view.applied.is_none();
    let title = format!("Import plan: {}", view.file);
    let values = serde_json::json!({
        "file": view.file, "counts": view.counts, "issues": view.issues,
        "applied": view.applied.map(|o| o.counts), "can_apply": can_apply,
        "fingerprint": view.fingerprint,
        "changed": view.changed || status == StatusCode::CONFLICT,
    });
    app.views.page(status, s, &title, "plan.html", values)
}

/// The apply form: the fingerprint of the plan shown (empty: the one the session showed last).
#[derive(Debug, Default, Deserialize)]
pub struct ApplyForm {
    /// The plan's fingerprint.
    #[serde(default)]
    pub fingerprint: String,
}

impl ApplyForm {
    /// The fingerprint sent, if any.
    pub fn shown(&self) -> Option<&str> {
        Some(self.fingerprint.as_str()).filter(|f| !f.is_empty())
    }
}

/// `POST /import/apply`: applies the plan shown, or explains that the data changed.
pub async fn apply(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Form(form): Form<ApplyForm>,
) -> Response {
    match apply_pending(&app, &s, form.shown()).await {
        Ok(_) => see_other("/import/plan"),
        // Nothing written: the plan as it is now, to review again.
        Err(WebError::Changed) => plan_page(&app, &s, StatusCode::CONFLICT).await,
        Err(e) => app.views.error(&s, &e),
    }
}
