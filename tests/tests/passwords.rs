//! Passwords end to end: an admin sets a temporary password, the user signs in and must change
//! it, changes it, and signs in again; scope, SSO-only districts, blocked users and the
//! sameness of every failed sign-in. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::password::Password;
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

struct Setup {
    district: DistrictId,
    ada: User,
    principal: Actor,
}

/// A district with Ada (staff at Lincoln), Wes (a Washington student) and the principal of
/// Washington, who cannot see Ada.
async fn setup(h: &Harness) -> Setup {
    let d = &h.directory;
    let district = d
        .create_district(&h.admin, "Maple Valley USD")
        .await
        .unwrap()
        .id;
    let lincoln = d
        .create_org_unit(&h.admin, district, NewOrgUnit::school("Lincoln Middle"))
        .await
        .unwrap();
    let washington = d
        .create_org_unit(&h.admin, district, NewOrgUnit::school("Washington High"))
        .await
        .unwrap();
    let ada = d
        .create_user(
            &h.admin,
            district,
            UserDetails::new(UserKind::Staff, "Ada", "Lovelace")
                .with_username("alovelace")
                .unwrap()
                .with_email("ada@maple.example")
                .unwrap()
                .in_org_unit(lincoln.id),
        )
        .await
        .unwrap();
    let principal = d
        .create_user(
            &h.admin,
            district,
            UserDetails::new(UserKind::Staff, "Pat", "Principal").in_org_unit(washington.id),
        )
        .await
        .unwrap();
    let roles = d.roles(&h.admin, district).await.unwrap();
    let building_admin = roles
        .iter()
        .find(|r| r.preset == Some(Preset::BuildingAdministrator))
        .unwrap()
        .id;
    d.grant_role(
        &h.admin,
        district,
        principal.id,
        building_admin,
        Scope::unit(washington.id),
    )
    .await
    .unwrap();
    Setup {
        district,
        ada,
        principal: Actor::user(district, principal.id),
    }
}

fn password(text: &str) -> Password {
    Password::new(text).unwrap()
}

fn refusal(error: &Error) -> Refusal {
    match error {
        Error::Refused { reason, .. } => *reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

across_backends! {
    async fn a_temporary_password_must_be_changed_then_the_new_one_works(h: Harness) {
        let s = setup(&h).await;
        let d = &h.directory;
        d.set_password(&h.admin, s.district, s.ada.id, &password("welcome-2026"), true)
            .await
            .unwrap();
        let first = d.verify_password(s.district, "ALovelace", "welcome-2026").await.unwrap();
        assert_eq!(first, SignIn { user: s.ada.id, must_change: true });
        // The e-mail address works as the login too.
        let by_email = d.verify_password(s.district, "Ada@Maple.Example", "welcome-2026").await.unwrap();
        assert_eq!(by_email.user, s.ada.id);

        let ada = Actor::user(s.district, s.ada.id);
        let wrong = d
            .change_own_password(&ada, s.district, "not-the-password", &password("my-own-secret"))
            .await
            .unwrap_err();
        assert_eq!(refusal(&wrong), Refusal::SignInFailed);
        d.change_own_password(&ada, s.district, "welcome-2026", &password("my-own-secret"))
            .await
            .unwrap();
        let again = d.verify_password(s.district, "alovelace", "my-own-secret").await.unwrap();
        assert!(!again.must_change);
        let old = d.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap_err();
        assert_eq!(refusal(&old), Refusal::SignInFailed);

        // The log says a password was set, twice, and never holds one.
        let log = d.user_activity(&h.admin, s.district, s.ada.id, None, 50).await.unwrap();
        let sets: Vec<_> = log.items.iter().filter(|e| e.action == ActivityAction::PasswordSet).collect();
        assert_eq!(sets.len(), 2);
        let shown = format!("{:?}", log.items);
        assert!(!shown.contains("welcome-2026") && !shown.contains("my-own-secret"));
    }

    async fn outside_scope_is_not_found_and_user_reads_carry_no_hash(h: Harness) {
        let s = setup(&h).await;
        let error = h
            .directory
            .set_password(&s.principal, s.district, s.ada.id, &password("welcome-2026"), true)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound);
        h.directory
            .set_password(&h.admin, s.district, s.ada.id, &password("welcome-2026"), true)
            .await
            .unwrap();
        let read = h.directory.user(&h.admin, s.district, s.ada.id).await.unwrap();
        assert!(!serde_json::to_string(&read).unwrap().contains("argon2"));
    }

    async fn every_failed_sign_in_looks_the_same(h: Harness) {
        let s = setup(&h).await;
        let d = &h.directory;
        // Ada has no password yet.
        let no_password = d.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap_err();
        d.set_password(&h.admin, s.district, s.ada.id, &password("welcome-2026"), false)
            .await
            .unwrap();
        let unknown = d.verify_password(s.district, "nobody", "welcome-2026").await.unwrap_err();
        let wrong = d.verify_password(s.district, "alovelace", "Welcome-2026").await.unwrap_err();
        let blank = d.verify_password(s.district, "  ", "welcome-2026").await.unwrap_err();
        let messages: Vec<String> = [&no_password, &unknown, &wrong, &blank]
            .iter()
            .map(|e| {
                assert_eq!(refusal(e), Refusal::SignInFailed);
                e.to_string()
            })
            .collect();
        assert!(messages.windows(2).all(|w| w[0] == w[1]), "{messages:?}");
    }

    async fn blocked_users_and_sso_districts_cannot_use_passwords(h: Harness) {
        let s = setup(&h).await;
        let d = &h.directory;
        d.set_password(&h.admin, s.district, s.ada.id, &password("welcome-2026"), false)
            .await
            .unwrap();
        let suspended = d
            .set_access(&h.admin, s.district, s.ada.id, s.ada.version, Access::Suspended)
            .await
            .unwrap();
        let blocked = d.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap_err();
        assert_eq!(refusal(&blocked), Refusal::SignInBlocked);
        // A wrong password still says only that the sign-in failed.
        let wrong = d.verify_password(s.district, "alovelace", "nope-nope-nope").await.unwrap_err();
        assert_eq!(refusal(&wrong), Refusal::SignInFailed);
        let allowed = d
            .set_access(&h.admin, s.district, s.ada.id, suspended.version, Access::Allowed)
            .await
            .unwrap();
        d.set_status(&h.admin, s.district, s.ada.id, allowed.version, RecordStatus::Inactive)
            .await
            .unwrap();
        let inactive = d.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap_err();
        assert_eq!(refusal(&inactive), Refusal::SignInBlocked);

        let district = d.district(&h.admin, s.district).await.unwrap();
        let mut settings = district.settings.clone();
        settings.sso_only = true;
        d.update_district_settings(&h.admin, s.district, district.version, settings)
            .await
            .unwrap();
        let sso = d.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap_err();
        assert_eq!(refusal(&sso), Refusal::PasswordsDisabled);
        let set = d
            .set_password(&h.admin, s.district, s.ada.id, &password("another-one-1"), true)
            .await
            .unwrap_err();
        assert_eq!(refusal(&set), Refusal::PasswordsDisabled);
    }
}
