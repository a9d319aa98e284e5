//! Profile-update requests end to end over every backend: the district setting, submitting and
//! amending, what is refused (protected and SIS-owned fields, bad values), the managers' lists
//! (scope, tabs, counts, order, paging, current against requested), marking done with and
//! without applying, restoring, and the daily digest through the outbox.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use chrono::Duration;
use homeroom::requests::*;
use homeroom::*;
use homeroom_tests::outbox::messages_to;
use homeroom_tests::{Harness, across_backends};

struct Scene {
    id: DistrictId,
    lincoln: OrgUnitId,
    roosevelt: OrgUnitId,
    /// Users Manager over Lincoln.
    manager: User,
    /// Users Manager district-wide.
    chief: User,
    kid: User,
    far_kid: User,
}

async fn scene(h: &Harness, enabled: bool) -> Scene {
    let d = &h.directory;
    let (id, units) = h.district_with_schools(&["Lincoln", "Roosevelt"]).await;
    let (lincoln, roosevelt) = (units[0].id, units[1].id);
    if enabled {
        h.edit_settings(id, |settings| settings.profile_update_requests = true)
            .await;
    }
    let manager = UserDetails::new(UserKind::Staff, "Mia", "Manager")
        .in_org_unit(lincoln)
        .with_email("mia@maple.example")
        .unwrap();
    let manager = h.member(id, manager).await;
    h.grant(id, manager.id, Preset::UsersManager, Scope::unit(lincoln))
        .await;
    let chief = UserDetails::new(UserKind::Staff, "Cy", "Chief")
        .with_email("cy@maple.example")
        .unwrap();
    let chief = h.member(id, chief).await;
    h.grant(id, chief.id, Preset::UsersManager, Scope::District)
        .await;
    let kid = UserDetails::new(UserKind::Student, "Kim", "Kid").in_org_unit(lincoln);
    let kid = h.member(id, kid).await;
    let far_kid = UserDetails::new(UserKind::Student, "Eve", "Far").in_org_unit(roosevelt);
    let far_kid = h.member(id, far_kid).await;
    let _ = d;
    Scene {
        id,
        lincoln,
        roosevelt,
        manager,
        chief,
        kid,
        far_kid,
    }
}

fn with_mobile(user: &User, mobile: &str) -> UserDetails {
    let mut details = user.details.clone();
    details.phones.mobile = Some(mobile.into());
    details
}

fn me(s: &Scene, user: &User) -> Actor {
    Actor::user(s.id, user.id)
}

async fn list(h: &Harness, s: &Scene, who: &User, filter: RequestFilter) -> RequestList {
    h.directory
        .profile_update_requests(&me(s, who), s.id, filter, None, 50)
        .await
        .unwrap()
}

