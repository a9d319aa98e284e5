//! Passwords end to end: an admin sets a temporary password, the user signs in and must change
//! it, changes it, and signs in again; scope, SSO-only districts, blocked users and the
//! sameness of every failed sign-in. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::password::Password;
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

struct Setup {
    district: DistrictId,
    lincoln: OrgUnitId,
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
        lincoln: lincoln.id,
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

    async fn inside_scope_without_edit_users_is_forbidden_and_sets_nothing(h: Harness) {
        let s = setup(&h).await;
        let d = &h.directory;
        let olive = d
            .create_user(
                &h.admin,
                s.district,
                UserDetails::new(UserKind::Staff, "Olive", "Observer").in_org_unit(s.lincoln),
            )
            .await
            .unwrap();
        let observer = d
            .roles(&h.admin, s.district)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.preset == Some(Preset::Observer))
            .unwrap();
        d.grant_role(&h.admin, s.district, olive.id, observer.id, Scope::unit(s.lincoln))
            .await
            .unwrap();
        let olive = Actor::user(s.district, olive.id);
        // Olive sees Ada (View Users over Lincoln) but may not edit her.
        d.user(&olive, s.district, s.ada.id).await.unwrap();
        let error = d
            .set_password(&olive, s.district, s.ada.id, &password("welcome-2026"), true)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Forbidden);
        let nothing = d.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap_err();
        assert_eq!(refusal(&nothing), Refusal::SignInFailed);
        let log = d.user_activity(&h.admin, s.district, s.ada.id, None, 50).await.unwrap();
        assert!(log.items.iter().all(|e| e.action != ActivityAction::PasswordSet));
    }

    async fn only_a_user_of_the_district_changes_their_own_password(h: Harness) {
        let s = setup(&h).await;
        let d = &h.directory;
        d.set_password(&h.admin, s.district, s.ada.id, &password("welcome-2026"), true)
            .await
            .unwrap();
        // A system actor has no password of its own.
        let system = d
            .change_own_password(&h.admin, s.district, "welcome-2026", &password("my-own-secret"))
            .await
            .unwrap_err();
        assert_eq!(refusal(&system), Refusal::SignInFailed);
        // Ada, acting in another district, is not Ada there.
        let elsewhere = d.create_district(&h.admin, "Cedar Falls USD").await.unwrap().id;
        let ada = Actor::user(s.district, s.ada.id);
        let other = d
            .change_own_password(&ada, elsewhere, "welcome-2026", &password("my-own-secret"))
            .await
            .unwrap_err();
        assert_eq!(refusal(&other), Refusal::SignInFailed);
        // Nothing changed: the temporary password still works and must still be changed.
        let still = d.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap();
        assert!(still.must_change);
    }

    async fn a_blocked_user_cannot_change_their_password_and_an_expired_lock_lifts(h: Harness) {
        let s = setup(&h).await;
        let d = &h.directory;
        d.set_password(&h.admin, s.district, s.ada.id, &password("welcome-2026"), false)
            .await
            .unwrap();
        let until = h.clock.now() + chrono::Duration::minutes(15);
        let locked = d
            .set_access(
                &h.admin,
                s.district,
                s.ada.id,
                s.ada.version,
                Access::Locked { until: Some(until), reason: "five failed sign-ins (note for admins)".into() },
            )
            .await
            .unwrap();
        let blocked = d.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap_err();
        assert_eq!(refusal(&blocked), Refusal::SignInBlocked);
        assert!(!blocked.to_string().contains("note for admins"), "{blocked}");
        let ada = Actor::user(s.district, s.ada.id);
        let change = d
            .change_own_password(&ada, s.district, "welcome-2026", &password("my-own-secret"))
            .await
            .unwrap_err();
        assert_eq!(refusal(&change), Refusal::SignInBlocked);

        // Once the lock's time has passed, the same password works again.
        h.clock.advance(chrono::Duration::minutes(16));
        let signed_in = d.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap();
        assert_eq!(signed_in.user, locked.id);
        d.change_own_password(&ada, s.district, "welcome-2026", &password("my-own-secret"))
            .await
            .unwrap();
        d.verify_password(s.district, "alovelace", "my-own-secret").await.unwrap();
    }

    async fn sso_only_districts_refuse_changing_passwords_too(h: Harness) {
        let s = setup(&h).await;
        let d = &h.directory;
        d.set_password(&h.admin, s.district, s.ada.id, &password("welcome-2026"), false)
            .await
            .unwrap();
        let district = d.district(&h.admin, s.district).await.unwrap();
        let settings = DistrictSettings { sso_only: true, ..district.settings.clone() };
        d.update_district_settings(&h.admin, s.district, district.version, settings)
            .await
            .unwrap();
        let ada = Actor::user(s.district, s.ada.id);
        let change = d
            .change_own_password(&ada, s.district, "welcome-2026", &password("my-own-secret"))
            .await
            .unwrap_err();
        assert_eq!(refusal(&change), Refusal::PasswordsDisabled);
        assert_eq!(change.kind(), ErrorKind::Refused);
    }
}
