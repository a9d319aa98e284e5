//! Concurrent writers: racing updates have one winner, racing inserts of one key have one
//! winner, independent writes all land, and no update is ever lost.

use std::future::Future;

use super::support::*;

/// Applies `ops` as one set on `store`, as a `'static` future for [`race`].
fn apply(
    store: &Arc<dyn Storage>,
    ops: Vec<Op>,
) -> impl Future<Output = Result<(), StorageError>> + Send + 'static {
    let store = Arc::clone(store);
    async move { store.apply(ops.into_iter().collect()).await }
}

/// Several writers update one user from the same version at once, over several rounds: each
/// round exactly one succeeds, the others get `Conflict`, and the stored row is the winner's.
pub(super) async fn concurrent_updates_of_one_version_have_one_winner(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let mut current = fx.user(d.id, "Ada", "Lovelace").email("ada@x.org");
    seed_users(&*store, [&current]).await;

    for round in 0..6 {
        let contenders: Vec<User> = (0..4)
            .map(|writer| {
                current.revised(|u| u.details.name.last = format!("Round{round}Writer{writer}"))
            })
            .collect();
        let results = race(
            contenders
                .iter()
                .map(|row| apply(&store, vec![update(&current, row)]))
                .collect(),
        )
        .await;
        let winner = only_winner(&results);
        for (i, result) in results.iter().enumerate() {
            if let Err(error) = result {
                assert_conflict(error, Entity::User);
            } else {
                assert_eq!(i, winner);
            }
        }
        let stored = user(&*store, d.id, current.id).await;
        assert_eq!(stored.as_ref(), Some(&contenders[winner]), "round {round}");
        current = contenders[winner].clone();
    }
    assert_eq!(current.version, Version::new(7));
}

/// An update and a delete race from the same version: one wins. If the update wins the delete
/// is a `Conflict` and the updated row is stored; if the delete wins the user is gone and the
/// update fails (`NotFound` or `Conflict`).
pub(super) async fn concurrent_update_and_delete_have_one_winner(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    for round in 0..6 {
        let victim = fx
            .user(d.id, "Vic", &format!("Tim{round}"))
            .email(&format!("vic{round}@x.org"));
        seed_users(&*store, [&victim]).await;
        let updated = victim.revised(|u| u.status = RecordStatus::Archived);
        let results = race(vec![
            apply(&store, vec![update(&victim, &updated)]),
            apply(&store, vec![delete(&victim)]),
        ])
        .await;
        let stored = user(&*store, d.id, victim.id).await;
        match only_winner(&results) {
            0 => {
                let err = results[1].as_ref().expect_err("the delete lost");
                assert_conflict(err, Entity::User);
                assert_eq!(stored, Some(updated));
            }
            _ => {
                let err = results[0].as_ref().expect_err("the update lost");
                assert!(
                    matches!(
                        err.kind(),
                        StorageErrorKind::NotFound | StorageErrorKind::Conflict
                    ),
                    "an update that lost to a delete failed with {err:?}"
                );
                assert_eq!(stored, None);
                assert_eq!(
                    by_key(&*store, d.id, email_key(&format!("vic{round}@x.org"))).await,
                    None
                );
            }
        }
    }
}

/// Eight users with the same e-mail (in various cases) are inserted at once: exactly one
/// succeeds, the others get `AlreadyExists` on the e-mail, and exactly one user holds it.
pub(super) async fn concurrent_inserts_of_one_email_have_one_winner(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let spellings = ["ada@x.org", "Ada@X.org", "ADA@X.ORG", "ada@X.org"];
    let racers: Vec<User> = (0..8)
        .map(|i| {
            fx.user(d.id, "Ada", &format!("Racer{i}"))
                .email(spellings[i % spellings.len()])
                .local_id(&format!("R-{i}"))
        })
        .collect();
    let results = race(
        racers
            .iter()
            .map(|u| apply(&store, vec![insert(u)]))
            .collect(),
    )
    .await;
    let winner = only_winner(&results);
    for result in &results {
        if let Err(error) = result {
            assert_already_exists(error, Entity::User, UniqueKey::Email);
        }
    }
    assert_eq!(
        by_key(&*store, d.id, email_key("ada@x.org")).await.as_ref(),
        Some(&racers[winner])
    );
    assert_eq!(
        found(&*store, d.id, &text("ada@x")).await,
        vec![racers[winner].id]
    );
    assert_eq!(
        found(&*store, d.id, &everyone()).await,
        vec![racers[winner].id]
    );
    for (i, racer) in racers.iter().enumerate() {
        let stored = user(&*store, d.id, racer.id).await;
        assert_eq!(stored.is_some(), i == winner);
    }
}

