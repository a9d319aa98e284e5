//! Bulk actions from the search page: the users ticked, or everything the search matches, an
//! action, then a preview (how many are changed, how many left alone and why; users out of
//! reach are only a count) and a confirming POST that applies exactly that preview
//! (`Directory::apply_bulk` refuses with a conflict when the users moved since).
//!
//! The preview waits in the session (in the database: any instance may take the confirmation)
//! as its input, the selection and the action, with its fingerprint; the confirmation names it
//! by that fingerprint, so a stale tab cannot apply a newer preview it never showed, and the
//! directory plans it again and refuses (409) when that plan is not the one shown.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use homeroom::{BulkAction, BulkOutcome, BulkPreview, Selection, SkipReason, UserId};

use super::bulk_actions::{ActionForm, detail};
use serde::Serialize;

use super::error::WebError;
use super::pages::{Page, fail};
use super::search::SearchQuery;
use super::session::Session;
use super::{App, signed_in};

/// The ids of the users ticked (one that does not parse is refused, not dropped).
pub fn user_ids<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Selection, WebError> {
    let ids = raw
        .into_iter()
        .map(|id| id.parse::<UserId>())
        .collect::<Result<std::collections::BTreeSet<_>, _>>()
        .map_err(|_| WebError::BadRequest("a selected user id is malformed".into()))?;
    if ids.is_empty() {
        return Err(WebError::BadRequest("select at least one user".into()));
    }
    Ok(Selection::Users(ids))
}

/// One reason users were left alone, with how many.
#[derive(Clone, Debug, Serialize)]
pub struct SkipRow {
    /// The reason's code (`out_of_reach`, ...).
    pub reason: String,
    /// For a person.
    pub label: &'static str,
    /// How many.
    pub count: u64,
}

fn label(reason: SkipReason) -> &'static str {
    match reason {
        SkipReason::OutOfReach => "Not found or outside your reach",
        SkipReason::NotPermitted => "You may not do this to them",
        SkipReason::AlreadyInState => "Already done",
        SkipReason::MorePowerful => "They hold rights you do not",
        SkipReason::LastSystemAdministrator => "The last System Administrator",
        SkipReason::NoEmail => "No e-mail address",
        SkipReason::OptedOut => "Turned these messages off",
        _ => "Left alone",
    }
}

/// A message as its first recipient will read it.
#[derive(Clone, Debug, Serialize)]
pub struct SampleView {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
}

/// A preview or its outcome, as the page and the API show it.
#[derive(Clone, Debug, Serialize)]
pub struct BulkView {
    /// The action's name.
    pub action: String,
    /// What it does beyond its name ("to inactive", "add Lincoln Elementary").
    pub detail: String,
    /// For a message: the message as the first recipient will read it.
    pub sample: Option<SampleView>,
    /// How many users are (or were) changed.
    pub touched: u64,
    /// How many are left alone, by reason.
    pub skipped: Vec<SkipRow>,
    /// The preview's fingerprint, to send back to apply it.
    pub fingerprint: String,
    /// True once applied.
    pub applied: bool,
}

fn skip_rows(skipped: &std::collections::BTreeMap<SkipReason, u64>) -> Vec<SkipRow> {
    skipped
        .iter()
        .map(|(reason, count)| SkipRow {
            reason: serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            label: label(*reason),
            count: *count,
        })
        .collect()
}

impl BulkView {
    /// The view of a preview (org units named by their path in `tree`).
    pub fn preview(preview: &BulkPreview, tree: Option<&homeroom::OrgTree>) -> Self {
        Self {
            action: preview.action.name().to_string(),
            detail: detail(&preview.action, tree),
            sample: preview.sample.as_ref().map(|m| SampleView {
                subject: m.subject.clone(),
                text: m.text.clone(),
            }),
            touched: preview.touched,
            skipped: skip_rows(&preview.skipped),
            fingerprint: preview.fingerprint.clone(),
            applied: false,
        }
    }

    /// The view of what applying `preview` did.
    pub fn outcome(preview: &BulkPreview, outcome: &BulkOutcome) -> Self {
        Self {
            touched: outcome.touched,
            skipped: skip_rows(&outcome.skipped),
            applied: true,
            ..Self::preview(preview, None)
        }
    }
}

/// Previews `action` on `selection` and keeps the preview in the session for its apply.
pub async fn preview(
    app: &App,
    s: &Session,
    selection: Selection,
    action: BulkAction,
) -> Result<BulkView, WebError> {
    let actor = signed_in(s)?;
    let preview = app
        .directory
        .preview_bulk(&actor, app.district, selection, action)
        .await?;
    let tree = match &preview.action {
        BulkAction::ChangeOrgUnits(_) => app.directory.org_tree(&actor, app.district).await.ok(),
        _ => None,
    };
    let view = BulkView::preview(&preview, tree.as_ref());
    app.sessions.put_bulk(&s.id, &preview).await?;
    Ok(view)
}

/// Applies the session's preview, if it is the one with `fingerprint`.
pub async fn apply(app: &App, s: &Session, fingerprint: &str) -> Result<BulkView, WebError> {
    let actor = signed_in(s)?;
    let preview = app
        .sessions
        .bulk(&s.id)
        .await?
        .filter(|p| p.fingerprint == fingerprint)
        .ok_or(WebError::Missing("this preview"))?;
    let outcome = app
        .directory
        .apply_bulk(&actor, app.district, &preview)
        .await?;
    app.sessions.clear_bulk(&s.id).await?;
    Ok(BulkView::outcome(&preview, &outcome))
}

/// `POST /users/bulk/preview`: the search form's ticked `user`s (or, with `scope=matching`,
/// its filters) and `action`.
pub async fn preview_page(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    body: Bytes,
) -> Page {
    let fail = fail(&app, &s);
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| super::bulk_actions::field(&fields, name);
    let action = ActionForm::from_fields(&fields).action().map_err(&fail)?;
    let selection = if field("scope") == "matching" {
        let query = SearchQuery {
            q: field("q"),
            kind: field("kind"),
            status: field("status"),
            access: field("access"),
            invitation: field("invitation"),
            managed: field("managed"),
            ..SearchQuery::default()
        };
        Selection::Matching(query.filters())
    } else {
        user_ids(
            fields
                .iter()
                .filter(|(n, _)| n == "user")
                .map(|(_, v)| v.as_str()),
        )
        .map_err(&fail)?
    };
    let view = preview(&app, &s, selection, action).await.map_err(&fail)?;
    Ok(app
        .views
        .page(StatusCode::OK, &s, "Bulk action", "bulk.html", view))
}

/// The confirmation's form.
#[derive(Debug, serde::Deserialize)]
pub struct ApplyForm {
    /// The preview's fingerprint.
    pub fingerprint: String,
}

/// `POST /users/bulk/apply`: applies the preview shown.
pub async fn apply_page(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    axum::extract::Form(form): axum::extract::Form<ApplyForm>,
) -> Page {
    let fail = fail(&app, &s);
    let view = apply(&app, &s, &form.fingerprint).await.map_err(&fail)?;
    Ok(app
        .views
        .page(StatusCode::OK, &s, "Bulk action", "bulk.html", view))
}
