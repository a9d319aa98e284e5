//! End-to-end tests of the `Directory` facade, run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::*;
use homeroom_tests::{Harness, across_backends};

/// A district with two schools, a department under the first, and a handful of students.
struct Town {
    district: District,
    lincoln: OrgUnit,
    science: OrgUnit,
    washington: OrgUnit,
}

async fn town(h: &Harness) -> Town {
    let d = &h.directory;
    let district = d
        .create_district(&h.admin, "Maple Valley USD")
        .await
        .unwrap();
    let lincoln = d
        .create_org_unit(
            &h.admin,
            district.id,
            NewOrgUnit::school("Lincoln Middle").with_code("LMS"),
        )
        .await
        .unwrap();
    let science = d
        .create_org_unit(
            &h.admin,
            district.id,
            NewOrgUnit::department("Science", lincoln.id),
        )
        .await
        .unwrap();
    let washington = d
        .create_org_unit(
            &h.admin,
            district.id,
            NewOrgUnit::school("Washington High").with_code("WHS"),
        )
        .await
        .unwrap();
    // Org-unit changes move the district's version: read it again.
    let district = d.district(&h.admin, district.id).await.unwrap();
    Town {
        district,
        lincoln,
        science,
        washington,
    }
}

fn student(first: &str, last: &str, local_id: &str, grade: &str, unit: OrgUnitId) -> UserDetails {
    UserDetails::new(UserKind::Student, first, last)
        .with_local_id(local_id)
        .unwrap()
        .with_grade(grade)
        .unwrap()
        .in_org_unit(unit)
}

async fn add(h: &Harness, t: &Town, details: UserDetails) -> User {
    h.directory
        .create_user(&h.admin, t.district.id, details)
        .await
        .unwrap()
}

fn invalid_fields(err: &Error) -> Vec<(String, &'static str)> {
    assert_eq!(
        err.kind(),
        ErrorKind::Invalid,
        "expected a validation error, got {err}"
    );
    err.validation()
        .unwrap()
        .errors()
        .iter()
        .map(|e| (e.field.clone(), e.code.as_str()))
        .collect()
}

