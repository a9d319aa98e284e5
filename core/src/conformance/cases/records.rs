//! Profile records: newest-first paging per user and kind, counts, the open-checkout key,
//! versions, isolation.

use chrono::Duration;

use super::support::*;
use crate::ids::RecordId;
use crate::query::{RecordCursor, RecordQuery};
use crate::records::{
    Checkout, Device, Note, Record, RecordBody, RecordKind, Ticket, TicketStatus,
};

pub(super) fn checkout(
    fx: &mut Fixture,
    district: DistrictId,
    user: UserId,
    tag: &str,
    minutes: i64,
) -> Record {
    fx.record(
        district,
        user,
        RecordBody::Checkout(Checkout {
            device: Device::tagged(tag),
            checked_out_at: Fixture::time(minutes),
            checked_in_at: None,
            loaner: false,
            condition_out: None,
            condition_in: None,
        }),
    )
}

pub(super) fn note(fx: &mut Fixture, district: DistrictId, user: UserId, minutes: i64) -> Record {
    fx.record(
        district,
        user,
        RecordBody::Note(Note {
            author: crate::ActorRef {
                user: None,
                name: "conformance".into(),
                acting_as: None,
            },
            text: format!("note at {minutes}"),
            written_at: Fixture::time(minutes),
        }),
    )
}

pub(super) fn returned(record: &Record, minutes: i64) -> Record {
    let RecordBody::Checkout(mut body) = record.body.clone() else {
        panic!("not a checkout: {record:?}");
    };
    body.checked_in_at = Some(Fixture::time(minutes));
    Record {
        body: RecordBody::Checkout(body),
        version: record.version.next(),
        ..record.clone()
    }
}

fn query(user: UserId, kind: RecordKind, limit: u32) -> RecordQuery {
    RecordQuery {
        user,
        kind,
        open_only: false,
        after: None,
        limit,
    }
}

async fn all(store: &dyn Storage, district: DistrictId, q: RecordQuery) -> (Vec<RecordId>, u64) {
    let page = |after| {
        let q = RecordQuery { after, ..q.clone() };
        async move { store.records(district, &q).await.unwrap() }
    };
    walk_pages(page, |r: &Record| r.id).await
}

pub(super) async fn records_page_newest_first_per_user_and_kind(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let (district, ada, bo) = fx.seed_ada_and_bo(&*store).await;
    let notes: Vec<Record> = (0..7)
        .map(|m| note(&mut fx, district.id, ada.id, m * 10))
        .collect();
    let mut ops: Vec<Op> = notes.iter().cloned().map(Op::InsertRecord).collect();
    ops.push(Op::InsertRecord(note(&mut fx, district.id, bo.id, 5)));
    ops.push(Op::InsertRecord(checkout(
        &mut fx,
        district.id,
        ada.id,
        "T-1",
        3,
    )));
    seed(&*store, ops).await;
    let (ids, total) = all(&*store, district.id, query(ada.id, RecordKind::Note, 3)).await;
    let newest_first: Vec<RecordId> = notes.iter().rev().map(|r| r.id).collect();
    assert_eq!((ids, total), (newest_first, 7));
    let first = store
        .records(district.id, &query(ada.id, RecordKind::Note, 3))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 3);
    assert_eq!(first.next, Some(RecordCursor::after(&first.items[2])));
    assert_eq!(
        store.record(district.id, notes[0].id).await.unwrap(),
        Some(notes[0].clone())
    );
}

pub(super) async fn record_counts_count_by_kind(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    seed_users(&*store, [&ada]).await;
    assert!(
        store
            .record_counts(district.id, ada.id)
            .await
            .unwrap()
            .is_empty()
    );
    let ops = vec![
        Op::InsertRecord(note(&mut fx, district.id, ada.id, 1)),
        Op::InsertRecord(note(&mut fx, district.id, ada.id, 2)),
        Op::InsertRecord(checkout(&mut fx, district.id, ada.id, "T-1", 3)),
    ];
    seed(&*store, ops).await;
    let counts = store.record_counts(district.id, ada.id).await.unwrap();
    assert_eq!(
        (
            counts.of(RecordKind::Note),
            counts.of(RecordKind::Checkout),
            counts.of(RecordKind::Ticket)
        ),
        (2, 1, 0)
    );
}

