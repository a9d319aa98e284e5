//! Leases on the database, between two independent storages (as two replicas would have):
//! two storages on one SQLite file, two pools on one PostgreSQL schema. Exactly one of many
//! concurrent acquirers wins; a release lets another in; an expired lease is taken over; a
//! holder that lost its lease can neither renew nor release it.
//!
//! ```text
//! pg_virtualenv -- env HOMEROOM_REQUIRE_POSTGRES=1 cargo test -p homeroom-sea --test lease
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use futures::future::join_all;
use homeroom::{Lease, Leases, StorageErrorKind};
use tokio::sync::Barrier;

type Replica = Arc<dyn Leases>;

const TTL: Duration = Duration::seconds(60);

/// `per_replica` acquirers on each replica, released together, racing for `name`.
async fn race(replicas: &[Replica], name: &str, per_replica: usize) -> Vec<Lease> {
    let barrier = Arc::new(Barrier::new(replicas.len() * per_replica));
    let tasks = replicas.iter().enumerate().flat_map(|(r, replica)| {
        let barrier = Arc::clone(&barrier);
        (0..per_replica).map(move |i| {
            let (replica, barrier, name) =
                (Arc::clone(replica), Arc::clone(&barrier), name.to_owned());
            tokio::spawn(async move {
                barrier.wait().await;
                replica
                    .try_acquire(&name, &format!("replica{r}-task{i}"), TTL)
                    .await
                    .expect("try_acquire failed")
            })
        })
    });
    join_all(tasks.collect::<Vec<_>>())
        .await
        .into_iter()
        .filter_map(|joined| joined.expect("an acquirer panicked"))
        .collect()
}