across_backends! {
    async fn district_names_are_unique_regardless_of_case(h: Harness) {
        h.directory.create_district(&h.admin, "Maple Valley USD").await.unwrap();
        let err = h.directory.create_district(&h.admin, "  maple valley usd ").await.unwrap_err();
        assert_eq!(invalid_fields(&err), vec![("name".to_string(), "taken")]);
        let found = h.directory.district_by_name(&h.admin, "MAPLE VALLEY USD").await.unwrap();
        assert_eq!(found.name, "Maple Valley USD");
    }

    async fn created_user_reads_back_active_allowed_at_version_one(h: Harness) {
        let t = town(&h).await;
        let ada = add(&h, &t, student("Ada", "Lovelace", "00123", "06", t.lincoln.id)).await;
        let read = h.directory.user(&h.admin, t.district.id, ada.id).await.unwrap();
        assert_eq!(read, ada);
        assert_eq!(read.status, RecordStatus::Active);
        assert_eq!(read.access, Access::Allowed);
        assert_eq!(read.version, Version::FIRST);
        assert_eq!(read.details.local_id.unwrap().as_str(), "00123", "Local IDs stay text");
        assert_eq!(read.details.grade, Some(Grade::Numbered(6)));
    }

    async fn every_validation_problem_is_reported_at_once(h: Harness) {
        let t = town(&h).await;
        let mut details = UserDetails::new(UserKind::Student, "  ", "");
        details.grade = Some(Grade::parse("TK").unwrap());
        details.org_units.insert(OrgUnitId::from_uuid(uuid::Uuid::from_u128(999)));
        details.name.middle = Some("x".repeat(101));
        details.time_zone = Some("Mars Base".into());
        details.guardians.push(Guardian { name: "Mum".into(), email: Some("mum@".into()), ..Guardian::default() });
        let err = h.directory.create_user(&h.admin, t.district.id, details).await.unwrap_err();
        let fields = invalid_fields(&err);
        for expected in [
            ("name.first", "required"),
            ("name.last", "required"),
            ("name.middle", "too_long"),
            ("grade", "invalid_grade"),
            ("org_units", "unknown_org_unit"),
            ("time_zone", "invalid_time_zone"),
            ("guardians[0].email", "invalid_email"),
        ] {
            assert!(
                fields.contains(&(expected.0.to_string(), expected.1)),
                "missing {expected:?} in {fields:?}"
            );
        }
        let page = h.directory.search_users(&h.admin, t.district.id, &UserSearch::default()).await.unwrap();
        assert_eq!(page.total, 0, "nothing was written");
    }

    async fn district_defined_grades_are_accepted_once_listed(h: Harness) {
        let t = town(&h).await;
        let details = student("Tia", "Kim", "T1", "TK", t.lincoln.id);
        let err = h.directory.create_user(&h.admin, t.district.id, details.clone()).await.unwrap_err();
        assert_eq!(invalid_fields(&err), vec![("grade".to_string(), "invalid_grade")]);
        let mut settings = t.district.settings.clone();
        settings.custom_grades.insert("tk".into());
        h.directory
            .update_district_settings(&h.admin, t.district.id, t.district.version, settings)
            .await
            .unwrap();
        let tia = h.directory.create_user(&h.admin, t.district.id, details).await.unwrap();
        assert_eq!(tia.details.grade, Some(Grade::Other("TK".into())));
    }

    async fn local_id_email_and_username_are_unique_per_district(h: Harness) {
        let t = town(&h).await;
        let first = student("Ada", "Lovelace", "00123", "6", t.lincoln.id)
            .with_email("Ada@Example.org").unwrap()
            .with_username("ALovelace").unwrap();
        add(&h, &t, first).await;
        let clash = student("Ada", "Byron", "00123", "6", t.lincoln.id)
            .with_email("ada@EXAMPLE.org").unwrap()
            .with_username("alovelace").unwrap();
        let err = h.directory.create_user(&h.admin, t.district.id, clash.clone()).await.unwrap_err();
        let fields = invalid_fields(&err);
        assert_eq!(
            fields,
            vec![
                ("local_id".to_string(), "taken"),
                ("email".to_string(), "taken"),
                ("username".to_string(), "taken"),
            ]
        );
        assert!(err.to_string().contains("Ada Lovelace"), "says who holds it: {err}");
        // "123" is not "00123": Local IDs compare as text.
        let other = student("Bo", "Byron", "123", "6", t.lincoln.id);
        add(&h, &t, other).await;
        // Another district may reuse all three.
        let elsewhere = h.directory.create_district(&h.admin, "Cedar Springs").await.unwrap();
        h.directory.create_user(&h.admin, elsewhere.id, clash.in_org_unit_none()).await.unwrap();
    }

    async fn update_with_stale_version_is_a_conflict_and_writes_nothing(h: Harness) {
        let t = town(&h).await;
        let ada = add(&h, &t, student("Ada", "Lovelace", "00123", "6", t.lincoln.id)).await;
        let mut first_edit = ada.details.clone();
        first_edit.name.preferred = Some("Addie".into());
        let updated = h.directory
            .update_user(&h.admin, t.district.id, ada.id, ada.version, first_edit)
            .await
            .unwrap();
        assert_eq!(updated.version, Version::new(2));
        let mut second_edit = ada.details.clone();
        second_edit.name.last = "Byron".into();
        let err = h.directory
            .update_user(&h.admin, t.district.id, ada.id, ada.version, second_edit)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict);
        let now = h.directory.user(&h.admin, t.district.id, ada.id).await.unwrap();
        assert_eq!(now, updated, "the stale edit changed nothing");
    }

    async fn changes_are_logged_field_by_field(h: Harness) {
        let t = town(&h).await;
        let ada = add(&h, &t, student("Ada", "Lovelace", "00123", "6", t.lincoln.id)).await;
        h.clock.advance(chrono::Duration::minutes(10));
        let mut edit = ada.details.clone();
        edit.grade = Some(Grade::Numbered(7));
        edit.aup_signed = true;
        let ada = h.directory.update_user(&h.admin, t.district.id, ada.id, ada.version, edit).await.unwrap();
        h.clock.advance(chrono::Duration::minutes(10));
        let ada = h.directory
            .set_status(&h.admin, t.district.id, ada.id, ada.version, RecordStatus::Inactive)
            .await
            .unwrap();
        let log = h.directory.user_activity(&h.admin, t.district.id, ada.id, None, 10).await.unwrap();
        assert_eq!(log.total, 3);
        let actions: Vec<ActivityAction> = log.items.iter().map(|e| e.action).collect();
        assert_eq!(actions, vec![ActivityAction::StatusChanged, ActivityAction::Updated, ActivityAction::Created]);
        let update = &log.items[1];
        assert_eq!(update.actor.name, "test setup");
        let changed: Vec<(&str, Option<&str>, Option<&str>)> = update
            .changes
            .iter()
            .map(|c| (&*c.field, c.old.as_deref(), c.new.as_deref()))
            .collect();
        assert_eq!(changed, vec![("grade", Some("6"), Some("7")), ("aup_signed", Some("false"), Some("true"))]);
        assert_eq!(log.items[0].changes[0].new.as_deref(), Some("inactive"));
        assert!(log.items[0].at > update.at);
    }

    async fn an_unchanged_save_writes_nothing(h: Harness) {
        let t = town(&h).await;
        let ada = add(&h, &t, student("Ada", "Lovelace", "00123", "6", t.lincoln.id)).await;
        let mut same = ada.details.clone();
        same.name.first = "  Ada ".into(); // trimmed to the same value
        let after = h.directory.update_user(&h.admin, t.district.id, ada.id, ada.version, same).await.unwrap();
        assert_eq!(after.version, ada.version);
        let log = h.directory.user_activity(&h.admin, t.district.id, ada.id, None, 10).await.unwrap();
        assert_eq!(log.total, 1, "only the creation is logged");
    }

    async fn search_filters_by_text_grade_org_unit_status_and_access(h: Harness) {
        let t = town(&h).await;
        let ada = add(&h, &t, student("Ada", "Lovelace", "S-001", "6", t.lincoln.id)).await;
        let grace = add(&h, &t, student("Grace", "Hopper", "S-002", "6", t.science.id)).await;
        let alan = add(&h, &t, student("Alan", "Turing", "S-003", "9", t.washington.id)).await;
        let ed = add(&h, &t, student("Edsger", "Dijkstra", "S-004", "6", t.washington.id)).await;
        let d = &h.directory;
        let ids = |page: Page<User, UserCursor>| page.items.into_iter().map(|u| u.id).collect::<Vec<_>>();

        let lincoln = UserSearch::default().in_org_unit(t.lincoln.id);
        assert_eq!(ids(d.search_users(&h.admin, t.district.id, &lincoln).await.unwrap()), vec![grace.id, ada.id],
            "a school's search includes its departments, in name order");
        let sixth = UserSearch::default().grade(Grade::Numbered(6));
        assert_eq!(d.search_users(&h.admin, t.district.id, &sixth).await.unwrap().total, 3);
        let sixth_in_lincoln = sixth.clone().in_org_unit(t.lincoln.id);
        assert_eq!(d.search_users(&h.admin, t.district.id, &sixth_in_lincoln).await.unwrap().total, 2);
        for text in ["tur", "ALAN", "alan t", "s-003"] {
            assert_eq!(ids(d.search_users(&h.admin, t.district.id, &UserSearch::text(text)).await.unwrap()), vec![alan.id], "{text}");
        }

        let ed = d.set_status(&h.admin, t.district.id, ed.id, ed.version, RecordStatus::Archived).await.unwrap();
        assert_eq!(d.search_users(&h.admin, t.district.id, &sixth).await.unwrap().total, 2, "archived users are hidden by default");
        let archived = UserSearch::default().status(RecordStatus::Archived);
        assert_eq!(ids(d.search_users(&h.admin, t.district.id, &archived).await.unwrap()), vec![ed.id]);
        assert_eq!(d.search_users(&h.admin, t.district.id, &UserSearch::default().any_status()).await.unwrap().total, 4);

        let locked = Access::Locked { until: None, reason: "lost badge".into() };
        d.set_access(&h.admin, t.district.id, grace.id, grace.version, locked).await.unwrap();
        let locked_search = UserSearch::default().access(AccessKind::Locked);
        assert_eq!(ids(d.search_users(&h.admin, t.district.id, &locked_search).await.unwrap()), vec![grace.id]);
    }

    async fn paging_is_stable_while_users_are_added(h: Harness) {
        let t = town(&h).await;
        for i in 0..25 {
            add(&h, &t, student("Kid", &format!("Name{i:02}"), &format!("P{i:02}"), "5", t.lincoln.id)).await;
        }
        let search = UserSearch::default().limit(10);
        let first = h.directory.search_users(&h.admin, t.district.id, &search).await.unwrap();
        assert_eq!((first.items.len(), first.total), (10, 25));
        // New users sorting before and after the cursor arrive between pages.
        add(&h, &t, student("Kid", "Aaron", "N1", "5", t.lincoln.id)).await;
        add(&h, &t, student("Kid", "Zed", "N2", "5", t.lincoln.id)).await;
        let mut seen: Vec<String> = first.items.iter().map(|u| u.details.name.last.clone()).collect();
        let mut next = first.next;
        while let Some(cursor) = next {
            let page = h.directory.search_users(&h.admin, t.district.id, &search.clone().after(Some(cursor))).await.unwrap();
            seen.extend(page.items.iter().map(|u| u.details.name.last.clone()));
            next = page.next;
        }
        let mut expected: Vec<String> = (0..25).map(|i| format!("Name{i:02}")).collect();
        expected.push("Zed".into());
        assert_eq!(seen, expected, "nothing repeated, nothing skipped; only later arrivals after the cursor appear");
    }

    async fn org_units_move_and_rename_and_refuse_cycles(h: Harness) {
        let t = town(&h).await;
        let d = &h.directory;
        let err = d.move_org_unit(&h.admin, t.district.id, t.lincoln.id, t.lincoln.version, Some(t.science.id)).await.unwrap_err();
        assert_eq!(invalid_fields(&err), vec![("parent".to_string(), "cycle")]);
        let moved = d.move_org_unit(&h.admin, t.district.id, t.science.id, t.science.version, Some(t.washington.id)).await.unwrap();
        assert_eq!(moved.parent, Some(t.washington.id));
        // A move is a versioned change: the unit's version moves, and a move decided on the
        // old one is refused.
        assert_eq!(moved.version, t.science.version.next());
        let stale_move = d.move_org_unit(&h.admin, t.district.id, t.science.id, t.science.version, None).await.unwrap_err();
        assert_eq!(stale_move.kind(), ErrorKind::Conflict);
        let renamed = d.rename_org_unit(&h.admin, t.district.id, t.washington.id, t.washington.version, "Washington High School").await.unwrap();
        assert_eq!(renamed.version, Version::new(2));
        let tree = d.org_tree(&h.admin, t.district.id).await.unwrap();
        assert_eq!(tree.path(t.science.id), "Washington High School > Science");
        // Members move with the unit.
        let grace = add(&h, &t, student("Grace", "Hopper", "S-002", "6", t.science.id)).await;
        let page = d.search_users(&h.admin, t.district.id, &UserSearch::default().in_org_unit(t.washington.id)).await.unwrap();
        assert_eq!(page.items[0].id, grace.id);
        let stale = d.rename_org_unit(&h.admin, t.district.id, t.washington.id, t.washington.version, "WHS").await.unwrap_err();
        assert_eq!(stale.kind(), ErrorKind::Conflict);
        let dup = d.create_org_unit(&h.admin, t.district.id, NewOrgUnit::school("Other").with_code("lms")).await.unwrap_err();
        assert_eq!(invalid_fields(&dup), vec![("code".to_string(), "taken")]);
    }

    async fn districts_never_see_each_other(h: Harness) {
        let t = town(&h).await;
        let ada = add(&h, &t, student("Ada", "Lovelace", "00123", "6", t.lincoln.id)).await;
        let other = h.directory.create_district(&h.admin, "Cedar Springs").await.unwrap();
        let err = h.directory.user(&h.admin, other.id, ada.id).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let found = h.directory.search_users(&h.admin, other.id, &UserSearch::text("ada")).await.unwrap();
        assert_eq!(found.total, 0);
        let err = h.directory
            .search_users(&h.admin, other.id, &UserSearch::default().in_org_unit(t.lincoln.id))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "another district's org unit does not exist here");
    }
}

