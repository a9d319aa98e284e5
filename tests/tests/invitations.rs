//! Onboarding end to end: invitations (send, accept, resend, expiry, schedule, clear, bulk,
//! search), password resets, and the first sign-in rule. The outbox stands in for the mail
//! server: each test reads the link's token from the message written there. Run over every
//! backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use chrono::Duration;
use homeroom::messaging::{MessagePurpose, OutboxStatus};
use homeroom::onboarding::InvitationStatus;
use homeroom::password::Password;
use homeroom::*;
use homeroom_tests::outbox::{last_token, messages_to};
use homeroom_tests::{Harness, across_backends};

struct Scene {
    district: DistrictId,
    lincoln: OrgUnit,
    washington: OrgUnit,
    /// Organization Administrator over Lincoln: Manage Invitations there.
    inviter: Actor,
}

async fn scene(h: &Harness) -> Scene {
    let (district, schools) = h
        .district_with_schools(&["Lincoln Middle", "Washington High"])
        .await;
    h.with_links(district).await;
    let (lincoln, washington) = (schools[0].clone(), schools[1].clone());
    let ines = person(h, district, "Ines", &lincoln).await;
    h.grant(
        district,
        ines.id,
        Preset::OrganizationAdministrator,
        Scope::unit(lincoln.id),
    )
    .await;
    Scene {
        district,
        lincoln,
        washington,
        inviter: Actor::user(district, ines.id),
    }
}

async fn person(h: &Harness, district: DistrictId, first: &str, unit: &OrgUnit) -> User {
    let login = first.to_lowercase();
    h.member(
        district,
        UserDetails::new(UserKind::Staff, first, "Onboard")
            .with_username(&login)
            .unwrap()
            .with_email(&format!("{login}@maple.example"))
            .unwrap()
            .in_org_unit(unit.id),
    )
    .await
}

fn password(text: &str) -> Password {
    Password::new(text).unwrap()
}

fn refusal<T: std::fmt::Debug>(result: Result<T, Error>) -> Refusal {
    result.unwrap_err().refusal().expect("a refusal")
}

