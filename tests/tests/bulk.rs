//! Bulk actions: preview, then apply exactly the preview, atomically, recorded as one
//! operation; the skip reasons; out-of-reach users never touched or named. Run over every
//! backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;

use homeroom::messaging::MessagePurpose;
use homeroom::*;
use homeroom_tests::mailer::{Answer, RecordingMailer};
use homeroom_tests::{Harness, across_backends};

/// Lincoln High and Washington High; a System Administrator and a District Administrator
/// (members of Lincoln), a Lincoln principal; four grade-12 students and one grade-11 in
/// Lincoln, two grade-12 students in Washington.
struct Scene {
    id: DistrictId,
    lincoln: OrgUnit,
    washington: OrgUnit,
    sysadmin: User,
    district_admin: User,
    principal: Actor,
    lincoln_seniors: Vec<User>,
    lincoln_junior: User,
    washington_seniors: Vec<User>,
}

async fn person(
    h: &Harness,
    id: DistrictId,
    kind: UserKind,
    first: &str,
    grade: Option<&str>,
    unit: OrgUnitId,
) -> User {
    let mut details = UserDetails::new(kind, first, "Tester")
        .with_email(&format!("{}@maple.example", first.to_lowercase()))
        .unwrap()
        .in_org_unit(unit);
    if let Some(grade) = grade {
        details = details.with_grade(grade).unwrap();
    }
    h.member(id, details).await
}

async fn scene(h: &Harness) -> Scene {
    let (id, schools) = h
        .district_with_schools(&["Lincoln High", "Washington High"])
        .await;
    let (lincoln, washington) = (schools[0].clone(), schools[1].clone());
    let sysadmin = person(h, id, UserKind::Staff, "Sam", None, lincoln.id).await;
    h.grant(
        id,
        sysadmin.id,
        Preset::SystemAdministrator,
        Scope::District,
    )
    .await;
    let district_admin = person(h, id, UserKind::Staff, "Dana", None, lincoln.id).await;
    h.grant(
        id,
        district_admin.id,
        Preset::DistrictAdministrator,
        Scope::District,
    )
    .await;
    let principal = person(h, id, UserKind::Staff, "Pat", None, lincoln.id).await;
    h.grant(
        id,
        principal.id,
        Preset::BuildingAdministrator,
        Scope::unit(lincoln.id),
    )
    .await;
    let mut lincoln_seniors = Vec::new();
    for first in ["Ada", "Ben", "Cy", "Di"] {
        lincoln_seniors.push(person(h, id, UserKind::Student, first, Some("12"), lincoln.id).await);
    }
    let lincoln_junior = person(h, id, UserKind::Student, "Eve", Some("11"), lincoln.id).await;
    let mut washington_seniors = Vec::new();
    for first in ["Wes", "Wyn"] {
        washington_seniors
            .push(person(h, id, UserKind::Student, first, Some("12"), washington.id).await);
    }
    Scene {
        id,
        lincoln,
        washington,
        sysadmin,
        district_admin,
        principal: Actor::user(id, principal.id),
        lincoln_seniors,
        lincoln_junior,
        washington_seniors,
    }
}

fn seniors() -> Selection {
    Selection::Matching(UserSearch::default().grade(Grade::Numbered(12)))
}

async fn reread(h: &Harness, s: &Scene, user: &User) -> User {
    h.directory.user(&h.admin, s.id, user.id).await.unwrap()
}

fn skipped(preview: &BulkPreview, reason: SkipReason) -> u64 {
    preview.skipped.get(&reason).copied().unwrap_or(0)
}

