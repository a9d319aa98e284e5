//! The JSON API beside the pages, under `/api`: the same commands, JSON in and out, errors as
//! [`ErrorBody`](super::error::ErrorBody) with the status `docs/errors.md` gives.
//!
//! The API shares the pages' cookie session: `GET /api/session` starts one and returns its
//! CSRF token, which every other method but GET must send as `X-CSRF-Token`. Sign-in answers
//! 429 `too_many_attempts` past the rate limit ([`session::limit`](super::session::limit)).
//!
//! | route | does |
//! |---|---|
//! | `GET /api/session` | `{csrf, user}`: the token, and who is signed in |
//! | `POST /api/session` `{login, password}` | signs in (a new session: new cookie, new token) |
//! | `DELETE /api/session` | signs out |
//! | `POST /api/password` `{current, new}` | changes one's own password |
//! | `GET /api/users?q=&kind=&status=&access=&invitation=&managed=&limit=` | searches: `{total, users, next}`; `next` is the query string of the next page; `invitation` is `not_sent`, `scheduled`, `sent`, `accepted` or `expired`, `managed` is `yes` or `no` (by an import) |
//! | `GET /api/users/facets?q=&kind=&status=&access=&invitation=&managed=` | the facet counts of the search (`UserFacets`) |
//! | `GET /api/users/bulk/choices` | what a bulk action may take: `{actions, statuses, unit_changes, units: [{id, path}], templates}` |
//! | `POST /api/users/bulk/preview` `{action, users: [id...]}` or `{action, search: {q, kind, status, access, invitation, managed}}`; `set_status` takes `to_status`, `org_units` takes `units_change` (`add`, `remove`, `replace`) and `units: [id...]`, `send_message` takes `template` | previews a bulk action: `{action, detail, sample: {subject, text}, touched, skipped: [{reason, label, count}], fingerprint}`, kept in the session |
//! | `POST /api/users/bulk/apply` `{fingerprint}` | applies that preview (409 `conflict` when the users moved since) |
//! | `GET /api/users/{id}` | the profile: the user and the titles of the tabs one may see |
//! | `PUT /api/users/{id}` `{version, first, last, preferred, email, grade}` | edits (409 on a stale version) |
//! | `GET /api/users/{id}/activity` | the activity log, newest first |
//! | `POST /api/users/{id}/invitation` | sends the user's invitation |
//! | `POST /api/import?file=NAME` (the file as the body) | plans an import (dry run): `{file, counts, issues, has_errors, fingerprint, changed, applied}` |
//! | `GET /api/import` | the session's import planned again now (`changed` when it is not the plan last shown) |
//! | `POST /api/import/apply` `{fingerprint}` | plans again and applies when the plan is the one shown (the fingerprint sent, else the one last shown); 409 `changed` otherwise, nothing written |
//! | `GET /api/import/report.csv` | its CSV report |

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::bulk_actions::ActionForm;
use super::bulk_pages::{self, BulkView};
use super::error::{ApiError, WebError};
use super::import_pages::report;
use super::import_review::{PlanView, apply_pending, plan_upload};
use super::pages::{
    EditForm, EntryRow, PasswordForm, SignInForm, UserRow, change_password, save_edit, sign_in,
    sign_out, with_cookie,
};
use super::search::{SearchQuery, results};
use super::session::Session;
use super::{App, Client, signed_in, user_id};

type Answer<T> = Result<Json<T>, ApiError>;

/// The API's routes (nested under `/api`).
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/session",
            get(session).post(create_session).delete(end_session),
        )
        .route("/password", post(password))
        .route("/users", get(search))
        .route("/users/facets", get(facets))
        .route("/users/bulk/choices", get(bulk_choices))
        .route("/users/bulk/preview", post(bulk_preview))
        .route("/users/bulk/apply", post(bulk_apply))
        .route("/users/{id}", get(profile).put(edit))
        .route("/users/{id}/activity", get(activity))
        .route("/users/{id}/invitation", post(invite))
        .route("/import", post(import_plan).get(import_plan_again))
        .route("/import/apply", post(import_apply))
        .route("/import/report.csv", get(report))
}

fn session_json(s: &Session) -> serde_json::Value {
    let user = s.signed_in.as_ref().map(
        |me| json!({ "id": me.user.to_string(), "name": me.name, "must_change": me.must_change }),
    );
    json!({ "csrf": s.csrf, "user": user })
}

async fn session(Extension(s): Extension<Session>) -> Json<serde_json::Value> {
    Json(session_json(&s))
}

async fn create_session(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Extension(client): Extension<Client>,
    Json(form): Json<SignInForm>,
) -> Result<Response, ApiError> {
    let new = sign_in(&app, &s, &form, &client).await?;
    Ok(with_cookie(
        &app,
        Json(session_json(&new)).into_response(),
        &new,
    ))
}

