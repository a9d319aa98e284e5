//! The product documents' profile scenarios, end to end, over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use chrono::NaiveDate;
use homeroom::profile::{Tab, TabKind};
use homeroom::records::*;
use homeroom::*;
use homeroom_tests::{Harness, across_backends};
use rust_decimal::Decimal;

struct School {
    district: DistrictId,
    middle: OrgUnit,
    high: OrgUnit,
    desk: Actor,
    roles: Vec<Role>,
}

impl School {
    fn role(&self, preset: Preset) -> RoleId {
        self.roles
            .iter()
            .find(|r| r.preset == Some(preset))
            .unwrap()
            .id
    }
}

async fn school(h: &Harness) -> School {
    let d = &h.directory;
    let district = d
        .create_district(&h.admin, "Maple Valley USD")
        .await
        .unwrap()
        .id;
    let middle = d
        .create_org_unit(&h.admin, district, NewOrgUnit::school("Roosevelt Middle"))
        .await
        .unwrap();
    let high = d
        .create_org_unit(&h.admin, district, NewOrgUnit::school("Washington High"))
        .await
        .unwrap();
    let roles = d.roles(&h.admin, district).await.unwrap();
    let clerk = d
        .create_user(
            &h.admin,
            district,
            UserDetails::new(UserKind::Staff, "Dana", "Desk").in_org_unit(middle.id),
        )
        .await
        .unwrap();
    let it = roles
        .iter()
        .find(|r| r.preset == Some(Preset::DistrictAdministrator))
        .unwrap()
        .id;
    d.grant_role(&h.admin, district, clerk.id, it, Scope::District)
        .await
        .unwrap();
    School {
        district,
        middle,
        high,
        desk: Actor::user(district, clerk.id),
        roles,
    }
}

async fn student(
    h: &Harness,
    s: &School,
    first: &str,
    local_id: &str,
    grade: &str,
    unit: OrgUnitId,
    (aup, fee): (bool, bool),
) -> User {
    let mut details = UserDetails::new(UserKind::Student, first, "Student")
        .with_local_id(local_id)
        .unwrap()
        .with_grade(grade)
        .unwrap()
        .in_org_unit(unit);
    details.aup_signed = aup;
    details.fee_paid = fee;
    h.directory
        .create_user(&h.admin, s.district, details)
        .await
        .unwrap()
}

fn chromebook(tag: &str) -> NewCheckout {
    NewCheckout {
        device: Device {
            asset_tag: tag.into(),
            serial: Some(format!("SN-{tag}")),
            model: Some("Chromebook 314".into()),
        },
        loaner: false,
        condition: Some("new".into()),
    }
}

fn refusal(err: Error) -> Refusal {
    match err {
        Error::Refused { reason, .. } => reason,
        other => panic!("expected a refusal, got {other}"),
    }
}

