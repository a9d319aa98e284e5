//! Bulk import and sync end to end: read, plan (dry run), guards, all-or-nothing apply, reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::import::{ReadOptions, read};
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

struct Setup {
    district: DistrictId,
    lincoln: OrgUnit,
}

async fn setup(h: &Harness) -> Setup {
    let d = &h.directory;
    let district = d
        .create_district(&h.admin, "Maple Valley USD")
        .await
        .unwrap()
        .id;
    let lincoln = d
        .create_org_unit(
            &h.admin,
            district,
            NewOrgUnit::school("Lincoln Middle").with_code("LMS"),
        )
        .await
        .unwrap();
    d.create_org_unit(
        &h.admin,
        district,
        NewOrgUnit::school("Washington High").with_code("WHS"),
    )
    .await
    .unwrap();
    Setup { district, lincoln }
}

const ROSTER: &str = "Local ID,First Name,Last Name,Email,Grade,Building\r\n\
00101,Ada,Lovelace,ada@maple.example,6,Lincoln Middle\r\n\
00102,Grace,Hopper,grace@maple.example,7,LMS\r\n\
00103,Alan,Turing,alan@maple.example,9,Washington High\r\n\
00104,Edsger,Dijkstra,edsger@maple.example,10,whs\r\n";

async fn plan(
    h: &Harness,
    s: &Setup,
    csv: &str,
    options: &ImportOptions,
) -> (import::ImportData, ImportPlan) {
    let data = read(csv.as_bytes(), "roster.csv", &ReadOptions::default()).unwrap();
    let plan = h
        .directory
        .plan_import(&h.admin, s.district, &data, options)
        .await
        .unwrap();
    (data, plan)
}

async fn apply(h: &Harness, s: &Setup, plan: &ImportPlan) -> Result<ImportOutcome, Error> {
    h.apply_plan(&h.admin, s.district, plan, Approval::Required)
        .await
}

async fn count(h: &Harness, s: &Setup) -> u64 {
    h.directory
        .search_users(&h.admin, s.district, &UserSearch::default().any_status())
        .await
        .unwrap()
        .total
}

