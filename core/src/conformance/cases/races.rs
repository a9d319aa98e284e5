//! Racing processes never both win: two handles on one database (two replicas, each with a
//! connection pool of its own) race conflicting writes and lease acquisitions. One wins, the
//! other gets `Conflict` or `AlreadyExists` (or no lease), and each handle reads what the
//! other wrote. No update is ever lost.

use std::future::Future;

use super::leases::race_for;
use super::support::*;
use crate::authz::{Permission, PermissionSet, Role, Scope};
use crate::model::District;

/// Rounds per race: enough for either handle to win some.
const ROUNDS: usize = 6;

/// `ops`, applied as one set on `store` when the race starts.
fn apply(
    store: &Arc<dyn Storage>,
    ops: Vec<Op>,
) -> impl Future<Output = Result<(), StorageError>> + Send + 'static {
    let store = Arc::clone(store);
    async move { store.apply(ops.into_iter().collect()).await }
}

/// The two handles, first then second.
fn both(replicas: &Replicas) -> [&Arc<dyn Storage>; 2] {
    [&replicas.a, &replicas.b]
}

/// Each handle updates one user from the same version, round after round: one wins, the
/// other gets `Conflict`, and both handles read the winner's row.
pub(super) async fn racing_updates_from_two_handles_have_one_winner(replicas: Replicas) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*replicas.a, "Maple Valley").await;
    let mut current = fx.user(d.id, "Ada", "Lovelace").email("ada@x.org");
    seed_users(&*replicas.b, [&current]).await;
    for store in both(&replicas) {
        assert_eq!(
            user(&**store, d.id, current.id).await.as_ref(),
            Some(&current)
        );
    }
    for round in 0..ROUNDS {
        let contenders: Vec<User> = (0..2)
            .map(|h| current.revised(|u| u.details.name.last = format!("Round{round}Handle{h}")))
            .collect();
        let results = race(
            both(&replicas)
                .into_iter()
                .zip(&contenders)
                .map(|(store, row)| apply(store, vec![update(&current, row)]))
                .collect(),
        )
        .await;
        let winner = only_winner(&results);
        if let Err(error) = &results[1 - winner] {
            assert_conflict(error, Entity::User);
        }
        for store in both(&replicas) {
            assert_eq!(
                user(&**store, d.id, current.id).await.as_ref(),
                Some(&contenders[winner]),
                "round {round}: the stored row is not the winner's"
            );
        }
        current = contenders[winner].clone();
    }
}

/// Each handle inserts a new user with one e-mail address (spelled in two cases): one wins,
/// the other gets `AlreadyExists` on the e-mail, and neither handle sees the loser.
pub(super) async fn racing_inserts_of_one_key_from_two_handles_have_one_winner(replicas: Replicas) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*replicas.a, "Maple Valley").await;
    for round in 0..ROUNDS {
        let address = format!("office{round}@maple.k12.us");
        let racers = [
            fx.user(d.id, "First", &format!("Racer{round}"))
                .email(&address),
            fx.user(d.id, "Second", &format!("Racer{round}"))
                .email(&address.to_uppercase()),
        ];
        let results = race(
            both(&replicas)
                .into_iter()
                .zip(&racers)
                .map(|(store, row)| apply(store, vec![insert(row)]))
                .collect(),
        )
        .await;
        let winner = only_winner(&results);
        if let Err(error) = &results[1 - winner] {
            assert_already_exists(error, Entity::User, UniqueKey::Email);
        }
        for store in both(&replicas) {
            let holder = by_key(&**store, d.id, email_key(&address)).await;
            assert_eq!(
                holder.map(|u| u.id),
                Some(racers[winner].id),
                "round {round}"
            );
            assert_eq!(user(&**store, d.id, racers[1 - winner].id).await, None);
        }
    }
}

/// Role and grant changes move the district's version (as the directory writes them), so two
/// of them racing from two handles have one winner: the other gets `Conflict` on the district
/// and leaves nothing behind.
pub(super) async fn racing_authz_changes_from_two_handles_have_one_winner(replicas: Replicas) {
    let mut fx = Fixture::new();
    let mut district = fx.seed_district(&*replicas.a, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "Lovelace");
    let mut role = fx.role(
        district.id,
        "Observer",
        [Permission::ViewUsers].into_iter().collect(),
    );
    seed(&*replicas.b, [insert(&ada), Op::InsertRole(role.clone())]).await;
    let bump = |d: &District| Op::UpdateDistrict {
        district: District {
            version: d.version.next(),
            ..d.clone()
        },
        expected: d.version,
    };
    for round in 0..ROUNDS {
        // One handle grants the role, the other edits it, both from the same district version.
        let grant = fx.grant(district.id, ada.id, role.id, Scope::District);
        let edited = Role {
            permissions: if round % 2 == 0 {
                PermissionSet::EMPTY.with(Permission::UserNotes)
            } else {
                [Permission::ViewUsers].into_iter().collect()
            },
            version: role.version.next(),
            ..role.clone()
        };
        let sets = [
            vec![bump(&district), Op::InsertGrant(grant.clone())],
            vec![
                Op::UpdateRole {
                    role: edited.clone(),
                    expected: role.version,
                },
                bump(&district),
            ],
        ];
        let results = race(
            both(&replicas)
                .into_iter()
                .zip(sets)
                .map(|(store, ops)| apply(store, ops))
                .collect(),
        )
        .await;
        let winner = only_winner(&results);
        if let Err(error) = &results[1 - winner] {
            assert_conflict(error, Entity::District);
        }
        for store in both(&replicas) {
            let stored = store
                .district(district.id)
                .await
                .expect("district read failed")
                .expect("the district vanished");
            assert_eq!(stored.version, district.version.next(), "round {round}");
            let grants = store
                .grants(district.id, Some(ada.id))
                .await
                .expect("grants read failed");
            let roles = store.roles(district.id).await.expect("roles read failed");
            if winner == 0 {
                assert!(grants.contains(&grant), "round {round}: the grant is lost");
                assert_eq!(roles, vec![role.clone()], "round {round}: the loser's edit");
            } else {
                assert!(!grants.contains(&grant), "round {round}: the loser's grant");
                assert_eq!(
                    roles,
                    vec![edited.clone()],
                    "round {round}: the edit is lost"
                );
            }
        }
        district = District {
            version: district.version.next(),
            ..district
        };
        if winner == 1 {
            role = edited;
        }
    }
}

