//! `MemoryLeases`: one holder at a time, release, expiry and takeover, lost leases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use chrono::{DateTime, Duration};
use homeroom::{Lease, Leases, ManualClock, StorageErrorKind};
use homeroom_memory::MemoryLeases;

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(DateTime::UNIX_EPOCH))
}

const TTL: Duration = Duration::seconds(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_many_concurrent_acquirers_exactly_one_wins() {
    let leases = MemoryLeases::new();
    let barrier = Arc::new(tokio::sync::Barrier::new(32));
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let (leases, barrier) = (leases.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                leases
                    .try_acquire("sync:d", &format!("replica-{i}"), TTL)
                    .await
                    .expect("try_acquire")
            })
        })
        .collect();
    let mut won: Vec<Lease> = Vec::new();
    for task in tasks {
        won.extend(task.await.expect("a task panicked"));
    }
    assert_eq!(won.len(), 1, "{won:?}");
    assert_eq!(won[0].token, 1);
}

#[tokio::test]
async fn release_lets_another_acquire_and_tokens_grow() {
    let leases = MemoryLeases::with_clock(clock());
    let a = leases.try_acquire("n", "a", TTL).await.unwrap().unwrap();
    assert_eq!((a.name.as_str(), a.holder.as_str()), ("n", "a"));
    assert!(leases.try_acquire("n", "b", TTL).await.unwrap().is_none());
    // Another name is another lease.
    assert!(leases.try_acquire("m", "b", TTL).await.unwrap().is_some());
    leases.release(&a).await.unwrap();
    // Releasing twice is harmless; renewing a released lease is not possible.
    leases.release(&a).await.unwrap();
    assert_eq!(
        leases.renew(&a, TTL).await.unwrap_err().kind(),
        StorageErrorKind::LeaseLost
    );
    let b = leases.try_acquire("n", "b", TTL).await.unwrap().unwrap();
    assert!(b.token > a.token);
    // The holder may take its own lease again: a fresh token.
    let b2 = leases.try_acquire("n", "b", TTL).await.unwrap().unwrap();
    assert!(b2.token > b.token);
    assert_eq!(
        leases.release(&b).await.unwrap_err().kind(),
        StorageErrorKind::LeaseLost
    );
    leases.release(&b2).await.unwrap();
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_holder_has_lost_it() {
    let clock = clock();
    let leases = MemoryLeases::with_clock(clock.clone());
    let a = leases.try_acquire("n", "a", TTL).await.unwrap().unwrap();
    assert_eq!(a.expires_at, DateTime::UNIX_EPOCH + TTL);
    clock.advance(Duration::seconds(30));
    let a = leases.renew(&a, TTL).await.unwrap();
    assert_eq!(a.expires_at, DateTime::UNIX_EPOCH + Duration::seconds(90));
    clock.advance(Duration::seconds(59));
    assert!(leases.try_acquire("n", "b", TTL).await.unwrap().is_none());
    clock.advance(Duration::seconds(1));
    // Expired: renewing fails, and another holder takes it over.
    assert_eq!(
        leases.renew(&a, TTL).await.unwrap_err().kind(),
        StorageErrorKind::LeaseLost
    );
    let b = leases.try_acquire("n", "b", TTL).await.unwrap().unwrap();
    assert!(b.token > a.token);
    for result in [
        leases.renew(&a, TTL).await.map(|_| ()),
        leases.release(&a).await,
    ] {
        assert_eq!(result.unwrap_err().kind(), StorageErrorKind::LeaseLost);
    }
    // B still holds it.
    assert!(leases.try_acquire("n", "a", TTL).await.unwrap().is_none());
    leases.renew(&b, TTL).await.unwrap();
}

#[tokio::test]
async fn a_non_holder_cannot_renew_or_release() {
    let leases = MemoryLeases::with_clock(clock());
    let a = leases.try_acquire("n", "a", TTL).await.unwrap().unwrap();
    let forged = Lease {
        holder: "mallory".into(),
        ..a.clone()
    };
    for result in [
        leases.renew(&forged, TTL).await.map(|_| ()),
        leases.release(&forged).await,
    ] {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), StorageErrorKind::LeaseLost);
        assert!(err.to_string().contains("mallory"), "{err}");
    }
    let unknown = Lease {
        name: "never-taken".into(),
        ..a.clone()
    };
    assert_eq!(
        leases.release(&unknown).await.unwrap_err().kind(),
        StorageErrorKind::LeaseLost
    );
    // A still holds it.
    assert!(leases.try_acquire("n", "b", TTL).await.unwrap().is_none());
    leases.release(&a).await.unwrap();
}

#[tokio::test]
async fn the_trait_is_object_safe_and_the_sync_name_is_per_district() {
    let leases: Arc<dyn Leases> = Arc::new(MemoryLeases::new());
    let d1 = homeroom::DistrictId::from_uuid(uuid_like(1));
    let d2 = homeroom::DistrictId::from_uuid(uuid_like(2));
    assert_ne!(Lease::sync_name(d1), Lease::sync_name(d2));
    let ttl = Duration::zero(); // clamped to a millisecond
    let lease = leases
        .try_acquire(&Lease::sync_name(d1), "a", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(lease.expires_at > DateTime::UNIX_EPOCH);
}

fn uuid_like(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}
