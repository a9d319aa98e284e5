//! The outbox end to end: a due message is sent once and marked sent; a failing mailer is
//! retried with backoff and then dead-lettered; a permanent failure is dead at once; a crash
//! after sending loses no message; two directories draining one store send each message
//! exactly once. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use chrono::Duration;
use homeroom::messaging::{MessagePurpose, OutboxMessage, OutboxStatus};
use homeroom::storage::Item;
use homeroom::*;
use homeroom_tests::mailer::{Answer, RecordingMailer};
use homeroom_tests::race::{FailNth, Gate, Hooked};
use homeroom_tests::{Backend, Harness, across_backends};

/// A district and Ada, who has an e-mail address.
async fn setup(h: &Harness) -> (DistrictId, User) {
    let district = h
        .directory
        .create_district(&h.admin, "Maple Valley USD")
        .await
        .unwrap()
        .id;
    let ada = h
        .member(
            district,
            UserDetails::new(UserKind::Staff, "Ada", "Lovelace")
                .with_email("ada@maple.example")
                .unwrap(),
        )
        .await;
    (district, ada)
}

/// Queues a welcome to `user`, due now.
async fn queue(h: &Harness, district: DistrictId, user: UserId) -> ItemId {
    h.directory
        .send_message(&h.admin, district, user, MessagePurpose::Welcome, None)
        .await
        .unwrap()
}

async fn stored(h: &Harness, district: DistrictId, id: ItemId) -> (Item, OutboxMessage) {
    let item = h
        .directory
        .storage()
        .item(district, id)
        .await
        .unwrap()
        .unwrap();
    let message = item.decode::<OutboxMessage>().unwrap();
    (item, message)
}

fn status(item: &Item) -> &str {
    item.status.as_deref().unwrap_or_default()
}

async fn drain(
    h: &Harness,
    district: DistrictId,
    mailer: &RecordingMailer,
) -> messaging::DrainReport {
    h.directory
        .drain_outbox(&h.admin, district, mailer, 100)
        .await
        .unwrap()
}

