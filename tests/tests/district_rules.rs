//! Smaller district rules: the identity fields a new user needs (created or imported), and
//! rooms inside buildings. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::import::{ReadOptions, read};
use homeroom::records::RecordBody;
use homeroom::*;
use homeroom_tests::across_backends;

across_backends! {
    async fn a_district_that_needs_e_mail_refuses_new_users_without_one(h: Harness) {
        let d = &h.directory;
        let (id, schools) = h.district_with_schools(&["Lincoln High"]).await;
        let before = h.member(id, UserDetails::new(UserKind::Staff, "Old", "Timer")).await;
        let district = d.district(&h.admin, id).await.unwrap();
        let mut settings = district.settings.clone();
        settings.new_user_identity.email = true;
        d.update_district_settings(&h.admin, id, district.version, settings).await.unwrap();

        let err = d.create_user(&h.admin, id, UserDetails::new(UserKind::Staff, "No", "Mail")).await.unwrap_err();
        let fields: Vec<&str> = err.validation().unwrap().errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["email"], "{err}");
        let with = UserDetails::new(UserKind::Staff, "Has", "Mail").with_email("has@maple.example").unwrap();
        d.create_user(&h.admin, id, with).await.unwrap();
        // Users from before keep working: an edit is not a new user.
        let renamed = UserDetails { job_title: Some("Custodian".into()), ..before.details.clone() };
        d.update_user(&h.admin, id, before.id, before.version, renamed).await.unwrap();

        // An import's new rows need it too.
        let csv = format!("Local ID,First Name,Last Name,Email,Building\r\n1,Ada,Lovelace,,{0}\r\n2,Grace,Hopper,grace@maple.example,{0}\r\n", schools[0].name);
        let data = read(csv.as_bytes(), "roster.csv", &ReadOptions::default()).unwrap();
        let plan = d.plan_import(&h.admin, id, &data, &ImportOptions::default()).await.unwrap();
        assert!(plan.has_errors());
        assert_eq!(plan.issues().len(), 1, "{:?}", plan.issues());
    }

    async fn rooms_sit_inside_buildings(h: Harness) {
        let d = &h.directory;
        let (id, schools) = h.district_with_schools(&["Lincoln High"]).await;
        let room = d.create_org_unit(&h.admin, id, NewOrgUnit::room("Room 101", schools[0].id)).await.unwrap();
        assert_eq!(room.kind, OrgUnitKind::Room);
        let tree = d.org_tree(&h.admin, id).await.unwrap();
        assert!(tree.is_within(room.id, schools[0].id));
        let loose = NewOrgUnit { parent: None, ..NewOrgUnit::room("Closet", schools[0].id) };
        let err = d.create_org_unit(&h.admin, id, loose).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    }

    async fn staff_notes_are_edited_with_user_notes_and_audited(h: Harness) {
        let d = &h.directory;
        let (id, schools) = h.district_with_schools(&["Lincoln High"]).await;
        let unit = schools[0].id;
        let student = h.member(id, UserDetails::new(UserKind::Student, "Ada", "Pupil").in_org_unit(unit)).await;
        let principal = h.member(id, UserDetails::new(UserKind::Staff, "Pat", "Principal").in_org_unit(unit)).await;
        h.grant(id, principal.id, Preset::BuildingAdministrator, Scope::unit(unit)).await;
        let observer = h.member(id, UserDetails::new(UserKind::Staff, "Olive", "Observer").in_org_unit(unit)).await;
        h.grant(id, observer.id, Preset::Observer, Scope::unit(unit)).await;
        let pat = Actor::user(id, principal.id);
        let note = d.add_note(&pat, id, student.id, "first draft").await.unwrap();
        let err = d.edit_note(&Actor::user(id, observer.id), id, note.id, note.version, "defaced").await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Forbidden | ErrorKind::NotFound), "{err}");
        let edited = d.edit_note(&pat, id, note.id, note.version, "final text").await.unwrap();
        let RecordBody::Note(body) = &edited.body else { panic!("{edited:?}") };
        assert_eq!((body.text.as_str(), body.author.name.as_str()), ("final text", "Pat Principal"));
        let stale = d.edit_note(&pat, id, note.id, note.version, "again").await.unwrap_err();
        assert_eq!(stale.kind(), ErrorKind::Conflict);
        let log = d.user_activity(&h.admin, id, student.id, None, 1).await.unwrap();
        assert_eq!((log.items[0].action, log.items[0].actor.name.as_str()), (ActivityAction::Updated, "Pat Principal"));
        assert!(!log.items[0].to_string().contains("final text"), "the log never holds a note's text");
    }
}
