//! Data transfer between users, end to end over every backend: the plan, the one write, the
//! log on both users, provenance, conflicts that stay, deleting the source, host kinds, and
//! what the actor may and may not see.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use homeroom::records::*;
use homeroom::storage::{Item, ItemBody, ItemKind, ItemQuery};
use homeroom::transfer::*;
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

struct Scene {
    id: DistrictId,
    unit: OrgUnitId,
    from: User,
    to: User,
}

fn staff(first: &str, unit: OrgUnitId) -> UserDetails {
    let mut details = UserDetails::new(UserKind::Staff, first, "Teacher").in_org_unit(unit);
    details.aup_signed = true;
    details.fee_paid = true;
    details
}

fn device(tag: &str) -> NewCheckout {
    NewCheckout {
        device: Device::tagged(tag),
        loaner: false,
        condition: None,
    }
}

async fn scene(h: &Harness) -> Scene {
    let (id, units) = h.district_with_schools(&["Lincoln Middle"]).await;
    let unit = units[0].id;
    let from = h.member(id, staff("Lee", unit)).await;
    let to = h.member(id, staff("Ari", unit)).await;
    Scene { id, unit, from, to }
}

async fn records_of(h: &Harness, district: DistrictId, user: UserId) -> RecordCounts {
    h.directory
        .storage()
        .record_counts(district, user)
        .await
        .unwrap()
}

fn incident() -> NewIncident {
    NewIncident {
        kind: IncidentKind::Damage,
        description: "cracked screen".into(),
        occurred_on: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        device: None,
        repair_cost: None,
    }
}

const PLAIN: TransferOptions = TransferOptions {
    delete_source: false,
    org_units: false,
    grants: false,
};
const DELETING: TransferOptions = TransferOptions {
    delete_source: true,
    org_units: false,
    grants: false,
};

/// A host's per-user rows: an LMS's transcripts.
#[derive(serde::Serialize, serde::Deserialize)]
struct Transcript {
    course: String,
}

impl ItemBody for Transcript {
    const KIND: ItemKind = ItemKind::from_static("lms.transcript");
}

struct Transcripts;

impl TransferableKind for Transcripts {
    fn kind(&self) -> ItemKind {
        Transcript::KIND
    }
    fn title(&self) -> &str {
        "transcripts"
    }
    fn permission(&self) -> Permission {
        Permission::ViewActivityLog
    }
    fn describe(&self, item: &Item) -> String {
        item.decode::<Transcript>()
            .map(|t| t.course)
            .unwrap_or_default()
    }
}

/// A host's one-per-user rows: a locker, which a user who has one cannot take another of.
#[derive(serde::Serialize, serde::Deserialize)]
struct Locker {
    number: String,
}

impl ItemBody for Locker {
    const KIND: ItemKind = ItemKind::from_static("lms.locker");
}

struct Lockers;

impl TransferableKind for Lockers {
    fn kind(&self) -> ItemKind {
        Locker::KIND
    }
    fn title(&self) -> &str {
        "lockers"
    }
    fn permission(&self) -> Permission {
        Permission::ViewUsers
    }
    fn describe(&self, item: &Item) -> String {
        item.decode::<Locker>()
            .map(|l| l.number)
            .unwrap_or_default()
    }
    fn conflict(&self, _: &Item, target_has: &[Item]) -> Option<String> {
        (!target_has.is_empty()).then(|| "the receiving user already has a locker".to_owned())
    }
}

/// Stores a host row of `body` owned by `owner`, with id `n`.
async fn host_row<B: ItemBody>(
    h: &Harness,
    district: DistrictId,
    owner: UserId,
    n: u128,
    body: &B,
) {
    let item = Item::new(ItemId::from_uuid(uuid::Uuid::from_u128(n)), district, body)
        .unwrap()
        .with_owner(owner);
    h.directory
        .storage()
        .apply(ChangeSet::new().with(Op::InsertItem(item)))
        .await
        .unwrap();
}

/// Lincoln and Roosevelt; Lee in Lincoln transfers to Ari in Roosevelt; Cam, a clerk in Lincoln,
/// sees everyone and transfers data district-wide, and holds nothing else yet.
struct TwoBuildings {
    id: DistrictId,
    lincoln: OrgUnitId,
    roosevelt: OrgUnitId,
    from: User,
    to: User,
    clerk: User,
}

