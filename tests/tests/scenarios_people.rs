//! The product documents' scenarios about people changing: a teacher who leaves mid-year (their
//! data goes to their replacement, then they are deleted), a parent's new phone number going
//! from the student's request to the users manager's digest to done, and a district that does
//! not take requests. End to end, over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::records::*;
use homeroom::requests::*;
use homeroom::transfer::*;
use homeroom::*;
use homeroom_tests::outbox::messages_to;
use homeroom_tests::{Harness, across_backends};

async fn school(h: &Harness) -> (DistrictId, OrgUnitId, Actor) {
    let (district, units) = h.district_with_schools(&["Roosevelt Middle"]).await;
    let office = UserDetails::new(UserKind::Staff, "Dana", "Office")
        .in_org_unit(units[0].id)
        .with_email("dana@maple.example")
        .unwrap();
    let office = h.member(district, office).await;
    h.grant(
        district,
        office.id,
        Preset::DistrictAdministrator,
        Scope::District,
    )
    .await;
    (district, units[0].id, Actor::user(district, office.id))
}

fn teacher(first: &str, unit: OrgUnitId) -> UserDetails {
    let mut details = UserDetails::new(UserKind::Staff, first, "Teacher").in_org_unit(unit);
    details.aup_signed = true;
    details.fee_paid = true;
    details
}

