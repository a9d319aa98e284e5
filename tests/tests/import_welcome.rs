//! Welcome e-mails on bulk create (seed 003): an import sends them now, at a later time (the
//! district's launch), or not at all; they are queued in the import's own write, rendered from
//! the district's welcome template, and need Send Messages over each new user. Run over every
//! backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use chrono::Duration;
use homeroom::import::{IssueCode, ReadOptions, read};
use homeroom::messaging::{MessagePurpose, MessageTemplate, Welcome};
use homeroom::*;
use homeroom_tests::mailer::{Answer, RecordingMailer};
use homeroom_tests::{Harness, across_backends};

/// Three new staff; Alan has no e-mail address.
const STAFF: &str = "Local ID,First Name,Last Name,Email,Kind,Building\r\n\
T01,Ada,Lovelace,ada@maple.example,staff,Lincoln Middle\r\n\
T02,Grace,Hopper,grace@maple.example,staff,Lincoln Middle\r\n\
T03,Alan,Turing,,staff,Lincoln Middle\r\n";

struct Setup {
    district: DistrictId,
    lincoln: OrgUnitId,
}

async fn setup(h: &Harness) -> Setup {
    let (district, schools) = h.district_with_schools(&["Lincoln Middle"]).await;
    Setup {
        district,
        lincoln: schools[0].id,
    }
}

fn welcoming(welcome: Welcome) -> ImportOptions {
    ImportOptions {
        welcome,
        ..ImportOptions::default()
    }
}

async fn plan_as(h: &Harness, actor: &Actor, s: &Setup, options: &ImportOptions) -> ImportPlan {
    let data = read(STAFF.as_bytes(), "staff.csv", &ReadOptions::default()).unwrap();
    h.directory
        .plan_import(actor, s.district, &data, options)
        .await
        .unwrap()
}

async fn drain(h: &Harness, s: &Setup, mailer: &RecordingMailer) -> u32 {
    h.directory
        .drain_outbox(&h.admin, s.district, mailer, 100)
        .await
        .unwrap()
        .sent
}

async fn users(h: &Harness, s: &Setup) -> u64 {
    h.directory
        .search_users(&h.admin, s.district, &UserSearch::default().any_status())
        .await
        .unwrap()
        .total
}

/// A Lincoln staff member holding a role of just `permissions` over Lincoln (never Send
/// Messages, in these tests).
async fn lincoln_staff_with(
    h: &Harness,
    s: &Setup,
    role: &str,
    permissions: &[Permission],
) -> Actor {
    let d = &h.directory;
    let role = d
        .create_role(
            &h.admin,
            s.district,
            role,
            permissions
                .iter()
                .copied()
                .collect::<homeroom::PermissionSet>(),
        )
        .await
        .unwrap();
    let details =
        UserDetails::new(UserKind::Staff, "Sam", role.name.as_str()).in_org_unit(s.lincoln);
    let staff = h.member(s.district, details).await;
    d.grant_role(
        &h.admin,
        s.district,
        staff.id,
        role.id,
        Scope::unit(s.lincoln),
    )
    .await
    .unwrap();
    Actor::user(s.district, staff.id)
}