/// `user_records` lists every record of the user, of every kind and nobody else's, exactly as
/// stored, and `None` once they have more than the limit.
pub(super) async fn user_records_list_every_record_up_to_the_limit(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let (district, ada, bo) = fx.seed_ada_and_bo(&*store).await;
    let none = store.user_records(district.id, ada.id, 10).await.unwrap();
    assert_eq!(none, Some(Vec::new()));
    let mut hers = vec![
        note(&mut fx, district.id, ada.id, 1),
        note(&mut fx, district.id, ada.id, 2),
        checkout(&mut fx, district.id, ada.id, "T-1", 3),
    ];
    let mut ops: Vec<Op> = hers.iter().cloned().map(Op::InsertRecord).collect();
    ops.push(Op::InsertRecord(note(&mut fx, district.id, bo.id, 4)));
    seed(&*store, ops).await;
    let returned_one = returned(&hers[2], 5);
    seed(
        &*store,
        [Op::UpdateRecord {
            record: returned_one.clone(),
            expected: hers[2].version,
        }],
    )
    .await;
    hers[2] = returned_one;
    for limit in [3, 4, 100] {
        let mut read = store
            .user_records(district.id, ada.id, limit)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("three records are within a limit of {limit}"));
        read.sort_by_key(|r| r.id);
        hers.sort_by_key(|r| r.id);
        assert_eq!(read, hers, "limit {limit}");
    }
    for limit in [0, 2] {
        let over = store
            .user_records(district.id, ada.id, limit)
            .await
            .unwrap();
        assert_eq!(over, None, "three records are over a limit of {limit}");
    }
}

pub(super) async fn a_device_cannot_be_out_twice(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let (district, ada, bo) = fx.seed_ada_and_bo(&*store).await;
    let first = checkout(&mut fx, district.id, ada.id, "RMS-42", 0);
    seed(&*store, [Op::InsertRecord(first.clone())]).await;
    let second = checkout(&mut fx, district.id, bo.id, " rms-42 ", 5);
    let error = refused(&*store, [Op::InsertRecord(second.clone())]).await;
    assert_already_exists(&error, Entity::Record, UniqueKey::OpenCheckout);
    assert_eq!(
        store.open_checkout(district.id, "rms-42").await.unwrap(),
        Some(first.clone())
    );
    // Returned, the device may go out again, even in the same set.
    seed(
        &*store,
        [
            Op::UpdateRecord {
                record: returned(&first, 4),
                expected: first.version,
            },
            Op::InsertRecord(second.clone()),
        ],
    )
    .await;
    assert_eq!(
        store.open_checkout(district.id, "rms-42").await.unwrap(),
        Some(second)
    );
    let open = RecordQuery {
        open_only: true,
        ..query(ada.id, RecordKind::Checkout, 10)
    };
    assert_eq!(store.records(district.id, &open).await.unwrap().total, 0);
    assert_eq!(
        store
            .records(district.id, &query(ada.id, RecordKind::Checkout, 10))
            .await
            .unwrap()
            .total,
        1
    );
}

pub(super) async fn concurrent_checkouts_of_one_device_have_one_winner(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let users: Vec<User> = (0..6)
        .map(|i| fx.user(district.id, "Kid", &format!("K{i}")))
        .collect();
    seed_users(&*store, users.iter()).await;
    let tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let store = Arc::clone(&store);
            let record = checkout(&mut fx, district.id, u.id, "RMS-7", 0);
            tokio::spawn(async move {
                store
                    .apply(ChangeSet::new().with(Op::InsertRecord(record)))
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => wins += 1,
            Err(e) => assert_already_exists(&e, Entity::Record, UniqueKey::OpenCheckout),
        }
    }
    assert_eq!(wins, 1);
}

