//! The pages' templates (minijinja, HTML auto-escaped: every value a template prints is escaped
//! unless this module marks it safe, which only the rendered page body is).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Environment, Value};
use serde::Serialize;

use super::error::WebError;
use super::session::Session;

const TEMPLATES: [(&str, &str); 13] = [
    ("layout.html", include_str!("templates/layout.html")),
    ("home.html", include_str!("templates/home.html")),
    ("signin.html", include_str!("templates/signin.html")),
    ("password.html", include_str!("templates/password.html")),
    ("users.html", include_str!("templates/users.html")),
    ("profile.html", include_str!("templates/profile.html")),
    ("edit.html", include_str!("templates/edit.html")),
    ("activity.html", include_str!("templates/activity.html")),
    ("import.html", include_str!("templates/import.html")),
    ("plan.html", include_str!("templates/plan.html")),
    ("error.html", include_str!("templates/error.html")),
    ("welcome.html", include_str!("templates/welcome.html")),
    ("bulk.html", include_str!("templates/bulk.html")),
];

/// The compiled templates.
#[derive(Debug)]
pub struct Views {
    env: Environment<'static>,
}

impl Views {
    /// Compiles every template (a syntax error is reported at start-up, not on a request).
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }

    /// Renders `page` with `values` (any serializable struct or map) inside the layout, with
    /// the session's CSRF token and signed-in name available to both.
    pub fn page(
        &self,
        status: StatusCode,
        session: &Session,
        title: &str,
        page: &str,
        values: impl Serialize,
    ) -> Response {
        match self.render(session, title, page, values) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, page, "template failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the page could not be shown",
                )
                    .into_response()
            }
        }
    }

    fn render(
        &self,
        session: &Session,
        title: &str,
        page: &str,
        values: impl Serialize,
    ) -> Result<String, minijinja::Error> {
        let me = session.signed_in.as_ref().map(|s| s.name.clone());
        let common = minijinja::context! { csrf => &session.csrf, me => me };
        let ctx = minijinja::context! { ..Value::from(Serde(values)), ..common.clone() };
        let body = self.env.get_template(page)?.render(ctx)?;
        self.env
            .get_template("layout.html")?
            .render(minijinja::context! {
                title => title,
                content => Value::from_safe_string(body),
                ..common
            })
    }

    /// The page for an error: a redirect to sign in (or to change the password), else the
    /// message with the error's status.
    pub fn error(&self, session: &Session, error: &WebError) -> Response {
        if let Some(to) = error.redirect() {
            return see_other(to);
        }
        let (status, body) = error.parts();
        let heading = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::CONFLICT => "Changed by someone else",
            StatusCode::UNPROCESSABLE_ENTITY => "Not saved",
            _ => "Something went wrong",
        };
        let values = serde_json::json!({ "heading": heading, "message": body.message });
        self.page(status, session, heading, "error.html", values)
    }
}

/// A `303 See Other` to `to` (after a form post).
pub fn see_other(to: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(axum::http::header::LOCATION, to.to_string())],
    )
        .into_response()
}