across_backends! {
    async fn scenario_building_admin_archives_last_years_grade_12_in_their_building(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let preview = d.preview_bulk(&s.principal, s.id, seniors(), BulkAction::Archive).await.unwrap();
        assert_eq!(preview.touched, 4, "only Lincoln's seniors: Washington's are out of reach");
        assert_eq!(preview.skipped_total(), 0, "a search never finds out-of-reach users: {:?}", preview.skipped);
        let done = d.apply_bulk(&s.principal, s.id, &preview).await.unwrap();
        assert_eq!(done.touched, 4);
        let operation = done.operation.unwrap();
        for senior in &s.lincoln_seniors {
            let now = reread(&h, &s, senior).await;
            assert_eq!(now.status, RecordStatus::Archived);
            assert_eq!(now.version, senior.version.next());
            let log = d.user_activity(&h.admin, s.id, senior.id, None, 10).await.unwrap();
            assert_eq!(log.items[0].action, ActivityAction::StatusChanged);
            assert_eq!(log.items[0].bulk_operation, Some(operation), "each entry names the one operation");
        }
        for untouched in s.washington_seniors.iter().chain([&s.lincoln_junior]) {
            assert_eq!(&reread(&h, &s, untouched).await, untouched, "nothing outside the selection changes");
        }
        let view = d.bulk_operation(&h.admin, s.id, operation).await.unwrap();
        assert_eq!(view.operation.touched, 4);
        assert_eq!(view.operation.action, BulkAction::Archive);
        assert!(view.operation.actor.name.contains("Pat"), "{:?}", view.operation.actor);
        // Again: everyone is already archived; the default search no longer finds them.
        let again = d.preview_bulk(&s.principal, s.id, seniors(), BulkAction::Archive).await.unwrap();
        assert_eq!(again.touched, 0);
        let nothing = d.apply_bulk(&s.principal, s.id, &again).await.unwrap();
        assert_eq!((nothing.touched, nothing.operation), (0, None));
    }

    async fn attack_bulk_by_ids_probes_or_touches_users_out_of_reach(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let mut ids: BTreeSet<UserId> = s.washington_seniors.iter().map(|u| u.id).collect();
        ids.insert(s.lincoln_seniors[0].id);
        ids.insert(UserId::from_uuid(uuid::Uuid::from_u128(0xdead)));
        let preview = d
            .preview_bulk(&s.principal, s.id, Selection::Users(ids), BulkAction::Suspend)
            .await
            .unwrap();
        assert_eq!(preview.touched, 1);
        assert_eq!(skipped(&preview, SkipReason::OutOfReach), 3, "two out of reach and one unknown: one count");
        let json = serde_json::to_string(&preview).unwrap();
        for hidden in &s.washington_seniors {
            assert!(!json.contains(&hidden.details.name.first), "no name of an out-of-reach user");
        }
        d.apply_bulk(&s.principal, s.id, &preview).await.unwrap();
        assert_eq!(reread(&h, &s, &s.lincoln_seniors[0]).await.access, Access::Suspended);
        for hidden in &s.washington_seniors {
            assert_eq!(&reread(&h, &s, hidden).await, hidden);
        }
    }

    async fn a_bulk_selection_of_ids_all_in_reach_reports_no_skips(h: Harness) {
        let s = scene(&h).await;
        let mine: BTreeSet<UserId> = s.lincoln_seniors.iter().map(|u| u.id).collect();
        let preview = h.directory.preview_bulk(&s.principal, s.id, Selection::Users(mine), BulkAction::Suspend).await.unwrap();
        // Not even an out-of-reach count of zero: the preview lists only what was skipped.
        assert_eq!((preview.touched, preview.skipped.len()), (4, 0), "{:?}", preview.skipped);
    }

    async fn attack_bulk_sweeps_more_powerful_users_and_the_last_system_administrator(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let in_lincoln = Selection::Matching(UserSearch::default().in_org_unit(s.lincoln.id));
        // The principal cannot suspend the two administrators; the rest of Lincoln (the
        // principal included: one covers oneself) would be.
        let preview = d.preview_bulk(&s.principal, s.id, in_lincoln.clone(), BulkAction::Suspend).await.unwrap();
        assert_eq!(skipped(&preview, SkipReason::MorePowerful), 2, "{:?}", preview.skipped);
        assert_eq!(preview.touched, 6, "four seniors, the junior and the principal");
        // The system actor archives all of Lincoln: the System Administrator is the last one.
        d.set_status(&h.admin, s.id, s.lincoln_junior.id, s.lincoln_junior.version, RecordStatus::Archived).await.unwrap();
        let everyone = Selection::Matching(UserSearch::default().in_org_unit(s.lincoln.id).any_status());
        let preview = d.preview_bulk(&h.admin, s.id, everyone, BulkAction::Archive).await.unwrap();
        assert_eq!(skipped(&preview, SkipReason::LastSystemAdministrator), 1, "{:?}", preview.skipped);
        assert_eq!(skipped(&preview, SkipReason::AlreadyInState), 1, "the junior is archived already");
        assert_eq!(preview.touched, 6);
        d.apply_bulk(&h.admin, s.id, &preview).await.unwrap();
        assert_eq!(reread(&h, &s, &s.sysadmin).await.status, RecordStatus::Active);
        assert_eq!(reread(&h, &s, &s.district_admin).await.status, RecordStatus::Archived);
    }

    async fn attack_bulk_apply_of_a_stale_or_forged_preview(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let preview = d.preview_bulk(&s.principal, s.id, seniors(), BulkAction::Archive).await.unwrap();
        let moved = &s.lincoln_seniors[1];
        d.set_access(&h.admin, s.id, moved.id, moved.version, Access::Suspended).await.unwrap();
        let err = d.apply_bulk(&s.principal, s.id, &preview).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
        assert!(matches!(err, Error::SelectionChanged { previewed: 4, now: 4 }), "{err:?}");
        for senior in &s.lincoln_seniors {
            assert_ne!(reread(&h, &s, senior).await.status, RecordStatus::Archived, "nothing was written");
        }
        // A new user joining the selection moves it too.
        let fresh = d.preview_bulk(&s.principal, s.id, seniors(), BulkAction::Archive).await.unwrap();
        person(&h, s.id, UserKind::Student, "Fay", Some("12"), s.lincoln.id).await;
        let err = d.apply_bulk(&s.principal, s.id, &fresh).await.unwrap_err();
        assert!(matches!(err, Error::SelectionChanged { previewed: 4, now: 5 }), "{err:?}");
        // A preview tampered with to claim more is refused the same way.
        let mut forged = d.preview_bulk(&s.principal, s.id, seniors(), BulkAction::Archive).await.unwrap();
        forged.selection = Selection::Matching(UserSearch::default());
        assert_eq!(d.apply_bulk(&s.principal, s.id, &forged).await.unwrap_err().kind(), ErrorKind::Conflict);
    }

    async fn attack_bulk_messages_cannot_send_invitations_or_reset_links(h: Harness) {
        let s = scene(&h).await;
        // Their links are made by their own commands; a bulk message would send a template
        // with no link, or one not made for this user.
        for purpose in [MessagePurpose::Invitation, MessagePurpose::PasswordReset] {
            let action = BulkAction::SendMessage { purpose, due: None };
            let err = h.directory.preview_bulk(&h.admin, s.id, seniors(), action).await.unwrap_err();
            let field = err.validation().and_then(|v| v.for_field("purpose")).map(|f| f.code.clone());
            assert_eq!(field, Some(ValidationCode::Protected), "{err}");
        }
    }

    async fn bulk_org_unit_changes_add_remove_and_replace(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let juniors = Selection::Users([s.lincoln_junior.id].into());
        let add = BulkAction::ChangeOrgUnits(OrgUnitChange::Add([s.washington.id].into()));
        // The principal holds nothing over Washington: adding it is not theirs to do.
        let preview = d.preview_bulk(&s.principal, s.id, juniors.clone(), add.clone()).await.unwrap();
        assert_eq!(skipped(&preview, SkipReason::NotPermitted), 1);
        let preview = d.preview_bulk(&h.admin, s.id, juniors.clone(), add).await.unwrap();
        d.apply_bulk(&h.admin, s.id, &preview).await.unwrap();
        let both: BTreeSet<OrgUnitId> = [s.lincoln.id, s.washington.id].into();
        assert_eq!(reread(&h, &s, &s.lincoln_junior).await.details.org_units, both);
        let remove = BulkAction::ChangeOrgUnits(OrgUnitChange::Remove([s.lincoln.id].into()));
        let preview = d.preview_bulk(&h.admin, s.id, juniors.clone(), remove).await.unwrap();
        d.apply_bulk(&h.admin, s.id, &preview).await.unwrap();
        let replace = BulkAction::ChangeOrgUnits(OrgUnitChange::Replace([s.washington.id].into()));
        let preview = d.preview_bulk(&h.admin, s.id, juniors, replace).await.unwrap();
        assert_eq!(skipped(&preview, SkipReason::AlreadyInState), 1, "already only in Washington");
        let unknown = OrgUnitId::from_uuid(uuid::Uuid::from_u128(7));
        let bad = BulkAction::ChangeOrgUnits(OrgUnitChange::Add([unknown].into()));
        assert_eq!(d.preview_bulk(&h.admin, s.id, seniors(), bad).await.unwrap_err().kind(), ErrorKind::NotFound);
        let log = d.user_activity(&h.admin, s.id, s.lincoln_junior.id, None, 1).await.unwrap();
        assert_eq!(log.items[0].changes[0].field, "org_units");
        assert_eq!(log.items[0].changes[0].new.as_deref(), Some("Washington High"), "the log names units");
    }

    async fn bulk_unarchive_unsuspend_and_set_status(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let all_seniors = Selection::Matching(UserSearch::default().grade(Grade::Numbered(12)).any_status());
        for action in [BulkAction::Archive, BulkAction::Suspend] {
            let preview = d.preview_bulk(&h.admin, s.id, all_seniors.clone(), action).await.unwrap();
            assert_eq!(preview.touched, 6);
            d.apply_bulk(&h.admin, s.id, &preview).await.unwrap();
        }
        for action in [BulkAction::Unarchive, BulkAction::Unsuspend, BulkAction::SetStatus(RecordStatus::Inactive)] {
            let preview = d.preview_bulk(&h.admin, s.id, all_seniors.clone(), action).await.unwrap();
            assert_eq!(preview.touched, 6);
            d.apply_bulk(&h.admin, s.id, &preview).await.unwrap();
        }
        let now = reread(&h, &s, &s.washington_seniors[0]).await;
        assert_eq!((now.status, now.access), (RecordStatus::Inactive, Access::Allowed));
        assert_eq!(now.version.get(), s.washington_seniors[0].version.get() + 5);
    }

    async fn bulk_invite_sends_each_invitation_once(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        h.with_links(s.id).await;
        let invite = BulkAction::Invite { at: None };
        // A principal does not hold Manage Invitations.
        let preview = d.preview_bulk(&s.principal, s.id, seniors(), invite.clone()).await.unwrap();
        assert_eq!((preview.touched, skipped(&preview, SkipReason::NotPermitted)), (0, 4));
        let dana = Actor::user(s.id, s.district_admin.id);
        let preview = d.preview_bulk(&dana, s.id, seniors(), invite.clone()).await.unwrap();
        assert_eq!(preview.touched, 6);
        let done = d.apply_bulk(&dana, s.id, &preview).await.unwrap();
        for senior in s.lincoln_seniors.iter().chain(&s.washington_seniors) {
            let invitation = d.invitation_of(&h.admin, s.id, senior.id).await.unwrap();
            assert_eq!(invitation.status(), homeroom::onboarding::InvitationStatus::Sent);
            let log = d.user_activity(&h.admin, s.id, senior.id, None, 1).await.unwrap();
            assert_eq!(log.items[0].bulk_operation, done.operation);
        }
        let again = d.preview_bulk(&dana, s.id, seniors(), invite).await.unwrap();
        assert_eq!((again.touched, skipped(&again, SkipReason::AlreadyInState)), (0, 6));
    }

    async fn scenario_district_admin_moves_300_staff_to_a_new_building_and_messages_them(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let dana = Actor::user(s.id, s.district_admin.id);
        let old = d.create_org_unit(&h.admin, s.id, NewOrgUnit::school("Old Annex")).await.unwrap();
        let new = d.create_org_unit(&h.admin, s.id, NewOrgUnit::school("New Annex")).await.unwrap();
        for n in 0..300 {
            let mut details = UserDetails::new(UserKind::Staff, format!("Staff{n:03}"), "Mover")
                .with_email(&format!("staff{n}@maple.example"))
                .unwrap()
                .in_org_unit(old.id);
            if n == 0 {
                details.notifications.message_emails = false;
            }
            h.member(s.id, details).await;
        }
        let movers = Selection::Matching(UserSearch::default().in_org_unit(old.id));
        let replace = BulkAction::ChangeOrgUnits(OrgUnitChange::Replace([new.id].into()));
        let preview = d.preview_bulk(&dana, s.id, movers, replace).await.unwrap();
        assert_eq!(preview.touched, 300);
        d.apply_bulk(&dana, s.id, &preview).await.unwrap();
        let in_new = UserSearch::default().in_org_unit(new.id);
        assert_eq!(d.search_users(&dana, s.id, &in_new).await.unwrap().total, 300);
        assert_eq!(d.search_users(&dana, s.id, &UserSearch::default().in_org_unit(old.id)).await.unwrap().total, 0);

        let message = BulkAction::SendMessage { purpose: MessagePurpose::Welcome, due: None };
        let preview = d.preview_bulk(&dana, s.id, Selection::Matching(in_new), message).await.unwrap();
        assert_eq!(preview.touched, 299);
        assert_eq!(skipped(&preview, SkipReason::OptedOut), 1, "preferences are respected");
        let sample = preview.sample.clone().unwrap();
        assert!(sample.text.contains("Staff001"), "rendered for its first recipient: {}", sample.text);
        let done = d.apply_bulk(&dana, s.id, &preview).await.unwrap();
        let view = d.bulk_operation(&dana, s.id, done.operation.unwrap()).await.unwrap();
        assert_eq!(view.deliveries.len(), 299);
        assert!(view.deliveries.iter().all(|m| m.status == Some(homeroom::messaging::OutboxStatus::Pending)));
        let mailer = RecordingMailer::new(Answer::Accept);
        d.drain_outbox(&h.admin, s.id, &mailer, 1000).await.unwrap();
        let view = d.bulk_operation(&dana, s.id, done.operation.unwrap()).await.unwrap();
        assert!(view.deliveries.iter().all(|m| m.status == Some(homeroom::messaging::OutboxStatus::Sent)));
        // A principal of another building sees none of the recipients.
        let view = d.bulk_operation(&s.principal, s.id, done.operation.unwrap()).await.unwrap();
        assert!(view.deliveries.is_empty());
    }
}
