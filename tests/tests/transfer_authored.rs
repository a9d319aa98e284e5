//! Data transfer of what the source wrote about others (their authorship moves, with
//! provenance, so the source can then be deleted) and of their org units and grants (the
//! `org_units` and `grants` options). End to end over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::records::*;
use homeroom::transfer::*;
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

struct Scene {
    id: DistrictId,
    lincoln: OrgUnitId,
    roosevelt: OrgUnitId,
    /// A technician over Lincoln who wrote about Ada.
    lee: User,
    ari: User,
    ada: User,
}

fn staff(first: &str, unit: OrgUnitId) -> UserDetails {
    let mut details = UserDetails::new(UserKind::Staff, first, "Teacher").in_org_unit(unit);
    details.aup_signed = true;
    details.fee_paid = true;
    details
}

/// Lee wrote two notes, an incident and a ticket about Ada, and handed her a laptop.
async fn scene(h: &Harness) -> Scene {
    let d = &h.directory;
    let (id, units) = h.district_with_schools(&["Lincoln", "Roosevelt"]).await;
    let (lincoln, roosevelt) = (units[0].id, units[1].id);
    let lee = h.member(id, staff("Lee", lincoln)).await;
    h.grant(id, lee.id, Preset::Technician, Scope::unit(lincoln))
        .await;
    let ari = h.member(id, staff("Ari", lincoln)).await;
    let mut ada = UserDetails::new(UserKind::Student, "Ada", "Pupil").in_org_unit(lincoln);
    ada.aup_signed = true;
    ada.fee_paid = true;
    let ada = h.member(id, ada).await;
    let as_lee = Actor::user(id, lee.id);
    d.add_note(&as_lee, id, ada.id, "needs a seat up front")
        .await
        .unwrap();
    d.add_note(&as_lee, id, ada.id, "parents asked for a call")
        .await
        .unwrap();
    let incident = NewIncident {
        kind: IncidentKind::Damage,
        description: "dropped the laptop".into(),
        occurred_on: chrono::NaiveDate::from_ymd_opt(2027, 2, 3).unwrap(),
        device: None,
        repair_cost: None,
    };
    d.record_incident(&as_lee, id, ada.id, incident)
        .await
        .unwrap();
    d.open_ticket(&as_lee, id, ada.id, "keyboard sticks", None)
        .await
        .unwrap();
    let laptop = NewCheckout {
        device: Device::tagged("STU-9"),
        loaner: false,
        condition: None,
    };
    d.checkout_device(&as_lee, id, ada.id, laptop)
        .await
        .unwrap();
    let lee = d.user(&h.admin, id, lee.id).await.unwrap();
    Scene {
        id,
        lincoln,
        roosevelt,
        lee,
        ari,
        ada,
    }
}

async fn records_about(h: &Harness, s: &Scene, kind: RecordKind) -> Vec<Record> {
    let query = query::RecordQuery {
        user: s.ada.id,
        kind,
        open_only: false,
        after: None,
        limit: 50,
    };
    h.directory
        .storage()
        .records(s.id, &query)
        .await
        .unwrap()
        .items
}

const DELETING: TransferOptions = TransferOptions {
    delete_source: true,
    org_units: false,
    grants: false,
};

