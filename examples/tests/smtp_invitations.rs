//! The outbox sent for real: invitations drained through the lettre `SmtpMailer` to an SMTP
//! server running inside the test (tests/support/smtp_server.rs), the links read back from the
//! messages the server received, and accepted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

#[path = "support/smtp_server.rs"]
mod smtp_server;

use std::collections::BTreeSet;
use std::sync::Arc;

use homeroom::Storage;
use homeroom::messaging::OutboxMessage;
use homeroom::password::Password;
use homeroom::storage::{ItemBody, ItemQuery};
use homeroom::system::{RandomIds, SystemClock};
use homeroom::{
    Actor, Directory, DistrictId, NewOrgUnit, OrgUnit, Refusal, UserDetails, UserKind, UserSearch,
};
use homeroom_examples::smtp_mailer::{SmtpConfig, SmtpCredentials, SmtpMailer};
use homeroom_memory::MemoryStorage;
use smtp_server::SmtpServer;

const LINK: &str = "https://maple.example/welcome?token=";

struct Scene {
    directory: Directory<MemoryStorage>,
    admin: Actor,
    district: DistrictId,
    lincoln: OrgUnit,
    washington: OrgUnit,
}

async fn scene() -> Scene {
    let directory = Directory::new(
        Arc::new(MemoryStorage::new()),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    );
    let admin = Actor::system("outbox");
    let district = directory
        .create_district(&admin, "Maple Valley USD")
        .await
        .unwrap();
    let mut settings = district.settings.clone();
    settings.onboarding.invitation_link = LINK.to_owned();
    let district = directory
        .update_district_settings(&admin, district.id, district.version, settings)
        .await
        .unwrap();
    let lincoln = directory
        .create_org_unit(&admin, district.id, NewOrgUnit::school("Lincoln Middle"))
        .await
        .unwrap();
    let washington = directory
        .create_org_unit(&admin, district.id, NewOrgUnit::school("Washington High"))
        .await
        .unwrap();
    Scene {
        directory,
        admin,
        district: district.id,
        lincoln,
        washington,
    }
}

impl Scene {
    async fn staff(&self, first: &str, unit: &OrgUnit) -> String {
        let login = first.to_lowercase();
        let email = format!("{login}@maple.example");
        let details = UserDetails::new(UserKind::Staff, first, "Onboard")
            .with_username(&login)
            .unwrap()
            .with_email(&email)
            .unwrap()
            .in_org_unit(unit.id);
        self.directory
            .create_user(&self.admin, self.district, details)
            .await
            .unwrap();
        email
    }

    fn mailer(&self, server: &SmtpServer) -> SmtpMailer {
        let config = SmtpConfig::plain(
            server.addr.ip().to_string(),
            server.addr.port(),
            "Maple Valley USD <noreply@maple.example>",
        );
        SmtpMailer::new(&config).unwrap()
    }

    fn lincoln_staff(&self) -> UserSearch {
        UserSearch::default()
            .kind(UserKind::Staff)
            .in_org_unit(self.lincoln.id)
    }
}

#[tokio::test]
async fn a_buildings_staff_invited_in_one_call_get_one_email_each_and_the_link_works_once() {
    let server = SmtpServer::start().await;
    let s = scene().await;
    let mut addresses = BTreeSet::new();
    for first in ["Ada", "Grace", "Alan"] {
        addresses.insert(s.staff(first, &s.lincoln).await);
    }
    // Another building's staff member: outside the search, never written to.
    s.staff("Edsger", &s.washington).await;

    let bulk = s
        .directory
        .invite_all(&s.admin, s.district, &s.lincoln_staff(), None)
        .await
        .unwrap();
    assert_eq!((bulk.invited, bulk.skipped), (3, 0));
    let mailer = s.mailer(&server);
    let report = s
        .directory
        .drain_outbox(&s.admin, s.district, &mailer, 100)
        .await
        .unwrap();
    assert_eq!((report.sent, report.retrying, report.dead), (3, 0, 0));

    // Exactly one message per user, at their address, from the configured sender.
    let received = server.received();
    assert_eq!(received.len(), 3, "one message per invited user");
    let to: BTreeSet<String> = received
        .iter()
        .map(|r| {
            assert_eq!(r.to.len(), 1, "one recipient per message");
            r.to[0].clone()
        })
        .collect();
    assert_eq!(to, addresses);
    let mut message_ids = BTreeSet::new();
    for r in &received {
        assert_eq!(r.from, "noreply@maple.example");
        assert_eq!(r.header("To").as_deref(), Some(r.to[0].as_str()));
        assert_eq!(
            r.header("Subject").as_deref(),
            Some("You are invited to Maple Valley USD")
        );
        // The idempotency key rides along, as the Message-ID and its own header.
        let key = r.header("X-Idempotency-Key").expect("an idempotency key");
        assert!(!key.is_empty());
        assert_eq!(
            r.header("Message-ID"),
            Some(format!("<{key}@maple.example>"))
        );
        message_ids.insert(key);
        let decoded = r.decoded();
        assert!(decoded.contains(LINK), "the link is in the body");
        assert_eq!(r.token().len(), 64);
    }
    assert_eq!(message_ids.len(), 3, "one key per message");

    // Ada follows the link from the message she received.
    let ada = received
        .iter()
        .find(|r| r.to[0] == "ada@maple.example")
        .unwrap();
    let token = ada.token();
    let password = Password::new("tulip-garden-42").unwrap();
    let signed_in = s
        .directory
        .accept_invitation(s.district, &token, &password)
        .await
        .unwrap();
    assert!(!signed_in.must_change);
    let again = s
        .directory
        .verify_password(s.district, "ada", "tulip-garden-42")
        .await
        .unwrap();
    assert_eq!(again.user, signed_in.user);

    // The same link a second time is dead.
    let replay = s
        .directory
        .accept_invitation(
            s.district,
            &token,
            &Password::new("attacker-pass-1").unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(replay.refusal(), Some(Refusal::TokenInvalid));
    assert!(
        s.directory
            .verify_password(s.district, "ada", "attacker-pass-1")
            .await
            .is_err()
    );

    // Draining again sends nothing: no message goes out twice.
    let connections = server.connections();
    let report = s
        .directory
        .drain_outbox(&s.admin, s.district, &mailer, 100)
        .await
        .unwrap();
    assert_eq!((report.sent, report.retrying, report.dead), (0, 0, 0));
    assert_eq!(server.received().len(), 3);
    assert_eq!(server.connections(), connections, "not even a connection");
}

#[tokio::test]
async fn a_5xx_refusal_is_dead_at_once_and_a_4xx_deferral_is_retried() {
    let server = SmtpServer::start().await;
    let s = scene().await;
    s.staff("Ada", &s.lincoln).await;
    let gone = s.staff("Grace", &s.lincoln).await;
    let busy = s.staff("Alan", &s.lincoln).await;
    server.answer_rcpt(&gone, "550 5.1.1 no such mailbox");
    server.answer_rcpt(&busy, "451 4.3.0 try again later");
    s.directory
        .invite_all(&s.admin, s.district, &s.lincoln_staff(), None)
        .await
        .unwrap();
    let mailer = s.mailer(&server);
    let report = s
        .directory
        .drain_outbox(&s.admin, s.district, &mailer, 100)
        .await
        .unwrap();
    assert_eq!((report.sent, report.retrying, report.dead), (1, 1, 1));
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["ada@maple.example".to_owned()]);
}

