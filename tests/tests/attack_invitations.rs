//! Attacks through onboarding: invitations into accounts more powerful than the inviter's,
//! tokens guessed, reused or read, password resets that probe for accounts, and a temporary
//! password used for more than changing it. Each test is one thing an attacker tried, and what
//! stops it (see `docs/security.md`). Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use chrono::Duration;
use homeroom::messaging::MessagePurpose;
use homeroom::onboarding::InvitationStatus;
use homeroom::password::Password;
use homeroom::storage::{ItemKind, ItemQuery};
use homeroom::*;
use homeroom_tests::outbox::{last_token, messages_to};
use homeroom_tests::race::{Gate, Hooked, at_once};
use homeroom_tests::{Harness, across_backends};

/// Lincoln and Washington; a District Administrator who is a Lincoln member; Ines, an
/// Organization Administrator over Lincoln (Manage Invitations and Edit Users there: the
/// attacker); Bob, a Building Administrator over Lincoln (no Manage Invitations); a Lincoln
/// and a Washington teacher.
struct Scene {
    id: DistrictId,
    district_admin: User,
    teacher: User,
    far_teacher: User,
    ines: Actor,
    bob: Actor,
}

async fn staff(h: &Harness, district: DistrictId, first: &str, unit: OrgUnitId) -> User {
    let login = first.to_lowercase();
    h.member(
        district,
        UserDetails::new(UserKind::Staff, first, "Staff")
            .with_username(&login)
            .unwrap()
            .with_email(&format!("{login}@maple.example"))
            .unwrap()
            .in_org_unit(unit),
    )
    .await
}

async fn scene(h: &Harness) -> Scene {
    let (id, schools) = h
        .district_with_schools(&["Lincoln Middle", "Washington High"])
        .await;
    h.with_links(id).await;
    let (lincoln, washington) = (schools[0].id, schools[1].id);
    let district_admin = staff(h, id, "Dana", lincoln).await;
    h.grant(
        id,
        district_admin.id,
        Preset::DistrictAdministrator,
        Scope::District,
    )
    .await;
    let ines = staff(h, id, "Ines", lincoln).await;
    h.grant(
        id,
        ines.id,
        Preset::OrganizationAdministrator,
        Scope::unit(lincoln),
    )
    .await;
    let bob = staff(h, id, "Bob", lincoln).await;
    h.grant(
        id,
        bob.id,
        Preset::BuildingAdministrator,
        Scope::unit(lincoln),
    )
    .await;
    Scene {
        id,
        district_admin,
        teacher: staff(h, id, "Tess", lincoln).await,
        far_teacher: staff(h, id, "Wade", washington).await,
        ines: Actor::user(id, ines.id),
        bob: Actor::user(id, bob.id),
    }
}

fn password(text: &str) -> Password {
    Password::new(text).unwrap()
}

fn kind<T: std::fmt::Debug>(result: Result<T, Error>) -> ErrorKind {
    result.unwrap_err().kind()
}