across_backends! {
    async fn authored_work_goes_to_the_target_and_the_source_can_then_be_deleted(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        let refused = d.delete_user(&h.admin, s.id, s.lee.id, s.lee.version).await.unwrap_err();
        assert_eq!(refused.refusal(), Some(Refusal::AuthoredRecords), "{refused}");

        let plan = d.plan_transfer(&h.admin, s.id, s.lee.id, s.ari.id, DELETING).await.unwrap();
        assert!(plan.groups.is_empty(), "Lee owns nothing");
        let authored: Vec<(TransferKind, u64)> = plan.authored.iter().map(|g| (g.kind.clone(), g.moving)).collect();
        assert_eq!(authored, vec![
            (TransferKind::Authored(RecordKind::Checkout), 1),
            (TransferKind::Authored(RecordKind::Incident), 1),
            (TransferKind::Authored(RecordKind::Ticket), 1),
            (TransferKind::Authored(RecordKind::Note), 2),
        ]);
        let notes = &plan.authored[3];
        assert_eq!(notes.title, "notes written");
        assert!(notes.described && notes.lines.iter().all(|l| l.ends_with("about Ada Pupil")), "{:?}", notes.lines);
        assert!(plan.leaves_nothing());

        let report = d.apply_transfer(&h.admin, &plan).await.unwrap();
        assert_eq!(report, TransferReport { moved: 0, authored: 5, access: 0, source_deleted: true });
        assert_eq!(d.user(&h.admin, s.id, s.lee.id).await.unwrap_err().kind(), ErrorKind::NotFound);

        // Every record stays on Ada's profile, now written by Ari, saying whose it was.
        for kind in [RecordKind::Checkout, RecordKind::Incident, RecordKind::Ticket, RecordKind::Note] {
            for record in records_about(&h, &s, kind).await {
                assert_eq!(record.user, s.ada.id);
                let last = record.provenance.last().unwrap();
                assert_eq!((last.moved, last.from, last.to), (Moved::Author, s.lee.id, s.ari.id), "{kind}");
                assert_eq!(last.from_name, "Lee Teacher");
            }
        }
        for note in records_about(&h, &s, RecordKind::Note).await {
            let RecordBody::Note(note) = &note.body else { panic!() };
            assert_eq!((note.author.user, note.author.name.as_str()), (Some(s.ari.id), "Ari Teacher"));
        }
        // The authorship index moved too: Ari is now the one who cannot simply be deleted.
        let ari = d.user(&h.admin, s.id, s.ari.id).await.unwrap();
        let err = d.delete_user(&h.admin, s.id, ari.id, ari.version).await.unwrap_err();
        let Error::AuthoredRecords { written, .. } = &err else { panic!("{err:?}") };
        assert_eq!((written.of(RecordKind::Note), written.of(RecordKind::Ticket)), (2, 1));
        // Ari's log says what came from Lee, per kind.
        let log = d.user_activity(&h.admin, s.id, s.ari.id, None, 50).await.unwrap();
        let received: Vec<_> = log.items.iter().filter(|e| e.action == ActivityAction::DataTransferred).collect();
        assert_eq!(received.len(), 4);
        assert!(received.iter().any(|e| e.changes[0].field == "transferred authored note"
            && e.changes[0].new.as_deref() == Some("2 notes written")));
    }

    async fn authored_work_about_a_user_whose_records_the_actor_may_not_read_is_counted_not_described(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        // Ada moves to Roosevelt. Cam is a Technician over Lincoln (as Lee is) who sees
        // everyone and transfers data district-wide, but reads no incidents, tickets or notes
        // in Roosevelt.
        let mut ada = s.ada.details.clone();
        ada.org_units = [s.roosevelt].into_iter().collect();
        d.update_user(&h.admin, s.id, s.ada.id, s.ada.version, ada).await.unwrap();
        let cam = h.member(s.id, staff("Cam", s.lincoln)).await;
        h.grant(s.id, cam.id, Preset::Technician, Scope::unit(s.lincoln)).await;
        let transfers: PermissionSet = [Permission::ViewUsers, Permission::TransferData].into_iter().collect();
        let role = d.create_role(&h.admin, s.id, "Transfers", transfers).await.unwrap();
        d.grant_role(&h.admin, s.id, cam.id, role.id, Scope::District).await.unwrap();
        let cam = Actor::user(s.id, cam.id);
        d.user(&cam, s.id, s.ada.id).await.unwrap();

        let options = TransferOptions { delete_source: false, org_units: false, grants: false };
        let plan = d.plan_transfer(&cam, s.id, s.lee.id, s.ari.id, options).await.unwrap();
        let authored: Vec<(u64, bool, usize)> = plan.authored.iter().map(|g| (g.moving, g.described, g.lines.len())).collect();
        // Checkouts are on the tab View Users opens: described. Incidents, tickets and notes
        // are counted only.
        assert_eq!(authored, vec![(1, true, 1), (1, false, 0), (1, false, 0), (2, false, 0)]);
        assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    }

    async fn a_note_about_the_target_leaves_the_authorship_index(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        let as_lee = Actor::user(s.id, s.lee.id);
        let about_ari = d.add_note(&as_lee, s.id, s.ari.id, "covers room 12").await.unwrap();
        let plan = d.plan_transfer(&h.admin, s.id, s.lee.id, s.ari.id, DELETING).await.unwrap();
        assert_eq!(plan.authored_moving(), 6);
        d.apply_transfer(&h.admin, &plan).await.unwrap();
        let note = d.storage().record(s.id, about_ari.id).await.unwrap().unwrap();
        assert_eq!(note.user, s.ari.id);
        // The index holds records about others only: Ari's own note is not in it.
        let from_ari = d.plan_transfer(&h.admin, s.id, s.ari.id, s.ada.id, TransferOptions::default()).await.unwrap();
        assert_eq!(from_ari.authored_moving(), 5);
        assert_eq!(from_ari.moving(), 1, "the note about Ari is Ari's own record");
    }

    async fn a_record_both_owned_and_written_by_the_source_is_written_once(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        // Ada's records come to Lee first (Lee wrote them): owned and authored by Lee now.
        let to_lee = d.plan_transfer(&h.admin, s.id, s.ada.id, s.lee.id, TransferOptions::default()).await.unwrap();
        d.apply_transfer(&h.admin, &to_lee).await.unwrap();
        let lee = d.user(&h.admin, s.id, s.lee.id).await.unwrap();
        let plan = d.plan_transfer(&h.admin, s.id, lee.id, s.ari.id, DELETING).await.unwrap();
        assert_eq!((plan.moving(), plan.authored_moving()), (5, 5));
        let report = d.apply_transfer(&h.admin, &plan).await.unwrap();
        assert!(report.source_deleted);
        let counts = d.storage().record_counts(s.id, s.ari.id).await.unwrap();
        assert_eq!(counts.of(RecordKind::Note), 2);
        // Everything is Ari's own now: nothing about others blocks deleting Ari.
        let ari = d.user(&h.admin, s.id, s.ari.id).await.unwrap();
        let err = d.delete_user(&h.admin, s.id, ari.id, ari.version).await.unwrap_err();
        assert_eq!(err.refusal(), Some(Refusal::HasHistory), "{err}");
    }

    async fn org_units_and_grants_go_to_the_target_when_asked(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        let mut details = s.lee.details.clone();
        details.org_units.insert(s.roosevelt);
        let lee = d.update_user(&h.admin, s.id, s.lee.id, s.lee.version, details).await.unwrap();
        let options = TransferOptions { delete_source: false, org_units: true, grants: true };
        let plan = d.plan_transfer(&h.admin, s.id, lee.id, s.ari.id, options).await.unwrap();
        let access: Vec<(TransferKind, u64, Vec<String>)> =
            plan.access.iter().map(|g| (g.kind.clone(), g.moving, g.lines.clone())).collect();
        assert_eq!(access, vec![
            (TransferKind::OrgUnits, 1, vec!["Roosevelt".to_owned()]),
            (TransferKind::Grants, 1, vec!["Technician over Lincoln".to_owned()]),
        ]);
        assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
        let report = d.apply_transfer(&h.admin, &plan).await.unwrap();
        assert_eq!((report.access, report.authored), (2, 5));
        let ari = d.user(&h.admin, s.id, s.ari.id).await.unwrap();
        assert!(ari.details.org_units.contains(&s.roosevelt) && ari.details.org_units.contains(&s.lincoln));
        let grants = d.grants_of(&h.admin, s.id, ari.id).await.unwrap();
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].scope, Scope::unit(s.lincoln));
        // Lee keeps theirs; a second plan gives nothing twice.
        assert_eq!(d.grants_of(&h.admin, s.id, lee.id).await.unwrap().len(), 1);
        let again = d.plan_transfer(&h.admin, s.id, lee.id, s.ari.id, options).await.unwrap();
        assert!(again.access.is_empty(), "{:?}", again.access);
        // Ari acts with the grant at once.
        d.add_note(&Actor::user(s.id, ari.id), s.id, s.ada.id, "hello from Ari").await.unwrap();
    }

    async fn a_grant_is_given_though_the_target_holds_its_role_elsewhere_or_another_role_there(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        // Ari holds Technician, but over Roosevelt, and another role over Lincoln.
        h.grant(s.id, s.ari.id, Preset::Technician, Scope::unit(s.roosevelt)).await;
        let viewers = PermissionSet::EMPTY.with(Permission::ViewUsers);
        let viewer = d.create_role(&h.admin, s.id, "Viewer", viewers).await.unwrap();
        d.grant_role(&h.admin, s.id, s.ari.id, viewer.id, Scope::unit(s.lincoln)).await.unwrap();
        let options = TransferOptions { delete_source: false, org_units: false, grants: true };
        let plan = d.plan_transfer(&h.admin, s.id, s.lee.id, s.ari.id, options).await.unwrap();
        let lines: Vec<Vec<String>> = plan.access.iter().map(|g| g.lines.clone()).collect();
        assert_eq!(lines, vec![vec!["Technician over Lincoln".to_owned()]]);
        d.apply_transfer(&h.admin, &plan).await.unwrap();
        let technician = d.grants_of(&h.admin, s.id, s.lee.id).await.unwrap()[0].role;
        let mut held: Vec<(bool, Scope)> = d.grants_of(&h.admin, s.id, s.ari.id).await.unwrap()
            .into_iter().map(|g| (g.role == technician, g.scope)).collect();
        held.sort_by_key(|(technician, scope)| (*technician, scope == &Scope::unit(s.lincoln)));
        assert_eq!(held, vec![
            (false, Scope::unit(s.lincoln)),
            (true, Scope::unit(s.roosevelt)),
            (true, Scope::unit(s.lincoln)),
        ]);
    }

    async fn authored_work_edited_since_the_plan_is_a_conflict_and_nothing_moves(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        let plan = d.plan_transfer(&h.admin, s.id, s.lee.id, s.ari.id, DELETING).await.unwrap();
        // The help desk moves Lee's ticket on after the plan was made.
        let ticket = records_about(&h, &s, RecordKind::Ticket).await.remove(0);
        d.set_ticket_status(&h.admin, s.id, ticket.id, ticket.version, TicketStatus::InProgress).await.unwrap();
        let error = d.apply_transfer(&h.admin, &plan).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Conflict, "{error}");
        // Nothing moved: Lee is still there, still the author, still refused deletion.
        let lee = d.user(&h.admin, s.id, s.lee.id).await.unwrap();
        for note in records_about(&h, &s, RecordKind::Note).await {
            let RecordBody::Note(body) = &note.body else { panic!() };
            assert_eq!(body.author.user, Some(s.lee.id));
            assert!(note.provenance.is_empty());
        }
        let refused = d.delete_user(&h.admin, s.id, lee.id, lee.version).await.unwrap_err();
        assert_eq!(refused.refusal(), Some(Refusal::AuthoredRecords));
        // A new plan applies.
        let plan = d.plan_transfer(&h.admin, s.id, s.lee.id, s.ari.id, DELETING).await.unwrap();
        assert!(d.apply_transfer(&h.admin, &plan).await.unwrap().source_deleted);
    }

    async fn the_last_system_administrator_is_not_deleted_by_a_transfer_granting_their_role(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        h.grant(s.id, s.lee.id, Preset::SystemAdministrator, Scope::District).await;
        let options = TransferOptions { delete_source: true, org_units: false, grants: true };
        let plan = d.plan_transfer(&h.admin, s.id, s.lee.id, s.ari.id, options).await.unwrap();
        assert_eq!(plan.access_given(), 2);
        // The guard counts the grants stored before the write: grant first, then delete.
        let error = d.apply_transfer(&h.admin, &plan).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Invalid, "{error}");
        assert!(error.to_string().contains("last active System Administrator"), "{error}");
        assert!(d.grants_of(&h.admin, s.id, s.ari.id).await.unwrap().is_empty(), "nothing written");
        let keep = TransferOptions { delete_source: false, ..options };
        let plan = d.plan_transfer(&h.admin, s.id, s.lee.id, s.ari.id, keep).await.unwrap();
        d.apply_transfer(&h.admin, &plan).await.unwrap();
        let lee = d.user(&h.admin, s.id, s.lee.id).await.unwrap();
        d.delete_user(&h.admin, s.id, lee.id, lee.version).await.unwrap();
    }
}
