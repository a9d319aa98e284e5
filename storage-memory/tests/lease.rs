//! What only `MemoryLeases` has: expiry on the clock it is given, to the millisecond, and
//! clones that share the leases. The rules every backend's leases keep are conformance cases
//! (`core/src/conformance/cases/leases.rs`), run in `tests/conformance.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use chrono::{DateTime, Duration};
use homeroom::{Leases, ManualClock, StorageErrorKind};
use homeroom_memory::MemoryLeases;

const TTL: Duration = Duration::seconds(60);

#[tokio::test]
async fn expiry_follows_the_given_clock() {
    let clock = Arc::new(ManualClock::new(DateTime::UNIX_EPOCH));
    let leases = MemoryLeases::with_clock(clock.clone());
    let a = leases.try_acquire("n", "a", TTL).await.unwrap().unwrap();
    assert_eq!(a.expires_at, DateTime::UNIX_EPOCH + TTL);
    clock.advance(Duration::seconds(30));
    let a = leases.renew(&a, TTL).await.unwrap();
    assert_eq!(a.expires_at, DateTime::UNIX_EPOCH + Duration::seconds(90));
    clock.advance(Duration::seconds(59));
    assert!(leases.try_acquire("n", "b", TTL).await.unwrap().is_none());
    clock.advance(Duration::seconds(1));
    // Expired at its instant: renewing fails, and another holder takes it over.
    assert_eq!(
        leases.renew(&a, TTL).await.unwrap_err().kind(),
        StorageErrorKind::LeaseLost
    );
    let b = leases.try_acquire("n", "b", TTL).await.unwrap().unwrap();
    assert!(b.token > a.token);
    // A ttl of zero is a millisecond.
    let short = leases
        .try_acquire("m", "a", Duration::zero())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        short.expires_at,
        DateTime::UNIX_EPOCH + Duration::seconds(90) + Duration::milliseconds(1)
    );
}

#[tokio::test]
async fn clones_share_the_leases() {
    let leases = MemoryLeases::new();
    let clone = leases.clone();
    let held = leases.try_acquire("n", "a", TTL).await.unwrap().unwrap();
    assert!(clone.try_acquire("n", "b", TTL).await.unwrap().is_none());
    clone.release(&held).await.unwrap();
    assert!(leases.try_acquire("n", "b", TTL).await.unwrap().is_some());
}