pub(super) async fn stale_record_update_is_a_conflict(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    seed_users(&*store, [&ada]).await;
    let ticket = fx.record(
        district.id,
        ada.id,
        RecordBody::Ticket(Ticket {
            subject: "Wi-Fi".into(),
            status: TicketStatus::Open,
            opened_at: Fixture::time(0),
            closed_at: None,
            device: None,
        }),
    );
    seed(&*store, [Op::InsertRecord(ticket.clone())]).await;
    let closed = |version: Version| {
        let RecordBody::Ticket(mut body) = ticket.body.clone() else {
            unreachable!()
        };
        body.status = TicketStatus::Closed;
        body.closed_at = Some(Fixture::time(0) + Duration::hours(1));
        Record {
            body: RecordBody::Ticket(body),
            version,
            ..ticket.clone()
        }
    };
    seed(
        &*store,
        [Op::UpdateRecord {
            record: closed(Version::new(2)),
            expected: Version::FIRST,
        }],
    )
    .await;
    assert_eq!(
        store.record(district.id, ticket.id).await.unwrap(),
        Some(closed(Version::new(2)))
    );
    let error = refused(
        &*store,
        [Op::UpdateRecord {
            record: closed(Version::new(2)),
            expected: Version::FIRST,
        }],
    )
    .await;
    assert_conflict(&error, Entity::Record);
    let ghost = note(&mut fx, district.id, ada.id, 1);
    assert_not_found(
        &refused(
            &*store,
            [Op::UpdateRecord {
                record: ghost,
                expected: Version::FIRST,
            }],
        )
        .await,
    );
}

pub(super) async fn record_for_a_missing_user_is_not_found(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let nobody = fx.user_id();
    let error = refused(
        &*store,
        [Op::InsertRecord(note(&mut fx, district.id, nobody, 0))],
    )
    .await;
    assert_not_found(&error);
}

pub(super) async fn failed_set_leaves_no_record_behind(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    seed_users(&*store, [&ada]).await;
    let out = checkout(&mut fx, district.id, ada.id, "T-9", 0);
    let stale = ada.revised(|u| u.details.fee_paid = true);
    let error = refused(
        &*store,
        [
            Op::InsertRecord(out),
            Op::UpdateUser {
                user: Box::new(stale),
                expected: Version::new(5),
            },
        ],
    )
    .await;
    assert_conflict(&error, Entity::User);
    assert!(
        store
            .record_counts(district.id, ada.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.open_checkout(district.id, "t-9").await.unwrap(), None);
}

pub(super) async fn records_never_cross_districts(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let a = fx.seed_district(&*store, "Maple Valley").await;
    let b = fx.seed_district(&*store, "Cedar Springs").await;
    let ada = fx.user(a.id, "Ada", "A");
    seed_users(&*store, [&ada]).await;
    let out = checkout(&mut fx, a.id, ada.id, "T-1", 0);
    seed(&*store, [Op::InsertRecord(out.clone())]).await;
    assert_eq!(store.record(b.id, out.id).await.unwrap(), None);
    assert_eq!(
        store
            .records(b.id, &query(ada.id, RecordKind::Checkout, 10))
            .await
            .unwrap()
            .total,
        0
    );
    assert!(store.record_counts(b.id, ada.id).await.unwrap().is_empty());
    assert_eq!(store.open_checkout(b.id, "t-1").await.unwrap(), None);
    // The same tag may be out in another district.
    let bo = fx.user(b.id, "Bo", "B");
    seed_users(&*store, [&bo]).await;
    seed(
        &*store,
        [Op::InsertRecord(checkout(&mut fx, b.id, bo.id, "T-1", 0))],
    )
    .await;
    // A record in B naming A's user finds no such user.
    assert_not_found(&refused(&*store, [Op::InsertRecord(note(&mut fx, b.id, ada.id, 1))]).await);
}

/// A user who still has records cannot be deleted: the check is part of the write, so a
/// record added after a caller counted none cannot be orphaned. Without records, the delete
/// goes through.
pub(super) async fn user_with_records_cannot_be_deleted(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    let bo = fx.user(district.id, "Bo", "B");
    seed_users(&*store, [&ada, &bo]).await;
    seed(
        &*store,
        [Op::InsertRecord(note(&mut fx, district.id, ada.id, 0))],
    )
    .await;
    let delete = |user: &User| Op::DeleteUser {
        district: district.id,
        id: user.id,
        expected: user.version,
    };
    assert_conflict(&refused(&*store, [delete(&ada)]).await, Entity::User);
    assert!(user(&*store, district.id, ada.id).await.is_some());
    seed(&*store, [delete(&bo)]).await;
    assert!(user(&*store, district.id, bo.id).await.is_none());
}
