//! Impersonation: "A acting as B", time-bounded, logged with both names, unable to touch
//! credentials or grants. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use chrono::Duration;
use homeroom::password::Password;
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

/// Lincoln; a help-desk admin (a "Help Desk" role district-wide: see, edit, impersonate, read
/// logs), a teacher who may see Lincoln and write notes, a student, and the System
/// Administrator.
struct Scene {
    id: DistrictId,
    help_desk: User,
    desk: Actor,
    teacher: User,
    teacher_role: RoleId,
    student: User,
    sysadmin: User,
}

async fn scene(h: &Harness) -> Scene {
    let d = &h.directory;
    let (id, schools) = h.district_with_schools(&["Lincoln Middle"]).await;
    let lincoln = schools[0].id;
    let staff = |first: &str, last: &str| {
        UserDetails::new(UserKind::Staff, first, last).in_org_unit(lincoln)
    };
    let help_desk = h.member(id, staff("Hal", "Desk")).await;
    let teacher = h.member(id, staff("Terry", "Teacher")).await;
    let sysadmin = h.member(id, staff("Sam", "Admin")).await;
    h.grant(
        id,
        sysadmin.id,
        Preset::SystemAdministrator,
        Scope::District,
    )
    .await;
    let student = h
        .member(
            id,
            UserDetails::new(UserKind::Student, "Ada", "Pupil").in_org_unit(lincoln),
        )
        .await;
    let desk_perms = [
        Permission::ViewUsers,
        Permission::EditUsers,
        Permission::Impersonate,
        Permission::ViewActivityLog,
        Permission::UserNotes,
    ]
    .into_iter()
    .fold(PermissionSet::EMPTY, PermissionSet::with);
    let desk_role = d
        .create_role(&h.admin, id, "Help Desk", desk_perms)
        .await
        .unwrap();
    d.grant_role(&h.admin, id, help_desk.id, desk_role.id, Scope::District)
        .await
        .unwrap();
    let teacher_perms = PermissionSet::EMPTY
        .with(Permission::ViewUsers)
        .with(Permission::UserNotes);
    let teacher_role = d
        .create_role(&h.admin, id, "Teacher", teacher_perms)
        .await
        .unwrap()
        .id;
    d.grant_role(&h.admin, id, teacher.id, teacher_role, Scope::unit(lincoln))
        .await
        .unwrap();
    Scene {
        id,
        desk: Actor::user(id, help_desk.id),
        help_desk,
        teacher,
        teacher_role,
        student,
        sysadmin,
    }
}

fn refused(err: Error, reason: Refusal) {
    assert_eq!(err.refusal(), Some(reason), "{err}");
}

