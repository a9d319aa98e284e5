//! Records by device (asset tag or serial, any holder, newest first) and deleting a record.

use super::records::{checkout, note, returned};
use super::support::*;
use crate::ids::RecordId;
use crate::records::{
    Device, DeviceKey, Incident, IncidentKind, IncidentStatus, Record, RecordBody, RecordKind,
};

fn ids(records: &[Record]) -> Vec<RecordId> {
    records.iter().map(|r| r.id).collect()
}

fn with_serial(record: Record, serial: &str) -> Record {
    let RecordBody::Checkout(mut body) = record.body.clone() else {
        panic!("not a checkout: {record:?}");
    };
    body.device.serial = Some(serial.into());
    Record {
        body: RecordBody::Checkout(body),
        ..record
    }
}

fn incident(fx: &mut Fixture, district: DistrictId, user: UserId, tag: &str, at: i64) -> Record {
    fx.record(
        district,
        user,
        RecordBody::Incident(Incident {
            kind: IncidentKind::Damage,
            status: IncidentStatus::Open,
            description: "cracked screen".into(),
            occurred_on: Fixture::time(at).date_naive(),
            reported_at: Fixture::time(at),
            device: Some(Device::tagged(tag)),
            repair_cost: None,
        }),
    )
}

async fn by_device(store: &dyn Storage, district: DistrictId, key: DeviceKey) -> Vec<RecordId> {
    ids(&store.device_records(district, &key).await.unwrap())
}

/// Every holder's checkouts of a device, and incidents naming it, newest first, by asset tag
/// (trimmed, any case) or serial; a record moved or returned is found as it is now.
pub(super) async fn device_records_list_every_holder_newest_first(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let (district, ada, bo) = fx.seed_ada_and_bo(&*store).await;
    let first = with_serial(checkout(&mut fx, district.id, ada.id, "MV-42", 0), "SN-1");
    let broken = incident(&mut fx, district.id, ada.id, "mv-42", 5);
    let second = with_serial(checkout(&mut fx, district.id, bo.id, " MV-42 ", 20), "SN-1");
    let other = checkout(&mut fx, district.id, bo.id, "MV-43", 30);
    let unrelated = note(&mut fx, district.id, ada.id, 40);
    seed(
        &*store,
        [first.clone(), broken.clone(), other, unrelated].map(Op::InsertRecord),
    )
    .await;
    seed(
        &*store,
        [
            Op::UpdateRecord {
                record: returned(&first, 10),
                expected: first.version,
            },
            Op::InsertRecord(second.clone()),
        ],
    )
    .await;
    let newest_first = vec![second.id, broken.id, first.id];
    assert_eq!(
        by_device(&*store, district.id, DeviceKey::asset_tag("mv-42")).await,
        newest_first
    );
    let found = store
        .device_records(district.id, &DeviceKey::asset_tag("MV-42 "))
        .await
        .unwrap();
    assert_eq!(found[2], returned(&first, 10), "read back as stored now");
    assert_eq!(
        by_device(&*store, district.id, DeviceKey::serial(" sn-1")).await,
        vec![second.id, first.id],
        "the incident names no serial"
    );
    assert!(
        by_device(&*store, district.id, DeviceKey::serial("MV-42"))
            .await
            .is_empty(),
        "a tag is not a serial"
    );
    assert!(
        by_device(&*store, district.id, DeviceKey::asset_tag("mv-4"))
            .await
            .is_empty(),
        "exact keys, not prefixes"
    );
    // A data transfer moves a checkout to another user: the device's history follows.
    let moved = Record {
        user: ada.id,
        version: second.version.next(),
        ..second.clone()
    };
    seed(
        &*store,
        [Op::UpdateRecord {
            record: moved.clone(),
            expected: second.version,
        }],
    )
    .await;
    let found = store
        .device_records(district.id, &DeviceKey::asset_tag("mv-42"))
        .await
        .unwrap();
    assert_eq!(found[0], moved);
}

/// A device's records never come from another district, even under the same tag.
pub(super) async fn device_records_never_cross_districts(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let a = fx.seed_district(&*store, "Maple Valley").await;
    let b = fx.seed_district(&*store, "Cedar Springs").await;
    let ada = fx.user(a.id, "Ada", "A");
    let bo = fx.user(b.id, "Bo", "B");
    seed_users(&*store, [&ada, &bo]).await;
    let in_a = with_serial(checkout(&mut fx, a.id, ada.id, "T-1", 0), "S-1");
    let in_b = with_serial(checkout(&mut fx, b.id, bo.id, "T-1", 0), "S-1");
    seed(&*store, [in_a.clone(), in_b.clone()].map(Op::InsertRecord)).await;
    for key in [DeviceKey::asset_tag("t-1"), DeviceKey::serial("s-1")] {
        assert_eq!(by_device(&*store, a.id, key.clone()).await, vec![in_a.id]);
        assert_eq!(by_device(&*store, b.id, key).await, vec![in_b.id]);
    }
}

/// A record is deleted at its version: gone from every read (its device free again, its user
/// deletable); a stale delete is a conflict, an unknown one not found, a failed set deletes
/// nothing.
pub(super) async fn deleted_record_is_gone_and_stale_delete_is_a_conflict(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    seed_users(&*store, [&ada]).await;
    let memo = note(&mut fx, district.id, ada.id, 0);
    let out = checkout(&mut fx, district.id, ada.id, "T-7", 5);
    seed(&*store, [memo.clone(), out.clone()].map(Op::InsertRecord)).await;
    let delete = |r: &Record, expected: Version| Op::DeleteRecord {
        district: r.district,
        id: r.id,
        expected,
    };
    assert_conflict(
        &refused(&*store, [delete(&memo, Version::new(2))]).await,
        Entity::Record,
    );
    // Deleted in a set that fails: still there.
    let stale_user = Op::UpdateUser {
        user: Box::new(ada.revised(|u| u.details.fee_paid = true)),
        expected: Version::new(9),
    };
    assert_conflict(
        &refused(&*store, [delete(&memo, memo.version), stale_user]).await,
        Entity::User,
    );
    assert_eq!(
        store.record(district.id, memo.id).await.unwrap(),
        Some(memo.clone())
    );
    seed(&*store, [delete(&memo, memo.version)]).await;
    assert_eq!(store.record(district.id, memo.id).await.unwrap(), None);
    let counts = store.record_counts(district.id, ada.id).await.unwrap();
    assert_eq!(
        (counts.of(RecordKind::Note), counts.of(RecordKind::Checkout)),
        (0, 1)
    );
    assert_not_found(&refused(&*store, [delete(&memo, memo.version)]).await);
    // In another district the record does not exist.
    let other = fx.seed_district(&*store, "Cedar Springs").await;
    assert_not_found(
        &refused(
            &*store,
            [Op::DeleteRecord {
                district: other.id,
                id: out.id,
                expected: out.version,
            }],
        )
        .await,
    );
    // A deleted open checkout frees its device; without records the user may go.
    seed(&*store, [delete(&out, out.version)]).await;
    assert_eq!(store.open_checkout(district.id, "t-7").await.unwrap(), None);
    assert!(
        by_device(&*store, district.id, DeviceKey::asset_tag("t-7"))
            .await
            .is_empty()
    );
    seed(
        &*store,
        [Op::DeleteUser {
            district: district.id,
            id: ada.id,
            expected: ada.version,
        }],
    )
    .await;
}