across_backends! {
    async fn scenario_teacher_leaves_mid_year_and_their_data_goes_to_the_replacement(h: Harness) {
        let d = &h.directory;
        let (district, roosevelt, office) = school(&h).await;
        let leaving = h.member(district, teacher("Lee", roosevelt)).await;
        h.grant(district, leaving.id, Preset::Technician, Scope::unit(roosevelt)).await;
        let replacement = h.member(district, teacher("Ari", roosevelt)).await;
        let mut pupil = UserDetails::new(UserKind::Student, "Sam", "Pupil").in_org_unit(roosevelt);
        pupil.aup_signed = true;
        pupil.fee_paid = true;
        let pupil = h.member(district, pupil).await;
        // Lee has a laptop out, an incident about it, and notes on their record.
        let laptop = NewCheckout { device: Device::tagged("STAFF-12"), loaner: false, condition: Some("good".into()) };
        d.checkout_device(&office, district, leaving.id, laptop).await.unwrap();
        let incident = NewIncident {
            kind: IncidentKind::Damage,
            description: "hinge cracked".into(),
            occurred_on: chrono::NaiveDate::from_ymd_opt(2027, 1, 12).unwrap(),
            device: Some(Device::tagged("STAFF-12")),
            repair_cost: None,
        };
        d.record_incident(&office, district, leaving.id, incident).await.unwrap();
        d.add_note(&office, district, leaving.id, "room 204 keys").await.unwrap();
        d.add_note(&office, district, leaving.id, "gradebook handed over").await.unwrap();
        // And Lee wrote about a pupil: a note, an incident, a class laptop handed out.
        let as_lee = Actor::user(district, leaving.id);
        let lee_note = d.add_note(&as_lee, district, pupil.id, "sits near the door").await.unwrap();
        let lost = NewIncident {
            kind: IncidentKind::Loss,
            description: "charger lost on the trip".into(),
            occurred_on: chrono::NaiveDate::from_ymd_opt(2027, 1, 20).unwrap(),
            device: None,
            repair_cost: None,
        };
        d.record_incident(&as_lee, district, pupil.id, lost).await.unwrap();
        let class_laptop = NewCheckout { device: Device::tagged("CLASS-3"), loaner: true, condition: None };
        d.checkout_device(&as_lee, district, pupil.id, class_laptop).await.unwrap();

        // Deleting Lee is refused, pointing at the transfer.
        let leaving = d.user(&office, district, leaving.id).await.unwrap();
        let refused = d.delete_user(&office, district, leaving.id, leaving.version).await.unwrap_err();
        assert_eq!(refused.refusal(), Some(Refusal::HasHistory));
        assert!(refused.to_string().contains("transfer"), "{refused}");

        // Transfer Data to Ari, with Lee's role, deleting Lee.
        let options = TransferOptions { delete_source: true, org_units: true, grants: true };
        let plan = d
            .plan_transfer(&office, district, leaving.id, replacement.id, options)
            .await
            .unwrap();
        let summary: Vec<(String, u64)> = plan.groups.iter().map(|g| (g.title.clone(), g.moving)).collect();
        assert_eq!(summary, vec![("checkouts".into(), 1), ("incidents".into(), 1), ("notes".into(), 2)]);
        let authored: Vec<(String, u64)> = plan.authored.iter().map(|g| (g.title.clone(), g.moving)).collect();
        assert_eq!(authored, vec![("checkouts written".into(), 1), ("incidents written".into(), 1), ("notes written".into(), 1)]);
        assert!(plan.leaves_nothing());
        assert_eq!(plan.access_given(), 1, "Technician over Roosevelt; Ari is in Roosevelt already");
        let report = d.apply_transfer(&office, &plan).await.unwrap();
        assert_eq!(report, TransferReport { moved: 4, authored: 3, access: 1, source_deleted: true });

        // Lee is gone; Ari holds the laptop, the incident and the notes, each saying where it came from.
        assert_eq!(d.user(&office, district, leaving.id).await.unwrap_err().kind(), ErrorKind::NotFound);
        let profile = d.profile(&office, district, replacement.id, 50).await.unwrap();
        assert!(profile.titles().contains(&"Notes"));
        let out = d.storage().open_checkout(district, "staff-12").await.unwrap().unwrap();
        assert_eq!(out.user, replacement.id);
        assert_eq!(out.provenance[0].from_name, "Lee Teacher");
        let counts = d.storage().record_counts(district, replacement.id).await.unwrap();
        assert_eq!((counts.of(RecordKind::Checkout), counts.of(RecordKind::Incident), counts.of(RecordKind::Note)), (1, 1, 2));
        let log = d.user_activity(&office, district, replacement.id, None, 50).await.unwrap();
        let received: Vec<_> = log.items.iter().filter(|e| e.action == ActivityAction::DataTransferred).collect();
        assert_eq!(received.len(), 7, "three kinds owned, three written, the grant");
        assert!(received.iter().all(|e| e.changes[0].old.as_deref() == Some("from Lee Teacher")));
        // What Lee wrote about Sam stays on Sam's profile, written by Ari now.
        let note = d.storage().record(district, lee_note.id).await.unwrap().unwrap();
        let RecordBody::Note(body) = &note.body else { panic!() };
        assert_eq!((note.user, body.author.user), (pupil.id, Some(replacement.id)));
        let class = d.storage().open_checkout(district, "class-3").await.unwrap().unwrap();
        assert_eq!(class.user, pupil.id);
        assert_eq!(class.provenance.last().map(|p| p.moved), Some(Moved::Author));
        // Ari carries on as Lee did: the same role, over the same school.
        d.add_note(&Actor::user(district, replacement.id), district, pupil.id, "moved to the front").await.unwrap();
    }

    async fn scenario_parent_phone_change_from_request_to_digest_to_done(h: Harness) {
        let d = &h.directory;
        let (district, roosevelt, office) = school(&h).await;
        // The district turns requests on.
        let current = d.district(&office, district).await.unwrap();
        let mut settings = current.settings.clone();
        settings.profile_update_requests = true;
        d.update_district_settings(&h.admin, district, current.version, settings).await.unwrap();
        // A users manager at Roosevelt, and a student whose mother is on file.
        let manager = UserDetails::new(UserKind::Staff, "Mia", "Manager").in_org_unit(roosevelt).with_email("mia@maple.example").unwrap();
        let manager = h.member(district, manager).await;
        h.grant(district, manager.id, Preset::UsersManager, Scope::unit(roosevelt)).await;
        let mut details = UserDetails::new(UserKind::Student, "Sam", "Student").in_org_unit(roosevelt);
        details.guardians.push(Guardian { name: "Rita Student".into(), relation: Some("Mother".into()), email: None, phone: Some("555-0100".into()) });
        let sam = h.member(district, details).await;

        // Sam asks for the new number.
        let mut asked = sam.details.clone();
        asked.guardians[0].phone = Some("555-0199".into());
        let request = d.submit_profile_update(&Actor::user(district, sam.id), district, asked).await.unwrap();
        assert_eq!(request.changes.len(), 1);
        assert_eq!(request.changes[0].field, "guardians[0]");

        // The nightly digest tells Mia, once.
        let report = d.queue_request_digests(&h.admin, district).await.unwrap();
        assert_eq!(report.queued, 2, "Mia and the district office");
        assert_eq!(d.queue_request_digests(&h.admin, district).await.unwrap().already_queued, 2);
        let digest = messages_to(&h, district, manager.id).await;
        assert_eq!(digest.len(), 1);
        assert!(digest[0].1.content.text.contains("Sam Student: guardians[0]"), "{}", digest[0].1.content.text);

        // Mia sees it under New, current against requested, and marks it done, applying it.
        let mia = Actor::user(district, manager.id);
        let new = d.profile_update_requests(&mia, district, RequestFilter::New, None, 20).await.unwrap();
        assert_eq!(new.counts, RequestCounts { new: 1, done: 0, all: 1 });
        let shown = &new.items[0];
        assert_eq!(shown.changes[0].old.as_deref(), Some("Rita Student | Mother |  | 555-0100"));
        assert_eq!(shown.changes[0].new.as_deref(), Some("Rita Student | Mother |  | 555-0199"));
        d.mark_request_done(&mia, district, shown.id, shown.version, true).await.unwrap();
        let sam_now = d.user(&mia, district, sam.id).await.unwrap();
        assert_eq!(sam_now.details.guardians[0].phone.as_deref(), Some("555-0199"));
        let done = d.profile_update_requests(&mia, district, RequestFilter::Done, None, 20).await.unwrap();
        assert_eq!(done.counts, RequestCounts { new: 0, done: 1, all: 1 });
        // Sam was not notified.
        assert!(messages_to(&h, district, sam.id).await.is_empty());
    }

    async fn scenario_district_with_requests_off_refuses_them(h: Harness) {
        let d = &h.directory;
        let (district, roosevelt, office) = school(&h).await;
        let sam = h.member(district, UserDetails::new(UserKind::Student, "Sam", "Student").in_org_unit(roosevelt)).await;
        let mut asked = sam.details.clone();
        asked.phones.mobile = Some("555-0101".into());
        let error = d.submit_profile_update(&Actor::user(district, sam.id), district, asked).await.unwrap_err();
        assert_eq!(error.refusal(), Some(Refusal::RequestsDisabled));
        let list = d.profile_update_requests(&office, district, RequestFilter::All, None, 20).await.unwrap();
        assert!(!list.enabled);
        assert!(list.items.is_empty());
        assert_eq!(d.queue_request_digests(&h.admin, district).await.unwrap(), DigestReport::default());
    }
}
