//! Opening a user from a device (asset tag or serial: who holds it now, who held it before)
//! and from an incident (whom it is about), scope-checked, and deleting a staff note with User
//! Notes, audited. Run over every backend. The attacks (holders out of reach) are the
//! `attack_...` tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use chrono::Duration;
use homeroom::profile::TabKind;
use homeroom::records::{Device, DeviceKey, IncidentKind, Record, RecordBody};
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

/// Two schools, a student in each (AUP signed, fee paid), a technician of Lincoln and an
/// observer of Lincoln.
struct Scene {
    id: DistrictId,
    lincoln: OrgUnitId,
    ada: User,
    ben: User,
    tech: Actor,
    observer: Actor,
}

async fn scene(h: &Harness) -> Scene {
    let (id, schools) = h
        .district_with_schools(&["Lincoln High", "Roosevelt High"])
        .await;
    let (lincoln, roosevelt) = (schools[0].id, schools[1].id);
    let student = |first: &str, unit: OrgUnitId| {
        let mut details = UserDetails::new(UserKind::Student, first, "Pupil").in_org_unit(unit);
        (details.aup_signed, details.fee_paid) = (true, true);
        details
    };
    let ada = h.member(id, student("Ada", lincoln)).await;
    let ben = h.member(id, student("Ben", roosevelt)).await;
    let staff =
        |first: &str| UserDetails::new(UserKind::Staff, first, "Staff").in_org_unit(lincoln);
    let tess = h.member(id, staff("Tess")).await;
    h.grant(id, tess.id, Preset::Technician, Scope::unit(lincoln))
        .await;
    let olga = h.member(id, staff("Olga")).await;
    h.grant(id, olga.id, Preset::Observer, Scope::unit(lincoln))
        .await;
    Scene {
        id,
        lincoln,
        ada,
        ben,
        tech: Actor::user(id, tess.id),
        observer: Actor::user(id, olga.id),
    }
}

fn chromebook(tag: &str) -> NewCheckout {
    NewCheckout {
        device: Device {
            serial: Some(format!("SN-{tag}")),
            model: Some("Chromebook 314".into()),
            ..Device::tagged(tag)
        },
        loaner: false,
        condition: None,
    }
}

/// Hands `tag` to `user`, then (when `back`) takes it back an hour later.
async fn lend(h: &Harness, s: &Scene, user: &User, tag: &str, back: bool) -> Record {
    let d = &h.directory;
    let out = d
        .checkout_device(&h.admin, s.id, user.id, chromebook(tag))
        .await
        .unwrap()
        .record;
    h.clock.advance(Duration::hours(1));
    if !back {
        return out;
    }
    let back = d
        .check_in_device(&h.admin, s.id, out.id, out.version, None)
        .await
        .unwrap();
    h.clock.advance(Duration::hours(1));
    back
}

fn names(holders: &DeviceHolders) -> (Option<String>, Vec<String>) {
    (
        holders.current.as_ref().map(|h| h.holder.name.clone()),
        holders.past.iter().map(|h| h.holder.name.clone()).collect(),
    )
}

async fn incident(h: &Harness, s: &Scene, user: &User) -> Record {
    let report = NewIncident {
        kind: IncidentKind::Damage,
        description: "cracked screen".into(),
        occurred_on: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        device: Some(Device::tagged("LHS-1")),
        repair_cost: None,
    };
    h.directory
        .record_incident(&h.admin, s.id, user.id, report)
        .await
        .unwrap()
}