trait NoOrgUnits {
    fn in_org_unit_none(self) -> Self;
}

impl NoOrgUnits for UserDetails {
    /// Drops memberships (for copying a user into another district's tree).
    fn in_org_unit_none(mut self) -> Self {
        self.org_units.clear();
        self
    }
}

/// A district with every record module on, and a student who may take a device.
async fn records_scene(h: &Harness) -> (DistrictId, User) {
    let d = &h.directory;
    let district = d
        .create_district(&h.admin, "Maple Valley USD")
        .await
        .unwrap();
    let mut settings = district.settings.clone();
    settings.modules.insurance = true;
    d.update_district_settings(&h.admin, district.id, district.version, settings)
        .await
        .unwrap();
    let mut details = UserDetails::new(UserKind::Student, "Ada", "Lovelace");
    details.aup_signed = true;
    details.fee_paid = true;
    let ada = d.create_user(&h.admin, district.id, details).await.unwrap();
    (district.id, ada)
}

/// Runs `edit` on `record` at a stale version (one edit behind) and checks it is a conflict
/// that leaves the record and the log as they were.
async fn assert_stale_edit_conflicts<F, Fut>(
    h: &Harness,
    district: DistrictId,
    user: UserId,
    record: records::Record,
    edit: F,
) where
    F: Fn(records::Record, Version) -> Fut,
    Fut: std::future::Future<Output = Result<records::Record, Error>>,
{
    let stale = record.version;
    let fresh = edit(record.clone(), stale).await.unwrap();
    assert_eq!(
        fresh.version,
        stale.next(),
        "the first edit is made at the version read"
    );
    let entries = logged(h, district, user).await;
    let err = edit(fresh.clone(), stale).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    let stored = h
        .directory
        .storage()
        .record(district, record.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, fresh.version, "a stale edit writes nothing");
    assert_eq!(
        logged(h, district, user).await,
        entries,
        "a stale edit logs nothing"
    );
}

