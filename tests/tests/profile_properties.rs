//! Property tests of the profile: tab visibility is exactly the permission/module/data rule,
//! balances are the exact sum, and a user's own view never carries notes or activity.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use chrono::NaiveDate;
use homeroom::profile::{Tab, TabKind};
use homeroom::records::*;
use homeroom::*;
use homeroom_tests::{Backend, Harness};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn run<F: std::future::Future<Output = Result<(), TestCaseError>>>(
    f: F,
) -> Result<(), TestCaseError> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn modules() -> impl Strategy<Value = Modules> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(checkouts, incidents, billing, tickets, insurance)| Modules {
                checkouts,
                incidents,
                billing,
                tickets,
                insurance,
            },
        )
}

fn permissions() -> impl Strategy<Value = PermissionSet> {
    prop::collection::vec(prop::sample::select(Permission::ALL.to_vec()), 0..10)
        .prop_map(|ps| ps.into_iter().collect())
}

struct Setup {
    district: DistrictId,
    student: User,
}

async fn setup(h: &Harness) -> Setup {
    let d = &h.directory;
    let district = d.create_district(&h.admin, "Random USD").await.unwrap();
    let school = d
        .create_org_unit(&h.admin, district.id, NewOrgUnit::school("School"))
        .await
        .unwrap();
    let mut details = UserDetails::new(UserKind::Student, "Sam", "Student").in_org_unit(school.id);
    details.aup_signed = true;
    details.fee_paid = true;
    let student = d.create_user(&h.admin, district.id, details).await.unwrap();
    // Org-unit changes move the district's version: read it again.
    let district = d.district(&h.admin, district.id).await.unwrap();
    let mut settings = district.settings.clone();
    settings.modules.insurance = true;
    d.update_district_settings(&h.admin, district.id, district.version, settings)
        .await
        .unwrap();
    Setup {
        district: district.id,
        student,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn tab_visibility_is_exactly_the_rule(
        perms in permissions(),
        modules in modules(),
        data in prop::collection::vec(any::<bool>(), 6),
    ) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let d = &h.directory;
            let s = setup(&h).await;
            let (a, sid) = (&h.admin, s.student.id);
            let day = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
            if data[0] { d.checkout_device(a, s.district, sid, NewCheckout { device: Device::tagged("T1"), loaner: false, condition: None }).await.unwrap(); }
            if data[1] { d.record_incident(a, s.district, sid, NewIncident { kind: IncidentKind::Loss, description: "lost".into(), occurred_on: day, device: None, repair_cost: None }).await.unwrap(); }
            if data[2] { d.add_invoice(a, s.district, sid, vec![InvoiceLine { description: "fee".into(), amount: Decimal::ONE }], None).await.unwrap(); }
            if data[3] { d.open_ticket(a, s.district, sid, "help", None).await.unwrap(); }
            if data[4] { d.add_note(a, s.district, sid, "note").await.unwrap(); }
            if data[5] { d.enroll_insurance(a, s.district, sid, "Plan", Decimal::TEN, day).await.unwrap(); }
            let district = d.district(a, s.district).await.unwrap();
            let mut settings = district.settings.clone();
            settings.modules = modules;
            d.update_district_settings(a, s.district, district.version, settings).await.unwrap();

            let viewer = d.create_user(a, s.district, UserDetails::new(UserKind::Staff, "Vi", "Ewer")).await.unwrap();
            let role = d.create_role(a, s.district, "Random", perms).await.unwrap();
            d.grant_role(a, s.district, viewer.id, role.id, Scope::District).await.unwrap();
            let result = d.profile(&Actor::user(s.district, viewer.id), s.district, sid, 5).await;
            if !perms.contains(Permission::ViewUsers) {
                prop_assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound);
                return Ok(());
            }
            let has = |kind: TabKind| match kind {
                TabKind::CheckoutHistory => data[0],
                TabKind::IncidentHistory => data[1],
                TabKind::BillingHistory => data[2],
                TabKind::TicketHistory => data[3],
                TabKind::Notes => data[4],
                TabKind::Insurance => data[5],
                TabKind::UserInformation | TabKind::ActivityLog => true,
            };
            let expected: Vec<&str> = TabKind::ALL
                .into_iter()
                .filter(|k| {
                    perms.contains(k.permission())
                        && k.module_enabled(modules)
                        && (*k != TabKind::Insurance || has(*k))
                })
                .map(TabKind::title)
                .collect();
            let profile = result.unwrap();
            prop_assert_eq!(profile.titles(), expected);
            Ok(())
        })?;
    }

    #[test]
    fn balances_are_the_exact_sum(
        invoices in prop::collection::vec(
            (prop::collection::vec(1i64..100_000, 1..4), prop::collection::vec(0u8..=100, 0..3), any::<bool>()),
            1..6,
        ),
    ) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let d = &h.directory;
            let s = setup(&h).await;
            let day = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
            let mut expected_cents: i64 = 0;
            for (lines, payments, void) in &invoices {
                let lines: Vec<InvoiceLine> = lines.iter().map(|c| InvoiceLine { description: "item".into(), amount: Decimal::new(*c, 2) }).collect();
                let mut owed: i64 = lines.iter().map(|l| (l.amount * Decimal::ONE_HUNDRED).trunc().to_string().parse::<i64>().unwrap()).sum();
                let mut invoice = d.add_invoice(&h.admin, s.district, s.student.id, lines, None).await.unwrap();
                for percent in payments {
                    let cents = owed * i64::from(*percent) / 100;
                    if cents == 0 { continue; }
                    let payment = Payment { amount: Decimal::new(cents, 2), paid_on: day, method: None };
                    invoice = d.record_payment(&h.admin, s.district, invoice.id, invoice.version, payment).await.unwrap();
                    owed -= cents;
                }
                if *void {
                    d.void_invoice(&h.admin, s.district, invoice.id, invoice.version).await.unwrap();
                } else {
                    expected_cents += owed;
                }
            }
            let profile = d.profile(&h.admin, s.district, s.student.id, 100).await.unwrap();
            let Some(Tab::Billing { balance, .. }) = profile.tab("Billing History") else { panic!("no billing tab") };
            prop_assert_eq!(*balance, Some(Decimal::new(expected_cents, 2)));
            let me = Actor::user(s.district, s.student.id);
            prop_assert_eq!(d.self_view(&me).await.unwrap().balance, Some(Decimal::new(expected_cents, 2)));
            Ok(())
        })?;
    }

    #[test]
    fn a_users_own_view_never_carries_notes_or_activity(
        notes in prop::collection::vec("[a-z]{6,12}", 1..5),
        tickets in 0usize..3,
    ) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let d = &h.directory;
            let s = setup(&h).await;
            for note in &notes {
                d.add_note(&h.admin, s.district, s.student.id, &format!("NOTE-{note}")).await.unwrap();
            }
            let me = Actor::user(s.district, s.student.id);
            for i in 0..tickets {
                d.open_ticket(&me, s.district, s.student.id, &format!("ticket {i}"), None).await.unwrap();
            }
            let view = d.self_view(&me).await.unwrap();
            prop_assert_eq!(view.tickets.len(), tickets);
            let json = serde_json::to_string(&view).unwrap();
            prop_assert!(!json.contains("NOTE-"), "a note leaked: {}", json);
            prop_assert!(!json.contains("\"actor\""), "activity leaked: {}", json);
            prop_assert!(view.tickets.iter().chain(&view.invoices).chain(&view.current_checkouts).all(|r| r.kind() != RecordKind::Note));
            Ok(())
        })?;
    }
}
