//! Every backend opens a `debug` span per storage call, named after the call and carrying the
//! district and ids, and every `Directory` command an `info` span with its district, actor and
//! outcome; none records a secret: no password, no hash, no login. Run over every backend with
//! a subscriber that keeps every span's fields.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

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
    metadata: &'static Metadata<'static>,
    fields: Vec<(&'static str, String)>,
}

/// A subscriber that keeps every span (on the thread it is the default of).
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<Span>>>,
    /// The spans entered and not yet left, innermost last, by thread, so `Span::current()`
    /// answers as a real subscriber's does. By thread: a span the test thread opened may be
    /// entered on a backend's worker thread (SQLite's) while a command on the test thread
    /// records its outcome, and that span must not become the test thread's current one.
    entered: Arc<Mutex<Vec<Entered>>>,
}

impl Recorder {
    fn spans(&self) -> Vec<Span> {
        self.spans.lock().unwrap().clone()
    }
}

/// A span entered on a thread and not yet left there.
type Entered = (ThreadId, Id, &'static Metadata<'static>);

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
        let mut spans = self.spans.lock().unwrap();
        spans.push(Span {
            name: span.metadata().name(),
            metadata: span.metadata(),
            fields,
        });
        Id::from_u64(spans.len() as u64)
    }

    fn record(&self, id: &Id, values: &Record<'_>) {
        // Fields recorded after opening (a command's outcome) join their span's.
        let mut fields = Vec::new();
        values.record(&mut Fields(&mut fields));
        let index = usize::try_from(id.into_u64() - 1).unwrap();
        self.spans.lock().unwrap()[index].fields.extend(fields);
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, id: &Id) {
        let index = usize::try_from(id.into_u64() - 1).unwrap();
        let metadata = self.spans.lock().unwrap()[index].metadata;
        self.entered
            .lock()
            .unwrap()
            .push((std::thread::current().id(), id.clone(), metadata));
    }

    fn exit(&self, id: &Id) {
        let mut entered = self.entered.lock().unwrap();
        let here = std::thread::current().id();
        if let Some(at) = entered
            .iter()
            .rposition(|(thread, open, _)| *thread == here && open == id)
        {
            entered.remove(at);
        }
    }

    fn current_span(&self) -> tracing_core::span::Current {
        let here = std::thread::current().id();
        let entered = self.entered.lock().unwrap();
        match entered.iter().rev().find(|(thread, _, _)| *thread == here) {
            Some((_, id, metadata)) => tracing_core::span::Current::new(id.clone(), metadata),
            None => tracing_core::span::Current::none(),
        }
    }
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

across_backends! {
    async fn command_spans_carry_district_actor_and_outcome(h: Harness) {
        let recorder = Recorder::default();
        let _default = tracing::subscriber::set_default(recorder.clone());
        let d = &h.directory;
        let district = d.create_district(&h.admin, "Maple Valley USD").await.unwrap().id;
        let ada = UserDetails::new(UserKind::Staff, "Ada", "Lovelace").with_username("alovelace").unwrap();
        let ada = d.create_user(&h.admin, district, ada).await.unwrap();
        let secret = "correct-horse-battery-staple";
        d.set_password(&h.admin, district, ada.id, &Password::new(secret).unwrap(), false).await.unwrap();
        d.verify_password(district, "alovelace", "a-wrong-guess-here").await.unwrap_err();
        // Ada holds nothing: her search finds nobody, and a user outside her reach does not exist.
        let as_ada = Actor::user(district, ada.id);
        d.search_users(&as_ada, district, &UserSearch::default()).await.unwrap();
        let ghost = UserId::from_uuid(uuid::Uuid::from_u128(7));
        d.user(&as_ada, district, ghost).await.unwrap_err();

        let spans = recorder.spans();
        let value = |span: &Span, field: &str| {
            span.fields.iter().find(|(name, _)| *name == field).map(|(_, v)| v.trim_matches('"').to_owned())
        };
        let command = |name: &str| {
            spans.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no span {name}: {spans:?}"))
        };
        let created = command("directory::create_user");
        assert_eq!(value(created, "command").as_deref(), Some("create_user"));
        assert_eq!(value(created, "district"), Some(district.to_string()));
        assert_eq!(value(created, "actor").as_deref(), Some("system:test setup"));
        assert_eq!(value(created, "outcome").as_deref(), Some("ok"));
        let sign_in = command("directory::verify_password");
        assert_eq!(value(sign_in, "outcome").as_deref(), Some("Refused"));
        let search = command("directory::search_users");
        assert_eq!(value(search, "actor"), Some(format!("user:{}", ada.id)));
        assert_eq!(value(search, "outcome").as_deref(), Some("ok"));
        assert_eq!(value(command("directory::user"), "outcome").as_deref(), Some("NotFound"));
        for span in &spans {
            for (field, text) in &span.fields {
                for bad in [secret, "a-wrong-guess-here", "$argon2", "alovelace", "Lovelace"] {
                    assert!(!text.contains(bad), "span {} field {field} records {bad:?}: {text}", span.name);
                }
            }
        }
    }
}