across_backends! {
    async fn requests_are_off_by_default_and_refused_then(h: Harness) {
        let d = &h.directory;
        let s = scene(&h, false).await;
        assert!(!d.district(&h.admin, s.id).await.unwrap().settings.profile_update_requests);
        let error = d.submit_profile_update(&me(&s, &s.kid), s.id, with_mobile(&s.kid, "555-0100")).await.unwrap_err();
        assert_eq!(error.refusal(), Some(Refusal::RequestsDisabled));
        let listed = list(&h, &s, &s.chief, RequestFilter::All).await;
        assert!(!listed.enabled);
        assert_eq!(listed.counts, RequestCounts::default());
    }

    async fn a_request_is_validated_amended_and_listed_in_scope(h: Harness) {
        let d = &h.directory;
        let s = scene(&h, true).await;
        let kid = me(&s, &s.kid);
        // Validated as an edit: a bad e-mail in a guardian, a blank first name.
        let mut bad = s.kid.details.clone();
        bad.name.first = "  ".into();
        bad.guardians.push(Guardian { name: "Pat".into(), relation: None, email: Some("not-an-email".into()), phone: None });
        let error = d.submit_profile_update(&kid, s.id, bad).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Invalid);
        assert!(error.validation().unwrap().errors().len() >= 2, "{error}");
        // Protected fields are not for requests.
        let mut moving = s.kid.details.clone();
        moving.org_units.insert(s.roosevelt);
        let error = d.submit_profile_update(&kid, s.id, moving).await.unwrap_err();
        let fields: Vec<_> = error.validation().unwrap().errors().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, vec!["org_units".to_string()]);
        // Nothing changed is refused too.
        assert_eq!(d.submit_profile_update(&kid, s.id, s.kid.details.clone()).await.unwrap_err().kind(), ErrorKind::Invalid);

        let sent = d.submit_profile_update(&kid, s.id, with_mobile(&s.kid, "555-0100")).await.unwrap();
        assert_eq!(sent.status, RequestStatus::New);
        h.clock.advance(Duration::minutes(5));
        let amended = d.submit_profile_update(&kid, s.id, with_mobile(&s.kid, "555-0199")).await.unwrap();
        assert_eq!(amended.id, sent.id, "one open request per user");
        assert_eq!(amended.changes.len(), 1);
        assert_eq!(amended.changes[0].field, "phones.mobile");
        assert_eq!(amended.changes[0].old, None);
        assert_eq!(amended.changes[0].new.as_deref(), Some("555-0199"));
        // The user's details are untouched until someone applies it.
        assert_eq!(d.user(&h.admin, s.id, s.kid.id).await.unwrap().details.phones.mobile, None);

        // Scope: the Lincoln manager sees Kim's, not Eve's; the chief sees both, newest first.
        d.submit_profile_update(&me(&s, &s.far_kid), s.id, with_mobile(&s.far_kid, "555-0200")).await.unwrap();
        let lincoln = list(&h, &s, &s.manager, RequestFilter::New).await;
        assert_eq!(lincoln.items.iter().map(|r| r.user).collect::<Vec<_>>(), vec![s.kid.id]);
        assert_eq!(lincoln.counts, RequestCounts { new: 1, done: 0, all: 1 });
        let all = list(&h, &s, &s.chief, RequestFilter::All).await;
        assert!(all.enabled);
        assert_eq!(all.items.iter().map(|r| r.user).collect::<Vec<_>>(), vec![s.far_kid.id, s.kid.id]);
        // Paged: one at a time, the cursor continues.
        let first = d.profile_update_requests(&me(&s, &s.chief), s.id, RequestFilter::All, None, 1).await.unwrap();
        assert_eq!(first.items.len(), 1);
        let second = d.profile_update_requests(&me(&s, &s.chief), s.id, RequestFilter::All, first.next, 1).await.unwrap();
        assert_eq!(second.items[0].user, s.kid.id);
        assert_eq!(second.next, None);
        // Someone without the permission anywhere is refused; the kid cannot list.
        let error = d.profile_update_requests(&kid, s.id, RequestFilter::All, None, 10).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Forbidden);
        // All of it is in the kid's log.
        let log = d.user_activity(&h.admin, s.id, s.kid.id, None, 50).await.unwrap();
        assert!(log.items.iter().any(|e| e.changes.iter().any(|c| c.field == "profile update request: phones.mobile")));
    }

    async fn fields_the_sis_owns_are_refused_for_synced_users(h: Harness) {
        let d = &h.directory;
        let s = scene(&h, true).await;
        let mut synced = s.kid.clone();
        synced.import_managed = true;
        synced.version = synced.version.next();
        d.storage().apply(ChangeSet::new().with(Op::UpdateUser { user: Box::new(synced.clone()), expected: s.kid.version })).await.unwrap();
        let mut renamed = synced.details.clone();
        renamed.name.last = "Kidd".into();
        let error = d.submit_profile_update(&me(&s, &s.kid), s.id, renamed).await.unwrap_err();
        assert_eq!(error.refusal(), Some(Refusal::SisOwnedField));
        assert!(error.to_string().contains("Student Information System"), "{error}");
        assert!(error.to_string().contains("name.last"), "{error}");
        // Contact details are still theirs to ask about.
        d.submit_profile_update(&me(&s, &s.kid), s.id, with_mobile(&synced, "555-0100")).await.unwrap();
    }

    async fn done_applies_through_the_edit_and_restore_reopens(h: Harness) {
        let d = &h.directory;
        let s = scene(&h, true).await;
        let sent = d.submit_profile_update(&me(&s, &s.kid), s.id, with_mobile(&s.kid, "555-0100")).await.unwrap();
        let manager = me(&s, &s.manager);
        // Out of scope: the Lincoln manager cannot see Eve's request at all.
        let far = d.submit_profile_update(&me(&s, &s.far_kid), s.id, with_mobile(&s.far_kid, "555-0300")).await.unwrap();
        let error = d.mark_request_done(&manager, s.id, far.id, far.version, false).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound);
        // A stale version conflicts.
        let stale = d.mark_request_done(&manager, s.id, sent.id, sent.version.next(), false).await.unwrap_err();
        assert_eq!(stale.kind(), ErrorKind::Conflict);

        let done = d.mark_request_done(&manager, s.id, sent.id, sent.version, true).await.unwrap();
        assert_eq!(done.status, RequestStatus::Done);
        assert!(done.changes.is_empty(), "applied: nothing left between current and requested");
        let kid = d.user(&h.admin, s.id, s.kid.id).await.unwrap();
        assert_eq!(kid.details.phones.mobile.as_deref(), Some("555-0100"));
        let again = d.mark_request_done(&manager, s.id, done.id, done.version, false).await.unwrap_err();
        assert_eq!(again.refusal(), Some(Refusal::RequestTransition));
        assert_eq!(list(&h, &s, &s.manager, RequestFilter::Done).await.counts, RequestCounts { new: 0, done: 1, all: 1 });

        // Restored to New, with no message to anyone.
        let restored = d.restore_request(&manager, s.id, done.id, done.version).await.unwrap();
        assert_eq!(restored.status, RequestStatus::New);
        assert!(messages_to(&h, s.id, s.kid.id).await.is_empty());
        assert_eq!(d.restore_request(&manager, s.id, restored.id, restored.version).await.unwrap_err().refusal(), Some(Refusal::RequestTransition));
        // Marked done again without applying, then the kid sends another: restoring the old
        // one is refused, the new one is open.
        let done = d.mark_request_done(&manager, s.id, restored.id, restored.version, false).await.unwrap();
        let kid = d.user(&h.admin, s.id, s.kid.id).await.unwrap();
        d.submit_profile_update(&me(&s, &s.kid), s.id, with_mobile(&kid, "555-0111")).await.unwrap();
        let error = d.restore_request(&manager, s.id, done.id, done.version).await.unwrap_err();
        assert_eq!(error.refusal(), Some(Refusal::RequestTransition));
        let log = d.user_activity(&h.admin, s.id, s.kid.id, None, 50).await.unwrap();
        let handled = log.items.iter().filter(|e| e.changes.iter().any(|c| c.field == "profile update request")).count();
        assert_eq!(handled, 3, "done (applied), restored, done");
    }

    async fn applying_needs_edit_users_and_current_details(h: Harness) {
        let d = &h.directory;
        let s = scene(&h, true).await;
        // A role that handles requests but may not edit users.
        let role = d.create_role(&h.admin, s.id, "Requests only", [Permission::ViewUsers, Permission::ManageProfileUpdateRequests].into_iter().collect::<homeroom::PermissionSet>()).await.unwrap();
        let clerk = h.member(s.id, UserDetails::new(UserKind::Staff, "Cal", "Clerk")).await;
        d.grant_role(&h.admin, s.id, clerk.id, role.id, Scope::District).await.unwrap();
        let clerk = Actor::user(s.id, clerk.id);
        let sent = d.submit_profile_update(&me(&s, &s.kid), s.id, with_mobile(&s.kid, "555-0100")).await.unwrap();
        let error = d.mark_request_done(&clerk, s.id, sent.id, sent.version, true).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Forbidden);
        // The user's details changed since: not applied.
        let mut details = s.kid.details.clone();
        details.job_title = Some("Helper".into());
        d.update_user(&h.admin, s.id, s.kid.id, s.kid.version, details).await.unwrap();
        let error = d.mark_request_done(&me(&s, &s.chief), s.id, sent.id, sent.version, true).await.unwrap_err();
        assert_eq!(error.refusal(), Some(Refusal::RequestTransition));
        // Marking done without applying is what the clerk may do.
        d.mark_request_done(&clerk, s.id, sent.id, sent.version, false).await.unwrap();
    }

    async fn one_digest_per_manager_per_day_and_none_without_news(h: Harness) {
        let d = &h.directory;
        let s = scene(&h, true).await;
        // Nothing new: nothing queued.
        let report = d.queue_request_digests(&h.admin, s.id).await.unwrap();
        assert_eq!(report.queued, 0);
        assert!(messages_to(&h, s.id, s.manager.id).await.is_empty());

        d.submit_profile_update(&me(&s, &s.far_kid), s.id, with_mobile(&s.far_kid, "555-0200")).await.unwrap();
        let report = d.queue_request_digests(&h.admin, s.id).await.unwrap();
        // Only the chief handles Eve; the Lincoln manager has nothing new.
        assert_eq!((report.queued, report.nothing_new), (1, 1));
        let chief = messages_to(&h, s.id, s.chief.id).await;
        assert_eq!(chief.len(), 1);
        assert!(chief[0].1.content.text.contains("Eve Far"), "{}", chief[0].1.content.text);
        assert!(!chief[0].1.content.text.contains("555-0200"), "a digest names fields, never values");
        assert!(messages_to(&h, s.id, s.manager.id).await.is_empty());

        // Again the same day, with a new request: still one each (the chief's key is taken).
        h.clock.advance(Duration::minutes(1));
        d.submit_profile_update(&me(&s, &s.kid), s.id, with_mobile(&s.kid, "555-0100")).await.unwrap();
        let report = d.queue_request_digests(&h.admin, s.id).await.unwrap();
        assert_eq!((report.queued, report.already_queued), (1, 1));
        assert_eq!(messages_to(&h, s.id, s.chief.id).await.len(), 1);
        assert_eq!(messages_to(&h, s.id, s.manager.id).await.len(), 1);

        // The next morning (under a day later), the manager turned digests off; two days on,
        // nothing is new for anyone.
        h.clock.advance(Duration::hours(23));
        let mut details = s.manager.details.clone();
        details.notifications.digests = false;
        let current = d.user(&h.admin, s.id, s.manager.id).await.unwrap();
        d.update_user(&h.admin, s.id, s.manager.id, current.version, details).await.unwrap();
        let report = d.queue_request_digests(&h.admin, s.id).await.unwrap();
        assert_eq!(report.not_wanted, 1);
        assert_eq!(report.queued, 1, "the chief: Kim's request is under a day old");
        h.clock.advance(Duration::days(2));
        assert_eq!(d.queue_request_digests(&h.admin, s.id).await.unwrap().queued, 0);
        // Queued digests are in the managers' logs; running digests needs Send Messages.
        let log = d.user_activity(&h.admin, s.id, s.chief.id, None, 50).await.unwrap();
        assert_eq!(log.items.iter().filter(|e| e.changes.iter().any(|c| c.field == "profile update digest")).count(), 2);
        let error = d.queue_request_digests(&me(&s, &s.manager), s.id).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Forbidden);
        let _ = s.lincoln;
    }

    async fn a_skipped_day_is_caught_up_on_the_next_run(h: Harness) {
        let d = &h.directory;
        let s = scene(&h, true).await;
        d.submit_profile_update(&me(&s, &s.far_kid), s.id, with_mobile(&s.far_kid, "555-0200")).await.unwrap();
        let report = d.queue_request_digests(&h.admin, s.id).await.unwrap();
        assert_eq!((report.queued, report.nothing_new), (1, 1));
        // Kim asks an hour later; the next day's run never happens.
        h.clock.advance(Duration::hours(1));
        d.submit_profile_update(&me(&s, &s.kid), s.id, with_mobile(&s.kid, "555-0100")).await.unwrap();
        h.clock.advance(Duration::hours(46));
        // Two days on, Kim's request (46 hours old) is in both managers' digests; Eve's, in
        // the chief's first digest already, is not repeated.
        let report = d.queue_request_digests(&h.admin, s.id).await.unwrap();
        assert_eq!(report.queued, 2);
        let chief = messages_to(&h, s.id, s.chief.id).await;
        assert_eq!(chief.len(), 2);
        let text = &chief[1].1.content.text;
        assert!(text.contains("Kim Kid") && !text.contains("Eve Far"), "{text}");
        let manager = messages_to(&h, s.id, s.manager.id).await;
        assert_eq!(manager.len(), 1);
        assert!(manager[0].1.content.text.contains("Kim Kid"), "{}", manager[0].1.content.text);
        // Nothing again the same day, nor the day after.
        assert_eq!(d.queue_request_digests(&h.admin, s.id).await.unwrap().already_queued, 2);
        h.clock.advance(Duration::days(1));
        assert_eq!(d.queue_request_digests(&h.admin, s.id).await.unwrap().queued, 0);
        assert_eq!(messages_to(&h, s.id, s.chief.id).await.len(), 2);
    }
}