#[tokio::test]
async fn a_server_that_is_not_there_is_a_failure_to_retry() {
    // Bind a port, then free it: nothing listens there.
    let addr = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let s = scene().await;
    s.staff("Ada", &s.lincoln).await;
    s.directory
        .invite_all(&s.admin, s.district, &s.lincoln_staff(), None)
        .await
        .unwrap();
    let config = SmtpConfig::plain(addr.ip().to_string(), addr.port(), "noreply@maple.example");
    let mailer = SmtpMailer::new(&config).unwrap();
    let report = s
        .directory
        .drain_outbox(&s.admin, s.district, &mailer, 100)
        .await
        .unwrap();
    assert_eq!((report.sent, report.retrying, report.dead), (0, 1, 0));
}

#[tokio::test]
async fn the_invite_by_email_example_sends_its_two_invitations_and_prints_no_link() {
    let server = SmtpServer::start().await;
    let config = SmtpConfig::plain(
        server.addr.ip().to_string(),
        server.addr.port(),
        "Maple Valley USD <noreply@maple.example>",
    );
    let mailer = SmtpMailer::new(&config).unwrap();
    let mut out = Vec::new();
    let run = homeroom_examples::email_invites::run(&mailer, &mut out)
        .await
        .unwrap();
    let printed = String::from_utf8(out).unwrap();
    assert_eq!(run.invited.invited, 2);
    assert_eq!(run.report.sent, 2);
    let received = server.received();
    assert_eq!(received.len(), 2);
    for (_, _, address) in homeroom_examples::email_invites::STAFF {
        assert!(printed.contains(address), "{printed}");
        assert!(received.iter().any(|r| r.to == vec![address.to_owned()]));
    }
    assert!(!printed.contains("token="), "no link printed: {printed}");
    for r in &received {
        assert!(!printed.contains(&r.token()));
    }
}

#[tokio::test]
async fn refused_credentials_are_retried_not_dead_and_never_in_the_last_error() {
    let server = SmtpServer::start().await;
    server.refuse_auth();
    let s = scene().await;
    s.staff("Ada", &s.lincoln).await;
    s.directory
        .invite_all(&s.admin, s.district, &s.lincoln_staff(), None)
        .await
        .unwrap();
    let mut config = SmtpConfig::plain(
        server.addr.ip().to_string(),
        server.addr.port(),
        "noreply@maple.example",
    );
    config.credentials = Some(SmtpCredentials {
        username: "mailer".into(),
        password: "hunter2-secret".into(),
    });
    let mailer = SmtpMailer::new(&config).unwrap();
    let report = s
        .directory
        .drain_outbox(&s.admin, s.district, &mailer, 100)
        .await
        .unwrap();
    assert_eq!((report.sent, report.retrying, report.dead), (0, 1, 0));
    assert!(server.received().is_empty());
    let page = s
        .directory
        .storage()
        .items(s.district, &ItemQuery::of(OutboxMessage::KIND))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let message: OutboxMessage = page.items[0].decode().unwrap();
    let last_error = message.last_error.unwrap();
    assert!(last_error.contains("535"), "{last_error}");
    assert!(!last_error.contains("hunter2"), "{last_error}");
}

#[test]
fn credentials_never_show_in_debug() {
    let mut config = SmtpConfig::plain("smtp.example", 587, "noreply@maple.example");
    config.credentials = Some(SmtpCredentials {
        username: "mailer".into(),
        password: "hunter2-secret".into(),
    });
    let shown = format!("{config:?}");
    assert!(shown.contains("mailer"));
    assert!(!shown.contains("hunter2-secret"), "{shown}");
}
