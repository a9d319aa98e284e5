//! Every backend opens a `debug` span per storage call, named after the call and carrying the
//! district and ids, and never records a secret: no password, no hash, no login. Run over every
//! backend with a subscriber that keeps every span's fields.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use homeroom::password::Password;
use homeroom::*;
use homeroom_tests::across_backends;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// One span as opened: its name and every field recorded on it, as text.
#[derive(Clone, Debug)]
struct Span {
    name: &'static str,
    fields: Vec<(&'static str, String)>,
}

/// A subscriber that keeps every span (on the thread it is the default of).
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<Span>>>,
    next: Arc<AtomicU64>,
}

impl Recorder {
    fn spans(&self) -> Vec<Span> {
        self.spans.lock().unwrap().clone()
    }
}

struct Fields<'a>(&'a mut Vec<(&'static str, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name(), format!("{value:?}")));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Vec::new();
        span.record(&mut Fields(&mut fields));
        self.spans.lock().unwrap().push(Span {
            name: span.metadata().name(),
            fields,
        });
        Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &Id, values: &Record<'_>) {
        // Fields recorded after opening (none today) are checked too.
        let mut fields = Vec::new();
        values.record(&mut Fields(&mut fields));
        self.spans.lock().unwrap().push(Span {
            name: "(recorded later)",
            fields,
        });
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

across_backends! {
    async fn storage_spans_name_the_call_and_never_record_a_secret(h: Harness) {
        let recorder = Recorder::default();
        let _default = tracing::subscriber::set_default(recorder.clone());
        let d = &h.directory;
        let district = d.create_district(&h.admin, "Maple Valley USD").await.unwrap().id;
        let ada = UserDetails::new(UserKind::Staff, "Ada", "Lovelace")
            .with_username("alovelace")
            .unwrap()
            .with_email("ada@maple.example")
            .unwrap();
        let ada = d.create_user(&h.admin, district, ada).await.unwrap();
        let secret = "correct-horse-battery-staple";
        d.set_password(&h.admin, district, ada.id, &Password::new(secret).unwrap(), false)
            .await
            .unwrap();
        d.verify_password(district, "ada@maple.example", secret).await.unwrap();
        d.verify_password(district, "alovelace", "a-wrong-guess-here").await.unwrap_err();

        let spans = recorder.spans();
        let named = |name: &'static str| spans.iter().filter(move |s| s.name == name);
        for call in ["storage::apply", "storage::user_by_key", "storage::password_credential"] {
            assert!(named(call).next().is_some(), "no span {call}: {spans:?}");
        }
        let credential = named("storage::password_credential").next().unwrap();
        let value = |span: &Span, field: &str| {
            span.fields.iter().find(|(name, _)| *name == field).map(|(_, v)| v.clone())
        };
        assert_eq!(value(credential, "district"), Some(district.to_string()));
        assert_eq!(value(credential, "user"), Some(ada.id.to_string()));
        let kinds: Vec<_> = named("storage::user_by_key").filter_map(|s| value(s, "key")).collect();
        assert!(kinds.iter().any(|k| k.trim_matches('"') == "email"), "{kinds:?}");

        let forbidden = [secret, "a-wrong-guess-here", "$argon2", "ada@maple.example", "alovelace"];
        for span in &spans {
            for (field, text) in &span.fields {
                for bad in forbidden {
                    assert!(!text.contains(bad), "span {} field {field} records {bad:?}: {text}", span.name);
                }
            }
        }
    }
}