across_backends! {
    async fn an_import_creates_users_and_the_same_file_again_writes_nothing(h: Harness) {
        let s = setup(&h).await;
        let (_, first) = plan(&h, &s, ROSTER, &ImportOptions::default()).await;
        assert!(!first.has_errors(), "{:?}", first.issues());
        assert_eq!((first.counts().created, first.counts().updated, first.counts().unchanged), (4, 0, 0));
        let outcome = apply(&h, &s, &first).await.unwrap();
        assert!(outcome.batch.is_some());
        assert_eq!(count(&h, &s).await, 4);
        let grace = h.directory.search_users(&h.admin, s.district, &UserSearch::text("00102")).await.unwrap().items.remove(0);
        assert_eq!(grace.details.org_units, [s.lincoln.id].into(), "matched by code, case-insensitively");
        assert!(grace.import_managed);
        let log = h.directory.user_activity(&h.admin, s.district, grace.id, None, 5).await.unwrap();
        assert_eq!(log.items[0].import_batch, outcome.batch, "the log entry names the batch");

        let (_, again) = plan(&h, &s, ROSTER, &ImportOptions::default()).await;
        assert_eq!((again.counts().created, again.counts().updated, again.counts().unchanged), (0, 0, 4));
        let outcome = apply(&h, &s, &again).await.unwrap();
        assert_eq!((outcome.batch, outcome.ops), (None, 0), "nothing written");
    }

    async fn any_error_writes_nothing_and_says_where(h: Harness) {
        let s = setup(&h).await;
        let bad = "Local ID,First Name,Last Name,Grade,Building\r\n\
00101,Ada,Lovelace,6,Lincoln Middle\r\n\
00102,Grace,,13,Lincoln Middle\r\n\
00103,Alan,Turing,9,Springfield Elementary\r\n\
00101,Ada,Again,6,Lincoln Middle\r\n";
        let (data, plan) = plan(&h, &s, bad, &ImportOptions::default()).await;
        assert!(plan.has_errors());
        let found: Vec<(Option<u32>, Option<&str>, &str)> = plan
            .issues()
            .iter()
            .filter(|i| i.is_error())
            .map(|i| (i.row, i.column.as_deref(), i.code.as_str()))
            .collect();
        for expected in [
            (Some(3), Some("Last Name"), "required"),
            (Some(3), Some("Grade"), "invalid_grade"),
            (Some(4), Some("Building"), "unknown_org_unit"),
            (Some(5), Some("Local ID"), "duplicate_local_id"),
        ] {
            assert!(found.contains(&expected), "missing {expected:?} in {found:?}");
        }
        let err = apply(&h, &s, &plan).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Refused);
        assert_eq!(count(&h, &s).await, 0, "the good row was not written either");
        // The report is the uploaded file plus a status and the messages.
        let report = String::from_utf8(report_csv(&data, &plan)[3..].to_vec()).unwrap();
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines[0], "File,Row,Local ID,First Name,Last Name,Grade,Building,Import Status,Import Messages");
        assert!(lines[1].contains(",Create,"), "{}", lines[1]);
        assert!(lines[3].contains("Error") && lines[3].contains("Springfield Elementary"), "{}", lines[3]);
    }

    async fn protected_fields_of_existing_users_never_change(h: Harness) {
        let s = setup(&h).await;
        let (_, first) = plan(&h, &s, ROSTER, &ImportOptions::default()).await;
        apply(&h, &s, &first).await.unwrap();
        let changed = ROSTER.replace("ada@maple.example", "ada.l@maple.example").replace("Lovelace", "King");
        let (_, second) = plan(&h, &s, &changed, &ImportOptions::default()).await;
        assert!(!second.has_errors());
        assert_eq!(second.counts().updated, 1);
        let warning = second.issues().iter().find(|i| !i.is_error()).unwrap();
        assert_eq!((warning.code.as_str(), warning.column.as_deref()), ("protected_field", Some("Email")));
        apply(&h, &s, &second).await.unwrap();
        let ada = h.directory.search_users(&h.admin, s.district, &UserSearch::text("00101")).await.unwrap().items.remove(0);
        assert_eq!(ada.details.name.last, "King");
        assert_eq!(ada.details.email.unwrap().as_str(), "ada@maple.example");
    }

    async fn modes_create_only_and_update_only(h: Harness) {
        let s = setup(&h).await;
        let (_, first) = plan(&h, &s, ROSTER, &ImportOptions::default()).await;
        apply(&h, &s, &first).await.unwrap();
        let extra = format!("{ROSTER}00105,Barbara,Liskov,barbara@maple.example,8,LMS\r\n");
        let create_only = ImportOptions { mode: ImportMode::CreateOnly, ..ImportOptions::default() };
        let (_, p) = plan(&h, &s, &extra, &create_only).await;
        assert_eq!(p.issues().iter().filter(|i| i.code.as_str() == "user_exists").count(), 4);
        let update_only = ImportOptions { mode: ImportMode::UpdateOnly, ..ImportOptions::default() };
        let (_, p) = plan(&h, &s, &extra, &update_only).await;
        let missing: Vec<Option<u32>> = p.issues().iter().filter(|i| i.code.as_str() == "user_not_found").map(|i| i.row).collect();
        assert_eq!(missing, vec![Some(6)]);
    }

    async fn a_sync_deactivates_missing_import_managed_users_and_a_guard_holds_a_truncated_file(h: Harness) {
        let s = setup(&h).await;
        let mut big = String::from("Local ID,First Name,Last Name,Grade,Building\r\n");
        for i in 0..40 {
            big.push_str(&format!("S{i:03},Kid,Number{i},5,LMS\r\n"));
        }
        let sync = ImportOptions { sync: true, ..ImportOptions::default() };
        let (_, first) = plan(&h, &s, &big, &sync).await;
        apply(&h, &s, &first).await.unwrap();
        // A user made by hand is never deactivated by a sync.
        let hand = UserDetails::new(UserKind::Staff, "Hand", "Made").in_org_unit(s.lincoln.id);
        let hand = h.directory.create_user(&h.admin, s.district, hand).await.unwrap();

        // Two leave: 5% of 40, under the default 10% guard.
        let lines: Vec<&str> = big.lines().collect();
        let two_gone = lines[..39].join("\r\n");
        let (_, p) = plan(&h, &s, &two_gone, &sync).await;
        assert_eq!((p.counts().deactivated, p.held().len()), (2, 0));
        apply(&h, &s, &p).await.unwrap();
        let inactive = UserSearch::default().status(RecordStatus::Inactive);
        assert_eq!(h.directory.search_users(&h.admin, s.district, &inactive).await.unwrap().total, 2);
        assert_eq!(h.directory.user(&h.admin, s.district, hand.id).await.unwrap().status, RecordStatus::Active);

        // A truncated file: 28 of 38 would go. Held until approved.
        let truncated = lines[..11].join("\r\n");
        let (_, p) = plan(&h, &s, &truncated, &sync).await;
        assert_eq!(p.counts().deactivated, 28);
        assert_eq!(p.held()[0].what, "deactivate");
        let err = apply(&h, &s, &p).await.unwrap_err();
        assert!(matches!(err, Error::Refused { reason: Refusal::ImportHeld, .. }), "{err}");
        assert_eq!(h.directory.search_users(&h.admin, s.district, &inactive).await.unwrap().total, 2, "nothing written");
        h.apply_plan(&h.admin, s.district, &p, Approval::Approved).await.unwrap();
        assert_eq!(h.directory.search_users(&h.admin, s.district, &inactive).await.unwrap().total, 30);
        assert_eq!(h.directory.user(&h.admin, s.district, hand.id).await.unwrap().status, RecordStatus::Active);
    }

    async fn a_plan_applied_after_the_data_moved_is_a_conflict(h: Harness) {
        let s = setup(&h).await;
        let (_, first) = plan(&h, &s, ROSTER, &ImportOptions::default()).await;
        apply(&h, &s, &first).await.unwrap();
        let changed = ROSTER.replace("Lovelace", "King");
        let (_, p) = plan(&h, &s, &changed, &ImportOptions::default()).await;
        let ada = h.directory.search_users(&h.admin, s.district, &UserSearch::text("00101")).await.unwrap().items.remove(0);
        let mut edit = ada.details.clone();
        edit.name.preferred = Some("Addie".into());
        h.directory.update_user(&h.admin, s.district, ada.id, ada.version, edit).await.unwrap();
        assert_eq!(apply(&h, &s, &p).await.unwrap_err().kind(), ErrorKind::Conflict);
    }

    async fn roles_in_the_file_become_grants_under_the_no_escalation_rule(h: Harness) {
        let s = setup(&h).await;
        let staff = "Local ID,First Name,Last Name,Kind,Building,Roles\r\n\
T1,Tess,Teacher,staff,LMS,Observer\r\n\
T2,Pat,Principal,staff,LMS,Building Administrator\r\n";
        let (_, p) = plan(&h, &s, staff, &ImportOptions::default()).await;
        assert!(!p.has_errors(), "{:?}", p.issues());
        apply(&h, &s, &p).await.unwrap();
        let pat = h.directory.search_users(&h.admin, s.district, &UserSearch::text("t2")).await.unwrap().items.remove(0);
        let grants = h.directory.grants_of(&h.admin, s.district, pat.id).await.unwrap();
        assert_eq!(grants[0].scope, Scope::unit(s.lincoln.id));
        // Pat (Building Administrator, no Import Users) may not import at all; give Pat an
        // importer role over Lincoln and try to hand out District Administrator.
        let importer = h.directory.create_role(&h.admin, s.district, "Importer", [Permission::ViewUsers, Permission::ImportUsers, Permission::ManageRoles].into_iter().collect::<PermissionSet>()).await.unwrap();
        h.directory.grant_role(&h.admin, s.district, pat.id, importer.id, Scope::unit(s.lincoln.id)).await.unwrap();
        let escalate = "Local ID,First Name,Last Name,Kind,Building,Roles\r\nT3,Eve,Escalate,staff,LMS,District Administrator\r\n";
        let data = read(escalate.as_bytes(), "staff.csv", &ReadOptions::default()).unwrap();
        let p = h.directory.plan_import(&Actor::user(s.district, pat.id), s.district, &data, &ImportOptions::default()).await.unwrap();
        let codes: Vec<&str> = p.issues().iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, vec!["not_permitted"]);
    }
}