async fn end_session(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
) -> Result<Response, ApiError> {
    let new = sign_out(&app, &s).await?;
    Ok(with_cookie(
        &app,
        Json(session_json(&new)).into_response(),
        &new,
    ))
}

async fn password(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Json(form): Json<PasswordForm>,
) -> Result<StatusCode, ApiError> {
    change_password(&app, &s, &form).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn search(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Query(query): Query<SearchQuery>,
) -> Answer<serde_json::Value> {
    let actor = signed_in(&s)?;
    let page = app
        .directory
        .search_users(&actor, app.district, &query.search())
        .await?;
    Ok(Json(results(&query, &page)))
}

async fn facets(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Query(query): Query<SearchQuery>,
) -> Answer<homeroom::UserFacets> {
    let actor = signed_in(&s)?;
    let facets = app
        .directory
        .user_facets(&actor, app.district, &query.filters())
        .await?;
    Ok(Json(facets))
}

/// A bulk preview's request: the action (with its values) and either the users or a search.
#[derive(Debug, Deserialize)]
struct BulkRequest {
    #[serde(flatten)]
    action: ActionForm,
    #[serde(default)]
    users: Vec<String>,
    search: Option<SearchQuery>,
}

async fn bulk_preview(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Json(request): Json<BulkRequest>,
) -> Answer<BulkView> {
    let action = request.action.action()?;
    let selection = match &request.search {
        Some(query) => homeroom::Selection::Matching(query.filters()),
        None => bulk_pages::user_ids(request.users.iter().map(String::as_str))?,
    };
    Ok(Json(
        bulk_pages::preview(&app, &s, selection, action).await?,
    ))
}

async fn bulk_choices(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
) -> Answer<super::bulk_actions::Choices> {
    let actor = signed_in(&s)?;
    Ok(Json(super::bulk_actions::choices(&app, &actor).await?))
}

/// A bulk apply's request.
#[derive(Debug, Deserialize)]
struct BulkApply {
    fingerprint: String,
}

async fn bulk_apply(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Json(request): Json<BulkApply>,
) -> Answer<BulkView> {
    Ok(Json(
        bulk_pages::apply(&app, &s, &request.fingerprint).await?,
    ))
}

async fn profile(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Path(raw): Path<String>,
) -> Answer<serde_json::Value> {
    let actor = signed_in(&s)?;
    let id = user_id(&raw)?;
    let profile = app.directory.profile(&actor, app.district, id, 10).await?;
    Ok(Json(
        json!({ "user": UserRow::from(&profile.user), "tabs": profile.titles() }),
    ))
}

async fn edit(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Path(raw): Path<String>,
    Json(form): Json<EditForm>,
) -> Answer<UserRow> {
    let user = save_edit(&app, &s, &raw, &form).await?;
    Ok(Json(UserRow::from(&user)))
}

async fn activity(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Path(raw): Path<String>,
) -> Answer<serde_json::Value> {
    let actor = signed_in(&s)?;
    let id = user_id(&raw)?;
    let log = app
        .directory
        .user_activity(&actor, app.district, id, None, 50)
        .await?;
    let entries: Vec<EntryRow> = log.items.iter().map(EntryRow::from).collect();
    Ok(Json(json!({ "total": log.total, "entries": entries })))
}

async fn invite(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Path(raw): Path<String>,
) -> Answer<serde_json::Value> {
    let actor = signed_in(&s)?;
    let id = user_id(&raw)?;
    let invitation = app.directory.invite_user(&actor, app.district, id).await?;
    Ok(Json(
        json!({ "status": format!("{:?}", invitation.status()) }),
    ))
}

/// The import upload's query string.
#[derive(Debug, Deserialize)]
struct FileName {
    file: String,
}

async fn import_plan(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Query(name): Query<FileName>,
    body: Bytes,
) -> Answer<PlanView> {
    if name.file.trim().is_empty() {
        return Err(WebError::BadRequest("give the file's name as ?file=".into()).into());
    }
    Ok(Json(plan_upload(&app, &s, &name.file, &body).await?))
}

/// An import apply's request: the fingerprint of the plan shown (without it, the plan this
/// session was shown last).
#[derive(Debug, Default, Deserialize)]
struct ImportApply {
    #[serde(default)]
    fingerprint: Option<String>,
}

async fn import_plan_again(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
) -> Answer<PlanView> {
    Ok(Json(super::import_review::current(&app, &s).await?))
}

async fn import_apply(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    body: Bytes,
) -> Answer<PlanView> {
    let request: ImportApply = if body.iter().all(u8::is_ascii_whitespace) {
        ImportApply::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| WebError::BadRequest(format!("the request could not be read: {e}")))?
    };
    Ok(Json(
        apply_pending(&app, &s, request.fingerprint.as_deref()).await?,
    ))
}
