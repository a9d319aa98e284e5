//! Records moving between users (a data transfer): an update may name another user of the
//! district, who must exist; the record then lists and counts under them, keeps its open-device
//! key and its provenance, and the first user can be deleted in the same write; an item (an
//! authorship index entry) given to another owner outlives its old owner deleted in that write.

use super::support::*;
use crate::query::RecordQuery;
use crate::records::{Checkout, Device, Provenance, Record, RecordBody, RecordKind};

fn out(fx: &mut Fixture, district: DistrictId, user: UserId, tag: &str) -> Record {
    fx.record(
        district,
        user,
        RecordBody::Checkout(Checkout {
            device: Device::tagged(tag),
            checked_out_at: Fixture::time(0),
            checked_in_at: None,
            loaner: false,
            condition_out: None,
            condition_in: None,
        }),
    )
}

fn moved(record: &Record, to: UserId) -> Record {
    let mut provenance = record.provenance.clone();
    provenance.push(Provenance {
        moved: crate::records::Moved::Owner,
        from: record.user,
        from_name: "Ada A".into(),
        to,
        by: crate::ActorRef {
            user: None,
            name: "conformance".into(),
            acting_as: None,
        },
        at: Fixture::time(5),
    });
    Record {
        user: to,
        version: record.version.next(),
        provenance,
        ..record.clone()
    }
}

async fn listed(store: &dyn Storage, district: DistrictId, user: UserId) -> u64 {
    let query = RecordQuery {
        user,
        kind: RecordKind::Checkout,
        open_only: false,
        after: None,
        limit: 10,
    };
    store.records(district, &query).await.unwrap().total
}

pub(super) async fn record_moves_to_another_user_with_its_provenance(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    let bo = fx.user(district.id, "Bo", "B");
    seed_users(&*store, [&ada, &bo]).await;
    let record = out(&mut fx, district.id, ada.id, "T-7");
    seed(&*store, [Op::InsertRecord(record.clone())]).await;

    // To a user who does not exist: NotFound, and nothing moves.
    let ghost = fx.user_id();
    let error = refused(
        &*store,
        [Op::UpdateRecord {
            record: moved(&record, ghost),
            expected: record.version,
        }],
    )
    .await;
    assert_not_found(&error);
    assert_eq!(
        store.record(district.id, record.id).await.unwrap(),
        Some(record.clone())
    );

    // To Bo, and Ada deleted in the same write.
    let to_bo = moved(&record, bo.id);
    seed(
        &*store,
        [
            Op::UpdateRecord {
                record: to_bo.clone(),
                expected: record.version,
            },
            Op::DeleteUser {
                district: district.id,
                id: ada.id,
                expected: ada.version,
            },
        ],
    )
    .await;
    assert_eq!(
        store.record(district.id, record.id).await.unwrap(),
        Some(to_bo.clone())
    );
    assert_eq!(listed(&*store, district.id, bo.id).await, 1);
    assert_eq!(listed(&*store, district.id, ada.id).await, 0);
    assert_eq!(
        store
            .record_counts(district.id, bo.id)
            .await
            .unwrap()
            .of(RecordKind::Checkout),
        1
    );
    assert!(user(&*store, district.id, ada.id).await.is_none());
    // The device is still out, now to Bo.
    let open = store.open_checkout(district.id, "t-7").await.unwrap();
    assert_eq!(open.map(|r| r.user), Some(bo.id));
}

pub(super) async fn failed_move_leaves_records_with_their_user(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    let bo = fx.user(district.id, "Bo", "B");
    seed_users(&*store, [&ada, &bo]).await;
    let first = out(&mut fx, district.id, ada.id, "T-1");
    let second = out(&mut fx, district.id, ada.id, "T-2");
    seed(
        &*store,
        [
            Op::InsertRecord(first.clone()),
            Op::InsertRecord(second.clone()),
        ],
    )
    .await;
    // The second move names a stale version: neither moves.
    let error = refused(
        &*store,
        [
            Op::UpdateRecord {
                record: moved(&first, bo.id),
                expected: first.version,
            },
            Op::UpdateRecord {
                record: moved(&second, bo.id),
                expected: second.version.next(),
            },
        ],
    )
    .await;
    assert_conflict(&error, Entity::Record);
    assert_eq!(listed(&*store, district.id, ada.id).await, 2);
    assert_eq!(listed(&*store, district.id, bo.id).await, 0);
    assert_eq!(
        store.record(district.id, first.id).await.unwrap(),
        Some(first)
    );
}

pub(super) async fn item_given_to_another_owner_outlives_the_old_owner_deleted_with_it(
    store: Arc<dyn Storage>,
) {
    use crate::storage::{ItemKind, ItemQuery};
    const INDEX: ItemKind = ItemKind::from_static("authored_record");
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    let bo = fx.user(district.id, "Bo", "B");
    seed_users(&*store, [&ada, &bo]).await;
    let given = fx.item(district.id, INDEX, "given").with_owner(ada.id);
    let dropped = fx.item(district.id, INDEX, "dropped").with_owner(ada.id);
    seed(
        &*store,
        [
            Op::InsertItem(given.clone()),
            Op::InsertItem(dropped.clone()),
        ],
    )
    .await;
    // One write: the first item goes to Bo, the second is deleted, then Ada is deleted.
    let to_bo = crate::storage::Item {
        owner: Some(bo.id),
        version: given.version.next(),
        ..given.clone()
    };
    seed(
        &*store,
        [
            Op::UpdateItem {
                item: to_bo.clone(),
                expected: given.version,
            },
            Op::DeleteItem {
                district: district.id,
                id: dropped.id,
                expected: dropped.version,
            },
            delete(&ada),
        ],
    )
    .await;
    assert!(user(&*store, district.id, ada.id).await.is_none());
    assert_eq!(
        store.item(district.id, given.id).await.unwrap(),
        Some(to_bo.clone()),
        "an item given away before its old owner's deletion stays, with its new owner"
    );
    assert_eq!(store.item(district.id, dropped.id).await.unwrap(), None);
    let of = |owner: UserId| ItemQuery::of(INDEX).with_owner(owner);
    let bos = store.items(district.id, &of(bo.id)).await.unwrap();
    assert_eq!(bos.items, vec![to_bo]);
    assert!(
        store
            .items(district.id, &of(ada.id))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}