const WITH_PASSWORDS: &str = "Local ID,First Name,Last Name,Username,Building,Temporary Password\r\n\
00201,Ada,Lovelace,alovelace,LMS,welcome-2026\r\n\
00202,Grace,Hopper,ghopper,LMS,\r\n";

across_backends! {
    async fn a_temporary_password_is_set_on_create_only(h: Harness) {
        let s = setup(&h).await;
        let d = &h.directory;
        let (_, first) = plan(&h, &s, WITH_PASSWORDS, &ImportOptions::default()).await;
        assert!(!first.has_errors(), "{:?}", first.issues());
        // The plan, as shown to a person, never carries the password.
        assert!(!serde_json::to_string(&first).unwrap().contains("welcome-2026"));
        apply(&h, &s, &first).await.unwrap();
        let ada = d.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap();
        assert!(ada.must_change, "an imported password is temporary");
        let grace = d.verify_password(s.district, "ghopper", "welcome-2026").await.unwrap_err();
        assert_eq!(grace.kind(), ErrorKind::Refused, "a blank cell sets no password");

        // Importing again with another password keeps Ada's, with a warning on her row.
        let changed = WITH_PASSWORDS.replace("welcome-2026", "another-one-99");
        let (_, again) = plan(&h, &s, &changed, &ImportOptions::default()).await;
        assert!(!again.has_errors());
        let warning = again.issues().iter().find(|i| i.code == import::IssueCode::PasswordIgnored).unwrap();
        assert_eq!((warning.row, warning.column.as_deref()), (Some(2), Some("Temporary Password")));
        apply(&h, &s, &again).await.unwrap();
        d.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap();
    }

    async fn a_weak_temporary_password_is_a_row_error_and_nothing_is_written(h: Harness) {
        let s = setup(&h).await;
        let weak = WITH_PASSWORDS.replace("welcome-2026", "short");
        let (_, plan) = plan(&h, &s, &weak, &ImportOptions::default()).await;
        let error = plan.issues().iter().find(|i| i.is_error()).unwrap();
        assert_eq!((error.row, error.column.as_deref()), (Some(2), Some("Temporary Password")));
        assert_eq!(error.code.as_str(), "too_short");
        assert!(apply(&h, &s, &plan).await.is_err());
        assert_eq!(count(&h, &s).await, 0);
    }
}

