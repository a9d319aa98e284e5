//! Issue #16, decision 1: an import batch keeps the values it created users with once, and a
//! created user's own log entry only points at the batch's row. What a reader sees is what it
//! was when every entry carried the values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::activity::diff_fields;
use homeroom::import::{ReadOptions, read};
use homeroom::query::ActivityQuery;
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

async fn import(h: &Harness, district: DistrictId, csv: &str) -> ImportOutcome {
    let data = read(csv.as_bytes(), "roster.csv", &ReadOptions::default()).unwrap();
    let plan = h
        .directory
        .plan_import(&h.admin, district, &data, &ImportOptions::default())
        .await
        .unwrap();
    assert!(!plan.has_errors(), "{:?}", plan.issues());
    h.apply_plan(&h.admin, district, &plan, Approval::Required)
        .await
        .unwrap()
}

/// A roster of `n` students, Local IDs `S00000`.., one row each from row 2.
fn roster(n: usize) -> String {
    let mut csv = String::from("Local ID,First Name,Last Name,Email,Grade,Building\r\n");
    for i in 0..n {
        csv.push_str(&format!(
            "S{i:05},Kid{i},Family{i},kid{i}@maple.example,{},Lincoln Middle\r\n",
            1 + i % 12
        ));
    }
    csv
}

async fn by_local_id(h: &Harness, district: DistrictId, local_id: &str) -> User {
    let key = UserKey::LocalId(local_id.into());
    h.directory
        .storage()
        .user_by_key(district, &key)
        .await
        .unwrap()
        .unwrap()
}

async fn stored_log(h: &Harness, district: DistrictId, user: UserId) -> Vec<ActivityEntry> {
    let query = ActivityQuery {
        subject: Subject::User(user),
        after: None,
        limit: 50,
    };
    h.directory
        .storage()
        .activity(district, &query)
        .await
        .unwrap()
        .items
}

across_backends! {
    async fn a_created_users_history_reads_as_before_from_the_batch_row(h: Harness) {
        let (district, _) = h.district_with_schools(&["Lincoln Middle"]).await;
        // Two items of batch rows and a bit (1000 rows each).
        let outcome = import(&h, district, &roster(2_005)).await;
        for (i, local_id) in [(0, "S00000"), (999, "S00999"), (1_000, "S01000"), (2_004, "S02004")] {
            let user = by_local_id(&h, district, local_id).await;
            let log = h.directory.user_activity(&h.admin, district, user.id, None, 50).await.unwrap();
            assert_eq!(log.items.len(), 1, "{local_id}");
            let created = &log.items[0];
            assert_eq!(created.action, ActivityAction::Created);
            assert_eq!(created.import_batch, outcome.batch);
            // What every entry carried before: each set field, from nothing.
            assert_eq!(created.changes, diff_fields(&[], &user.details.field_values()), "{local_id}");
            assert!(created.changes.iter().any(|c| c.field == "local_id" && c.new.as_deref() == Some(local_id)));
            let row = created.import_row.clone().unwrap();
            assert_eq!((row.index, row.row, row.file.as_deref()), (i, i + 2, Some("roster.csv")), "created by import B, file F, row N");
            // Stored: no copy of the values, only the reference.
            let stored = stored_log(&h, district, user.id).await;
            assert!(stored[0].changes.is_empty(), "the per-user entry is tiny");
            assert_eq!(stored[0].import_row.as_ref().map(|r| (r.index, r.row)), Some((i, i + 2)));
        }
        // The profile's activity tab says the same.
        let user = by_local_id(&h, district, "S01500").await;
        let profile = h.directory.profile(&h.admin, district, user.id, 50).await.unwrap();
        let Some(profile::Tab::ActivityLog(page)) = profile.tab("Activity Log") else { panic!("an activity tab") };
        assert_eq!(page.items[0].changes, diff_fields(&[], &user.details.field_values()));
    }

    async fn entries_stored_with_their_values_read_as_they_were(h: Harness) {
        let (district, _) = h.district_with_schools(&["Lincoln Middle"]).await;
        let outcome = import(&h, district, &roster(3)).await;
        let user = by_local_id(&h, district, "S00001").await;
        // An entry in the form imports wrote before: the values in the entry, no row reference.
        let mut old = stored_log(&h, district, user.id).await.remove(0);
        old.id = ActivityId::from_uuid(uuid::Uuid::from_u128(0xA11CE));
        old.at -= chrono::Duration::days(1);
        old.import_row = None;
        old.changes = diff_fields(&[], &user.details.field_values());
        let mut changes = ChangeSet::new();
        changes.push(Op::AppendActivity(old.clone()));
        h.directory.storage().apply(changes).await.unwrap();
        let log = h.directory.user_activity(&h.admin, district, user.id, None, 50).await.unwrap();
        assert_eq!(log.items.len(), 2);
        assert_eq!(log.items[1], old, "read back exactly as stored");
        assert_eq!(log.items[0].changes, old.changes, "the new form reads the same");
        assert_eq!(log.items[0].import_batch, outcome.batch);
    }

    async fn an_import_update_keeps_its_field_by_field_entry(h: Harness) {
        let (district, _) = h.district_with_schools(&["Lincoln Middle"]).await;
        import(&h, district, &roster(2)).await;
        let changed = roster(2).replace("Kid1,Family1", "Kid1,Renamed");
        let outcome = import(&h, district, &changed).await;
        let user = by_local_id(&h, district, "S00001").await;
        let stored = stored_log(&h, district, user.id).await;
        assert_eq!(stored[0].action, ActivityAction::Updated);
        assert_eq!(stored[0].import_batch, outcome.batch);
        assert_eq!(stored[0].import_row, None);
        assert_eq!(stored[0].changes, vec![FieldChange { field: "name.last".into(), old: Some("Family1".into()), new: Some("Renamed".into()) }]);
    }
}

