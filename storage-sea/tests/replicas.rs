//! Replicas: two independent storages on one database — two pools on one PostgreSQL schema,
//! two storages (each with its own pool and write lock, as two processes would have) on one
//! SQLite file — racing conflicting updates and unique inserts. No update is lost, no key is
//! taken twice, and the loser gets `Conflict` or `AlreadyExists`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

use std::sync::Arc;

use futures::future::join_all;
use homeroom::{
    ChangeSet, Email, Entity, Op, Storage, StorageError, StorageErrorKind, UniqueKey, User, UserKey,
};
use tokio::sync::Barrier;

use support::rows::{district, revised, student};

type Store = Arc<dyn Storage>;

/// Runs `write(replica, i)` on each of `replicas`, released together, and returns the results.
async fn race<F, Fut>(replicas: &[Store], write: F) -> Vec<Result<(), StorageError>>
where
    F: Fn(Store, usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), StorageError>> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(replicas.len()));
    let tasks = replicas.iter().enumerate().map(|(i, replica)| {
        let barrier = Arc::clone(&barrier);
        let write = write(Arc::clone(replica), i);
        tokio::spawn(async move {
            barrier.wait().await;
            write.await
        })
    });
    join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.expect("a racing task panicked"))
        .collect()
}

fn winner(results: &[Result<(), StorageError>]) -> usize {
    let winners: Vec<usize> = (0..results.len()).filter(|i| results[*i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "expected one winner: {results:?}");
    winners[0]
}

/// Every racing scenario, on replicas that share one database.
async fn replicas_never_lose_an_update_nor_share_a_key(a: Store, b: Store) {
    let replicas = [a, b];
    let d = district(1, "Maple Valley");
    replicas[0]
        .apply(ChangeSet::new().with(Op::InsertDistrict(d.clone())))
        .await
        .expect("seed the district");
    let ada = student(d.id, 1);
    replicas[1]
        .apply(ChangeSet::new().with(Op::InsertUser(Box::new(ada.clone()))))
        .await
        .expect("seed a user");
    // Each replica reads the row the other wrote.
    for replica in &replicas {
        assert_eq!(
            replica.user(d.id, ada.id).await.expect("read"),
            Some(ada.clone())
        );
    }

    // Conflicting updates from one version: one winner per round, the loser gets Conflict.
    let mut current = ada.clone();
    for round in 0..10 {
        let contenders: Vec<User> = (0..2)
            .map(|r| {
                revised(&current, |u| {
                    u.details.name.last = format!("Round{round}Replica{r}")
                })
            })
            .collect();
        let results = race(&replicas, |replica, i| {
            let set = ChangeSet::new().with(Op::UpdateUser {
                user: Box::new(contenders[i].clone()),
                expected: current.version,
            });
            async move { replica.apply(set).await }
        })
        .await;
        let w = winner(&results);
        let loser = results[1 - w].as_ref().expect_err("one loses");
        assert_eq!(loser.kind(), StorageErrorKind::Conflict, "{loser:?}");
        for replica in &replicas {
            assert_eq!(
                replica.user(d.id, ada.id).await.expect("read").as_ref(),
                Some(&contenders[w])
            );
        }
        current = contenders[w].clone();
    }

    // Unique inserts: two new users with one e-mail (in two spellings), one per replica.
    for round in 0..10u128 {
        let address = format!("office{round}@maple.k12.us");
        let racers: Vec<User> = (0..2u128)
            .map(|r| {
                let mut u = student(d.id, 100 + round * 2 + r);
                let spelled = if r == 0 {
                    address.clone()
                } else {
                    address.to_uppercase()
                };
                u.details.email = Some(Email::parse(&spelled).expect("email"));
                u
            })
            .collect();
        let results = race(&replicas, |replica, i| {
            let set = ChangeSet::new().with(Op::InsertUser(Box::new(racers[i].clone())));
            async move { replica.apply(set).await }
        })
        .await;
        let w = winner(&results);
        match results[1 - w].as_ref().expect_err("one loses") {
            StorageError::AlreadyExists { entity, key, .. } => {
                assert_eq!((*entity, *key), (Entity::User, UniqueKey::Email));
            }
            other => panic!("expected AlreadyExists, got {other:?}"),
        }
        for replica in &replicas {
            let holder = replica
                .user_by_key(d.id, &UserKey::Email(address.clone()))
                .await
                .expect("read");
            assert_eq!(holder.map(|u| u.id), Some(racers[w].id));
            assert_eq!(
                replica.user(d.id, racers[1 - w].id).await.expect("read"),
                None
            );
        }
    }

    // A counter both replicas bump with read-retry: every bump lands exactly once.
    const BUMPS: usize = 15;
    let counter = {
        let mut u = student(d.id, 999);
        u.details.custom_fields.insert("count".into(), "0".into());
        u
    };
    replicas[0]
        .apply(ChangeSet::new().with(Op::InsertUser(Box::new(counter.clone()))))
        .await
        .expect("seed the counter");
    let results = race(&replicas, |replica, _| {
        let (district, id) = (counter.district, counter.id);
        async move {
            for _ in 0..BUMPS {
                loop {
                    let read = replica
                        .user(district, id)
                        .await?
                        .expect("the counter exists");
                    let bumped = revised(&read, |u| {
                        let n: u64 = u.details.custom_fields["count"].parse().expect("a number");
                        u.details
                            .custom_fields
                            .insert("count".into(), (n + 1).to_string());
                    });
                    let set = ChangeSet::new().with(Op::UpdateUser {
                        user: Box::new(bumped),
                        expected: read.version,
                    });
                    match replica.apply(set).await {
                        Ok(()) => break,
                        Err(e) if e.kind() == StorageErrorKind::Conflict => {
                            tokio::task::yield_now().await
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            Ok(())
        }
    })
    .await;
    for result in results {
        result.expect("a replica failed to bump");
    }
    for replica in &replicas {
        let stored = replica
            .user(d.id, counter.id)
            .await
            .expect("read")
            .expect("the counter exists");
        assert_eq!(
            stored.details.custom_fields["count"],
            (2 * BUMPS).to_string()
        );
        assert_eq!(stored.version.get(), 2 * BUMPS as u64 + 1);
    }
}

mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_storages_on_one_sqlite_file_race_safely() {
        let url = support::sqlite_file_url("replicas");
        let a = homeroom_sea::SeaStorage::connect(&url)
            .await
            .expect("first replica");
        let b = homeroom_sea::SeaStorage::connect(&url)
            .await
            .expect("second replica");
        replicas_never_lose_an_update_nor_share_a_key(Arc::new(a), Arc::new(b)).await;
    }
}

#[cfg(homeroom_test_postgres)]
mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_pools_on_one_postgres_database_race_safely() {
        // Both connect to the new schema at once: the migration lock lets one create it.
        support::drop_postgres_schema("replicas").await;
        let (a, b) = tokio::join!(
            support::postgres_in("replicas"),
            support::postgres_in("replicas")
        );
        replicas_never_lose_an_update_nor_share_a_key(Arc::new(a), Arc::new(b)).await;
    }
}