/// How many entries `user`'s activity log holds.
async fn logged(h: &Harness, district: DistrictId, user: UserId) -> usize {
    h.directory
        .user_activity(&h.admin, district, user, None, 100)
        .await
        .unwrap()
        .items
        .len()
}

across_backends! {
    async fn stale_record_edits_are_conflicts_and_write_nothing(h: Harness) {
        let d = &h.directory;
        let (district, ada) = records_scene(&h).await;
        let a = &h.admin;
        let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        let cents = |c| rust_decimal::Decimal::new(c, 2);

        // Each edit changes something every time, so the second would write if allowed.
        let out = NewCheckout { device: records::Device::tagged("CB-1"), loaner: false, condition: None };
        let checkout = d.checkout_device(a, district, ada.id, out).await.unwrap().record;
        assert_stale_edit_conflicts(&h, district, ada.id, checkout, |r, v| async move {
            d.check_in_device(a, district, r.id, v, Some("fine".into())).await
        }).await;

        let incident = NewIncident { kind: records::IncidentKind::Damage, description: "cracked".into(), occurred_on: day, device: None, repair_cost: None };
        let incident = d.record_incident(a, district, ada.id, incident).await.unwrap();
        assert_stale_edit_conflicts(&h, district, ada.id, incident, |r, v| async move {
            d.update_incident(a, district, r.id, v, records::IncidentStatus::InRepair, Some(cents(r.version.get() as i64 * 100))).await
        }).await;

        let lines = vec![records::InvoiceLine { description: "screen".into(), amount: cents(10000) }];
        let invoice = d.add_invoice(a, district, ada.id, lines, None).await.unwrap();
        assert_stale_edit_conflicts(&h, district, ada.id, invoice, |r, v| async move {
            d.record_payment(a, district, r.id, v, records::Payment { amount: cents(1000), paid_on: day, method: None }).await
        }).await;

        let lines = vec![records::InvoiceLine { description: "case".into(), amount: cents(2000) }];
        let invoice = d.add_invoice(a, district, ada.id, lines, None).await.unwrap();
        let paid = d.record_payment(a, district, invoice.id, invoice.version, records::Payment { amount: cents(500), paid_on: day, method: None }).await.unwrap();
        let err = d.void_invoice(a, district, paid.id, invoice.version).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
        let stored = d.storage().record(district, paid.id).await.unwrap().unwrap();
        assert_eq!(stored.version, paid.version, "a stale void writes nothing");
        d.void_invoice(a, district, paid.id, paid.version).await.unwrap();

        let ticket = d.open_ticket(a, district, ada.id, "no wifi", None).await.unwrap();
        let status = |v: Version| if v.get() % 2 == 1 { records::TicketStatus::Closed } else { records::TicketStatus::Open };
        assert_stale_edit_conflicts(&h, district, ada.id, ticket, |r, v| async move {
            d.set_ticket_status(a, district, r.id, v, status(r.version)).await
        }).await;

        let insurance = d.enroll_insurance(a, district, ada.id, "Basic", cents(50000), day).await.unwrap();
        assert_stale_edit_conflicts(&h, district, ada.id, insurance, |r, v| async move {
            d.file_claim(a, district, r.id, v, records::Claim { incident: None, amount: cents(100), filed_on: day, approved: None }).await
        }).await;
    }
}