async fn two_buildings(h: &Harness) -> TwoBuildings {
    let d = &h.directory;
    let (id, units) = h
        .district_with_schools(&["Lincoln Middle", "Roosevelt Middle"])
        .await;
    let (lincoln, roosevelt) = (units[0].id, units[1].id);
    let from = h.member(id, staff("Lee", lincoln)).await;
    let to = h.member(id, staff("Ari", roosevelt)).await;
    let clerk = h.member(id, staff("Cam", lincoln)).await;
    let transfers = [Permission::ViewUsers, Permission::TransferData]
        .into_iter()
        .collect::<homeroom::PermissionSet>();
    let transfers = d
        .create_role(&h.admin, id, "Transfers", transfers)
        .await
        .unwrap();
    d.grant_role(&h.admin, id, clerk.id, transfers.id, Scope::District)
        .await
        .unwrap();
    TwoBuildings {
        id,
        lincoln,
        roosevelt,
        from,
        to,
        clerk,
    }
}

across_backends! {
    async fn an_insurance_enrolment_stays_when_the_target_is_insured_and_a_returned_device_moves(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        h.edit_settings(s.id, |settings| settings.modules.insurance = true).await;
        let day = chrono::NaiveDate::from_ymd_opt(2027, 6, 30).unwrap();
        let coverage = rust_decimal::Decimal::new(50000, 2);
        d.enroll_insurance(&h.admin, s.id, s.from.id, "Basic", coverage, day).await.unwrap();
        // Lee returned one laptop; Ari has one out.
        let returned = d.checkout_device(&h.admin, s.id, s.from.id, device("T-1")).await.unwrap();
        d.check_in_device(&h.admin, s.id, returned.record.id, returned.record.version, None).await.unwrap();
        d.checkout_device(&h.admin, s.id, s.to.id, device("T-2")).await.unwrap();
        // Ari is not insured: the enrolment moves, and so does the returned checkout.
        let plan = d.plan_transfer(&h.admin, s.id, s.from.id, s.to.id, PLAIN).await.unwrap();
        assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
        assert_eq!(plan.moving(), 2);
        // Ari is insured too: Lee's enrolment stays; the returned checkout still moves.
        d.enroll_insurance(&h.admin, s.id, s.to.id, "Basic", coverage, day).await.unwrap();
        let plan = d.plan_transfer(&h.admin, s.id, s.from.id, s.to.id, PLAIN).await.unwrap();
        let reasons: Vec<ConflictReason> = plan.conflicts.iter().map(|c| c.reason).collect();
        assert_eq!(reasons, vec![ConflictReason::TargetAlreadyInsured]);
        assert_eq!((plan.moving(), plan.staying()), (1, 1));
        d.apply_transfer(&h.admin, &plan).await.unwrap();
        let left = records_of(&h, s.id, s.from.id).await;
        assert_eq!((left.of(RecordKind::Insurance), left.of(RecordKind::Checkout)), (1, 0));
    }

    async fn host_rows_that_conflict_stay_and_are_counted(h: Harness) {
        let s = scene(&h).await;
        let d = h.directory.clone().with_transferable(Arc::new(Transcripts)).with_transferable(Arc::new(Lockers));
        for (n, course) in [(81, "Algebra I"), (82, "Biology")] {
            host_row(&h, s.id, s.from.id, n, &Transcript { course: course.into() }).await;
        }
        host_row(&h, s.id, s.from.id, 83, &Locker { number: "L-12".into() }).await;
        host_row(&h, s.id, s.to.id, 84, &Locker { number: "L-40".into() }).await;
        let plan = d.plan_transfer(&h.admin, s.id, s.from.id, s.to.id, PLAIN).await.unwrap();
        let groups: Vec<(TransferKind, u64, u64)> = plan.groups.iter().map(|g| (g.kind.clone(), g.moving, g.staying)).collect();
        assert_eq!(groups, vec![
            (TransferKind::Host(Transcript::KIND), 2, 0),
            (TransferKind::Host(Locker::KIND), 0, 1),
        ]);
        let messages: Vec<&str> = plan.conflicts.iter().map(|c| c.message.as_str()).collect();
        assert_eq!(messages, vec!["L-12 stays: the receiving user already has a locker"]);
    }

    async fn host_rows_are_described_only_when_the_actor_holds_the_kinds_permission_over_both_users(h: Harness) {
        let TwoBuildings { id, lincoln, from, to, clerk, .. } = two_buildings(&h).await;
        let d = h.directory.clone().with_transferable(Arc::new(Transcripts));
        host_row(&h, id, from.id, 85, &Transcript { course: "Algebra I".into() }).await;
        // Cam also reads activity logs (the transcripts' permission), in Lincoln only.
        let logs = [Permission::ViewActivityLog].into_iter().collect::<homeroom::PermissionSet>();
        let logs = d.create_role(&h.admin, id, "Logs", logs).await.unwrap();
        d.grant_role(&h.admin, id, clerk.id, logs.id, Scope::unit(lincoln)).await.unwrap();
        let plan = d.plan_transfer(&Actor::user(id, clerk.id), id, from.id, to.id, PLAIN).await.unwrap();
        let described: Vec<(u64, bool, usize)> = plan.groups.iter().map(|g| (g.moving, g.described, g.lines.len())).collect();
        assert_eq!(described, vec![(1, false, 0)]);
    }

    async fn transfer_moves_every_record_and_logs_both_users(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        let out = d.checkout_device(&h.admin, s.id, s.from.id, device("T-1")).await.unwrap();
        d.record_incident(&h.admin, s.id, s.from.id, incident()).await.unwrap();
        d.add_note(&h.admin, s.id, s.from.id, "keys returned").await.unwrap();
        let line = InvoiceLine { description: "Charger".into(), amount: rust_decimal::Decimal::new(2500, 2) };
        d.add_invoice(&h.admin, s.id, s.from.id, vec![line], None).await.unwrap();

        let plan = d.plan_transfer(&h.admin, s.id, s.from.id, s.to.id, PLAIN).await.unwrap();
        assert_eq!(plan.moving(), 4);
        assert!(plan.conflicts.is_empty());
        let kinds: Vec<_> = plan.groups.iter().map(|g| g.kind.clone()).collect();
        assert_eq!(kinds, vec![
            TransferKind::Record(RecordKind::Checkout),
            TransferKind::Record(RecordKind::Incident),
            TransferKind::Record(RecordKind::Invoice),
            TransferKind::Record(RecordKind::Note),
        ]);
        assert!(plan.groups.iter().all(|g| g.described && g.lines.len() == 1));
        // Planning writes nothing.
        assert_eq!(records_of(&h, s.id, s.from.id).await.of(RecordKind::Checkout), 1);

        let report = d.apply_transfer(&h.admin, &plan).await.unwrap();
        assert_eq!(report, TransferReport { moved: 4, authored: 0, access: 0, source_deleted: false });
        assert!(records_of(&h, s.id, s.from.id).await.is_empty());
        let theirs = records_of(&h, s.id, s.to.id).await;
        for kind in [RecordKind::Checkout, RecordKind::Incident, RecordKind::Invoice, RecordKind::Note] {
            assert_eq!(theirs.of(kind), 1, "{kind}");
        }
        // The record says where it came from, and the device is out to the new holder.
        let moved = d.storage().record(s.id, out.record.id).await.unwrap().unwrap();
        assert_eq!(moved.user, s.to.id);
        assert_eq!(moved.version, out.record.version.next());
        assert_eq!(moved.provenance.len(), 1);
        assert_eq!(moved.provenance[0].from, s.from.id);
        assert_eq!(moved.provenance[0].from_name, "Lee Teacher");
        assert_eq!(d.storage().open_checkout(s.id, "t-1").await.unwrap().map(|r| r.user), Some(s.to.id));
        // Both logs say so, one entry per kind.
        for (user, count) in [(s.from.id, 4), (s.to.id, 4)] {
            let log = d.user_activity(&h.admin, s.id, user, None, 50).await.unwrap();
            let entries: Vec<_> = log.items.iter().filter(|e| e.action == ActivityAction::DataTransferred).collect();
            assert_eq!(entries.len(), count);
        }
        let log = d.user_activity(&h.admin, s.id, s.to.id, None, 50).await.unwrap();
        let received = log.items.iter().find(|e| e.record == Some(RecordKind::Checkout)).unwrap();
        assert_eq!(received.changes[0].old.as_deref(), Some("from Lee Teacher"));
        assert_eq!(received.changes[0].new.as_deref(), Some("1 checkouts"));

        // The same plan again: every row moved since, so it conflicts and writes nothing.
        let again = d.apply_transfer(&h.admin, &plan).await.unwrap_err();
        assert_eq!(again.kind(), ErrorKind::Conflict);
        assert_eq!(records_of(&h, s.id, s.to.id).await.of(RecordKind::Checkout), 1);
    }

    async fn a_stale_plan_writes_nothing(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        d.add_note(&h.admin, s.id, s.from.id, "one").await.unwrap();
        let ticket = d.open_ticket(&h.admin, s.id, s.from.id, "Wi-Fi", None).await.unwrap();
        let plan = d.plan_transfer(&h.admin, s.id, s.from.id, s.to.id, PLAIN).await.unwrap();
        // The ticket moves along meanwhile: the plan read an older version.
        d.set_ticket_status(&h.admin, s.id, ticket.id, ticket.version, TicketStatus::Closed).await.unwrap();
        let error = d.apply_transfer(&h.admin, &plan).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Conflict);
        assert_eq!(records_of(&h, s.id, s.from.id).await.of(RecordKind::Note), 1);
        assert!(records_of(&h, s.id, s.to.id).await.is_empty());
        // Either user edited since the plan: a conflict too.
        let plan = d.plan_transfer(&h.admin, s.id, s.from.id, s.to.id, PLAIN).await.unwrap();
        let mut details = s.to.details.clone();
        details.job_title = Some("Science".into());
        d.update_user(&h.admin, s.id, s.to.id, s.to.version, details).await.unwrap();
        assert_eq!(d.apply_transfer(&h.admin, &plan).await.unwrap_err().kind(), ErrorKind::Conflict);
    }

    async fn conflicts_stay_and_block_deleting_the_source(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        d.checkout_device(&h.admin, s.id, s.from.id, device("T-1")).await.unwrap();
        d.checkout_device(&h.admin, s.id, s.to.id, device("T-2")).await.unwrap();
        d.add_note(&h.admin, s.id, s.from.id, "note").await.unwrap();
        let plan = d.plan_transfer(&h.admin, s.id, s.from.id, s.to.id, DELETING).await.unwrap();
        assert_eq!(plan.moving(), 1);
        assert_eq!(plan.staying(), 1);
        assert!(!plan.leaves_nothing());
        assert_eq!(plan.conflicts.len(), 1);
        assert_eq!(plan.conflicts[0].reason, ConflictReason::TargetHasDeviceOut);
        assert!(plan.conflicts[0].message.contains("T-1"), "{}", plan.conflicts[0].message);
        let error = d.apply_transfer(&h.admin, &plan).await.unwrap_err();
        assert_eq!(error.refusal(), Some(Refusal::TransferLeavesData));
        assert_eq!(records_of(&h, s.id, s.from.id).await.of(RecordKind::Note), 1, "nothing written");
        // Without deleting, what does not conflict moves and the checkout stays.
        let plan = d.plan_transfer(&h.admin, s.id, s.from.id, s.to.id, PLAIN).await.unwrap();
        d.apply_transfer(&h.admin, &plan).await.unwrap();
        let left = records_of(&h, s.id, s.from.id).await;
        assert_eq!((left.of(RecordKind::Checkout), left.of(RecordKind::Note)), (1, 0));
    }

    async fn delete_user_points_at_a_transfer_that_deletes_them(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        d.record_incident(&h.admin, s.id, s.from.id, incident()).await.unwrap();
        let refused = d.delete_user(&h.admin, s.id, s.from.id, s.from.version).await.unwrap_err();
        assert_eq!(refused.refusal(), Some(Refusal::HasHistory));
        assert!(refused.to_string().contains("transfer their data"), "{refused}");
        let plan = d.plan_transfer(&h.admin, s.id, s.from.id, s.to.id, DELETING).await.unwrap();
        assert!(plan.leaves_nothing());
        let report = d.apply_transfer(&h.admin, &plan).await.unwrap();
        assert!(report.source_deleted);
        assert_eq!(d.user(&h.admin, s.id, s.from.id).await.unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(records_of(&h, s.id, s.to.id).await.of(RecordKind::Incident), 1);
        // The deletion is in the target's view of the log too: the transfer entries are there.
        let log = d.user_activity(&h.admin, s.id, s.to.id, None, 50).await.unwrap();
        assert!(log.items.iter().any(|e| e.action == ActivityAction::DataTransferred));
    }

    async fn host_kinds_move_with_the_records(h: Harness) {
        let s = scene(&h).await;
        let d = h.directory.clone().with_transferable(Arc::new(Transcripts));
        let storage = d.storage().clone();
        let transcript = Item::new(ItemId::from_uuid(uuid::Uuid::from_u128(77)), s.id, &Transcript { course: "Algebra I".into() })
            .unwrap()
            .with_owner(s.from.id);
        storage.apply(ChangeSet::new().with(Op::InsertItem(transcript.clone()))).await.unwrap();
        let plan = d.plan_transfer(&h.admin, s.id, s.from.id, s.to.id, PLAIN).await.unwrap();
        assert_eq!(plan.groups.len(), 1);
        assert_eq!(plan.groups[0].kind, TransferKind::Host(Transcript::KIND));
        assert_eq!(plan.groups[0].lines, vec!["Algebra I".to_string()]);
        d.apply_transfer(&h.admin, &plan).await.unwrap();
        let theirs = storage.items(s.id, &ItemQuery::of(Transcript::KIND).with_owner(s.to.id)).await.unwrap();
        assert_eq!(theirs.items.len(), 1);
        assert_eq!(theirs.items[0].version, transcript.version.next());
        // A directory without the kind registered does not move it (nor see it).
        let back = h.directory.plan_transfer(&h.admin, s.id, s.to.id, s.from.id, PLAIN).await.unwrap();
        assert_eq!(back.moving(), 0);
    }

    async fn records_are_described_only_when_the_actor_reads_them_over_both_users(h: Harness) {
        let d = &h.directory;
        let TwoBuildings { id, lincoln, roosevelt, from, to, clerk } = two_buildings(&h).await;
        let line = InvoiceLine { description: "Charger".into(), amount: rust_decimal::Decimal::new(2500, 2) };
        d.add_invoice(&h.admin, id, from.id, vec![line], None).await.unwrap();
        // Cam also reads invoices, in one building at a time.
        let billing = [Permission::ViewInvoices].into_iter().collect::<homeroom::PermissionSet>();
        let billing = d.create_role(&h.admin, id, "Billing", billing).await.unwrap();
        let clerk_actor = Actor::user(id, clerk.id);
        let invoices = |plan: &TransferPlan| {
            let group = plan.groups.iter().find(|g| g.kind == TransferKind::Record(RecordKind::Invoice)).unwrap();
            (group.moving, group.described, group.lines.len())
        };
        for (reads_in, described) in [(vec![lincoln], false), (vec![roosevelt], false), (vec![lincoln, roosevelt], true)] {
            for unit in &reads_in {
                d.grant_role(&h.admin, id, clerk.id, billing.id, Scope::unit(*unit)).await.unwrap();
            }
            let plan = d.plan_transfer(&clerk_actor, id, from.id, to.id, PLAIN).await.unwrap();
            assert_eq!(invoices(&plan), (1, described, usize::from(described)), "reading invoices in {reads_in:?}");
            for grant in d.grants_of(&h.admin, id, clerk.id).await.unwrap() {
                if grant.role == billing.id {
                    d.revoke_grant(&h.admin, id, grant.id).await.unwrap();
                }
            }
        }
    }

    async fn kinds_the_actor_may_not_see_are_counted_not_described(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        // A role with Transfer Data and View Users, but not View Invoices.
        let role = d.create_role(&h.admin, s.id, "Transfers", [Permission::ViewUsers, Permission::TransferData].into_iter().collect::<homeroom::PermissionSet>()).await.unwrap();
        let clerk = h.member(s.id, staff("Cam", s.unit)).await;
        d.grant_role(&h.admin, s.id, clerk.id, role.id, Scope::District).await.unwrap();
        let clerk = Actor::user(s.id, clerk.id);
        let line = InvoiceLine { description: "Charger".into(), amount: rust_decimal::Decimal::new(2500, 2) };
        d.add_invoice(&h.admin, s.id, s.from.id, vec![line], None).await.unwrap();
        d.checkout_device(&h.admin, s.id, s.from.id, device("T-3")).await.unwrap();
        let plan = d.plan_transfer(&clerk, s.id, s.from.id, s.to.id, PLAIN).await.unwrap();
        let invoices = plan.groups.iter().find(|g| g.kind == TransferKind::Record(RecordKind::Invoice)).unwrap();
        assert_eq!((invoices.moving, invoices.described), (1, false));
        assert!(invoices.lines.is_empty());
        let checkouts = plan.groups.iter().find(|g| g.kind == TransferKind::Record(RecordKind::Checkout)).unwrap();
        assert!(checkouts.described);
        d.apply_transfer(&clerk, &plan).await.unwrap();
        assert_eq!(records_of(&h, s.id, s.to.id).await.of(RecordKind::Invoice), 1);
        // The clerk cannot delete: Delete Users is checked when planning.
        let error = d.plan_transfer(&clerk, s.id, s.to.id, s.from.id, DELETING).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Forbidden);
    }
}
