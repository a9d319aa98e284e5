//! Message templates end to end: a saved template renders the messages queued after it (values
//! escaped in HTML only), the built-in wording without one, templates checked when saved (an
//! unknown placeholder or a syntax error is Invalid, naming the part and line), who may save
//! and list them, and previews for one user. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::messaging::{MessagePurpose, MessageTemplate, OutboxMessage, PREVIEW_LINK};
use homeroom::validation::ValidationCode;
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

struct Scene {
    district: DistrictId,
    ada: User,
    /// A District Administrator (district-wide): Send Messages, not Manage Settings.
    district_admin: Actor,
    /// A Building Administrator of Washington, who cannot see Ada (at Lincoln).
    principal: Actor,
}

async fn scene(h: &Harness) -> Scene {
    let (district, units) = h
        .district_with_schools(&["Lincoln Middle", "Washington High"])
        .await;
    let ada = h
        .member(
            district,
            UserDetails::new(UserKind::Staff, "Ada <b>", "O'Hara & Co")
                .with_username("aohara")
                .unwrap()
                .with_email("ada@maple.example")
                .unwrap()
                .in_org_unit(units[0].id),
        )
        .await;
    let dana = h
        .member(district, UserDetails::new(UserKind::Staff, "Dana", "Admin"))
        .await;
    h.grant(
        district,
        dana.id,
        Preset::DistrictAdministrator,
        Scope::District,
    )
    .await;
    let pat = h
        .member(
            district,
            UserDetails::new(UserKind::Staff, "Pat", "Principal").in_org_unit(units[1].id),
        )
        .await;
    h.grant(
        district,
        pat.id,
        Preset::BuildingAdministrator,
        Scope::OrgUnits([units[1].id].into_iter().collect()),
    )
    .await;
    Scene {
        district,
        ada,
        district_admin: Actor::user(district, dana.id),
        principal: Actor::user(district, pat.id),
    }
}

fn welcome() -> MessageTemplate {
    MessageTemplate::new(
        MessagePurpose::Welcome,
        "{{ first_name }}, welcome to {{ district_name }}",
        "Hello {{ first_name }} {{ last_name }} ({{ username }})",
    )
    .with_html("<p>Hello {{ first_name }} {{ last_name }}</p>")
}

/// The queued message's body.
async fn queued(h: &Harness, district: DistrictId, user: UserId) -> OutboxMessage {
    let id = h
        .directory
        .send_message(&h.admin, district, user, MessagePurpose::Welcome, None)
        .await
        .unwrap();
    let item = h
        .directory
        .storage()
        .item(district, id)
        .await
        .unwrap()
        .unwrap();
    item.decode().unwrap()
}