across_backends! {
    async fn an_import_can_hold_welcome_emails_until_the_districts_launch(h: Harness) {
        let s = setup(&h).await;
        let launch = h.clock.now() + Duration::days(14);
        let p = plan_as(&h, &h.admin, &s, &welcoming(Welcome::At(launch))).await;
        assert!(!p.has_errors(), "{:?}", p.issues());
        assert_eq!(p.welcome(), Welcome::At(launch));
        assert_eq!(p.counts().welcomes, 2, "Alan has no address");
        let warning: Vec<_> = p.issues().iter().filter(|i| i.code == IssueCode::NoEmailForWelcome).collect();
        assert_eq!(warning.len(), 1);
        assert_eq!((warning[0].row, warning[0].column.as_deref()), (Some(4), Some("Email")));
        assert!(!warning[0].is_error());
        h.apply_plan(&h.admin, s.district, &p, Approval::Required).await.unwrap();

        // Held until the launch: nothing goes out before it.
        let mailer = RecordingMailer::new(Answer::Accept);
        assert_eq!(drain(&h, &s, &mailer).await, 0);
        h.clock.advance(Duration::days(14) - Duration::seconds(1));
        assert_eq!(drain(&h, &s, &mailer).await, 0);
        h.clock.advance(Duration::seconds(1));
        assert_eq!(drain(&h, &s, &mailer).await, 2);
        let mut to: Vec<String> = mailer.calls().into_iter().map(|c| c.to).collect();
        to.sort();
        assert_eq!(to, ["ada@maple.example", "grace@maple.example"]);
        assert!(mailer.calls().iter().all(|c| c.subject == "Welcome to Maple Valley USD"));

        // The same file again creates nobody, so welcomes nobody again.
        let again = plan_as(&h, &h.admin, &s, &welcoming(Welcome::Now)).await;
        assert_eq!((again.counts().created, again.counts().welcomes), (0, 0));
        h.apply_plan(&h.admin, s.district, &again, Approval::Required).await.unwrap();
        assert_eq!(drain(&h, &s, &mailer).await, 0);
    }

    async fn by_default_an_import_sends_no_welcome(h: Harness) {
        let s = setup(&h).await;
        let p = plan_as(&h, &h.admin, &s, &ImportOptions::default()).await;
        assert_eq!(p.counts().welcomes, 0);
        assert!(p.issues().is_empty(), "{:?}", p.issues());
        h.apply_plan(&h.admin, s.district, &p, Approval::Required).await.unwrap();
        let mailer = RecordingMailer::new(Answer::Accept);
        h.clock.advance(Duration::days(365));
        assert_eq!(drain(&h, &s, &mailer).await, 0);
        assert!(mailer.calls().is_empty());
    }

    async fn welcome_now_goes_out_at_the_next_drain_in_the_districts_wording(h: Harness) {
        let s = setup(&h).await;
        let template = MessageTemplate::new(
            MessagePurpose::Welcome,
            "{{ first_name }}, your {{ district_name }} account is ready",
            "Sign in as {{ username }}.",
        );
        h.directory.save_message_template(&h.admin, s.district, template).await.unwrap();
        let p = plan_as(&h, &h.admin, &s, &welcoming(Welcome::Now)).await;
        h.apply_plan(&h.admin, s.district, &p, Approval::Required).await.unwrap();
        let mailer = RecordingMailer::new(Answer::Accept);
        assert_eq!(drain(&h, &s, &mailer).await, 2);
        let mut subjects: Vec<String> = mailer.calls().into_iter().map(|c| c.subject).collect();
        subjects.sort();
        assert_eq!(
            subjects,
            ["Ada, your Maple Valley USD account is ready", "Grace, your Maple Valley USD account is ready"]
        );
    }

    async fn attack_import_welcomes_without_send_messages_are_refused_and_write_nothing(h: Harness) {
        let s = setup(&h).await;
        let importer = lincoln_staff_with(&h, &s, "Importer", &[Permission::ViewUsers, Permission::ImportUsers]).await;
        let before = users(&h, &s).await;

        // Planned by the importer: each welcomed row is an error saying why.
        let own = plan_as(&h, &importer, &s, &welcoming(Welcome::Now)).await;
        let refused: Vec<(Option<u32>, &str)> = own
            .issues()
            .iter()
            .filter(|i| i.is_error())
            .map(|i| (i.row, i.code.as_str()))
            .collect();
        assert_eq!(refused, [(Some(2), "not_permitted"), (Some(3), "not_permitted")]);
        assert!(own.issues().iter().any(|i| i.message.contains("Send Messages")));

        // Planned by the district admin, applied by the importer: refused at apply.
        let admins = plan_as(&h, &h.admin, &s, &welcoming(Welcome::Now)).await;
        let err = h
            .apply_plan(&importer, s.district, &admins, Approval::Required)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        assert!(err.to_string().contains("Send Messages"), "{err}");
        assert_eq!(users(&h, &s).await, before, "nobody was created");
        let mailer = RecordingMailer::new(Answer::Accept);
        assert_eq!(drain(&h, &s, &mailer).await, 0, "no message was queued");

        // The same import without welcomes is the importer's to run.
        let quiet = plan_as(&h, &importer, &s, &ImportOptions::default()).await;
        assert!(!quiet.has_errors(), "{:?}", quiet.issues());
        h.apply_plan(&importer, s.district, &quiet, Approval::Required).await.unwrap();
        assert_eq!(users(&h, &s).await, before + 3);
    }

    async fn an_importer_with_send_messages_over_the_building_welcomes_its_new_users(h: Harness) {
        let s = setup(&h).await;
        // Send Messages over Lincoln, not district-wide, is enough for Lincoln's new users.
        let importer = lincoln_staff_with(
            &h,
            &s,
            "Importer",
            &[Permission::ViewUsers, Permission::ImportUsers, Permission::SendMessages],
        )
        .await;
        let before = users(&h, &s).await;
        let own = plan_as(&h, &importer, &s, &welcoming(Welcome::Now)).await;
        assert!(!own.has_errors(), "{:?}", own.issues());
        h.apply_plan(&importer, s.district, &own, Approval::Required).await.unwrap();
        assert_eq!(users(&h, &s).await, before + 3);
        let mailer = RecordingMailer::new(Answer::Accept);
        assert_eq!(drain(&h, &s, &mailer).await, 2, "the two with an address are welcomed");
    }

    async fn attack_create_user_with_a_welcome_without_send_messages_creates_nobody(h: Harness) {
        let s = setup(&h).await;
        let d = &h.directory;
        let clerk = lincoln_staff_with(&h, &s, "Clerk", &[Permission::ViewUsers, Permission::ManageUsers]).await;
        let before = users(&h, &s).await;
        let new = UserDetails::new(UserKind::Staff, "Nia", "New")
            .with_email("nia@maple.example")
            .unwrap()
            .in_org_unit(s.lincoln);
        let err = d
            .create_user_with(&clerk, s.district, new.clone(), Welcome::Now)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        assert_eq!(users(&h, &s).await, before);
        // Without a welcome the clerk may create her.
        d.create_user_with(&clerk, s.district, new, Welcome::Never).await.unwrap();
        assert_eq!(users(&h, &s).await, before + 1);
    }
}