across_backends! {
    async fn attack_lincoln_inviter_invites_into_a_district_admins_account(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let dana = s.district_admin.id;
        let later = h.clock.now() + Duration::days(1);
        assert_eq!(kind(d.invite_user(&s.ines, s.id, dana).await), ErrorKind::Forbidden);
        assert_eq!(kind(d.schedule_invitation(&s.ines, s.id, dana, later).await), ErrorKind::Forbidden);
        assert!(messages_to(&h, s.id, dana).await.is_empty(), "no link went out");
        // Once the district has invited Dana, Ines can neither resend (a link she could
        // time) nor clear it.
        d.invite_user(&h.admin, s.id, dana).await.unwrap();
        assert_eq!(kind(d.resend_invitation(&s.ines, s.id, dana).await), ErrorKind::Forbidden);
        assert_eq!(kind(d.clear_invitation(&s.ines, s.id, dana).await), ErrorKind::Forbidden);
        assert_eq!(messages_to(&h, s.id, dana).await.len(), 1);
        // Nor force a password change on her.
        assert_eq!(kind(d.require_password_change(&s.ines, s.id, dana).await), ErrorKind::Forbidden);
        // The teacher she covers, she invites.
        d.invite_user(&s.ines, s.id, s.teacher.id).await.unwrap();
    }

    async fn attack_invite_all_sweeps_a_more_powerful_user_in_the_building(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let everyone = UserSearch::default();
        let preview = d.count_invitable(&s.ines, s.id, &everyone).await.unwrap();
        let done = d.invite_all(&s.ines, s.id, &everyone, None).await.unwrap();
        // Ines and Tess: not Dana nor Bob (each holds something Ines does not: Bob, a
        // Building Administrator, holds the incident and invoice permissions), not Wade (out
        // of reach).
        assert_eq!((preview, done.invited), (2, 2));
        assert!(messages_to(&h, s.id, s.bob.user_id().unwrap()).await.is_empty());
        assert!(messages_to(&h, s.id, s.district_admin.id).await.is_empty());
        assert!(messages_to(&h, s.id, s.far_teacher.id).await.is_empty());
        let dana = d.invitation_of(&h.admin, s.id, s.district_admin.id).await.unwrap();
        assert_eq!(dana.status(), InvitationStatus::NotSent);
    }

    async fn attack_building_admin_without_manage_invitations_invites(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        assert_eq!(kind(d.invite_user(&s.bob, s.id, s.teacher.id).await), ErrorKind::Forbidden);
        assert_eq!(kind(d.invite_all(&s.bob, s.id, &UserSearch::default(), None).await), ErrorKind::Forbidden);
        assert_eq!(kind(d.count_invitable(&s.bob, s.id, &UserSearch::default()).await), ErrorKind::Forbidden);
        assert!(messages_to(&h, s.id, s.teacher.id).await.is_empty());
    }

    async fn attack_inviting_a_user_out_of_reach_probes_for_them(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let nobody = UserId::from_uuid(uuid::Uuid::from_u128(0xdead));
        let far = d.invite_user(&s.ines, s.id, s.far_teacher.id).await.unwrap_err();
        let unknown = d.invite_user(&s.ines, s.id, nobody).await.unwrap_err();
        assert_eq!(far.kind(), ErrorKind::NotFound);
        assert_eq!(
            far.to_string().replace(&s.far_teacher.id.to_string(), "ID"),
            unknown.to_string().replace(&nobody.to_string(), "ID"),
        );
        assert_eq!(kind(d.invitation_of(&s.ines, s.id, s.far_teacher.id).await), ErrorKind::NotFound);
        assert!(messages_to(&h, s.id, s.far_teacher.id).await.is_empty());
    }

    async fn attack_the_inviter_reads_the_token_to_sign_in_as_the_invitee(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let invitation = d.invite_user(&s.ines, s.id, s.teacher.id).await.unwrap();
        let token = last_token(&h, s.id, s.teacher.id, MessagePurpose::Invitation).await;
        // What the inviter gets back holds no token, in Debug or serde.
        assert!(!format!("{invitation:?}").contains(&token));
        assert!(!serde_json::to_string(&invitation).unwrap().contains(&token));
        // The stored invitation holds only a hash of it, and the message goes to the
        // invitee's own address.
        let stored = d
            .storage()
            .items(s.id, &ItemQuery::of(ItemKind::from_static("invitation")).with_owner(s.teacher.id))
            .await
            .unwrap();
        let item = &stored.items[0];
        assert!(!item.body.contains(&token) && item.key.as_deref() != Some(token.as_str()));
        assert!(!format!("{item:?}").contains(&token));
        let messages = messages_to(&h, s.id, s.teacher.id).await;
        assert_eq!(messages[0].1.to_address, "tess@maple.example");
        // The activity log names the change, never the link.
        let log = d.user_activity(&h.admin, s.id, s.teacher.id, None, 50).await.unwrap();
        assert!(log.items.iter().all(|e| !format!("{e:?}").contains(&token)));
    }

    async fn attack_guessed_reused_replaced_and_expired_tokens_fail_alike(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let tess = s.teacher.id;
        let try_token = |token: String| async move {
            d.accept_invitation(s.id, &token, &password("attacker-pass-1")).await.unwrap_err().to_string()
        };
        let guessed = try_token("0".repeat(64)).await;
        d.invite_user(&h.admin, s.id, tess).await.unwrap();
        let first = last_token(&h, s.id, tess, MessagePurpose::Invitation).await;
        d.resend_invitation(&h.admin, s.id, tess).await.unwrap();
        let replaced = try_token(first).await;
        let second = last_token(&h, s.id, tess, MessagePurpose::Invitation).await;
        h.clock.advance(Duration::days(8));
        let expired = try_token(second).await;
        d.resend_invitation(&h.admin, s.id, tess).await.unwrap();
        let third = last_token(&h, s.id, tess, MessagePurpose::Invitation).await;
        d.accept_invitation(s.id, &third, &password("tess-password-1")).await.unwrap();
        let reused = try_token(third).await;
        // A reset token is no invitation token (nor the reverse).
        d.request_password_reset(s.id, "tess").await.unwrap();
        let reset = last_token(&h, s.id, tess, MessagePurpose::PasswordReset).await;
        let crossed = try_token(reset).await;
        for other in [&replaced, &expired, &reused, &crossed] {
            assert_eq!(other, &guessed);
        }
        assert!(d.verify_password(s.id, "tess", "attacker-pass-1").await.is_err());
    }

    async fn attack_reset_requests_probe_which_accounts_exist(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let no_email = h.member(
            s.id,
            UserDetails::new(UserKind::Staff, "Nell", "Noaddress").with_username("nell").unwrap(),
        ).await;
        d.set_access(&h.admin, s.id, s.far_teacher.id, s.far_teacher.version, Access::Suspended)
            .await
            .unwrap();
        let answers = [
            d.request_password_reset(s.id, "nobody@maple.example").await,
            d.request_password_reset(s.id, "nell").await,
            d.request_password_reset(s.id, "wade").await,
            d.request_password_reset(s.id, "tess").await,
            d.request_password_reset(s.id, "tess").await,
        ];
        assert!(answers.iter().all(Result::is_ok), "the same answer for all: {answers:?}");
        assert!(messages_to(&h, s.id, no_email.id).await.is_empty());
        assert!(messages_to(&h, s.id, s.far_teacher.id).await.is_empty(), "a suspended account gets no link");
        assert_eq!(messages_to(&h, s.id, s.teacher.id).await.len(), 1, "rate-limited, silently");
    }

    async fn attack_temporary_password_admin_acts_before_changing_it(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let dana = Actor::user(s.id, s.district_admin.id);
        d.set_password(&h.admin, s.id, s.district_admin.id, &password("temporary-1"), true).await.unwrap();
        let roles = d.roles(&h.admin, s.id).await.unwrap();
        let building = roles.iter().find(|r| r.preset == Some(Preset::BuildingAdministrator)).unwrap().id;
        let attempts = [
            d.grant_role(&dana, s.id, s.teacher.id, building, Scope::District).await.map(|_| ()),
            d.set_password(&dana, s.id, s.teacher.id, &password("teacher-pass-1"), false).await,
            d.invite_user(&dana, s.id, s.teacher.id).await.map(|_| ()),
            d.invite_all(&dana, s.id, &UserSearch::default(), None).await.map(|_| ()),
            d.search_users(&dana, s.id, &UserSearch::default()).await.map(|_| ()),
        ];
        for attempt in attempts {
            assert_eq!(attempt.unwrap_err().refusal(), Some(Refusal::PasswordChangeRequired));
        }
        assert!(messages_to(&h, s.id, s.teacher.id).await.is_empty());
    }

    // Two people open one invitation link at the same moment (the invitee and whoever read
    // the e-mail over their shoulder): both find the token working, and the store holds both
    // writes until both have decided. Exactly one sets the password; the other is told what
    // every dead link is told, not that somebody else just won.
    async fn attack_one_invitation_link_used_twice_at_once_sets_one_password(h: Harness) {
        let gate = Arc::new(Hooked::new(h.backend.storage().await, Gate::default()));
        let h = Harness::over(h.backend, gate.clone()).await;
        let s = scene(&h).await;
        let d = &h.directory;
        let dead_link = d.accept_invitation(s.id, &"0".repeat(64), &password("guess-pass-1")).await.unwrap_err();
        d.invite_user(&h.admin, s.id, s.teacher.id).await.unwrap();
        let token = last_token(&h, s.id, s.teacher.id, MessagePurpose::Invitation).await;
        gate.hook().hold_next_applies(2);
        let (first, second) = at_once(
            d.accept_invitation(s.id, &token, &password("first-pass-1")),
            d.accept_invitation(s.id, &token, &password("second-pass-2")),
        )
        .await;
        let (winner, loser, lost) = match (first, second) {
            (Ok(_), Err(lost)) => ("first-pass-1", "second-pass-2", lost),
            (Err(lost), Ok(_)) => ("second-pass-2", "first-pass-1", lost),
            other => panic!("exactly one acceptance wins: {other:?}"),
        };
        assert_eq!(lost.refusal(), Some(Refusal::TokenInvalid), "{lost:?}");
        assert_eq!(lost.to_string(), dead_link.to_string());
        assert!(d.verify_password(s.id, "tess", winner).await.is_ok());
        assert!(d.verify_password(s.id, "tess", loser).await.is_err());
    }
}
