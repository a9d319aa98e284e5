//! Attacks on a student's records: reading them without leaving a trace, acting from a blocked
//! account, poisoning an invoice so the profile cannot open, and deleting a user while a record
//! is being added. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use homeroom::profile::TabKind;
use homeroom::records::{IncidentKind, InvoiceLine};
use homeroom::*;
use homeroom_tests::race::{Gate, Hooked};
use homeroom_tests::{Backend, Harness, across_backends};
use rust_decimal::Decimal;

struct Scene {
    id: DistrictId,
    kid: User,
    principal: Actor,
}

async fn scene(h: &Harness) -> Scene {
    let d = &h.directory;
    let (id, schools) = h.district_with_schools(&["Lincoln Middle"]).await;
    let lincoln = &schools[0];
    let kid = UserDetails::new(UserKind::Student, "Kim", "Kid").in_org_unit(lincoln.id);
    let kid = h.member(id, kid).await;
    let pat = UserDetails::new(UserKind::Staff, "Pat", "Principal").in_org_unit(lincoln.id);
    let pat = h.member(id, pat).await;
    h.grant(
        id,
        pat.id,
        Preset::BuildingAdministrator,
        Scope::unit(lincoln.id),
    )
    .await;
    let incident = NewIncident {
        kind: IncidentKind::Damage,
        description: "cracked screen".into(),
        occurred_on: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        device: None,
        repair_cost: None,
    };
    d.record_incident(&h.admin, id, kid.id, incident)
        .await
        .unwrap();
    Scene {
        id,
        kid,
        principal: Actor::user(id, pat.id),
    }
}

async fn views(h: &Harness, s: &Scene) -> Vec<String> {
    let page = h
        .directory
        .profile_views(&h.admin, s.id, s.kid.id, None, 100)
        .await
        .unwrap();
    page.items
        .iter()
        .map(|e| e.changes[0].new.clone().unwrap_or_default())
        .collect()
}