/// Eight existing users each update themselves to take the same free e-mail at once: exactly
/// one succeeds, the others get `AlreadyExists`, and only the winner holds the address.
pub(super) async fn concurrent_updates_taking_one_email_have_one_winner(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let users: Vec<User> = (0..8)
        .map(|i| {
            fx.user(d.id, "Ada", &format!("Taker{i}"))
                .email(&format!("taker{i}@x.org"))
        })
        .collect();
    seed_users(&*store, &users).await;
    let takers: Vec<User> = users
        .iter()
        .map(|u| u.revised(|next| *next = next.clone().email("Office@X.org")))
        .collect();
    let results = race(
        users
            .iter()
            .zip(&takers)
            .map(|(old, new)| apply(&store, vec![update(old, new)]))
            .collect(),
    )
    .await;
    let winner = only_winner(&results);
    for result in &results {
        if let Err(error) = result {
            assert_already_exists(error, Entity::User, UniqueKey::Email);
        }
    }
    assert_eq!(
        by_key(&*store, d.id, email_key("office@x.org"))
            .await
            .as_ref(),
        Some(&takers[winner])
    );
    assert_eq!(
        found(&*store, d.id, &text("office@")).await,
        vec![users[winner].id]
    );
    for (i, old) in users.iter().enumerate() {
        let expected = if i == winner { &takers[i] } else { old };
        assert_eq!(user(&*store, d.id, old.id).await.as_ref(), Some(expected));
    }
}

/// Many writers insert different users (each with an activity entry) at once: every write
/// succeeds and every row is there.
pub(super) async fn concurrent_independent_inserts_all_succeed(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let users: Vec<User> = (0..32)
        .map(|i| {
            fx.user(d.id, "Many", &format!("Writer{i:02}"))
                .email(&format!("writer{i}@x.org"))
                .local_id(&format!("W-{i}"))
                .username(&format!("writer{i}"))
        })
        .collect();
    let entries: Vec<ActivityEntry> = users.iter().map(|u| fx.activity(d.id, u.id, 0)).collect();
    let results = race(
        users
            .iter()
            .zip(&entries)
            .map(|(u, e)| apply(&store, vec![insert(u), Op::AppendActivity(e.clone())]))
            .collect(),
    )
    .await;
    for result in &results {
        assert!(result.is_ok(), "an independent insert failed: {result:?}");
    }
    let listed = search_all(
        &*store,
        d.id,
        &UserQuery {
            limit: 10,
            ..UserQuery::default()
        },
    )
    .await;
    assert_eq!(listed, in_listing_order(&users));
    let batch = store.users(d.id, &ids(&users)).await.unwrap();
    assert_eq!(batch.len(), 32);
    for (u, e) in users.iter().zip(&entries) {
        assert_eq!(
            activity_of(&*store, d.id, Subject::User(u.id)).await,
            vec![e.clone()]
        );
    }
}

/// Writers that re-read and retry on `Conflict` all get their update in: a counter that eight
/// writers each bump five times ends at forty, at version forty-one. No update is lost.
pub(super) async fn retried_concurrent_updates_lose_nothing(store: Arc<dyn Storage>) {
    const WRITERS: usize = 8;
    const BUMPS: usize = 5;
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let mut counter = fx.user(d.id, "Count", "Er");
    counter
        .details
        .custom_fields
        .insert("count".into(), "0".into());
    seed_users(&*store, [&counter]).await;
    let (district, id) = (d.id, counter.id);

    let writers = (0..WRITERS)
        .map(|_| {
            let store = Arc::clone(&store);
            async move {
                for _ in 0..BUMPS {
                    bump_counter(&*store, district, id).await;
                }
            }
        })
        .collect();
    race(writers).await;

    let stored = user(&*store, district, id)
        .await
        .expect("the counter user vanished");
    let total = WRITERS * BUMPS;
    assert_eq!(stored.details.custom_fields["count"], total.to_string());
    assert_eq!(stored.version, Version::new(total as u64 + 1));
}