across_backends! {
    async fn inviting_one_user_writes_the_invitation_and_exactly_one_message_with_a_working_link(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        let invitation = h.directory.invite_user(&s.inviter, s.district, ada.id).await.unwrap();
        assert_eq!(invitation.status(), InvitationStatus::Sent);
        assert_eq!(invitation.sends, 1);
        let messages = messages_to(&h, s.district, ada.id).await;
        assert_eq!(messages.len(), 1, "exactly one message");
        let (item, message) = &messages[0];
        assert_eq!(message.purpose, MessagePurpose::Invitation);
        assert_eq!(message.to_address, "ada@maple.example");
        assert_eq!(item.status.as_deref(), Some(OutboxStatus::Pending.as_str()));
        assert_eq!(item.due, Some(h.clock.now()));
        assert!(message.content.text.contains("https://maple.example/welcome?token="));
        let token = last_token(&h, s.district, ada.id, MessagePurpose::Invitation).await;
        assert_eq!(token.len(), 64);
        let read = h.directory.invitation_of(&s.inviter, s.district, ada.id).await.unwrap();
        assert_eq!(read, invitation);
        // The link works: accepting it signs Ada in.
        let signed_in = h.directory.accept_invitation(s.district, &token, &password("tulip-garden-42")).await.unwrap();
        assert_eq!(signed_in.user, ada.id);
    }

    async fn accepting_sets_the_password_and_the_token_never_works_again(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        h.directory.invite_user(&s.inviter, s.district, ada.id).await.unwrap();
        let token = last_token(&h, s.district, ada.id, MessagePurpose::Invitation).await;
        h.directory.accept_invitation(s.district, &token, &password("tulip-garden-42")).await.unwrap();
        let signed_in = h.directory.verify_password(s.district, "ada", "tulip-garden-42").await.unwrap();
        assert_eq!(signed_in, SignIn { user: ada.id, must_change: false });
        let accepted = h.directory.invitation_of(&s.inviter, s.district, ada.id).await.unwrap();
        assert_eq!(accepted.status(), InvitationStatus::Accepted);

        let again = h.directory.accept_invitation(s.district, &token, &password("attacker-pass-1")).await;
        let unknown = h.directory.accept_invitation(s.district, &"0".repeat(64), &password("attacker-pass-1")).await;
        let (again, unknown) = (again.unwrap_err(), unknown.unwrap_err());
        assert_eq!(again.refusal(), Some(Refusal::TokenInvalid));
        assert_eq!(again.to_string(), unknown.to_string(), "a used token reads as an unknown one");
        assert!(h.directory.verify_password(s.district, "ada", "attacker-pass-1").await.is_err());
        // An accepted invitation is not sent again.
        let resend = h.directory.resend_invitation(&s.inviter, s.district, ada.id).await;
        assert_eq!(refusal(resend), Refusal::InvitationTransition);
    }

    async fn resending_kills_the_old_token(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        h.directory.invite_user(&s.inviter, s.district, ada.id).await.unwrap();
        let old = last_token(&h, s.district, ada.id, MessagePurpose::Invitation).await;
        // Sending again while the link works is refused: that is what resend is for.
        let twice = h.directory.invite_user(&s.inviter, s.district, ada.id).await;
        assert_eq!(refusal(twice), Refusal::InvitationTransition);
        h.clock.advance(Duration::minutes(1));
        let resent = h.directory.resend_invitation(&s.inviter, s.district, ada.id).await.unwrap();
        assert_eq!((resent.status(), resent.sends), (InvitationStatus::Sent, 2));
        let new = last_token(&h, s.district, ada.id, MessagePurpose::Invitation).await;
        assert_ne!(old, new);
        // The first message was still waiting to go out: withdrawn with its link.
        assert_eq!(messages_to(&h, s.district, ada.id).await.len(), 1);
        let with_old = h.directory.accept_invitation(s.district, &old, &password("tulip-garden-42")).await;
        assert_eq!(refusal(with_old), Refusal::TokenInvalid);
        h.directory.accept_invitation(s.district, &new, &password("tulip-garden-42")).await.unwrap();
    }

    async fn an_expired_token_is_refused_and_a_resend_works_again(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        h.directory.invite_user(&s.inviter, s.district, ada.id).await.unwrap();
        let token = last_token(&h, s.district, ada.id, MessagePurpose::Invitation).await;
        h.clock.advance(Duration::days(7));
        let expired = h.directory.invitation_of(&s.inviter, s.district, ada.id).await.unwrap();
        assert_eq!(expired.status(), InvitationStatus::Expired);
        let late = h.directory.accept_invitation(s.district, &token, &password("tulip-garden-42")).await;
        assert_eq!(refusal(late), Refusal::TokenInvalid);
        h.directory.resend_invitation(&s.inviter, s.district, ada.id).await.unwrap();
        let fresh = last_token(&h, s.district, ada.id, MessagePurpose::Invitation).await;
        h.directory.accept_invitation(s.district, &fresh, &password("tulip-garden-42")).await.unwrap();
    }

    async fn the_validity_is_a_district_setting(h: Harness) {
        let s = scene(&h).await;
        let district = h.directory.district(&h.admin, s.district).await.unwrap();
        let mut settings = district.settings.clone();
        settings.onboarding.invitation_valid_days = 1;
        h.directory.update_district_settings(&h.admin, s.district, district.version, settings).await.unwrap();
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        h.directory.invite_user(&s.inviter, s.district, ada.id).await.unwrap();
        let token = last_token(&h, s.district, ada.id, MessagePurpose::Invitation).await;
        h.clock.advance(Duration::hours(25));
        let late = h.directory.accept_invitation(s.district, &token, &password("tulip-garden-42")).await;
        assert_eq!(refusal(late), Refusal::TokenInvalid);
    }

    async fn a_scheduled_invitation_works_from_its_time_and_clearing_withdraws_it(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        let at = h.clock.now() + Duration::days(2);
        let scheduled = h.directory.schedule_invitation(&s.inviter, s.district, ada.id, at).await.unwrap();
        assert_eq!(scheduled.status(), InvitationStatus::Scheduled);
        let messages = messages_to(&h, s.district, ada.id).await;
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].0.due, Some(at), "the message waits for its time");
        let token = last_token(&h, s.district, ada.id, MessagePurpose::Invitation).await;
        let early = h.directory.accept_invitation(s.district, &token, &password("tulip-garden-42")).await;
        assert_eq!(refusal(early), Refusal::TokenInvalid);

        let cleared = h.directory.clear_invitation(&s.inviter, s.district, ada.id).await.unwrap();
        assert_eq!(cleared.status(), InvitationStatus::NotSent);
        assert!(messages_to(&h, s.district, ada.id).await.is_empty(), "the unsent message is withdrawn");
        let again = h.directory.clear_invitation(&s.inviter, s.district, ada.id).await;
        assert_eq!(refusal(again), Refusal::InvitationTransition);

        h.directory.schedule_invitation(&s.inviter, s.district, ada.id, at).await.unwrap();
        let token = last_token(&h, s.district, ada.id, MessagePurpose::Invitation).await;
        h.clock.set(at);
        let now_sent = h.directory.invitation_of(&s.inviter, s.district, ada.id).await.unwrap();
        assert_eq!(now_sent.status(), InvitationStatus::Sent);
        h.directory.accept_invitation(s.district, &token, &password("tulip-garden-42")).await.unwrap();
    }

    async fn a_sent_invitation_is_cleared_and_its_link_dies(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        h.directory.invite_user(&s.inviter, s.district, ada.id).await.unwrap();
        let token = last_token(&h, s.district, ada.id, MessagePurpose::Invitation).await;
        h.directory.clear_invitation(&s.inviter, s.district, ada.id).await.unwrap();
        let dead = h.directory.accept_invitation(s.district, &token, &password("tulip-garden-42")).await;
        assert_eq!(refusal(dead), Refusal::TokenInvalid);
        // Not sent again: invited afresh.
        let invited = h.directory.invite_user(&s.inviter, s.district, ada.id).await.unwrap();
        assert_eq!(invited.status(), InvitationStatus::Sent);
    }

    async fn invite_all_touches_exactly_the_users_in_reach_and_the_preview_matches(h: Harness) {
        let s = scene(&h).await;
        let mut lincoln = Vec::new();
        for name in ["Ada", "Bea", "Cy"] {
            lincoln.push(person(&h, s.district, name, &s.lincoln).await);
        }
        let no_email = h.member(
            s.district,
            UserDetails::new(UserKind::Student, "Nemo", "Noaddress").in_org_unit(s.lincoln.id),
        ).await;
        let mut washington = Vec::new();
        for name in ["Wes", "Wyn"] {
            washington.push(person(&h, s.district, name, &s.washington).await);
        }
        // Bea was invited already: her link works, so she is not sent another.
        h.directory.invite_user(&s.inviter, s.district, lincoln[1].id).await.unwrap();

        let everyone = UserSearch::default();
        let preview = h.directory.count_invitable(&s.inviter, s.district, &everyone).await.unwrap();
        // Ada, Cy, and Ines herself (an inviter covers herself); not Bea, not Nemo, not Washington.
        assert_eq!(preview, 3);
        let done = h.directory.invite_all(&s.inviter, s.district, &everyone, None).await.unwrap();
        assert_eq!(done.invited, preview);
        assert_eq!(done.skipped, 2, "Bea and Nemo");
        for user in [&lincoln[0], &lincoln[2]] {
            let invitation = h.directory.invitation_of(&s.inviter, s.district, user.id).await.unwrap();
            assert_eq!(invitation.status(), InvitationStatus::Sent);
            assert_eq!(messages_to(&h, s.district, user.id).await.len(), 1);
        }
        assert_eq!(messages_to(&h, s.district, lincoln[1].id).await.len(), 1, "Bea has her one message");
        assert!(messages_to(&h, s.district, no_email.id).await.is_empty());
        for user in &washington {
            let invitation = h.directory.invitation_of(&h.admin, s.district, user.id).await.unwrap();
            assert_eq!(invitation.status(), InvitationStatus::NotSent);
            assert!(messages_to(&h, s.district, user.id).await.is_empty());
        }
        assert_eq!(h.directory.count_invitable(&s.inviter, s.district, &everyone).await.unwrap(), 0);

        // The district-wide system actor reaches Washington too; scheduled for tomorrow.
        let tomorrow = h.clock.now() + Duration::days(1);
        let rest = h.directory.count_invitable(&h.admin, s.district, &everyone).await.unwrap();
        assert_eq!(rest, 2);
        let done = h.directory.invite_all(&h.admin, s.district, &everyone, Some(tomorrow)).await.unwrap();
        assert_eq!(done.invited, 2);
        let wes = h.directory.invitation_of(&h.admin, s.district, washington[0].id).await.unwrap();
        assert_eq!(wes.status(), InvitationStatus::Scheduled);
    }

    async fn search_filters_by_invitation_status_within_reach(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        let bea = person(&h, s.district, "Bea", &s.lincoln).await;
        let wes = person(&h, s.district, "Wes", &s.washington).await;
        h.directory.invite_user(&h.admin, s.district, ada.id).await.unwrap();
        h.directory.invite_user(&h.admin, s.district, wes.id).await.unwrap();

        let sent = UserSearch::default().invitation(InvitationStatus::Sent);
        let page = h.directory.search_users(&s.inviter, s.district, &sent).await.unwrap();
        let ids: Vec<UserId> = page.items.iter().map(|u| u.id).collect();
        assert_eq!((ids, page.total), (vec![ada.id], 1), "Wes is out of reach");
        let everywhere = h.directory.search_users(&h.admin, s.district, &sent).await.unwrap();
        assert_eq!(everywhere.total, 2);

        let not_sent = UserSearch::default().invitation(InvitationStatus::NotSent).limit(1);
        let first = h.directory.search_users(&s.inviter, s.district, &not_sent).await.unwrap();
        assert_eq!(first.total, 2, "Bea and Ines");
        let second = h.directory
            .search_users(&s.inviter, s.district, &not_sent.clone().after(first.next.clone()))
            .await
            .unwrap();
        let mut both: Vec<UserId> = first.items.iter().chain(&second.items).map(|u| u.id).collect();
        both.sort();
        let mut expected = vec![bea.id, s.inviter.user_id().unwrap()];
        expected.sort();
        assert_eq!(both, expected);
        assert!(second.next.is_none());

        // Time moves the filter too: a week on, Ada's invitation has expired.
        h.clock.advance(Duration::days(8));
        let expired = UserSearch::default().invitation(InvitationStatus::Expired);
        let page = h.directory.search_users(&s.inviter, s.district, &expired).await.unwrap();
        assert_eq!(page.items.iter().map(|u| u.id).collect::<Vec<_>>(), vec![ada.id]);
        // And bulk invitation takes the same filter.
        assert_eq!(h.directory.count_invitable(&s.inviter, s.district, &expired).await.unwrap(), 1);
    }

    async fn a_password_reset_sets_a_new_password_once(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        h.directory.set_password(&h.admin, s.district, ada.id, &password("old-password-1"), false).await.unwrap();

        h.directory.request_password_reset(s.district, "Ada@Maple.Example").await.unwrap();
        let messages = messages_to(&h, s.district, ada.id).await;
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].1.purpose, MessagePurpose::PasswordReset);
        assert!(messages[0].1.content.text.contains("https://maple.example/reset?token="));
        let token = last_token(&h, s.district, ada.id, MessagePurpose::PasswordReset).await;

        h.directory.reset_password(s.district, &token, &password("new-password-2")).await.unwrap();
        assert!(h.directory.verify_password(s.district, "ada", "new-password-2").await.is_ok());
        assert!(h.directory.verify_password(s.district, "ada", "old-password-1").await.is_err());
        let again = h.directory.reset_password(s.district, &token, &password("third-password-3")).await;
        let unknown = h.directory.reset_password(s.district, "not-a-token", &password("third-password-3")).await;
        let (again, unknown) = (again.unwrap_err(), unknown.unwrap_err());
        assert_eq!(again.refusal(), Some(Refusal::TokenInvalid));
        assert_eq!(again.to_string(), unknown.to_string());
    }

    async fn password_resets_are_rate_limited_and_expire(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        h.directory.request_password_reset(s.district, "ada").await.unwrap();
        h.directory.request_password_reset(s.district, "ada").await.unwrap();
        assert_eq!(messages_to(&h, s.district, ada.id).await.len(), 1, "one per five minutes");
        for _ in 0..5 {
            h.clock.advance(Duration::minutes(5));
            h.directory.request_password_reset(s.district, "ada").await.unwrap();
        }
        assert_eq!(messages_to(&h, s.district, ada.id).await.len(), 3, "at most three open");
        let token = last_token(&h, s.district, ada.id, MessagePurpose::PasswordReset).await;
        h.clock.advance(Duration::minutes(61));
        let late = h.directory.reset_password(s.district, &token, &password("new-password-2")).await;
        assert_eq!(refusal(late), Refusal::TokenInvalid);
        // Expired links no longer count against the limit.
        h.directory.request_password_reset(s.district, "ada").await.unwrap();
        assert_eq!(messages_to(&h, s.district, ada.id).await.len(), 4);
    }

    async fn a_reset_link_works_for_an_hour_and_not_at_the_hour(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        let d = &h.directory;
        d.request_password_reset(s.district, "ada").await.unwrap();
        let first = last_token(&h, s.district, ada.id, MessagePurpose::PasswordReset).await;
        for _ in 0..2 {
            h.clock.advance(Duration::minutes(5));
            d.request_password_reset(s.district, "ada").await.unwrap();
        }
        let third = last_token(&h, s.district, ada.id, MessagePurpose::PasswordReset).await;
        assert_eq!(messages_to(&h, s.district, ada.id).await.len(), 3);
        // Exactly an hour after the first link went out, it has stopped working, and it no
        // longer counts against the three open links: a new one goes out.
        h.clock.advance(Duration::minutes(50));
        let at_the_hour = d.reset_password(s.district, &first, &password("new-password-2")).await;
        assert_eq!(refusal(at_the_hour), Refusal::TokenInvalid);
        d.request_password_reset(s.district, "ada").await.unwrap();
        assert_eq!(messages_to(&h, s.district, ada.id).await.len(), 4);
        // A second before its own hour, the third link still works.
        h.clock.advance(Duration::minutes(10) - Duration::seconds(1));
        d.reset_password(s.district, &third, &password("new-password-2")).await.unwrap();
    }

    async fn a_user_who_must_change_their_password_can_do_nothing_else(h: Harness) {
        let s = scene(&h).await;
        let ines = s.inviter.clone();
        let ines_id = ines.user_id().unwrap();
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        h.directory.set_password(&h.admin, s.district, ines_id, &password("temporary-1"), true).await.unwrap();

        let search = h.directory.search_users(&ines, s.district, &UserSearch::default()).await;
        assert_eq!(refusal(search), Refusal::PasswordChangeRequired);
        assert_eq!(refusal(h.directory.user(&ines, s.district, ada.id).await), Refusal::PasswordChangeRequired);
        assert_eq!(refusal(h.directory.invite_user(&ines, s.district, ada.id).await), Refusal::PasswordChangeRequired);
        assert_eq!(refusal(h.directory.self_view(&ines).await), Refusal::PasswordChangeRequired);
        assert_eq!(refusal(h.directory.district(&ines, s.district).await), Refusal::PasswordChangeRequired);
        let note = h.directory.add_note(&ines, s.district, ada.id, "hello").await;
        assert_eq!(refusal(note), Refusal::PasswordChangeRequired);

        h.directory.change_own_password(&ines, s.district, "temporary-1", &password("my-own-password")).await.unwrap();
        let page = h.directory.search_users(&ines, s.district, &UserSearch::default()).await.unwrap();
        assert!(page.total >= 2);
    }

    async fn an_admin_requires_a_password_change_without_resetting_it(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        let me = Actor::user(s.district, ada.id);
        assert!(!h.directory.require_password_change(&s.inviter, s.district, ada.id).await.unwrap(), "no password yet");
        h.directory.set_password(&h.admin, s.district, ada.id, &password("ada-password-1"), false).await.unwrap();
        assert!(h.directory.require_password_change(&s.inviter, s.district, ada.id).await.unwrap());
        let signed_in = h.directory.verify_password(s.district, "ada", "ada-password-1").await.unwrap();
        assert!(signed_in.must_change, "the same password, now to be changed");
        assert_eq!(refusal(h.directory.self_view(&me).await), Refusal::PasswordChangeRequired);
        h.directory.change_own_password(&me, s.district, "ada-password-1", &password("ada-password-2")).await.unwrap();
        assert!(h.directory.self_view(&me).await.is_ok());
    }

    async fn sso_only_districts_accept_invitations_by_linking_the_subject(h: Harness) {
        let s = scene(&h).await;
        let ada = person(&h, s.district, "Ada", &s.lincoln).await;
        h.directory.invite_user(&s.inviter, s.district, ada.id).await.unwrap();
        let token = last_token(&h, s.district, ada.id, MessagePurpose::Invitation).await;
        let district = h.directory.district(&h.admin, s.district).await.unwrap();
        let settings = DistrictSettings { sso_only: true, ..district.settings.clone() };
        h.directory.update_district_settings(&h.admin, s.district, district.version, settings).await.unwrap();

        let with_password = h.directory.accept_invitation(s.district, &token, &password("tulip-garden-42")).await;
        assert_eq!(refusal(with_password), Refusal::PasswordsDisabled);
        let signed_in = h.directory.accept_invitation_with_sso(s.district, &token, "google|ada-123").await.unwrap();
        assert_eq!(signed_in.user, ada.id);
        let linked = h.directory.user(&h.admin, s.district, ada.id).await.unwrap();
        assert_eq!(linked.details.sso_subject.as_deref(), Some("google|ada-123"));
        let again = h.directory.accept_invitation_with_sso(s.district, &token, "google|mallory").await;
        assert_eq!(refusal(again), Refusal::TokenInvalid);
    }

    async fn an_account_linked_to_an_sso_identity_accepts_its_invitation_only_with_that_identity(h: Harness) {
        let s = scene(&h).await;
        let mut details = UserDetails::new(UserKind::Staff, "Grace", "Onboard")
            .with_email("grace@maple.example")
            .unwrap()
            .in_org_unit(s.lincoln.id);
        details.sso_subject = Some("google|grace-1".into());
        let grace = h.member(s.district, details).await;
        h.directory.invite_user(&s.inviter, s.district, grace.id).await.unwrap();
        let token = last_token(&h, s.district, grace.id, MessagePurpose::Invitation).await;

        let other = h.directory.accept_invitation_with_sso(s.district, &token, "google|mallory").await;
        assert_eq!(other.map(|_| ()).map_err(|e| e.kind()), Err(ErrorKind::Invalid));
        let linked = h.directory.user(&h.admin, s.district, grace.id).await.unwrap();
        assert_eq!(linked.details.sso_subject.as_deref(), Some("google|grace-1"));
        let signed_in = h.directory.accept_invitation_with_sso(s.district, &token, "google|grace-1").await.unwrap();
        assert_eq!(signed_in.user, grace.id);
    }
}