fn dollars(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

across_backends! {
    async fn scenario_student_checking_out_a_device(h: Harness) {
        let s = school(&h).await;
        let d = &h.directory;
        let ada = student(&h, &s, "Ada", "S100", "6", s.middle.id, (false, true)).await;
        // Found by Local ID, profile opened, AUP checked: not signed, so no device.
        let found = d.search_users(&s.desk, s.district, &UserSearch::text("s100")).await.unwrap();
        assert_eq!(found.items[0].id, ada.id);
        let profile = d.profile(&s.desk, s.district, ada.id, 10).await.unwrap();
        let Some(Tab::UserInformation(info)) = profile.tab("User Information") else { panic!("no info tab") };
        assert!(!info.aup_signed && info.fee_paid);
        assert!(info.actions.contains(Permission::CheckoutDevice));
        let err = d.checkout_device(&s.desk, s.district, ada.id, chromebook("RMS-0042")).await.unwrap_err();
        assert_eq!(refusal(err), Refusal::AupNotSigned);

        let mut signed = ada.details.clone();
        signed.aup_signed = true;
        d.update_user(&s.desk, s.district, ada.id, ada.version, signed).await.unwrap();
        let receipt = d.checkout_device(&s.desk, s.district, ada.id, chromebook("RMS-0042")).await.unwrap();
        assert!(receipt.warnings.is_empty());
        let profile = d.profile(&s.desk, s.district, ada.id, 10).await.unwrap();
        let Some(Tab::UserInformation(info)) = profile.tab("User Information") else { panic!() };
        assert_eq!(info.current_checkouts.len(), 1);
        assert_eq!(info.current_checkouts[0].id, receipt.record.id);

        // The device cannot go out twice, whatever its tag's case.
        let bo = student(&h, &s, "Bo", "S101", "6", s.middle.id, (true, true)).await;
        let err = d.checkout_device(&s.desk, s.district, bo.id, chromebook("rms-0042")).await.unwrap_err();
        assert_eq!(refusal(err), Refusal::DeviceAlreadyOut);
        // Back in, it can go out again.
        d.check_in_device(&s.desk, s.district, receipt.record.id, receipt.record.version, Some("scuffed".into())).await.unwrap();
        d.checkout_device(&s.desk, s.district, bo.id, chromebook("RMS-0042")).await.unwrap();

        // Inactive users get nothing new.
        let bo = d.user(&s.desk, s.district, bo.id).await.unwrap();
        d.set_status(&s.desk, s.district, bo.id, bo.version, RecordStatus::Inactive).await.unwrap();
        let err = d.checkout_device(&s.desk, s.district, bo.id, chromebook("RMS-0077")).await.unwrap_err();
        assert_eq!(refusal(err), Refusal::UserNotActive);

        // A district that relaxes the fee rule lets the checkout through with a warning.
        let cy = student(&h, &s, "Cy", "S102", "6", s.middle.id, (true, false)).await;
        assert_eq!(refusal(d.checkout_device(&s.desk, s.district, cy.id, chromebook("RMS-0100")).await.unwrap_err()), Refusal::FeeNotPaid);
        let district = d.district(&h.admin, s.district).await.unwrap();
        let mut settings = district.settings.clone();
        settings.checkout_policy.require_fee = false;
        d.update_district_settings(&h.admin, s.district, district.version, settings).await.unwrap();
        let receipt = d.checkout_device(&s.desk, s.district, cy.id, chromebook("RMS-0100")).await.unwrap();
        assert_eq!(receipt.warnings, vec![Refusal::FeeNotPaid]);
    }

    async fn scenario_parent_questioning_a_150_dollar_charge(h: Harness) {
        let s = school(&h).await;
        let d = &h.directory;
        let kid = student(&h, &s, "Eli", "S200", "7", s.middle.id, (true, true)).await;
        let incident = d
            .record_incident(&s.desk, s.district, kid.id, NewIncident {
                kind: IncidentKind::Damage,
                description: "Broken screen, dropped in the hallway".into(),
                occurred_on: NaiveDate::from_ymd_opt(2026, 10, 15).unwrap(),
                device: Some(Device::tagged("RMS-0200")),
                repair_cost: Some(dollars(15000)),
            })
            .await
            .unwrap();
        let lines = vec![InvoiceLine { description: "Screen replacement".into(), amount: dollars(15000) }];
        let invoice = d.add_invoice(&s.desk, s.district, kid.id, lines, Some(incident.id)).await.unwrap();

        // The parent calls: search by name, open the profile, Billing History.
        let found = d.search_users(&s.desk, s.district, &UserSearch::text("eli")).await.unwrap();
        let profile = d.profile(&s.desk, s.district, found.items[0].id, 10).await.unwrap();
        let Some(Tab::Billing { page, balance }) = profile.tab("Billing History") else { panic!("no billing tab") };
        assert_eq!(*balance, Some(dollars(15000)));
        let RecordBody::Invoice(bill) = &page.items[0].body else { panic!() };
        assert_eq!((bill.total(), bill.status()), (Some(dollars(15000)), InvoiceStatus::Unpaid));
        // The invoice names the incident; Incident History has its details.
        let referenced = bill.incident.unwrap();
        let Some(Tab::History { page: incidents, .. }) = profile.tab("Incident History") else { panic!() };
        let found = incidents.items.iter().find(|r| r.id == referenced).unwrap();
        let RecordBody::Incident(details) = &found.body else { panic!() };
        assert_eq!(details.kind, IncidentKind::Damage);
        assert_eq!(details.occurred_on, NaiveDate::from_ymd_opt(2026, 10, 15).unwrap());
        assert_eq!(details.repair_cost, Some(dollars(15000)));

        // A partial payment leaves an exact balance; overpaying is refused.
        let paid = d
            .record_payment(&s.desk, s.district, invoice.id, invoice.version, Payment { amount: dollars(5001), paid_on: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(), method: Some("check 1042".into()) })
            .await
            .unwrap();
        let RecordBody::Invoice(bill) = &paid.body else { panic!() };
        assert_eq!((bill.balance(), bill.status()), (Some(dollars(9999)), InvoiceStatus::PartiallyPaid));
        let over = Payment { amount: dollars(10000), paid_on: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(), method: None };
        assert_eq!(refusal(d.record_payment(&s.desk, s.district, paid.id, paid.version, over).await.unwrap_err()), Refusal::Overpayment);
    }

    async fn scenario_checking_history_before_a_new_assignment(h: Harness) {
        let s = school(&h).await;
        let d = &h.directory;
        let kid = student(&h, &s, "Fay", "S300", "8", s.middle.id, (true, true)).await;
        for i in 0..5 {
            let out = d.checkout_device(&s.desk, s.district, kid.id, chromebook(&format!("RMS-3{i:02}"))).await.unwrap();
            h.clock.advance(chrono::Duration::days(30));
            d.check_in_device(&s.desk, s.district, out.record.id, out.record.version, Some("dropped".into())).await.unwrap();
        }
        for month in [1, 4, 9] {
            d.record_incident(&s.desk, s.district, kid.id, NewIncident {
                kind: IncidentKind::Damage,
                description: "Accidental drop".into(),
                occurred_on: NaiveDate::from_ymd_opt(2026, month, 3).unwrap(),
                device: None,
                repair_cost: None,
            })
            .await
            .unwrap();
        }
        let profile = d.profile(&s.desk, s.district, kid.id, 2).await.unwrap();
        let Some(Tab::History { page: incidents, .. }) = profile.tab("Incident History") else { panic!() };
        assert_eq!((incidents.total, incidents.items.len()), (3, 2), "paged: first 2 of 3");
        let rest = d.history(&s.desk, s.district, kid.id, TabKind::IncidentHistory, incidents.next.clone(), 2).await.unwrap();
        assert_eq!(rest.items.len(), 1);
        let Some(Tab::History { page: checkouts, .. }) = profile.tab("Checkout History") else { panic!() };
        assert_eq!(checkouts.total, 5, "five different devices: high turnover");
        d.add_note(&s.desk, s.district, kid.id, "Five devices in a year, all drops: issue a rugged case").await.unwrap();
        let profile = d.profile(&s.desk, s.district, kid.id, 10).await.unwrap();
        let Some(Tab::History { page: notes, .. }) = profile.tab("Notes") else { panic!() };
        let RecordBody::Note(note) = &notes.items[0].body else { panic!() };
        assert_eq!(note.author.name, "Dana Desk");
    }

    async fn scenario_verifying_aup_and_fees_for_grade_six_by_a_building_admin(h: Harness) {
        let s = school(&h).await;
        let d = &h.directory;
        for (i, (aup, fee)) in [(true, true), (false, true), (true, false)].into_iter().enumerate() {
            student(&h, &s, &format!("Mid{i}"), &format!("M{i}"), "6", s.middle.id, (aup, fee)).await;
        }
        student(&h, &s, "HighSix", "H1", "6", s.high.id, (false, false)).await;
        student(&h, &s, "Seventh", "M9", "7", s.middle.id, (false, false)).await;
        let principal = d
            .create_user(&h.admin, s.district, UserDetails::new(UserKind::Staff, "Pat", "Principal").in_org_unit(s.middle.id))
            .await
            .unwrap();
        d.grant_role(&h.admin, s.district, principal.id, s.role(Preset::BuildingAdministrator), Scope::unit(s.middle.id)).await.unwrap();
        let pat = Actor::user(s.district, principal.id);
        let sixth = UserSearch::default().grade(Grade::Numbered(6)).in_org_unit(s.middle.id);
        let page = d.search_users(&pat, s.district, &sixth).await.unwrap();
        assert_eq!(page.total, 3, "grade 6 at the middle school only");
        let mut follow_up = Vec::new();
        for kid in &page.items {
            let profile = d.profile(&pat, s.district, kid.id, 5).await.unwrap();
            let Some(Tab::UserInformation(info)) = profile.tab("User Information") else { panic!() };
            if !(info.aup_signed && info.fee_paid) {
                follow_up.push(kid.details.name.first.clone());
            }
        }
        follow_up.sort();
        assert_eq!(follow_up, vec!["Mid1", "Mid2"]);
        // The whole-district grade 6 list is not Pat's to see.
        let everywhere = UserSearch::default().grade(Grade::Numbered(6));
        assert_eq!(d.search_users(&pat, s.district, &everywhere).await.unwrap().total, 3);
        // Every profile Pat opened is on the students' disclosure record.
        let views = d.profile_views(&h.admin, s.district, page.items[0].id, None, 10).await.unwrap();
        assert_eq!(views.items[0].actor.name, "Pat Principal");
    }

    async fn scenario_repeat_support_tickets_lead_to_the_device(h: Harness) {
        let s = school(&h).await;
        let d = &h.directory;
        let kid = student(&h, &s, "Gus", "S500", "10", s.high.id, (true, true)).await;
        let me = Actor::user(s.district, kid.id);
        let device = d.checkout_device(&s.desk, s.district, kid.id, chromebook("WHS-0500")).await.unwrap();
        for day in 0..5 {
            h.clock.advance(chrono::Duration::days(2));
            d.open_ticket(&me, s.district, kid.id, &format!("Wi-Fi drops again (day {day})"), Some(Device::tagged("WHS-0500"))).await.unwrap();
        }
        let profile = d.profile(&s.desk, s.district, kid.id, 10).await.unwrap();
        let Some(Tab::History { page: tickets, .. }) = profile.tab("Ticket History") else { panic!() };
        assert_eq!(tickets.total, 5);
        assert!(tickets.items.iter().all(|t| matches!(&t.body, RecordBody::Ticket(t) if t.subject.starts_with("Wi-Fi"))));
        let Some(Tab::History { page: checkouts, .. }) = profile.tab("Checkout History") else { panic!() };
        let RecordBody::Checkout(current) = &checkouts.items[0].body else { panic!() };
        assert!(current.is_out());
        let ticket_device = match &tickets.items[0].body { RecordBody::Ticket(t) => t.device.clone().unwrap(), _ => panic!() };
        assert_eq!(current.device.key(), ticket_device.key(), "the tickets point at the device out now");
        assert_eq!(checkouts.items[0].id, device.record.id);
    }

    async fn deleting_a_user_with_history_is_refused_and_explained(h: Harness) {
        let s = school(&h).await;
        let d = &h.directory;
        let kid = student(&h, &s, "Hal", "S600", "9", s.high.id, (true, true)).await;
        d.checkout_device(&s.desk, s.district, kid.id, chromebook("WHS-0600")).await.unwrap();
        d.add_note(&s.desk, s.district, kid.id, "left for another district").await.unwrap();
        d.add_note(&s.desk, s.district, kid.id, "device not returned").await.unwrap();
        let err = d.delete_user(&h.admin, s.district, kid.id, kid.version).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Refused);
        assert_eq!(err.refusal(), Some(Refusal::HasHistory), "a matchable code, like every refusal");
        let Error::HasHistory { records, .. } = &err else { panic!("{err}") };
        assert_eq!((records.of(RecordKind::Checkout), records.of(RecordKind::Note)), (1, 2));
        let message = err.to_string();
        assert!(message.contains("1 checkouts") && message.contains("2 notes") && message.contains("Inactive"), "{message}");
        assert!(d.user(&h.admin, s.district, kid.id).await.is_ok(), "nothing was deleted");
        // A user without history goes.
        let clean = student(&h, &s, "Ivy", "S601", "9", s.high.id, (true, true)).await;
        d.delete_user(&h.admin, s.district, clean.id, clean.version).await.unwrap();
        assert_eq!(d.user(&h.admin, s.district, clean.id).await.unwrap_err().kind(), ErrorKind::NotFound);
        // Deleting needs Delete Users: a principal lacks it.
        let principal = d.create_user(&h.admin, s.district, UserDetails::new(UserKind::Staff, "Pat", "P").in_org_unit(s.high.id)).await.unwrap();
        d.grant_role(&h.admin, s.district, principal.id, s.role(Preset::BuildingAdministrator), Scope::unit(s.high.id)).await.unwrap();
        let other = student(&h, &s, "Jo", "S602", "9", s.high.id, (true, true)).await;
        let err = d.delete_user(&Actor::user(s.district, principal.id), s.district, other.id, other.version).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden);
    }

    async fn tabs_follow_permissions_modules_and_data(h: Harness) {
        let s = school(&h).await;
        let d = &h.directory;
        let kid = student(&h, &s, "Kai", "S700", "9", s.high.id, (true, true)).await;
        let tech = d.create_user(&h.admin, s.district, UserDetails::new(UserKind::Staff, "Tom", "Tech").in_org_unit(s.high.id)).await.unwrap();
        d.grant_role(&h.admin, s.district, tech.id, s.role(Preset::Technician), Scope::unit(s.high.id)).await.unwrap();
        let tom = Actor::user(s.district, tech.id);
        let titles = d.profile(&tom, s.district, kid.id, 5).await.unwrap();
        assert_eq!(titles.titles(), vec!["User Information", "Checkout History", "Incident History", "Ticket History", "Notes"]);
        let desk = d.profile(&s.desk, s.district, kid.id, 5).await.unwrap();
        assert_eq!(
            desk.titles(),
            vec!["User Information", "Checkout History", "Incident History", "Billing History", "Ticket History", "Notes", "Activity Log"],
            "insurance is off by default"
        );
        // Turn insurance on: the tab still waits for data.
        let district = d.district(&h.admin, s.district).await.unwrap();
        let mut settings = district.settings.clone();
        settings.modules.insurance = true;
        settings.modules.tickets = false;
        d.update_district_settings(&h.admin, s.district, district.version, settings).await.unwrap();
        let desk = d.profile(&s.desk, s.district, kid.id, 5).await.unwrap();
        assert!(!desk.titles().contains(&"Insurance") && !desk.titles().contains(&"Ticket History"));
        d.enroll_insurance(&s.desk, s.district, kid.id, "Standard 2026-27", dollars(50000), NaiveDate::from_ymd_opt(2027, 6, 30).unwrap()).await.unwrap();
        let desk = d.profile(&s.desk, s.district, kid.id, 5).await.unwrap();
        assert_eq!(desk.titles().last(), Some(&"Insurance"));
        assert_eq!(refusal(d.open_ticket(&s.desk, s.district, kid.id, "help", None).await.unwrap_err()), Refusal::ModuleDisabled);
    }

    async fn a_users_own_view_never_shows_notes_or_activity(h: Harness) {
        let s = school(&h).await;
        let d = &h.directory;
        let kid = student(&h, &s, "Lia", "S800", "9", s.high.id, (true, true)).await;
        d.checkout_device(&s.desk, s.district, kid.id, chromebook("WHS-0800")).await.unwrap();
        d.add_note(&s.desk, s.district, kid.id, "SECRET staff observation").await.unwrap();
        d.add_invoice(&s.desk, s.district, kid.id, vec![InvoiceLine { description: "Charger".into(), amount: dollars(2500) }], None).await.unwrap();
        let me = Actor::user(s.district, kid.id);
        d.open_ticket(&me, s.district, kid.id, "Keyboard sticks", None).await.unwrap();
        let mine = d.self_view(&me).await.unwrap();
        assert_eq!((mine.current_checkouts.len(), mine.tickets.len(), mine.invoices.len()), (1, 1, 1));
        assert_eq!(mine.balance, Some(dollars(2500)));
        let json = serde_json::to_string(&mine).unwrap();
        assert!(!json.contains("SECRET") && !json.contains("Created"), "{json}");
        // Without a grant the student cannot open anyone's profile, their own included.
        assert_eq!(d.profile(&me, s.district, kid.id, 5).await.unwrap_err().kind(), ErrorKind::NotFound);
    }

    async fn history_exports_are_excel_ready_and_formula_safe(h: Harness) {
        let s = school(&h).await;
        let d = &h.directory;
        let kid = student(&h, &s, "Max", "S900", "9", s.high.id, (true, true)).await;
        d.add_note(&s.desk, s.district, kid.id, "=HYPERLINK(\"http://evil.example\")").await.unwrap();
        d.add_note(&s.desk, s.district, kid.id, "Café visit, naïve question").await.unwrap();
        let csv = d.export_history_csv(&s.desk, s.district, kid.id, TabKind::Notes).await.unwrap();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(csv[3..].to_vec()).unwrap();
        assert!(text.starts_with("Record,Written,Author,Text\n"));
        assert!(text.contains("'=HYPERLINK") && text.contains("Café visit, naïve"), "{text}");
        // Scope-checked like the tab.
        let other = d.create_district(&h.admin, "Elsewhere").await.unwrap();
        assert_eq!(d.export_history_csv(&s.desk, other.id, kid.id, TabKind::Notes).await.unwrap_err().kind(), ErrorKind::NotFound);
        let tech = d.create_user(&h.admin, s.district, UserDetails::new(UserKind::Staff, "Tom", "T").in_org_unit(s.high.id)).await.unwrap();
        d.grant_role(&h.admin, s.district, tech.id, s.role(Preset::Technician), Scope::unit(s.high.id)).await.unwrap();
        let err = d.export_history_csv(&Actor::user(s.district, tech.id), s.district, kid.id, TabKind::BillingHistory).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden);
    }
}
