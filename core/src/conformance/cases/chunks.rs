//! Chunked sets (`Storage::apply_chunked`): the chunks of one set apply in order, all or
//! nothing, like the set applied whole; a chunk that fails, or cannot be produced, leaves
//! nothing of the earlier chunks.

use super::support::*;
use crate::storage::ChunkList;

/// Users `n` of a district, each with a Local ID and an e-mail of their own.
fn kids(fx: &mut Fixture, district: DistrictId, from: usize, n: usize) -> Vec<User> {
    (from..from + n)
        .map(|i| {
            fx.user(district, "Kid", &format!("K{i}"))
                .email(&format!("k{i}@x.org"))
                .local_id(&format!("L-{i}"))
        })
        .collect()
}

fn inserts(users: &[User]) -> ChangeSet {
    users.iter().map(insert).collect()
}

/// Every chunk is written, in order: a later chunk sees what an earlier one wrote.
pub(super) async fn chunked_set_applies_every_chunk_in_order(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.district("Maple Valley");
    let first = kids(&mut fx, d.id, 0, 3);
    let second = kids(&mut fx, d.id, 3, 3);
    let k0_v2 = first[0].revised(|u| u.details.name.last = "Renamed".into());
    let entry = fx.activity(d.id, first[0].id, 1);
    let mut opening = ChangeSet::new();
    opening.push(Op::InsertDistrict(d.clone()));
    opening.extend(inserts(&first));
    let mut later = inserts(&second);
    later.push(update(&first[0], &k0_v2));
    later.push(Op::AppendActivity(entry.clone()));
    let mut chunks = ChunkList::new(vec![opening, ChangeSet::new(), later]);
    store.apply_chunked(&mut chunks).await.unwrap();
    assert_eq!(user(&*store, d.id, first[0].id).await, Some(k0_v2));
    for kid in first.iter().skip(1).chain(&second) {
        assert_eq!(user(&*store, d.id, kid.id).await.as_ref(), Some(kid));
    }
    assert_eq!(
        activity_of(&*store, d.id, Subject::User(first[0].id)).await,
        vec![entry]
    );
}

/// A later chunk that collides with an earlier one fails the whole set with the first failing
/// op's error, and nothing of any chunk is left: rows absent, keys free, no activity.
pub(super) async fn chunked_set_leaves_nothing_when_a_later_chunk_fails(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let held = fx.user(d.id, "Held", "Before").email("held@x.org");
    seed_users(&*store, [&held]).await;
    let first = kids(&mut fx, d.id, 0, 4);
    let mut opening = inserts(&first);
    opening.push(Op::AppendActivity(fx.activity(d.id, first[0].id, 1)));
    let held_v2 = held.revised(|u| u.details.name.last = "Changed".into());
    let stale = held.revised(|u| u.details.name.last = "Stale".into());
    // The second chunk: a good update, then a stale one (the first failure), then a key
    // taken by the first chunk.
    let clash = fx.user(d.id, "Cal", "Clash").email("K1@x.org");
    let mut later = ChangeSet::new();
    later.push(update(&held, &held_v2));
    later.push(update(&held, &stale));
    later.push(insert(&clash));
    let mut chunks = ChunkList::new(vec![opening, later]);
    let err = store.apply_chunked(&mut chunks).await.unwrap_err();
    assert_conflict(&err, Entity::User);
    assert_nothing_of(&*store, d.id, &first).await;
    assert_eq!(user(&*store, d.id, held.id).await, Some(held));
}

/// A producer that fails after some chunks were written (an injected failure midway) fails
/// the set with its error, and nothing of the written chunks is left.
pub(super) async fn chunked_set_leaves_nothing_when_a_chunk_cannot_be_produced(
    store: Arc<dyn Storage>,
) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let first = kids(&mut fx, d.id, 0, 3);
    let second = kids(&mut fx, d.id, 3, 3);
    let mut opening = inserts(&first);
    opening.push(Op::AppendActivity(fx.activity(d.id, first[0].id, 1)));
    let mut chunks = ChunkList::failing_after(vec![opening, inserts(&second)], "injected midway");
    let err = store.apply_chunked(&mut chunks).await.unwrap_err();
    assert_kind(&err, StorageErrorKind::Unavailable);
    let all: Vec<User> = first.into_iter().chain(second).collect();
    assert_nothing_of(&*store, d.id, &all).await;
    // The keys are free: the same users go in afterwards.
    store.apply(inserts(&all)).await.unwrap();
}

/// None of `users` is stored, their keys are free, and no activity was appended about them.
async fn assert_nothing_of(store: &dyn Storage, district: DistrictId, users: &[User]) {
    for kid in users {
        assert_eq!(user(store, district, kid.id).await, None);
        let key = local_id_key(kid.details.local_id.as_ref().map_or("", |l| l.as_str()));
        assert_eq!(by_key(store, district, key).await, None);
        assert!(
            activity_of(store, district, Subject::User(kid.id))
                .await
                .is_empty()
        );
    }
}
