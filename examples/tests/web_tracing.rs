//! The `web` host's tracing: each request is one `request` span (method, path without the
//! query string, status), and the directory's command spans open inside it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod web_support;

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use homeroom_examples::web::seed::ADMIN_LOGIN;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use web_support::Host;

#[derive(Clone, Debug, Default)]
struct Seen {
    name: String,
    parent: Option<String>,
    fields: Vec<(String, String)>,
}

#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<(u64, Seen)>>>);

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0
            .push((field.name().to_string(), format!("{value:?}")));
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut seen = Seen {
            name: attrs.metadata().name().to_string(),
            parent: ctx
                .span(id)
                .and_then(|s| s.parent())
                .map(|p| p.name().to_string()),
            ..Seen::default()
        };
        attrs.record(&mut Fields(&mut seen.fields));
        self.0.lock().unwrap().push((id.into_u64(), seen));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut all = self.0.lock().unwrap();
        if let Some((_, seen)) = all.iter_mut().rev().find(|(i, _)| *i == id.into_u64()) {
            values.record(&mut Fields(&mut seen.fields));
        }
    }
}

#[tokio::test]
async fn a_request_is_one_span_around_the_directory_commands() {
    let host = Host::start().await;
    let mut admin = host.signed_in(ADMIN_LOGIN).await;
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let r = admin.get("/api/users?q=ada").await;
    assert_eq!(r.status, axum::http::StatusCode::OK);

    let all = spans.0.lock().unwrap().clone();
    let requests: Vec<&Seen> = all
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.name == "request")
        .collect();
    assert_eq!(requests.len(), 1, "{all:?}");
    let field = |name: &str| {
        requests[0]
            .fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("method").as_deref(), Some("GET"));
    assert_eq!(
        field("path").as_deref(),
        Some("/api/users"),
        "no query string"
    );
    assert_eq!(field("status").as_deref(), Some("200"));
    let search = all
        .iter()
        .map(|(_, s)| s)
        .find(|s| s.name == "directory::search_users")
        .expect("the search command's span");
    assert_eq!(search.parent.as_deref(), Some("request"));
}
