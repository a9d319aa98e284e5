//! The whole storage conformance kit against the redb adapter (a fresh in-memory database per
//! case), and its leases. For a factory-taking runner: the store is `RedbStorage::in_memory()`,
//! a second handle on the same database is a clone of it, and its leases are
//! `store.leases(clock)`.

use std::sync::Arc;

use chrono::Duration;
use homeroom::{Leases, ManualClock, Storage, StorageErrorKind};
use homeroom_examples::redb_adapter::RedbStorage;

homeroom::storage_conformance_tests!(|_case: &'static str| async {
    Arc::new(RedbStorage::in_memory().expect("an in-memory redb")) as Arc<dyn Storage>
});

#[tokio::test]
async fn leases_refuse_a_running_lease_and_hand_over_an_expired_one() {
    let clock = Arc::new(ManualClock::new(homeroom::conformance::Fixture::time(0)));
    let leases = RedbStorage::in_memory().unwrap().leases(clock.clone());
    let ttl = Duration::seconds(30);

    let a = leases
        .try_acquire("sync:d", "a", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(
        leases
            .try_acquire("sync:d", "b", ttl)
            .await
            .unwrap()
            .is_none()
    );
    let a = leases.renew(&a, ttl).await.unwrap();

    clock.advance(Duration::seconds(31));
    let b = leases
        .try_acquire("sync:d", "b", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(b.token > a.token, "a takeover gets a greater fencing token");
    for lost in [
        leases.renew(&a, ttl).await.map(drop),
        leases.release(&a).await,
    ] {
        assert_eq!(lost.unwrap_err().kind(), StorageErrorKind::LeaseLost);
    }

    leases.release(&b).await.unwrap();
    leases.release(&b).await.unwrap();
    let c = leases
        .try_acquire("sync:d", "c", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(c.token > b.token, "tokens keep growing after a release");
}