across_backends! {
    async fn a_device_leads_to_its_holder_now_and_before_by_tag_or_serial(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let mut cy = UserDetails::new(UserKind::Student, "Cy", "Pupil").in_org_unit(s.lincoln);
        (cy.aup_signed, cy.fee_paid) = (true, true);
        let cy = h.member(s.id, cy).await;
        let first = lend(&h, &s, &s.ada, "LHS-1", true).await;
        lend(&h, &s, &cy, "LHS-2", true).await;
        lend(&h, &s, &cy, "LHS-1", true).await;
        let now = lend(&h, &s, &s.ada, "LHS-1", false).await;

        for key in [DeviceKey::asset_tag(" lhs-1 "), DeviceKey::serial("sn-lhs-1")] {
            let holders = d.device_holders(&s.tech, s.id, key).await.unwrap();
            assert_eq!(
                names(&holders),
                (Some("Ada Pupil".into()), vec!["Cy Pupil".into(), "Ada Pupil".into()]),
                "now, then newest first"
            );
            let current = holders.current.unwrap();
            assert_eq!((current.holder.user, current.checkout.id), (s.ada.id, now.id));
            assert_eq!(holders.past[1].checkout, first, "the returned checkout as it is now");
        }
        // Returned, nobody holds it.
        let back = d.check_in_device(&h.admin, s.id, now.id, now.version, None).await.unwrap();
        let holders = d.device_holders(&s.tech, s.id, DeviceKey::asset_tag("LHS-1")).await.unwrap();
        assert!(holders.current.is_none());
        assert_eq!(holders.past[0].checkout, back);
        // A device never handed out, or an empty key, has no holders.
        for key in [DeviceKey::asset_tag("LHS-9"), DeviceKey::serial("  ")] {
            assert_eq!(d.device_holders(&s.tech, s.id, key).await.unwrap(), DeviceHolders::default());
        }
        // Open from there: the profile, under its own rules.
        let profile = d.profile(&s.tech, s.id, holders.past[0].holder.user, 10).await.unwrap();
        assert_eq!(profile.user.id, s.ada.id);
    }

    async fn an_incident_leads_to_the_user_it_is_about(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let report = incident(&h, &s, &s.ada).await;
        let subject = d.incident_subject(&s.tech, s.id, report.id).await.unwrap();
        assert_eq!((subject.user.user, subject.user.name.as_str()), (s.ada.id, "Ada Pupil"));
        assert_eq!(subject.incident, report);
        // Seeing the user without View Incidents: forbidden.
        let err = d.incident_subject(&s.observer, s.id, report.id).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        // A record that is not an incident is not one.
        let note = d.add_note(&h.admin, s.id, s.ada.id, "called home").await.unwrap();
        let err = d.incident_subject(&s.tech, s.id, note.id).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }

    async fn turned_off_modules_have_no_device_or_incident_lookup(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let report = incident(&h, &s, &s.ada).await;
        let district = d.district(&h.admin, s.id).await.unwrap();
        let mut settings = district.settings.clone();
        (settings.modules.checkouts, settings.modules.incidents) = (false, false);
        d.update_district_settings(&h.admin, s.id, district.version, settings).await.unwrap();
        let err = d.device_holders(&s.tech, s.id, DeviceKey::asset_tag("LHS-1")).await.unwrap_err();
        assert_eq!(err.refusal(), Some(Refusal::ModuleDisabled), "{err}");
        let err = d.incident_subject(&s.tech, s.id, report.id).await.unwrap_err();
        assert_eq!(err.refusal(), Some(Refusal::ModuleDisabled), "{err}");
    }

    async fn a_staff_note_is_deleted_with_user_notes_and_audited(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let note = d.add_note(&s.tech, s.id, s.ada.id, "wrong student: meant Ben").await.unwrap();
        h.clock.advance(Duration::minutes(5));
        // The observer sees Ada but holds no User Notes.
        let err = d.delete_note(&s.observer, s.id, note.id, note.version).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        // A stale version is a conflict.
        let edited = d.edit_note(&s.tech, s.id, note.id, note.version, "meant Ben Pupil").await.unwrap();
        let err = d.delete_note(&s.tech, s.id, note.id, note.version).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
        d.delete_note(&s.tech, s.id, note.id, edited.version).await.unwrap();
        let notes = d.history(&h.admin, s.id, s.ada.id, TabKind::Notes, None, 10).await.unwrap();
        assert_eq!(notes.total, 0);
        // Audited on Ada's log: who and when, never the text.
        let log = d.user_activity(&h.admin, s.id, s.ada.id, None, 10).await.unwrap();
        let entry = &log.items[0];
        assert_eq!((entry.action, entry.record), (ActivityAction::Deleted, Some(records::RecordKind::Note)));
        assert_eq!(entry.actor.user, s.tech.user_id());
        assert_eq!(entry.at, h.clock.now());
        let logged = serde_json::to_string(&log.items).unwrap();
        assert!(!logged.contains("meant Ben"), "{logged}");
        // Gone: deleting it again finds nothing, nor does editing it.
        let err = d.delete_note(&s.tech, s.id, note.id, edited.version).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        // Only notes: an incident is not deleted this way.
        let report = incident(&h, &s, &s.ada).await;
        let err = d.delete_note(&h.admin, s.id, report.id, report.version).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }

    async fn a_deleted_note_no_longer_keeps_its_author_from_being_deleted(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let (id, unit) = (s.id, s.lincoln);
        let sam = h.member(id, UserDetails::new(UserKind::Staff, "Sam", "Sub").in_org_unit(unit)).await;
        h.grant(id, sam.id, Preset::Technician, Scope::unit(unit)).await;
        let note = d.add_note(&Actor::user(id, sam.id), id, s.ada.id, "lent a charger").await.unwrap();
        let sam_now = d.user(&h.admin, id, sam.id).await.unwrap();
        let err = d.delete_user(&h.admin, id, sam.id, sam_now.version).await.unwrap_err();
        assert_eq!(err.refusal(), Some(Refusal::AuthoredRecords), "{err}");
        d.delete_note(&h.admin, id, note.id, note.version).await.unwrap();
        for grant in d.grants_of(&h.admin, id, sam.id).await.unwrap() {
            d.revoke_grant(&h.admin, id, grant.id).await.unwrap();
        }
        let sam_now = d.user(&h.admin, id, sam.id).await.unwrap();
        d.delete_user(&h.admin, id, sam.id, sam_now.version).await.unwrap();
        assert!(matches!(note.body, RecordBody::Note(_)));
    }

    async fn attack_a_device_never_names_a_holder_out_of_reach(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        // Ben (Roosevelt) had the device, then Ada (Lincoln), and Ben has it now.
        lend(&h, &s, &s.ben, "LHS-1", true).await;
        lend(&h, &s, &s.ada, "LHS-1", true).await;
        lend(&h, &s, &s.ben, "LHS-1", false).await;
        let holders = d.device_holders(&s.tech, s.id, DeviceKey::asset_tag("LHS-1")).await.unwrap();
        assert_eq!(names(&holders), (None, vec!["Ada Pupil".into()]));
        let shown = serde_json::to_string(&holders).unwrap();
        assert!(!shown.contains("Ben") && !shown.contains(&s.ben.id.to_string()), "{shown}");
        // By serial, the same.
        let by_serial = d.device_holders(&s.tech, s.id, DeviceKey::serial("SN-LHS-1")).await.unwrap();
        assert_eq!(by_serial, holders);
        // The district admin sees everyone.
        let all = d.device_holders(&h.admin, s.id, DeviceKey::asset_tag("LHS-1")).await.unwrap();
        assert_eq!(names(&all), (Some("Ben Pupil".into()), vec!["Ada Pupil".into(), "Ben Pupil".into()]));
    }

    async fn attack_an_incident_about_someone_out_of_reach_does_not_exist(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let about_ben = incident(&h, &s, &s.ben).await;
        let err = d.incident_subject(&s.tech, s.id, about_ben.id).await.unwrap_err();
        let unknown = d.incident_subject(&s.tech, s.id, RecordId::from_uuid(uuid::Uuid::from_u128(7))).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        assert_eq!(err.to_string().replace(&about_ben.id.to_string(), "?"), unknown.to_string().replace("00000000-0000-0000-0000-000000000007", "?"));
        assert!(!err.to_string().contains("Ben"), "{err}");
        // Nor may a note about him be deleted, stale version or not: NotFound before Conflict.
        let note = d.add_note(&h.admin, s.id, s.ben.id, "parent called").await.unwrap();
        for version in [note.version, note.version.next()] {
            let err = d.delete_note(&s.tech, s.id, note.id, version).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        }
        assert_eq!(d.history(&h.admin, s.id, s.ben.id, TabKind::Notes, None, 10).await.unwrap().total, 1);
    }
}
