//! Import stamps: the light read a sync plans from (`Storage::import_stamps`).

use super::support::*;
use crate::model::{FingerprintHash, ImportFingerprint};
use crate::storage::ImportStamp;

fn print(row: &str, version: Version) -> ImportFingerprint {
    ImportFingerprint {
        row: FingerprintHash::of([row.as_bytes()]),
        context: FingerprintHash::of([b"context".as_slice()]),
        version,
    }
}

fn managed(mut user: User, fingerprint: Option<ImportFingerprint>) -> User {
    user.import_managed = true;
    user.import_fingerprint = fingerprint;
    user
}

async fn stamps(store: &dyn Storage, district: DistrictId) -> Vec<ImportStamp> {
    let mut stamps = store.import_stamps(district).await.unwrap();
    stamps.sort_by_key(|s| s.id);
    stamps
}

fn expected(users: &[&User]) -> Vec<ImportStamp> {
    let mut stamps: Vec<ImportStamp> = users.iter().filter_map(|u| ImportStamp::of(u)).collect();
    stamps.sort_by_key(|s| s.id);
    stamps
}

/// `import_stamps` lists every import-managed user of the district, whatever their status,
/// with their Local ID, status, version and fingerprint exactly as stored (or none); users
/// created by hand and users of another district are left out.
pub(super) async fn import_stamps_list_managed_users_as_stored(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let other = fx.seed_district(&*store, "Cedar Falls").await;
    let ada = managed(
        fx.user(d.id, "Ada", "Lovelace").local_id("00123"),
        Some(print("ada", Version::FIRST)),
    );
    let grace = managed(
        fx.user(d.id, "Grace", "Hopper")
            .local_id("a-much-longer-local-id-than-24-bytes")
            .status(RecordStatus::Inactive),
        None,
    );
    let no_local_id = managed(fx.user(d.id, "Alan", "Turing"), None);
    let by_hand = fx.user(d.id, "Edsger", "Dijkstra").local_id("7");
    let elsewhere = managed(
        fx.user(other.id, "Barbara", "Liskov").local_id("00123"),
        Some(print("liskov", Version::FIRST)),
    );
    seed_users(&*store, [&ada, &grace, &no_local_id, &by_hand, &elsewhere]).await;

    let listed = stamps(&*store, d.id).await;
    assert_eq!(listed, expected(&[&ada, &grace, &no_local_id]));
    let first = listed.iter().find(|s| s.id == ada.id).unwrap();
    assert_eq!(first.local_id.as_deref(), Some("00123"));
    assert_eq!(first.fingerprint, Some(print("ada", Version::FIRST)));
    let empty = fx.seed_district(&*store, "Empty Valley").await;
    assert!(store.import_stamps(empty.id).await.unwrap().is_empty());
}

/// Stamps follow updates: a new fingerprint and version, a status change, a fingerprint
/// dropped, a user taken under (or out of) import management, and a deleted user.
pub(super) async fn import_stamps_follow_updates(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = managed(
        fx.user(d.id, "Ada", "Lovelace").local_id("1"),
        Some(print("ada", Version::FIRST)),
    );
    let grace = managed(fx.user(d.id, "Grace", "Hopper").local_id("2"), None);
    let alan = fx.user(d.id, "Alan", "Turing").local_id("3");
    let edsger = managed(fx.user(d.id, "Edsger", "Dijkstra").local_id("4"), None);
    seed_users(&*store, [&ada, &grace, &alan, &edsger]).await;

    let v2 = Version::FIRST.next();
    let ada2 = User {
        version: v2,
        import_fingerprint: Some(print("ada again", v2)),
        status: RecordStatus::Inactive,
        ..ada.clone()
    };
    let grace2 = User {
        version: v2,
        import_managed: false,
        ..grace.clone()
    };
    let alan2 = User {
        version: v2,
        ..managed(alan.clone(), Some(print("alan", v2)))
    };
    let update = |user: &User| Op::UpdateUser {
        user: Box::new(user.clone()),
        expected: Version::FIRST,
    };
    let delete = Op::DeleteUser {
        district: d.id,
        id: edsger.id,
        expected: Version::FIRST,
    };
    seed(
        &*store,
        [update(&ada2), update(&grace2), update(&alan2), delete],
    )
    .await;
    assert_eq!(stamps(&*store, d.id).await, expected(&[&ada2, &alan2]));

    let ada3 = User {
        version: v2.next(),
        import_fingerprint: None,
        ..ada2.clone()
    };
    seed(
        &*store,
        [Op::UpdateUser {
            user: Box::new(ada3.clone()),
            expected: v2,
        }],
    )
    .await;
    assert_eq!(stamps(&*store, d.id).await, expected(&[&ada3, &alan2]));
}
