//! Disabled users (left out of the default list, shown by "view disabled" with reason and
//! date) and staff who leave while their work remains. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use chrono::Duration;
use homeroom::password::Password;
use homeroom::records::RecordKind;
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

async fn staff(h: &Harness, id: DistrictId, first: &str, unit: OrgUnitId) -> User {
    let details = UserDetails::new(UserKind::Staff, first, "Staff")
        .with_username(&first.to_lowercase())
        .unwrap()
        .in_org_unit(unit);
    h.member(id, details).await
}

across_backends! {
    async fn disabled_users_leave_the_default_list_and_show_with_reason_and_date(h: Harness) {
        let d = &h.directory;
        let (id, schools) = h.district_with_schools(&["Lincoln High"]).await;
        let unit = schools[0].id;
        let active = staff(&h, id, "Ada", unit).await;
        let suspended = staff(&h, id, "Ben", unit).await;
        let locked = staff(&h, id, "Cy", unit).await;
        let inactive = staff(&h, id, "Di", unit).await;
        h.clock.advance(Duration::hours(1));
        let when = h.clock.now();
        d.set_access(&h.admin, id, suspended.id, suspended.version, Access::Suspended).await.unwrap();
        let lock = Access::Locked { until: None, reason: "account review".into() };
        d.set_access(&h.admin, id, locked.id, locked.version, lock).await.unwrap();
        d.set_status(&h.admin, id, inactive.id, inactive.version, RecordStatus::Inactive).await.unwrap();
        h.clock.advance(Duration::hours(1));

        let listed = d.user_list(&h.admin, id, &UserSearch::default()).await.unwrap();
        assert_eq!(listed.items.iter().map(|u| u.id).collect::<Vec<_>>(), vec![active.id]);
        assert_eq!(listed.total, 1);
        let disabled = d.disabled_users(&h.admin, id, &UserSearch::default()).await.unwrap();
        assert_eq!(disabled.total, 3);
        let reason_of = |user: &User| disabled.items.iter().find(|x| x.user.id == user.id).map(|x| (x.reason.clone(), x.since));
        assert_eq!(reason_of(&suspended), Some((DisabledReason::Suspended, when)));
        assert_eq!(reason_of(&locked), Some((DisabledReason::Locked { until: None, reason: "account review".into() }, when)));
        assert_eq!(reason_of(&inactive), Some((DisabledReason::Inactive, when)));
        // The search itself still finds everyone it is asked for.
        assert_eq!(d.search_users(&h.admin, id, &UserSearch::default()).await.unwrap().total, 4);

        // A district that does not count Inactive users as disabled lists them.
        let district = d.district(&h.admin, id).await.unwrap();
        let mut settings = district.settings.clone();
        settings.disabled.inactive = false;
        d.update_district_settings(&h.admin, id, district.version, settings).await.unwrap();
        let listed = d.user_list(&h.admin, id, &UserSearch::default()).await.unwrap();
        assert_eq!(listed.total, 2);
        assert_eq!(d.disabled_users(&h.admin, id, &UserSearch::default()).await.unwrap().total, 2);
    }

    async fn scenario_technician_with_history_leaves_and_their_tickets_remain(h: Harness) {
        let d = &h.directory;
        let (id, schools) = h.district_with_schools(&["Lincoln High"]).await;
        let unit = schools[0].id;
        let tech = staff(&h, id, "Tess", unit).await;
        let password = Password::new("tickets-all-day-42").unwrap();
        d.set_password(&h.admin, id, tech.id, &password, false).await.unwrap();
        h.grant(id, tech.id, Preset::Technician, Scope::unit(unit)).await;
        let student = h
            .member(id, UserDetails::new(UserKind::Student, "Ada", "Pupil").in_org_unit(unit))
            .await;
        let as_tech = Actor::user(id, tech.id);
        d.add_note(&as_tech, id, student.id, "replaced the screen").await.unwrap();
        d.add_note(&as_tech, id, student.id, "returned the charger").await.unwrap();

        // Deleting the technician is refused, listing what they wrote.
        let tech_now = d.user(&h.admin, id, tech.id).await.unwrap();
        let err = d.delete_user(&h.admin, id, tech.id, tech_now.version).await.unwrap_err();
        assert_eq!(err.refusal(), Some(Refusal::AuthoredRecords), "{err}");
        let Error::AuthoredRecords { written, .. } = &err else { panic!("{err:?}") };
        assert_eq!(written.of(RecordKind::Note), 2);
        assert!(err.to_string().contains("Inactive") && err.to_string().contains("Transfer Data"), "{err}");

        // Removing their last grant locks them out, and their work stays with their name.
        let grants = d.grants_of(&h.admin, id, tech.id).await.unwrap();
        d.revoke_grant(&h.admin, id, grants[0].id).await.unwrap();
        let locked = d.user(&h.admin, id, tech.id).await.unwrap();
        assert!(matches!(locked.access, Access::Locked { until: None, .. }), "{:?}", locked.access);
        let refused = d.verify_password(id, "tess", "tickets-all-day-42").await.unwrap_err();
        assert_eq!(refused.refusal(), Some(Refusal::SignInBlocked), "{refused}");
        let notes = d.history(&h.admin, id, student.id, homeroom::profile::TabKind::Notes, None, 10).await.unwrap();
        assert_eq!(notes.items.len(), 2, "the technician's notes remain");
        let disabled = d.disabled_users(&h.admin, id, &UserSearch::default()).await.unwrap();
        assert!(matches!(&disabled.items[0].reason, DisabledReason::Locked { reason, .. } if reason.contains("last role")));
    }

    async fn revoking_a_students_last_grant_does_not_lock_them_by_default(h: Harness) {
        let d = &h.directory;
        let (id, schools) = h.district_with_schools(&["Lincoln High"]).await;
        let student = h
            .member(id, UserDetails::new(UserKind::Student, "Ada", "Pupil").in_org_unit(schools[0].id))
            .await;
        h.grant(id, student.id, Preset::User, Scope::District).await;
        let grants = d.grants_of(&h.admin, id, student.id).await.unwrap();
        d.revoke_grant(&h.admin, id, grants[0].id).await.unwrap();
        assert_eq!(d.user(&h.admin, id, student.id).await.unwrap().access, Access::Allowed);
    }
}