/// The validation problems of a refused save.
fn problems(result: Result<(), Error>) -> ValidationErrors {
    match result {
        Err(Error::Invalid { errors, .. }) => errors,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

across_backends! {
    async fn a_saved_template_renders_the_messages_queued_after_it(h: Harness) {
        let s = scene(&h).await;
        let before = queued(&h, s.district, s.ada.id).await;
        assert_eq!(before.content.subject, "Welcome to Maple Valley USD", "the built-in wording");

        h.directory.save_message_template(&h.admin, s.district, welcome()).await.unwrap();
        let after = queued(&h, s.district, s.ada.id).await;
        assert_eq!(after.content.subject, "Ada <b>, welcome to Maple Valley USD");
        assert_eq!(after.content.text, "Hello Ada <b> O'Hara & Co (aohara)", "text is not escaped");
        assert_eq!(
            after.content.html.as_deref(),
            Some("<p>Hello Ada &lt;b&gt; O&#x27;Hara &amp; Co</p>"),
            "values are escaped in HTML"
        );
    }

    async fn saving_again_replaces_and_the_list_shows_each_purpose_once(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        d.save_message_template(&h.admin, s.district, welcome()).await.unwrap();
        let trip = MessageTemplate::new(
            MessagePurpose::Custom("field_trip".into()),
            "Field trip",
            "{{ first_name }}, the bus leaves at 8.",
        );
        d.save_message_template(&h.admin, s.district, trip.clone()).await.unwrap();
        let shorter = MessageTemplate::new(MessagePurpose::Welcome, "Hi", "Hi {{ first_name }}");
        d.save_message_template(&h.admin, s.district, shorter.clone()).await.unwrap();
        let listed = d.message_templates(&s.district_admin, s.district).await.unwrap();
        assert_eq!(listed, vec![shorter, trip]);
        assert_eq!(queued(&h, s.district, s.ada.id).await.content.subject, "Hi");
    }

    async fn deleting_a_template_brings_the_built_in_wording_back(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        d.save_message_template(&h.admin, s.district, welcome()).await.unwrap();
        let refused = d
            .delete_message_template(&s.district_admin, s.district, &MessagePurpose::Welcome)
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::Forbidden);
        assert!(d.delete_message_template(&h.admin, s.district, &MessagePurpose::Welcome).await.unwrap());
        assert!(!d.delete_message_template(&h.admin, s.district, &MessagePurpose::Welcome).await.unwrap());
        assert!(d.message_templates(&h.admin, s.district).await.unwrap().is_empty());
        let message = queued(&h, s.district, s.ada.id).await;
        assert_eq!(message.content.subject, "Welcome to Maple Valley USD");
    }

    async fn saving_and_deleting_a_template_is_in_the_districts_activity_log(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let log = || async {
            let query = ActivityQuery { subject: Subject::District, after: None, limit: 50 };
            let page = d.storage().activity(s.district, &query).await.unwrap();
            page.items
                .into_iter()
                .filter(|e| e.changes.iter().any(|c| c.field == "welcome template"))
                .map(|e| (e.actor.name, e.changes[0].old.clone(), e.changes[0].new.clone()))
                .collect::<Vec<_>>()
        };
        d.save_message_template(&h.admin, s.district, welcome()).await.unwrap();
        let shorter = MessageTemplate::new(MessagePurpose::Welcome, "Hi", "Hi {{ first_name }}");
        d.save_message_template(&h.admin, s.district, shorter).await.unwrap();
        d.delete_message_template(&h.admin, s.district, &MessagePurpose::Welcome).await.unwrap();
        let subject = "{{ first_name }}, welcome to {{ district_name }}".to_owned();
        let who = log().await[0].0.clone();
        // Newest first: deleted, replaced, saved.
        assert_eq!(
            log().await,
            vec![
                (who.clone(), Some("Hi".to_owned()), None),
                (who.clone(), Some(subject.clone()), Some("Hi".to_owned())),
                (who, None, Some(subject)),
            ]
        );
        // A refused save or delete logs nothing.
        let _ = d.delete_message_template(&s.district_admin, s.district, &MessagePurpose::Welcome).await;
        let _ = d.save_message_template(&s.district_admin, s.district, welcome()).await;
        assert_eq!(log().await.len(), 3);
    }

    async fn an_unknown_placeholder_is_refused_when_saved_naming_part_and_line(h: Harness) {
        let s = scene(&h).await;
        let typo = MessageTemplate::new(
            MessagePurpose::Welcome,
            "Welcome",
            "Hello {{ first_name }},\n\nyour grade is {{ grade }}.",
        );
        let errors = problems(h.directory.save_message_template(&h.admin, s.district, typo).await);
        let problem = errors.for_field("text").unwrap();
        assert_eq!(
            problem.code,
            ValidationCode::UnknownPlaceholder { placeholder: "grade".into(), line: 3 }
        );
        assert!(problem.message.contains("grade"), "{}", problem.message);
        assert!(h.directory.message_templates(&h.admin, s.district).await.unwrap().is_empty());
    }

    async fn a_syntax_error_is_refused_when_saved_naming_part_and_line(h: Harness) {
        let s = scene(&h).await;
        let broken = MessageTemplate::new(MessagePurpose::Welcome, "Welcome", "ok")
            .with_html("<p>\n{% if first_name %}Hi</p>");
        let errors = problems(h.directory.save_message_template(&h.admin, s.district, broken).await);
        let problem = errors.for_field("html").unwrap();
        assert!(matches!(problem.code, ValidationCode::TemplateSyntax { .. }), "{problem:?}");
        assert!(h.directory.message_templates(&h.admin, s.district).await.unwrap().is_empty());
    }

    async fn saving_needs_manage_settings_and_listing_send_messages(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let refused = d
            .save_message_template(&s.district_admin, s.district, welcome())
            .await
            .unwrap_err();
        assert!(matches!(refused, Error::Forbidden { permission: Permission::ManageSettings, .. }), "{refused:?}");
        // A Building Administrator holds Send Messages in their building only.
        let listing = d.message_templates(&s.principal, s.district).await.unwrap_err();
        assert_eq!(listing.kind(), ErrorKind::Forbidden);
        assert!(d.message_templates(&s.district_admin, s.district).await.unwrap().is_empty());
    }

    async fn a_preview_renders_for_one_user_with_a_stand_in_link(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let preview = d
            .preview_message(&s.district_admin, s.district, s.ada.id, &MessagePurpose::Invitation)
            .await
            .unwrap();
        assert_eq!(preview.subject, "You are invited to Maple Valley USD");
        assert!(preview.text.contains(PREVIEW_LINK), "{}", preview.text);
        d.save_message_template(&h.admin, s.district, welcome()).await.unwrap();
        let preview = d
            .preview_message(&s.district_admin, s.district, s.ada.id, &MessagePurpose::Welcome)
            .await
            .unwrap();
        assert_eq!(preview.subject, "Ada <b>, welcome to Maple Valley USD");
        // Nothing was queued by a preview.
        let queued = d
            .storage()
            .items(s.district, &homeroom::storage::ItemQuery::of(<OutboxMessage as homeroom::storage::ItemBody>::KIND))
            .await
            .unwrap();
        assert_eq!(queued.total, 0);
    }

    async fn attack_a_preview_outside_reach_is_not_found(h: Harness) {
        let s = scene(&h).await;
        let hidden = h
            .directory
            .preview_message(&s.principal, s.district, s.ada.id, &MessagePurpose::Welcome)
            .await
            .unwrap_err();
        assert!(matches!(hidden, Error::NotFound { entity: Entity::User, .. }), "{hidden:?}");
        let missing = h
            .directory
            .preview_message(&s.principal, s.district, UserId::from_uuid(uuid::Uuid::from_u128(77)), &MessagePurpose::Welcome)
            .await
            .unwrap_err();
        assert_eq!(hidden.to_string().replace(&s.ada.id.to_string(), "ID"), missing.to_string().replace("00000000-0000-0000-0000-00000000004d", "ID"));
    }

    async fn attack_a_template_cannot_read_anything_but_the_placeholders(h: Harness) {
        let s = scene(&h).await;
        for (source, name) in [
            ("{{ to_address }}", "to_address"),
            ("{{ email }}", "email"),
            ("{{ password }}", "password"),
            ("{{ user.email }}", "user"),
            ("{{ debug() }}", "debug"),
            ("{{ namespace() }}", "namespace"),
        ] {
            let t = MessageTemplate::new(MessagePurpose::Welcome, "Hi", source);
            let errors = problems(h.directory.save_message_template(&h.admin, s.district, t).await);
            assert_eq!(
                errors.for_field("text").map(|p| p.code.clone()),
                Some(ValidationCode::UnknownPlaceholder { placeholder: name.into(), line: 1 }),
                "{source}"
            );
        }
        // Nor reach past a value, nor let one out unescaped in HTML.
        for html in ["{{ self }}", "{{ first_name.__class__ }}", "{{ first_name | safe }}", "{% include 'x' %}"] {
            let t = MessageTemplate::new(MessagePurpose::Welcome, "Hi", "x").with_html(html);
            let errors = problems(h.directory.save_message_template(&h.admin, s.district, t).await);
            assert!(errors.for_field("html").is_some(), "{html}");
        }
        assert!(h.directory.message_templates(&h.admin, s.district).await.unwrap().is_empty());
    }
}