across_backends! {
    async fn attack_reading_a_student_around_the_profile_leaves_no_trace(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        d.user(&s.principal, s.id, s.kid.id).await.unwrap();
        h.clock.advance(chrono::Duration::minutes(1));
        d.history(&s.principal, s.id, s.kid.id, TabKind::IncidentHistory, None, 10).await.unwrap();
        h.clock.advance(chrono::Duration::minutes(1));
        d.export_history_csv(&s.principal, s.id, s.kid.id, TabKind::IncidentHistory).await.unwrap();
        h.clock.advance(chrono::Duration::minutes(1));
        d.profile(&s.principal, s.id, s.kid.id, 10).await.unwrap();
        assert_eq!(
            views(&h, &s).await,
            ["profile", "Incident History (CSV export)", "Incident History", "user details"],
            "every read of the student's data is on their disclosure record, newest first"
        );
        // Staff are not students: reading them is not a disclosure.
        let me = d.user(&s.principal, s.id, s.principal.user_id().unwrap()).await.unwrap();
        let staff_views = d.profile_views(&h.admin, s.id, me.id, None, 10).await.unwrap();
        assert_eq!(staff_views.total, 0);
        // A district that turned the log off records nothing.
        let mut district = d.district(&h.admin, s.id).await.unwrap();
        district.settings.audit_profile_views = false;
        d.update_district_settings(&h.admin, s.id, district.version, district.settings).await.unwrap();
        d.user(&s.principal, s.id, s.kid.id).await.unwrap();
        d.profile(&s.principal, s.id, s.kid.id, 10).await.unwrap();
        assert_eq!(views(&h, &s).await.len(), 4);
    }

    async fn attack_suspended_student_keeps_opening_tickets_and_reading_their_record(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let me = Actor::user(s.id, s.kid.id);
        d.self_view(&me).await.unwrap();
        d.open_ticket(&me, s.id, s.kid.id, "my laptop", None).await.unwrap();
        let kid = d.user(&h.admin, s.id, s.kid.id).await.unwrap();
        let locked = Access::Locked { until: None, reason: "investigation".into() };
        for access in [Access::Suspended, locked] {
            let kid = d.user(&h.admin, s.id, s.kid.id).await.unwrap();
            d.set_access(&h.admin, s.id, kid.id, kid.version, access).await.unwrap();
            let refused = |e: Error| match e {
                Error::Refused { reason, message } => {
                    assert_eq!(reason, Refusal::SignInBlocked);
                    assert!(!message.contains("investigation"), "the lock reason is the admin's");
                }
                other => panic!("{other}"),
            };
            refused(d.self_view(&me).await.unwrap_err());
            refused(d.open_ticket(&me, s.id, s.kid.id, "let me in", None).await.unwrap_err());
        }
        let tickets = d.history(&h.admin, s.id, kid.id, TabKind::TicketHistory, None, 10).await.unwrap();
        assert_eq!(tickets.total, 1, "only the ticket opened while allowed");
    }

    async fn attack_an_invoice_too_large_to_add_up(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let line = |amount| InvoiceLine { description: "Screen".into(), amount };
        let err = d
            .add_invoice(&h.admin, s.id, s.kid.id, vec![line(Decimal::MAX), line(Decimal::MAX)], None)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
        assert!(err.to_string().contains("largest amount"), "{err}");
        // Two invoices that are each fine but together overflow a balance: the profile and the
        // student's own view still open, and say the balance cannot be computed.
        for _ in 0..2 {
            d.add_invoice(&h.admin, s.id, s.kid.id, vec![line(Decimal::MAX)], None).await.unwrap();
        }
        let profile = d.profile(&s.principal, s.id, s.kid.id, 10).await.unwrap();
        let Some(profile::Tab::Billing { balance, page }) = profile.tab("Billing History") else { panic!() };
        assert_eq!((*balance, page.total), (None, 2));
        let me = Actor::user(s.id, s.kid.id);
        assert_eq!(d.self_view(&me).await.unwrap().balance, None);
        let csv = d.export_history_csv(&s.principal, s.id, s.kid.id, TabKind::BillingHistory).await.unwrap();
        assert!(String::from_utf8(csv).unwrap().contains(&Decimal::MAX.to_string()));
    }
}

/// The delete counted no records; a checkout lands before the delete is written. Whichever
/// write goes first, no record is left without its user.
#[tokio::test]
async fn attack_record_added_while_its_user_is_deleted_is_never_orphaned() {
    for backend in Backend::ALL {
        let gate = Arc::new(Hooked::new(backend.storage().await, Gate::default()));
        let h = Harness::over(*backend, gate.clone()).await;
        let d = &h.directory;
        let id = d
            .create_district(&h.admin, "Maple Valley USD")
            .await
            .unwrap()
            .id;
        let bo = d
            .create_user(&h.admin, id, UserDetails::new(UserKind::Student, "Bo", "B"))
            .await
            .unwrap();
        gate.hook().hold_next_applies(2);
        let (deleted, noted) = tokio::join!(
            d.delete_user(&h.admin, id, bo.id, bo.version),
            d.add_note(&h.admin, id, bo.id, "left a charger"),
        );
        match (deleted, noted) {
            (Err(err @ Error::HasHistory { .. }), Ok(_)) => {
                assert_eq!(err.refusal(), Some(Refusal::HasHistory), "{backend:?}");
                let Error::HasHistory { records, .. } = err else {
                    unreachable!()
                };
                assert_eq!(records.of(records::RecordKind::Note), 1, "{backend:?}");
                assert!(d.user(&h.admin, id, bo.id).await.is_ok());
            }
            (Ok(()), Err(e)) => assert_eq!(e.kind(), ErrorKind::NotFound, "{backend:?}: {e}"),
            other => panic!("{backend:?}: one of them must lose: {other:?}"),
        }
    }
}