/// Both handles bump one counter with read-and-retry, at once: every bump lands exactly once.
pub(super) async fn retried_updates_from_two_handles_lose_nothing(replicas: Replicas) {
    const BUMPS: usize = 10;
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*replicas.a, "Maple Valley").await;
    let mut counter = fx.user(d.id, "Count", "Er");
    counter
        .details
        .custom_fields
        .insert("count".into(), "0".into());
    seed_users(&*replicas.a, [&counter]).await;
    let (district, id) = (d.id, counter.id);
    let writers = both(&replicas)
        .into_iter()
        .map(|store| {
            let store = Arc::clone(store);
            async move {
                for _ in 0..BUMPS {
                    bump_counter(&*store, district, id).await;
                }
            }
        })
        .collect();
    race(writers).await;
    for store in both(&replicas) {
        let stored = user(&**store, district, id)
            .await
            .expect("the counter user vanished");
        assert_eq!(
            stored.details.custom_fields["count"],
            (2 * BUMPS).to_string()
        );
        assert_eq!(stored.version, Version::new(2 * BUMPS as u64 + 1));
    }
}

/// Acquirers on both handles race for one free lease: exactly one wins, the other handle
/// refuses everyone while it runs, and after its release the next race has one winner again,
/// with a greater token.
pub(super) async fn racing_lease_acquisitions_from_two_handles_have_one_winner(leases: LeasePair) {
    let handles = [Arc::clone(&leases.a), Arc::clone(&leases.b)];
    let mut last: Option<Lease> = None;
    for round in 0..ROUNDS {
        let name = "contested";
        let won = race_for(&handles, name, 8).await;
        assert_eq!(won.len(), 1, "round {round}: {won:?}");
        let won = won[0].clone();
        if let Some(last) = last {
            assert!(won.token > last.token, "{last} then {won}");
        }
        for handle in &handles {
            let late = handle
                .try_acquire(name, "late", chrono::Duration::seconds(60))
                .await
                .expect("try_acquire failed");
            assert!(late.is_none(), "round {round}: {late:?} while {won} runs");
        }
        handles[round % 2].release(&won).await.expect("release");
        last = Some(won);
    }
}

/// Two senders (one per handle) claim the same queued outbox message at one version, round
/// after round, as `Directory::drain_outbox` does: exactly one claim wins, the other gets
/// `Conflict` on the item, and both handles read the winner's claim. The winner then puts
/// the message back for the next round (as a failed send does).
pub(super) async fn racing_outbox_claims_from_two_handles_have_one_winner(replicas: Replicas) {
    use crate::storage::{Item, ItemKind};

    const OUTBOX: ItemKind = ItemKind::from_static("outbox_message");
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*replicas.a, "Maple Valley").await;
    let mut current: Item = fx.item(d.id, OUTBOX, "queued").with_status("pending");
    seed(&*replicas.a, [Op::InsertItem(current.clone())]).await;
    for round in 0..ROUNDS {
        let claims: Vec<Item> = (0..2)
            .map(|h| Item {
                version: current.version.next(),
                status: Some(format!("sending:{round}:{h}")),
                ..current.clone()
            })
            .collect();
        let results = race(
            both(&replicas)
                .into_iter()
                .zip(&claims)
                .map(|(store, claim)| {
                    let op = Op::UpdateItem {
                        item: claim.clone(),
                        expected: current.version,
                    };
                    apply(store, vec![op])
                })
                .collect(),
        )
        .await;
        let winner = only_winner(&results);
        if let Err(error) = &results[1 - winner] {
            assert_conflict(error, Entity::Item);
        }
        for store in both(&replicas) {
            let stored = store.item(d.id, current.id).await.unwrap();
            assert_eq!(
                stored.as_ref(),
                Some(&claims[winner]),
                "round {round}: the stored claim is not the winner's"
            );
        }
        let released = Item {
            version: claims[winner].version.next(),
            status: Some("pending".into()),
            ..claims[winner].clone()
        };
        apply(
            both(&replicas)[winner],
            vec![Op::UpdateItem {
                item: released.clone(),
                expected: claims[winner].version,
            }],
        )
        .await
        .unwrap();
        current = released;
    }
}
