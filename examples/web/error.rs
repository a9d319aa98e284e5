//! Errors of the web host: a [`Directory`](homeroom::Directory) error, mapped to the HTTP status
//! `docs/errors.md` gives it, or a fault of the request itself (no session, a bad CSRF token, a
//! malformed form). The JSON API answers with [`ErrorBody`]; the pages show the same message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use homeroom::{Error, ErrorKind, FieldError, Refusal, ValidationErrors};
use serde::Serialize;

/// What went wrong with one request.
#[derive(Debug)]
pub enum WebError {
    /// The directory refused or failed.
    Directory(Error),
    /// The form's values were refused before reaching the directory (a malformed e-mail).
    Invalid(ValidationErrors),
    /// No signed-in session.
    SignedOut,
    /// Signed in with a temporary password: choose one first.
    MustChangePassword,
    /// The CSRF token is missing or wrong.
    Csrf,
    /// The request itself is malformed (an unreadable upload, a missing field).
    BadRequest(String),
    /// Nothing here (no import planned in this session, an unknown route parameter).
    Missing(&'static str),
    /// The plan made again at apply is not the one the admin was shown: nothing was written.
    Changed,
    /// Too many failed sign-ins for this account from this client (the same whether the
    /// account exists or not).
    TooManyAttempts,
    /// The session tables failed.
    Store(sea_orm::DbErr),
}

impl From<Error> for WebError {
    fn from(error: Error) -> Self {
        Self::Directory(error)
    }
}

impl From<sea_orm::DbErr> for WebError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Store(error)
    }
}

/// The JSON body of every error: a stable `code` to branch on, a sentence, the field errors.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// `not_found`, `forbidden`, `invalid`, `conflict`, `unavailable`, `storage`, a refusal's
    /// code (`sign_in_failed`, ...), or `signed_out`, `csrf`, `bad_request`, `changed`,
    /// `too_many_attempts`.
    pub code: String,
    /// For a person.
    pub message: String,
    /// Every problem by field, for `invalid`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// The status `docs/errors.md` gives a refusal.
pub fn refusal_status(refusal: Refusal) -> StatusCode {
    match refusal {
        Refusal::ModuleDisabled
        | Refusal::PasswordsDisabled
        | Refusal::SignInBlocked
        | Refusal::PasswordChangeRequired
        | Refusal::RequestsDisabled => StatusCode::FORBIDDEN,
        Refusal::ImportHasErrors | Refusal::SisOwnedField => StatusCode::UNPROCESSABLE_ENTITY,
        Refusal::SignInFailed => StatusCode::UNAUTHORIZED,
        Refusal::TokenInvalid => StatusCode::GONE,
        _ => StatusCode::CONFLICT,
    }
}

/// The status `docs/errors.md` gives a directory error.
pub fn status_of(error: &Error) -> StatusCode {
    if let Some(refusal) = error.refusal() {
        return refusal_status(refusal);
    }
    match error.kind() {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Refused | ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn kind_code(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "not_found",
        ErrorKind::Forbidden => "forbidden",
        ErrorKind::Invalid => "invalid",
        ErrorKind::Refused => "refused",
        ErrorKind::Conflict => "conflict",
        ErrorKind::Unavailable => "unavailable",
        _ => "storage",
    }
}

impl WebError {
    /// The status and body this error answers with.
    pub fn parts(&self) -> (StatusCode, ErrorBody) {
        let body = |code: &str, message: String| ErrorBody {
            code: code.into(),
            message,
            fields: Vec::new(),
        };
        match self {
            Self::Directory(error) => {
                let status = status_of(error);
                let code = error
                    .refusal()
                    .map_or_else(|| kind_code(error.kind()), Refusal::as_str);
                // A storage fault is logged, never shown: its text may name the database.
                let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
                    tracing::error!(error = %error, "storage failure");
                    "the directory's storage failed; try again later".to_string()
                } else {
                    error.to_string()
                };
                let mut out = body(code, message);
                if let Some(errors) = error.validation() {
                    out.fields = errors.errors().to_vec();
                }
                (status, out)
            }
            Self::Invalid(errors) => {
                let mut out = body("invalid", errors.to_string());
                out.fields = errors.errors().to_vec();
                (StatusCode::UNPROCESSABLE_ENTITY, out)
            }
            Self::SignedOut => (
                StatusCode::UNAUTHORIZED,
                body("signed_out", "sign in first".into()),
            ),
            Self::MustChangePassword => (
                StatusCode::FORBIDDEN,
                body(
                    Refusal::PasswordChangeRequired.as_str(),
                    "choose your own password first".into(),
                ),
            ),
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                body(
                    "csrf",
                    "the form's security token is missing or out of date; reload the page and try again".into(),
                ),
            ),
            Self::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, body("bad_request", message.clone()))
            }
            Self::Missing(what) => (
                StatusCode::NOT_FOUND,
                body("not_found", format!("{what} was not found")),
            ),
            Self::Changed => (
                StatusCode::CONFLICT,
                body(
                    "changed",
                    "the data changed since you reviewed it; review again (nothing was written)"
                        .into(),
                ),
            ),
            Self::TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                body(
                    "too_many_attempts",
                    format!(
                        "too many failed sign-ins; wait {} minutes and try again",
                        super::session::limit::WINDOW.num_minutes()
                    ),
                ),
            ),
            Self::Store(error) => {
                // Logged, never shown: the text may name the database.
                tracing::error!(error = %error, "session store failure");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    body(
                        "unavailable",
                        "sessions are unavailable; try again later".into(),
                    ),
                )
            }
        }
    }

    /// True when the cure is to sign in or change the password (a page redirects there).
    pub fn redirect(&self) -> Option<&'static str> {
        match self {
            Self::SignedOut => Some("/signin"),
            Self::MustChangePassword => Some("/password"),
            Self::Directory(e) if e.refusal() == Some(Refusal::PasswordChangeRequired) => {
                Some("/password")
            }
            _ => None,
        }
    }
}

/// An error of the JSON API.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.0.parts();
        (status, Json(body)).into_response()
    }
}