across_backends! {
    async fn a_due_message_is_sent_once_and_marked_sent(h: Harness) {
        let (district, ada) = setup(&h).await;
        let later = h.clock.now() + Duration::hours(1);
        let id = queue(&h, district, ada.id).await;
        let tomorrow = h
            .directory
            .send_message(&h.admin, district, ada.id, MessagePurpose::Welcome, Some(later))
            .await
            .unwrap();
        let mailer = RecordingMailer::new(Answer::Accept);

        let report = drain(&h, district, &mailer).await;
        assert_eq!(report.sent, 1, "{report:?}");
        let calls = mailer.calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].key, id.to_string(), "the idempotency key is the message's id");
        assert_eq!(calls[0].to, "ada@maple.example");
        assert_eq!(calls[0].subject, "Welcome to Maple Valley USD");
        let (item, message) = stored(&h, district, id).await;
        assert_eq!(status(&item), OutboxStatus::Sent.as_str());
        assert_eq!((message.attempts, message.last_error), (1, None));

        // Sent is sent: the next drain sends nothing until the later message is due.
        assert_eq!(drain(&h, district, &mailer).await.sent, 0);
        assert_eq!(mailer.calls().len(), 1);
        h.clock.advance(Duration::hours(1));
        assert_eq!(drain(&h, district, &mailer).await.sent, 1);
        assert_eq!(mailer.calls()[1].key, tomorrow.to_string());
    }

    async fn a_failing_mailer_is_retried_with_backoff_then_the_message_is_dead(h: Harness) {
        let (district, ada) = setup(&h).await;
        let id = queue(&h, district, ada.id).await;
        let mailer = RecordingMailer::new(Answer::Fail);
        // 1, 2, 4 and 8 minutes between the five attempts.
        for (attempt, wait) in [(1, 1), (2, 2), (3, 4), (4, 8)] {
            let report = drain(&h, district, &mailer).await;
            assert_eq!(report.retrying, 1, "attempt {attempt}: {report:?}");
            let (item, message) = stored(&h, district, id).await;
            assert_eq!(status(&item), OutboxStatus::Pending.as_str());
            assert_eq!(message.attempts, attempt);
            assert_eq!(message.last_error.as_deref(), Some("421 try again later"));
            assert_eq!(item.due, Some(h.clock.now() + Duration::minutes(wait)));
            // Not due yet: nothing is tried.
            h.clock.advance(Duration::minutes(wait) - Duration::seconds(1));
            assert_eq!(drain(&h, district, &mailer).await, messaging::DrainReport::default());
            h.clock.advance(Duration::seconds(1));
        }
        let report = drain(&h, district, &mailer).await;
        assert_eq!(report.dead, 1, "{report:?}");
        let (item, message) = stored(&h, district, id).await;
        assert_eq!(status(&item), OutboxStatus::Dead.as_str());
        assert_eq!(message.attempts, 5);
        assert_eq!(mailer.calls().len(), 5);
        // Dead stays dead.
        h.clock.advance(Duration::days(1));
        drain(&h, district, &mailer).await;
        assert_eq!(mailer.calls().len(), 5);
    }

    async fn a_permanent_failure_is_dead_at_once(h: Harness) {
        let (district, ada) = setup(&h).await;
        let id = queue(&h, district, ada.id).await;
        let mailer = RecordingMailer::new(Answer::Refuse);
        let report = drain(&h, district, &mailer).await;
        assert_eq!(report.dead, 1, "{report:?}");
        let (item, message) = stored(&h, district, id).await;
        assert_eq!(status(&item), OutboxStatus::Dead.as_str());
        assert_eq!(message.last_error.as_deref(), Some("550 no such mailbox"));
        assert_eq!(message.attempts, 1);
    }

    async fn draining_needs_send_messages_district_wide(h: Harness) {
        let (district, ada) = setup(&h).await;
        let school = h
            .directory
            .create_org_unit(&h.admin, district, NewOrgUnit::school("Lincoln Middle"))
            .await
            .unwrap();
        let publisher = h
            .member(district, UserDetails::new(UserKind::Staff, "Pat", "Publisher"))
            .await;
        h.grant(district, publisher.id, Preset::Publisher, Scope::OrgUnits(vec![school.id].into_iter().collect()))
            .await;
        queue(&h, district, ada.id).await;
        let mailer = RecordingMailer::new(Answer::Accept);
        let scoped = h
            .directory
            .drain_outbox(&Actor::user(district, publisher.id), district, &mailer, 10)
            .await
            .unwrap_err();
        assert_eq!(scoped.kind(), ErrorKind::Forbidden);
        assert!(mailer.calls().is_empty());
        h.grant(district, publisher.id, Preset::Publisher, Scope::District).await;
        let report = h
            .directory
            .drain_outbox(&Actor::user(district, publisher.id), district, &mailer, 10)
            .await
            .unwrap();
        assert_eq!(report.sent, 1);
    }

    async fn send_message_queues_only_messages_without_a_link_to_users_with_an_address(h: Harness) {
        let (district, ada) = setup(&h).await;
        let grace = h
            .member(district, UserDetails::new(UserKind::Staff, "Grace", "Hopper"))
            .await;
        let d = &h.directory;
        for purpose in [MessagePurpose::Invitation, MessagePurpose::PasswordReset] {
            let refused = d.send_message(&h.admin, district, ada.id, purpose, None).await.unwrap_err();
            assert_eq!(refused.kind(), ErrorKind::Invalid);
        }
        let no_address = d
            .send_message(&h.admin, district, grace.id, MessagePurpose::Welcome, None)
            .await
            .unwrap_err();
        match no_address {
            Error::Invalid { errors, .. } => assert!(errors.for_field("email").is_some()),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    async fn draining_stops_at_the_limit(h: Harness) {
        let (district, ada) = setup(&h).await;
        for _ in 0..3 {
            queue(&h, district, ada.id).await;
        }
        let mailer = RecordingMailer::new(Answer::Accept);
        let first = h.directory.drain_outbox(&h.admin, district, &mailer, 2).await.unwrap();
        assert_eq!(first.sent, 2);
        assert_eq!(drain(&h, district, &mailer).await.sent, 1);
    }
}

/// The mailer accepts the message but the write recording `sent` fails (a crash, an outage):
/// the message stays claimed, is not sent again before its claim times out, and then is sent
/// again with the same idempotency key, and marked sent. Never lost.
#[tokio::test]
async fn a_crash_after_sending_loses_no_message() {
    for backend in Backend::ALL {
        let store = backend.storage().await;
        let h = Harness::over(*backend, store.clone()).await;
        let (district, ada) = setup(&h).await;
        let id = queue(&h, district, ada.id).await;
        // A second directory over the same store whose second write (the outcome, after the
        // claim) fails.
        let faulty = Arc::new(Hooked::new(store.clone(), FailNth::at(2)));
        let crashing = Directory::new(faulty, h.clock.clone(), Arc::new(SequentialIds::new(7)));
        let mailer = RecordingMailer::new(Answer::Accept);

        let report = crashing
            .drain_outbox(&h.admin, district, &mailer, 10)
            .await
            .unwrap();
        assert_eq!(report.unrecorded, 1, "{backend:?}: {report:?}");
        assert_eq!(mailer.calls().len(), 1);
        let (item, _) = stored(&h, district, id).await;
        assert_eq!(status(&item), OutboxStatus::Sending.as_str(), "{backend:?}");

        // Still claimed: not sent again at once.
        assert_eq!(drain(&h, district, &mailer).await.sent, 0);
        assert_eq!(mailer.calls().len(), 1);

        h.clock.advance(Duration::minutes(10));
        let report = drain(&h, district, &mailer).await;
        assert_eq!(report.sent, 1, "{backend:?}: {report:?}");
        let calls = mailer.calls();
        assert_eq!(calls.len(), 2);
        assert_eq!(
            calls[0].key, calls[1].key,
            "a retry carries the same idempotency key"
        );
        let (item, _) = stored(&h, district, id).await;
        assert_eq!(status(&item), OutboxStatus::Sent.as_str());
    }
}

/// Two directories (two replicas) drain one store at the same moment: both list the same due
/// messages, their first claims are held until both have decided, and every message is sent
/// exactly once.
#[tokio::test]
async fn two_directories_draining_at_once_send_each_message_exactly_once() {
    for backend in Backend::ALL {
        let gate = Arc::new(Hooked::new(backend.storage().await, Gate::default()));
        let h = Harness::over(*backend, gate.clone()).await;
        let (district, ada) = setup(&h).await;
        let mut queued = Vec::new();
        for _ in 0..5 {
            queued.push(queue(&h, district, ada.id).await.to_string());
        }
        let other = Directory::new(
            h.directory.storage().clone(),
            h.clock.clone(),
            Arc::new(SequentialIds::new(9)),
        );
        let mailer = RecordingMailer::new(Answer::Accept);
        gate.hook().hold_next_applies(2);
        let (a, b) = tokio::join!(
            h.directory.drain_outbox(&h.admin, district, &mailer, 100),
            other.drain_outbox(&h.admin, district, &mailer, 100),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.sent + b.sent, 5, "{backend:?}: {a:?} {b:?}");
        assert!(
            a.skipped + b.skipped >= 1,
            "{backend:?}: the held claims raced: {a:?} {b:?}"
        );
        let mut keys: Vec<String> = mailer.calls().into_iter().map(|c| c.key).collect();
        keys.sort();
        queued.sort();
        assert_eq!(keys, queued, "{backend:?}: each message once");
    }
}

across_backends! {
    // Creating a user can queue their welcome in the same write: now, at a time, or not at all;
    // a welcome to someone without an address creates nobody.
    async fn a_welcome_is_queued_with_the_user_now_later_or_never(h: Harness) {
        let (district, _) = setup(&h).await;
        let d = &h.directory;
        let person = |first: &str| {
            UserDetails::new(UserKind::Staff, first, "Welcomed")
                .with_email(&format!("{}@maple.example", first.to_lowercase()))
                .unwrap()
        };
        let now = d.create_user_with(&h.admin, district, person("Now"), messaging::Welcome::Now).await.unwrap();
        let later_at = h.clock.now() + Duration::days(2);
        let later = d
            .create_user_with(&h.admin, district, person("Later"), messaging::Welcome::At(later_at))
            .await
            .unwrap();
        let never = d.create_user(&h.admin, district, person("Never")).await.unwrap();
        let sent_now = homeroom_tests::outbox::messages_to(&h, district, now.id).await;
        assert_eq!(sent_now.len(), 1);
        assert_eq!(sent_now[0].1.purpose, MessagePurpose::Welcome);
        assert_eq!(sent_now[0].0.due, Some(h.clock.now()));
        let sent_later = homeroom_tests::outbox::messages_to(&h, district, later.id).await;
        assert_eq!(sent_later.iter().map(|(item, _)| item.due).collect::<Vec<_>>(), vec![Some(later_at)]);
        assert!(homeroom_tests::outbox::messages_to(&h, district, never.id).await.is_empty());

        let no_address = UserDetails::new(UserKind::Staff, "No", "Address");
        let err = d.create_user_with(&h.admin, district, no_address, messaging::Welcome::Now).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        let found = d.search_users(&h.admin, district, &UserSearch::text("address")).await.unwrap();
        assert_eq!(found.total, 0, "nobody was created");
    }
}