across_backends! {
    // The apply streams its change set in chunks of 5 000 rows inside one transaction; a row of
    // a later chunk that fails (its Local ID taken between plan and apply) leaves nothing of the
    // earlier chunks: no user, no batch rows, no entry.
    async fn a_failure_in_a_later_chunk_leaves_nothing_of_the_import(h: Harness) {
        let (district, units) = h.district_with_schools(&["Lincoln Middle"]).await;
        let data = read(roster(5_200).as_bytes(), "roster.csv", &ReadOptions::default()).unwrap();
        let plan = h.directory.plan_import(&h.admin, district, &data, &ImportOptions::default()).await.unwrap();
        assert_eq!(plan.counts().created, 5_200);
        let mut racer = UserDetails::new(UserKind::Student, "Rae", "Racer").in_org_unit(units[0].id);
        racer.local_id = Some(LocalId::parse("S05100").unwrap());
        let racer = h.member(district, racer).await;
        let error = h.apply_plan(&h.admin, district, &plan, Approval::Required).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Invalid, "{error}");
        assert!(error.to_string().contains("S05100"), "{error}");
        let everyone = h.directory.search_users(&h.admin, district, &UserSearch::default().any_status()).await.unwrap();
        assert_eq!(everyone.total, 1, "only the racer: nothing of the first chunk stayed");
        assert_eq!(everyone.items[0].id, racer.id);
        let kept = h.directory.storage().items(district, &homeroom::storage::ItemQuery::of(homeroom::storage::ItemKind::from_static("import_rows"))).await.unwrap();
        assert_eq!(kept.total, 0, "no batch rows");
        // The same plan, planned again without the clash, goes through.
        let data = read(roster(5_200).replace("S05100,", "S99999,").as_bytes(), "roster.csv", &ReadOptions::default()).unwrap();
        let plan = h.directory.plan_import(&h.admin, district, &data, &ImportOptions::default()).await.unwrap();
        let outcome = h.apply_plan(&h.admin, district, &plan, Approval::Required).await.unwrap();
        assert_eq!(outcome.counts.created, 5_200);
        let kept = h.directory.storage().items(district, &homeroom::storage::ItemQuery::of(homeroom::storage::ItemKind::from_static("import_rows"))).await.unwrap();
        assert_eq!(kept.total, 6, "one item per 1 000 rows created");
    }
}