across_backends! {
    async fn scenario_help_desk_admin_impersonates_a_teacher_and_the_log_shows_both_names(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let session = d.start_impersonation(&s.desk, s.id, s.teacher.id, Duration::minutes(30)).await.unwrap();
        let as_teacher = &session.actor;
        assert_eq!(as_teacher.impersonator(), Some(s.help_desk.id));
        // The teacher's view: their own record, and what they may see.
        let mine = d.self_view(as_teacher).await.unwrap();
        assert_eq!(mine.user.id, s.teacher.id);
        let seen = d.search_users(as_teacher, s.id, &UserSearch::default()).await.unwrap();
        assert_eq!(seen.total, d.search_users(&Actor::user(s.id, s.teacher.id), s.id, &UserSearch::default()).await.unwrap().total);
        // What they do is logged with both names.
        d.add_note(as_teacher, s.id, s.student.id, "checked the teacher's view of Ada").await.unwrap();
        let log = d.user_activity(&h.admin, s.id, s.student.id, None, 1).await.unwrap();
        let entry = &log.items[0];
        assert_eq!(entry.actor.user, Some(s.help_desk.id));
        assert_eq!(entry.actor.name, "Hal Desk");
        assert_eq!(entry.on_behalf_of.as_ref().map(|b| b.name.as_str()), Some("Terry Teacher"));
        assert!(entry.to_string().contains("Hal Desk acting as Terry Teacher"), "{entry}");
        // Credentials, grants and another impersonation are refused.
        let stolen = Password::new("a-new-password-123").unwrap();
        refused(d.set_password(as_teacher, s.id, s.teacher.id, &stolen, false).await.unwrap_err(), Refusal::NotWhileImpersonating);
        refused(d.change_own_password(as_teacher, s.id, "x", &stolen).await.unwrap_err(), Refusal::NotWhileImpersonating);
        refused(d.grant_role(as_teacher, s.id, s.student.id, s.teacher_role, Scope::District).await.unwrap_err(), Refusal::NotWhileImpersonating);
        refused(d.start_impersonation(as_teacher, s.id, s.student.id, Duration::minutes(5)).await.unwrap_err(), Refusal::NotWhileImpersonating);
        // The teacher sees that it happened, in their own activity.
        let theirs = d.user_activity(&h.admin, s.id, s.teacher.id, None, 10).await.unwrap();
        assert!(theirs.items.iter().any(|e| e.action == ActivityAction::ImpersonationStarted && e.actor.name == "Hal Desk"));
        // Ending is logged, and the actor acts as nobody afterwards.
        d.end_impersonation(as_teacher, s.id).await.unwrap();
        let theirs = d.user_activity(&h.admin, s.id, s.teacher.id, None, 1).await.unwrap();
        assert_eq!(theirs.items[0].action, ActivityAction::ImpersonationEnded);
        let hal = d.user_activity(&h.admin, s.id, s.help_desk.id, None, 2).await.unwrap();
        assert!(hal.items.iter().all(|e| e.on_behalf_of.as_ref().is_some_and(|b| b.name == "Terry Teacher")));
        refused(d.self_view(as_teacher).await.unwrap_err(), Refusal::ImpersonationEnded);
        refused(d.search_users(as_teacher, s.id, &UserSearch::default()).await.unwrap_err(), Refusal::ImpersonationEnded);
    }

    async fn impersonation_runs_out_and_stops_when_the_grant_goes(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let session = d.start_impersonation(&s.desk, s.id, s.teacher.id, Duration::minutes(30)).await.unwrap();
        h.clock.advance(Duration::minutes(31));
        refused(d.search_users(&session.actor, s.id, &UserSearch::default()).await.unwrap_err(), Refusal::ImpersonationEnded);
        let session = d.start_impersonation(&s.desk, s.id, s.teacher.id, Duration::minutes(30)).await.unwrap();
        let grants = d.grants_of(&h.admin, s.id, s.help_desk.id).await.unwrap();
        d.revoke_grant(&h.admin, s.id, grants[0].id).await.unwrap();
        refused(d.search_users(&session.actor, s.id, &UserSearch::default()).await.unwrap_err(), Refusal::ImpersonationEnded);
        let too_long = d.start_impersonation(&h.admin, s.id, s.teacher.id, Duration::hours(5)).await.unwrap_err();
        assert_eq!(too_long.kind(), ErrorKind::Invalid, "a system actor acts as itself: {too_long}");
    }

    async fn attack_an_impersonation_stops_once_the_user_holds_more_than_the_impersonator(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let session = d.start_impersonation(&s.desk, s.id, s.teacher.id, Duration::minutes(30)).await.unwrap();
        d.search_users(&session.actor, s.id, &UserSearch::default()).await.unwrap();
        // The teacher becomes a System Administrator meanwhile: the help desk still holds
        // Impersonate over them, but no longer everything they hold.
        h.grant(s.id, s.teacher.id, Preset::SystemAdministrator, Scope::District).await;
        refused(d.search_users(&session.actor, s.id, &UserSearch::default()).await.unwrap_err(), Refusal::ImpersonationEnded);
    }

    async fn an_impersonation_stops_once_the_impersonator_loses_impersonate(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let session = d.start_impersonation(&s.desk, s.id, s.teacher.id, Duration::minutes(30)).await.unwrap();
        d.search_users(&session.actor, s.id, &UserSearch::default()).await.unwrap();
        // The help desk role loses Impersonate and keeps the rest: it still covers the teacher.
        let grants = d.grants_of(&h.admin, s.id, s.help_desk.id).await.unwrap();
        let roles = d.roles(&h.admin, s.id).await.unwrap();
        let desk_role = roles.iter().find(|r| r.id == grants[0].role).unwrap();
        let without = desk_role.permissions.minus(PermissionSet::EMPTY.with(Permission::Impersonate));
        d.set_role_permissions(&h.admin, s.id, desk_role.id, desk_role.version, without).await.unwrap();
        refused(d.search_users(&session.actor, s.id, &UserSearch::default()).await.unwrap_err(), Refusal::ImpersonationEnded);
    }

    async fn attack_help_desk_impersonates_the_system_administrator(h: Harness) {
        let s = scene(&h).await;
        let err = h.directory.start_impersonation(&s.desk, s.id, s.sysadmin.id, Duration::minutes(5)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "nobody acts as someone more powerful: {err}");
        // A teacher without Impersonate cannot start one at all.
        let teacher = Actor::user(s.id, s.teacher.id);
        let err = h.directory.start_impersonation(&teacher, s.id, s.student.id, Duration::minutes(5)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
    }

    async fn attack_forged_impersonation_actor_acts_as_nobody(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        // A real session for the teacher, then a forged actor naming it but the sysadmin.
        let session = d.start_impersonation(&s.desk, s.id, s.teacher.id, Duration::minutes(30)).await.unwrap();
        let json = serde_json::to_string(&session.actor).unwrap();
        let forged: Actor = serde_json::from_str(&json.replace(&s.teacher.id.to_string(), &s.sysadmin.id.to_string())).unwrap();
        refused(d.search_users(&forged, s.id, &UserSearch::default()).await.unwrap_err(), Refusal::ImpersonationEnded);
        refused(d.self_view(&forged).await.unwrap_err(), Refusal::ImpersonationEnded);
    }

    async fn an_impersonation_lasts_more_than_nothing_and_at_most_four_hours(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        for too in [Duration::zero(), Duration::seconds(-1), MAX_IMPERSONATION + Duration::seconds(1)] {
            let err = d.start_impersonation(&s.desk, s.id, s.teacher.id, too).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Invalid, "{too:?}: {err}");
        }
        let longest = d.start_impersonation(&s.desk, s.id, s.teacher.id, MAX_IMPERSONATION).await.unwrap();
        assert_eq!(longest.until, h.clock.now() + MAX_IMPERSONATION, "exactly four hours is allowed");
        // Ending it twice, or after it ran out, is a no-op, not an error.
        d.end_impersonation(&longest.actor, s.id).await.unwrap();
        d.end_impersonation(&longest.actor, s.id).await.unwrap();
        let log = d.user_activity(&h.admin, s.id, s.teacher.id, None, 50).await.unwrap();
        let ends = log.items.iter().filter(|e| e.action == ActivityAction::ImpersonationEnded).count();
        assert_eq!(ends, 1, "the second end wrote nothing");
    }

    async fn attack_a_session_forged_for_another_user_acts_as_nobody(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let session = d.start_impersonation(&s.desk, s.id, s.teacher.id, Duration::minutes(30)).await.unwrap();
        // A host that keeps actors in a client-side token: the attacker swaps in another user.
        let json = serde_json::to_string(&session.actor).unwrap();
        let forged = json.replace(&s.teacher.id.to_string(), &s.student.id.to_string());
        assert_ne!(json, forged);
        let forged: Actor = serde_json::from_str(&forged).unwrap();
        refused(d.search_users(&forged, s.id, &UserSearch::default()).await.unwrap_err(), Refusal::ImpersonationEnded);
        // The genuine session still works.
        d.search_users(&session.actor, s.id, &UserSearch::default()).await.unwrap();
    }
}
