//! `web`: an axum host for a [`Directory`] with an admin UI and a JSON API beside it.
//!
//! ```text
//! cargo run --example web                                  # ./homeroom-web.db, 127.0.0.1:8080
//! cargo run --example web -- --db postgres://... --listen 0.0.0.0:8080
//! ```
//!
//! - [`App`]: the directory (any [`Storage`]), the district this host serves, sessions (in
//!   the database, [`session`]), templates.
//! - [`router`]: the pages ([`pages`], [`import_pages`]) and the JSON API ([`api`]), behind one
//!   middleware that gives each request a tracing span, a session, and refuses a changing
//!   request without the session's CSRF token.
//! - Password hashing runs on tokio's blocking pool ([`BlockingHashes`]), never on the async
//!   workers.

pub mod api;
pub mod args;
pub mod bulk_actions;
pub mod bulk_pages;
pub mod error;
pub mod import_pages;
pub mod import_review;
pub mod onboarding;
pub mod pages;
pub mod search;
pub mod seed;
pub mod session;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use homeroom::password::HashRunner;
use homeroom::{Actor, Directory, DistrictId, Storage};
use tracing::Instrument;

use error::{ApiError, WebError};
use session::Session;

/// The largest request body taken (an upload): the import readers' own limit applies after.
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// Runs password hashes on tokio's blocking pool, so Argon2 never stalls an async worker.
#[derive(Debug)]
pub struct BlockingHashes;

#[async_trait::async_trait]
impl HashRunner for BlockingHashes {
    async fn run(&self, job: Box<dyn FnOnce() + Send + 'static>) {
        // A job that panicked has no result; the directory then reports the hash failed.
        let _ = tokio::task::spawn_blocking(job).await;
    }
}

/// Everything a request needs.
#[derive(Debug)]
pub struct App {
    /// The directory.
    pub directory: Directory<dyn Storage>,
    /// The district this host serves.
    pub district: DistrictId,
    /// The sessions, in the database ([`session::Sessions::open`]).
    pub sessions: session::Sessions,
    /// Templates.
    pub views: views::Views,
}

impl App {
    /// A host over `directory` for `district`, with its sessions in `sessions`.
    pub fn new(
        directory: Directory<dyn Storage>,
        district: DistrictId,
        sessions: session::Sessions,
    ) -> Result<Self, minijinja::Error> {
        Ok(Self {
            directory,
            district,
            sessions,
            views: views::Views::new()?,
        })
    }
}

/// The client a request came from (its address), for the sign-in rate limit; `unknown` when
/// the server was not told (a router called directly).
#[derive(Clone, Debug)]
pub struct Client(pub String);

/// The signed-in actor of a session, or why there is none (signed out, or must choose a
/// password first: the directory would refuse them everything else anyway).
pub fn signed_in(session: &Session) -> Result<Actor, WebError> {
    let me = session.signed_in.as_ref().ok_or(WebError::SignedOut)?;
    if me.must_change {
        return Err(WebError::MustChangePassword);
    }
    Ok(Actor::user(me.district, me.user))
}

/// A user id from a URL: one that does not parse is as missing as one that does not exist.
pub fn user_id(raw: &str) -> Result<homeroom::UserId, WebError> {
    raw.parse().map_err(|_| WebError::Missing("the user"))
}

/// Every route of the host.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/signin", get(pages::signin_form).post(pages::signin))
        .route("/signout", post(pages::signout))
        .route("/password", get(pages::password_form).post(pages::password))
        .route("/users", get(search::users))
        .route("/users/bulk/preview", post(bulk_pages::preview_page))
        .route("/users/bulk/apply", post(bulk_pages::apply_page))
        .route("/users/{id}", get(pages::profile))
        .route("/users/{id}/edit", get(pages::edit_form).post(pages::edit))
        .route("/users/{id}/activity", get(pages::activity))
        .route("/users/{id}/invite", post(pages::invite))
        .route(
            "/welcome",
            get(onboarding::welcome_form).post(onboarding::welcome),
        )
        .route(
            "/import",
            get(import_pages::form).post(import_pages::upload),
        )
        .route("/import/plan", get(import_pages::plan))
        .route("/import/apply", post(import_pages::apply))
        .route("/import/report.csv", get(import_pages::report))
        .nest("/api", api::routes())
        .layer(middleware::from_fn_with_state(app.clone(), per_request))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}

/// The per-request middleware: a tracing span (method, route), the session (started on the
/// first request, its cookie set), and the CSRF check on every changing request.
async fn per_request(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        status = tracing::field::Empty,
    );
    async move {
        let cookie = request
            .headers()
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(session::cookie_value)
            .map(str::to_string);
        let existing = match cookie {
            Some(id) => app.sessions.get(&id).await,
            None => Ok(None),
        };
        let existing = match existing {
            Ok(found) => found,
            Err(e) => return ApiError(e.into()).into_response(),
        };
        let is_new = existing.is_none();
        let session = existing.unwrap_or_else(|| app.sessions.start());
        let client = request
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
        request.extensions_mut().insert(Client(client));
        let changing = !matches!(*request.method(), Method::GET | Method::HEAD);
        if changing {
            match csrf_checked(&session, request).await {
                Ok(checked) => request = checked,
                Err(e) => return ApiError(e).into_response(),
            }
        }
        let id = session.id.clone();
        request.extensions_mut().insert(session);
        let mut response = next.run(request).await;
        // A handler that rotated the session set its own cookie.
        if is_new
            && !response.headers().contains_key(header::SET_COOKIE)
            && let Ok(value) = HeaderValue::from_str(&app.sessions.set_cookie(&id))
        {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        tracing::Span::current().record("status", response.status().as_u16());
        response
    }
    .instrument(span)
    .await
}

/// The request back if it carries the session's CSRF token: in the `X-CSRF-Token` header, or
/// the `csrf` field of a url-encoded form (read here and put back). A multipart upload is
/// passed on: its handler reads its `csrf` field before anything else
/// ([`import_pages::upload`]).
async fn csrf_checked(session: &Session, request: Request) -> Result<Request, WebError> {
    let header_token = request
        .headers()
        .get(session::CSRF_HEADER)
        .and_then(|v| v.to_str().ok());
    if let Some(token) = header_token {
        return if session::same_token(token, &session.csrf) {
            Ok(request)
        } else {
            Err(WebError::Csrf)
        };
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        return Ok(request);
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(WebError::Csrf);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| WebError::BadRequest("the form could not be read".into()))?;
    let token = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value.into_owned());
    match token {
        Some(token) if session::same_token(&token, &session.csrf) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(WebError::Csrf),
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then finishes the requests in
/// flight. Each request knows its client's address ([`Client`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Deletes expired sessions (and old sign-in failures) every `every`, for as long as the host
/// runs.
pub fn purge_every(app: Arc<App>, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = app.sessions.purge().await {
                tracing::warn!(error = %e, "session purge failed");
            }
            tokio::time::sleep(every).await;
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[tokio::test]
    async fn hashes_run_on_the_blocking_pool_not_the_async_worker() {
        let worker = std::thread::current().id();
        let (tx, rx) = std::sync::mpsc::channel();
        BlockingHashes
            .run(Box::new(move || {
                tx.send(std::thread::current().id()).unwrap()
            }))
            .await;
        assert_ne!(rx.recv().unwrap(), worker);
    }
}
