//! Attacks through profile-update requests: claiming another user's e-mail or a sign-in name,
//! probing requests out of reach, and a request turned into an edit by someone who may not
//! edit. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::requests::*;
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

struct Scene {
    id: DistrictId,
    kid: User,
    other: User,
    /// Users Manager over Lincoln only.
    manager: Actor,
    /// A Roosevelt student's request.
    far: RequestView,
}

async fn scene(h: &Harness) -> Scene {
    let d = &h.directory;
    let (id, units) = h.district_with_schools(&["Lincoln", "Roosevelt"]).await;
    h.edit_settings(id, |settings| settings.profile_update_requests = true)
        .await;
    let kid = h
        .member(
            id,
            UserDetails::new(UserKind::Student, "Kim", "Kid").in_org_unit(units[0].id),
        )
        .await;
    let other = UserDetails::new(UserKind::Staff, "Ora", "Other")
        .in_org_unit(units[1].id)
        .with_email("ora@maple.example")
        .unwrap();
    let other = h.member(id, other).await;
    let manager = h
        .member(
            id,
            UserDetails::new(UserKind::Staff, "Mia", "Manager").in_org_unit(units[0].id),
        )
        .await;
    h.grant(
        id,
        manager.id,
        Preset::UsersManager,
        Scope::unit(units[0].id),
    )
    .await;
    let far_kid = h
        .member(
            id,
            UserDetails::new(UserKind::Student, "Eve", "Far").in_org_unit(units[1].id),
        )
        .await;
    let mut asked = far_kid.details.clone();
    asked.phones.home = Some("555-0100".into());
    let far = d
        .submit_profile_update(&Actor::user(id, far_kid.id), id, asked)
        .await
        .unwrap();
    Scene {
        id,
        kid,
        other,
        manager: Actor::user(id, manager.id),
        far,
    }
}

across_backends! {
    async fn attack_request_for_another_users_email_or_a_sign_in_name_is_refused(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        let kid = Actor::user(s.id, s.kid.id);
        // Another user's e-mail (a sign-in key): taken, as for an edit, without naming its holder.
        let mut theirs = s.kid.details.clone();
        theirs.email = Some(Email::parse("ORA@maple.example").unwrap());
        let error = d.submit_profile_update(&kid, s.id, theirs).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Invalid);
        assert!(!error.to_string().contains("Ora"), "{error}");
        // A username or SSO subject is never for a request.
        let mut login = s.kid.details.clone();
        login.username = Some(Username::parse("principal").unwrap());
        login.sso_subject = Some("admin@idp".into());
        let error = d.submit_profile_update(&kid, s.id, login).await.unwrap_err();
        let fields: Vec<_> = error.validation().unwrap().errors().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, vec!["username".to_string(), "sso_subject".to_string()]);
        let _ = s.other;
    }

    async fn attack_requests_out_of_reach_read_as_missing(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        let ghost = ItemId::from_uuid(uuid::Uuid::from_u128(0xdead));
        let far = d.mark_request_done(&s.manager, s.id, s.far.id, s.far.version, false).await.unwrap_err();
        let none = d.mark_request_done(&s.manager, s.id, ghost, s.far.version, false).await.unwrap_err();
        assert_eq!(far.kind(), ErrorKind::NotFound);
        assert_eq!(
            far.to_string().replace(&s.far.id.to_string(), "?"),
            none.to_string().replace(&ghost.to_string(), "?")
        );
        let restore = d.restore_request(&s.manager, s.id, s.far.id, s.far.version).await.unwrap_err();
        assert_eq!(restore.kind(), ErrorKind::NotFound);
        // Nor is it counted in the manager's lists.
        let list = d.profile_update_requests(&s.manager, s.id, RequestFilter::All, None, 50).await.unwrap();
        assert_eq!(list.counts, RequestCounts::default());
    }

    async fn attack_seeing_a_user_is_not_handling_their_requests(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        // The Lincoln manager comes to see every user of the district, and still handles
        // requests in Lincoln only.
        let viewers = PermissionSet::EMPTY.with(Permission::ViewUsers);
        let viewer = d.create_role(&h.admin, s.id, "Viewer", viewers).await.unwrap();
        d.grant_role(&h.admin, s.id, s.manager.user_id().unwrap(), viewer.id, Scope::District).await.unwrap();
        d.user(&s.manager, s.id, s.far.user).await.unwrap();
        let list = d.profile_update_requests(&s.manager, s.id, RequestFilter::All, None, 50).await.unwrap();
        assert_eq!(list.counts, RequestCounts::default());
        assert!(list.items.is_empty());
        let error = d.mark_request_done(&s.manager, s.id, s.far.id, s.far.version, false).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Forbidden, "{error}");
    }

    async fn attack_a_user_cannot_handle_their_own_request(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        let kid = Actor::user(s.id, s.kid.id);
        let mut asked = s.kid.details.clone();
        asked.phones.home = Some("555-0100".into());
        let mine = d.submit_profile_update(&kid, s.id, asked).await.unwrap();
        // The kid does not see others' profiles, so their own request is out of reach too.
        let error = d.mark_request_done(&kid, s.id, mine.id, mine.version, true).await.unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::NotFound | ErrorKind::Forbidden), "{error}");
        assert_eq!(d.user(&h.admin, s.id, s.kid.id).await.unwrap().details.phones.home, None);
    }
}

/// Two first submissions by one user land at once (two tabs, a double click): one opens the
/// request, the other is a clean `Conflict` — never a storage error — and nothing is lost:
/// submitting again amends the one open request.
#[tokio::test]
async fn racing_first_submissions_open_one_request_and_the_loser_conflicts() {
    use std::sync::Arc;

    use homeroom_tests::Backend;
    use homeroom_tests::race::{Gate, Hooked};

    for backend in Backend::ALL {
        let gate = Arc::new(Hooked::new(backend.storage().await, Gate::default()));
        let h = Harness::over(*backend, gate.clone()).await;
        let d = &h.directory;
        let (id, units) = h.district_with_schools(&["Lincoln"]).await;
        h.edit_settings(id, |settings| settings.profile_update_requests = true)
            .await;
        let kid = h
            .member(
                id,
                UserDetails::new(UserKind::Student, "Kim", "Kid").in_org_unit(units[0].id),
            )
            .await;
        let me = Actor::user(id, kid.id);
        let phone = |n: &str| {
            let mut details = kid.details.clone();
            details.phones.mobile = Some(n.into());
            details
        };
        gate.hook().hold_next_applies(2);
        let (a, b) = tokio::join!(
            d.submit_profile_update(&me, id, phone("555-0100")),
            d.submit_profile_update(&me, id, phone("555-0199")),
        );
        let (won, lost) = match (a, b) {
            (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
            other => panic!("{backend:?}: exactly one must open the request: {other:?}"),
        };
        assert_eq!(lost.kind(), ErrorKind::Conflict, "{backend:?}: {lost}");
        let again = d
            .submit_profile_update(&me, id, phone("555-0123"))
            .await
            .unwrap();
        assert_eq!(
            again.id, won.id,
            "{backend:?}: submitting again amends the open request"
        );
    }
}