across_backends! {
    // A sync deactivates whoever its file leaves out, so it runs only under the district's
    // sync lease: `apply_import` refuses it, and a lease for another name is refused too.
    async fn a_sync_is_applied_only_under_the_districts_sync_lease(h: Harness) {
        let s = setup(&h).await;
        let sync = ImportOptions { sync: true, ..ImportOptions::default() };
        let (_, p) = plan(&h, &s, ROSTER, &sync).await;
        let err = h.directory.apply_import(&h.admin, s.district, &p, Approval::Required, &|_| {}).await.unwrap_err();
        assert!(matches!(err, Error::Refused { reason: Refusal::SyncNeedsLease, .. }), "{err}");
        let ttl = chrono::Duration::minutes(2);
        let other = h.leases.try_acquire("sync:another-district", "run", ttl).await.unwrap().unwrap();
        let err = h
            .directory
            .apply_sync(&h.admin, s.district, &p, Approval::Required, HeldLease::new(&*h.leases, &other, ttl), &|_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Refused { reason: Refusal::SyncNeedsLease, .. }), "{err}");
        let everyone = h.directory.search_users(&h.admin, s.district, &UserSearch::default()).await.unwrap();
        assert_eq!(everyone.total, 0, "nothing was written");
        h.apply_plan(&h.admin, s.district, &p, Approval::Required).await.unwrap();
        let everyone = h.directory.search_users(&h.admin, s.district, &UserSearch::default()).await.unwrap();
        assert_eq!(everyone.total, 4);
    }

    // A replica whose lease ran out and was taken over by another writes nothing, even with a
    // plan it made while it held the lease.
    async fn a_sync_whose_lease_was_taken_over_writes_nothing(h: Harness) {
        let s = setup(&h).await;
        let sync = ImportOptions { sync: true, ..ImportOptions::default() };
        let (_, p) = plan(&h, &s, ROSTER, &sync).await;
        let ttl = chrono::Duration::minutes(2);
        let name = Lease::sync_name(s.district);
        let mine = h.leases.try_acquire(&name, "replica a", ttl).await.unwrap().unwrap();
        h.clock.advance(chrono::Duration::minutes(3));
        let theirs = h.leases.try_acquire(&name, "replica b", ttl).await.unwrap();
        assert!(theirs.is_some(), "the lapsed lease is taken over");
        let err = h
            .directory
            .apply_sync(&h.admin, s.district, &p, Approval::Required, HeldLease::new(&*h.leases, &mine, ttl), &|_| {})
            .await
            .unwrap_err();
        assert!(matches!(&err, Error::Storage(e) if e.kind() == StorageErrorKind::LeaseLost), "{err:?}");
        let everyone = h.directory.search_users(&h.admin, s.district, &UserSearch::default()).await.unwrap();
        assert_eq!(everyone.total, 0, "nothing was written");
    }
}

across_backends! {
    // A district that hands out passwords its users keep imports them with force-change off.
    async fn imported_passwords_may_be_kept_when_the_import_says_so(h: Harness) {
        let s = setup(&h).await;
        let keep = ImportOptions { temporary_passwords_must_change: false, ..ImportOptions::default() };
        let (_, p) = plan(&h, &s, WITH_PASSWORDS, &keep).await;
        apply(&h, &s, &p).await.unwrap();
        let ada = h.directory.verify_password(s.district, "alovelace", "welcome-2026").await.unwrap();
        assert!(!ada.must_change, "the import turned force-change off");
    }
}
