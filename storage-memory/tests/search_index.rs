//! The memory store keeps its listing order and search terms in step user by user once built,
//! but a bulk change set drops them and the next search rebuilds them in one pass. Both paths
//! must answer every search alike: the same users written in one bulk set and in small sets
//! (searched between sets, so the index is built early and then updated in place) must list
//! and find the same, before and after single edits and deletes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use homeroom::conformance::Fixture;
use homeroom::*;
use homeroom_memory::MemoryStorage;

const FIRST: [&str; 6] = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Adele"];
const LAST: [&str; 5] = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov"];

/// What the searches below return, page by page, as `(id, version)` lists.
async fn answers(store: &MemoryStorage, district: DistrictId) -> Vec<Vec<(UserId, Version)>> {
    let mut all = Vec::new();
    for text in [
        None,
        Some("ad"),
        Some("ada l"),
        Some("hop"),
        Some("s-01"),
        Some("nobody"),
    ] {
        let mut query = UserQuery {
            text: text.map(str::to_owned),
            limit: 97,
            ..UserQuery::default()
        };
        loop {
            let page = store.search_users(district, &query).await.unwrap();
            all.push(page.items.iter().map(|u| (u.id, u.version)).collect());
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
        }
    }
    all
}

#[tokio::test]
async fn a_bulk_written_index_answers_as_one_kept_in_step() {
    let mut fx = Fixture::new();
    let bulk = MemoryStorage::new();
    let small = MemoryStorage::new();
    let district = fx.district("Maple Valley");
    for store in [&bulk, &small] {
        store
            .apply(ChangeSet::new().with(Op::InsertDistrict(district.clone())))
            .await
            .unwrap();
    }
    // More users than a bulk set's threshold, with shared names so terms collide.
    let users: Vec<User> = (0..1500)
        .map(|n| {
            let mut user = fx.user(district.id, FIRST[n % 6], LAST[n % 5]);
            user.details.local_id = Some(LocalId::parse(&format!("S-{n:04}")).unwrap());
            user
        })
        .collect();

    bulk.apply(
        users
            .iter()
            .cloned()
            .map(|u| Op::InsertUser(Box::new(u)))
            .collect::<Vec<_>>()
            .into_iter()
            .fold(ChangeSet::new(), ChangeSet::with),
    )
    .await
    .unwrap();
    for chunk in users.chunks(100) {
        answers(&small, district.id).await; // builds the index, then keeps it in step
        let set = chunk
            .iter()
            .cloned()
            .map(|u| Op::InsertUser(Box::new(u)))
            .fold(ChangeSet::new(), ChangeSet::with);
        small.apply(set).await.unwrap();
    }
    let expected = answers(&small, district.id).await;
    assert_eq!(answers(&bulk, district.id).await, expected);
    assert!(expected.iter().map(Vec::len).sum::<usize>() > 1500);

    // Single edits on both: a rename moves a user in the order and changes their terms.
    let mut renamed = users[3].clone();
    renamed.details.name.first = "Zora".into();
    renamed.details.name.last = "Aardvark".into();
    renamed.version = renamed.version.next();
    let edits = ChangeSet::new()
        .with(Op::UpdateUser {
            user: Box::new(renamed.clone()),
            expected: users[3].version,
        })
        .with(Op::DeleteUser {
            district: district.id,
            id: users[7].id,
            expected: users[7].version,
        });
    for store in [&bulk, &small] {
        store.apply(edits.clone()).await.unwrap();
    }
    let after = answers(&small, district.id).await;
    assert_eq!(answers(&bulk, district.id).await, after);
    assert_ne!(after, expected);
    // The rename is first in the listing and found by its new name, not its old one.
    assert_eq!(after[0][0], (renamed.id, renamed.version));
    let zora = UserQuery {
        text: Some("zora a".into()),
        ..UserQuery::default()
    };
    assert_eq!(
        bulk.search_users(district.id, &zora).await.unwrap().items,
        vec![renamed]
    );
    assert!(
        !answers(&bulk, district.id)
            .await
            .iter()
            .flatten()
            .any(|(id, _)| *id == users[7].id)
    );
}