async fn one_of_many_concurrent_acquirers_wins(replicas: &[Replica]) {
    for round in 0..5 {
        let name = format!("race-{round}");
        let won = race(replicas, &name, 8).await;
        assert_eq!(won.len(), 1, "round {round}: {won:?}");
        assert_eq!(won[0].token, 1);
        // While it runs, nobody else gets it, from either replica.
        for replica in replicas {
            assert!(
                replica
                    .try_acquire(&name, "late", TTL)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        // Released, the next race has one winner again, with a greater token.
        replicas[0].release(&won[0]).await.unwrap();
        let again = race(replicas, &name, 8).await;
        assert_eq!(again.len(), 1, "round {round} after release: {again:?}");
        assert!(again[0].token > won[0].token);
    }
}

async fn release_lets_the_other_acquire(a: &Replica, b: &Replica) {
    let name = Lease::sync_name(homeroom::DistrictId::from_uuid(uuid::Uuid::from_u128(7)));
    let held = a.try_acquire(&name, "a", TTL).await.unwrap().unwrap();
    assert_eq!(
        (held.name.as_str(), held.holder.as_str()),
        (name.as_str(), "a")
    );
    assert!(held.expires_at > chrono::Utc::now() + Duration::seconds(30));
    assert!(b.try_acquire(&name, "b", TTL).await.unwrap().is_none());
    // The holder may take its own lease again, with a new token.
    let held = a.try_acquire(&name, "a", TTL).await.unwrap().unwrap();
    a.release(&held).await.unwrap();
    a.release(&held).await.unwrap(); // twice is harmless
    assert_eq!(
        a.renew(&held, TTL).await.unwrap_err().kind(),
        StorageErrorKind::LeaseLost,
        "a released lease cannot be renewed"
    );
    let taken = b.try_acquire(&name, "b", TTL).await.unwrap().unwrap();
    assert!(taken.token > held.token);
    assert_eq!(
        a.release(&held).await.unwrap_err().kind(),
        StorageErrorKind::LeaseLost,
        "once B has it, A's old lease is lost"
    );
    let renewed = b.renew(&taken, TTL).await.unwrap();
    assert_eq!(renewed.token, taken.token);
    assert!(renewed.expires_at >= taken.expires_at);
    b.release(&renewed).await.unwrap();
}

async fn non_holders_cannot_renew_or_release(a: &Replica, b: &Replica) {
    let held = a.try_acquire("guarded", "a", TTL).await.unwrap().unwrap();
    let forged = [
        Lease {
            holder: "b".into(),
            ..held.clone()
        },
        Lease {
            token: held.token + 1,
            ..held.clone()
        },
        Lease {
            name: "never-taken".into(),
            ..held.clone()
        },
    ];
    for lease in &forged {
        let renewed = b.renew(lease, TTL).await.unwrap_err();
        assert_eq!(renewed.kind(), StorageErrorKind::LeaseLost, "{lease}");
        let released = b.release(lease).await.unwrap_err();
        assert_eq!(released.kind(), StorageErrorKind::LeaseLost, "{lease}");
    }
    // Nothing changed: A still holds it.
    assert!(b.try_acquire("guarded", "b", TTL).await.unwrap().is_none());
    a.renew(&held, TTL).await.unwrap();
    a.release(&held).await.unwrap();
}

async fn an_expired_lease_is_taken_over(a: &Replica, b: &Replica) {
    let short = Duration::milliseconds(1000);
    let held = a
        .try_acquire("expiring", "a", short)
        .await
        .unwrap()
        .unwrap();
    assert!(b.try_acquire("expiring", "b", TTL).await.unwrap().is_none());
    tokio::time::sleep(StdDuration::from_millis(1300)).await;
    // Expired: A can no longer renew, and B takes it over.
    assert_eq!(
        a.renew(&held, TTL).await.unwrap_err().kind(),
        StorageErrorKind::LeaseLost
    );
    let taken = b.try_acquire("expiring", "b", TTL).await.unwrap().unwrap();
    assert!(taken.token > held.token);
    assert_eq!(
        a.release(&held).await.unwrap_err().kind(),
        StorageErrorKind::LeaseLost
    );
    assert!(a.try_acquire("expiring", "a", TTL).await.unwrap().is_none());
    b.release(&taken).await.unwrap();
}

async fn all(a: Replica, b: Replica) {
    one_of_many_concurrent_acquirers_wins(&[Arc::clone(&a), Arc::clone(&b)]).await;
    release_lets_the_other_acquire(&a, &b).await;
    non_holders_cannot_renew_or_release(&a, &b).await;
    an_expired_lease_is_taken_over(&a, &b).await;
}

mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_storages_on_one_sqlite_file_share_leases() {
        let url = support::sqlite_file_url("lease");
        let a = homeroom_sea::SeaStorage::connect(&url)
            .await
            .expect("first replica");
        let b = homeroom_sea::SeaStorage::connect(&url)
            .await
            .expect("second replica");
        all(Arc::new(a), Arc::new(b)).await;
    }

    #[tokio::test]
    async fn an_in_memory_database_has_leases_too() {
        let storage = Arc::new(
            homeroom_sea::SeaStorage::connect("sqlite::memory:")
                .await
                .unwrap(),
        );
        let leases: Replica = storage;
        release_lets_the_other_acquire(&leases, &leases).await;
    }
}

#[cfg(homeroom_test_postgres)]
mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_pools_on_one_postgres_database_share_leases() {
        support::drop_postgres_schema("lease").await;
        let (a, b) = tokio::join!(support::postgres_in("lease"), support::postgres_in("lease"));
        all(Arc::new(a), Arc::new(b)).await;
    }
}

#[cfg(not(homeroom_test_postgres))]
#[test]
fn postgres_skipped() {
    let required = std::env::var("HOMEROOM_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let why = "no PostgreSQL server configured (set HOMEROOM_TEST_POSTGRES_URL, or run under \
               pg_virtualenv, which sets PGHOST and PGDATABASE)";
    assert!(!required, "HOMEROOM_REQUIRE_POSTGRES=1 but {why}");
    eprintln!("skipping the PostgreSQL lease tests: {why}");
}
