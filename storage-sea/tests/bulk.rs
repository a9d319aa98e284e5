//! Large change sets: multi-row inserts chunked under the bind-parameter limits (SQLite 32,766,
//! PostgreSQL 65,535), a set whose rows repeat a key, and failures deep inside a large set,
//! which must still name the first failing op and leave nothing behind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

use std::sync::Arc;

use homeroom::{
    ChangeSet, Email, Entity, Op, Storage, StorageError, Subject, UniqueKey, UserKey, UserQuery,
};

use support::rows::{activity, district, org_unit, revised, student};

/// More users than one multi-row statement holds on either database (2,730 user rows per
/// SQLite statement, 5,461 per PostgreSQL statement).
const MANY: u128 = 6_000;

async fn a_large_import_is_stored_whole(store: Arc<dyn Storage>) {
    let d = district(1, "Maple Valley");
    let (north, south) = (org_unit(d.id, 10, "North"), org_unit(d.id, 11, "South"));
    store
        .apply(
            [
                Op::InsertDistrict(d.clone()),
                Op::InsertOrgUnit(north.clone()),
                Op::InsertOrgUnit(south.clone()),
            ]
            .into_iter()
            .collect(),
        )
        .await
        .expect("seed");

    let users: Vec<_> = (0..MANY)
        .map(|n| {
            let mut u = student(d.id, n);
            u.details
                .org_units
                .insert(if n % 2 == 0 { north.id } else { south.id });
            u
        })
        .collect();
    // One user inserted and then updated in the same set: the update sees the insert.
    let renamed = revised(&users[7], |u| u.details.name.last = "Renamed".into());
    let mut set: ChangeSet = users
        .iter()
        .flat_map(|u| {
            [
                Op::InsertUser(Box::new(u.clone())),
                Op::AppendActivity(activity(
                    u.district,
                    u.id.as_uuid().as_u128(),
                    Subject::User(u.id),
                )),
            ]
        })
        .collect();
    set.push(Op::UpdateUser {
        user: Box::new(renamed.clone()),
        expected: users[7].version,
    });
    store.apply(set).await.expect("the import");

    let everyone = UserQuery {
        limit: 10,
        ..UserQuery::default()
    };
    let page = store.search_users(d.id, &everyone).await.expect("search");
    assert_eq!(page.total, MANY as u64);
    let north_members = UserQuery {
        org_units: Some([north.id].into()),
        ..everyone.clone()
    };
    assert_eq!(
        store
            .search_users(d.id, &north_members)
            .await
            .expect("search")
            .total,
        MANY as u64 / 2
    );
    let last = &users[(MANY - 1) as usize];
    let email = last.details.email.as_ref().expect("email").key();
    assert_eq!(
        store
            .user_by_key(d.id, &UserKey::Email(email))
            .await
            .expect("read")
            .as_ref(),
        Some(last)
    );
    assert_eq!(
        store.user(d.id, renamed.id).await.expect("read"),
        Some(renamed.clone())
    );
    let renamed_search = UserQuery {
        text: Some("renamed".into()),
        ..everyone
    };
    let found = store
        .search_users(d.id, &renamed_search)
        .await
        .expect("search");
    assert_eq!(found.items, vec![renamed]);
    let ids: Vec<_> = users.iter().map(|u| u.id).collect();
    assert_eq!(
        store.users(d.id, &ids).await.expect("batch").len(),
        MANY as usize
    );
}

/// A large set of updates (an archive of everyone, some also renamed or moved, one changing
/// its e-mail to the one another update frees), with their log entries: every row, search term
/// and membership ends as written, whichever statements carried them.
async fn many_updates_are_stored_whole(store: Arc<dyn Storage>) {
    let d = district(2, "Cedar Springs");
    let (north, south) = (org_unit(d.id, 20, "North"), org_unit(d.id, 21, "South"));
    let users: Vec<_> = (0..2_500u128)
        .map(|n| {
            let mut u = student(d.id, n);
            u.details.org_units.insert(north.id);
            u
        })
        .collect();
    let mut seed: ChangeSet = [
        Op::InsertDistrict(d.clone()),
        Op::InsertOrgUnit(north.clone()),
        Op::InsertOrgUnit(south.clone()),
    ]
    .into_iter()
    .collect();
    for u in &users {
        seed.push(Op::InsertUser(Box::new(u.clone())));
    }
    store.apply(seed).await.expect("seed");

    let freed = users[10].details.email.clone();
    let updated: Vec<_> = users
        .iter()
        .enumerate()
        .map(|(n, u)| {
            revised(u, |u| {
                u.status = homeroom::RecordStatus::Archived;
                if n % 100 == 3 {
                    u.details.name.last = format!("Moved{n}");
                    u.details.org_units = [south.id].into();
                }
                if n == 10 {
                    u.details.email = Email::parse("elsewhere@example.org").ok();
                }
                if n == 11 {
                    u.details.email = freed.clone();
                }
            })
        })
        .collect();
    let mut set = ChangeSet::new();
    for (old, new) in users.iter().zip(&updated) {
        set.push(Op::UpdateUser {
            user: Box::new(new.clone()),
            expected: old.version,
        });
        set.push(Op::AppendActivity(activity(
            d.id,
            new.id.as_uuid().as_u128() + 7,
            Subject::User(new.id),
        )));
    }
    store.apply(set).await.expect("the updates");

    let ids: Vec<_> = users.iter().map(|u| u.id).collect();
    let mut stored = store.users(d.id, &ids).await.expect("read");
    stored.sort_by_key(|u| u.id);
    let mut expected = updated.clone();
    expected.sort_by_key(|u| u.id);
    assert_eq!(stored, expected);
    let query = |q: UserQuery| {
        let store = store.clone();
        async move { store.search_users(d.id, &q).await.expect("search").total }
    };
    let any_status = UserQuery {
        statuses: Some(homeroom::RecordStatus::ALL.into_iter().collect()),
        ..UserQuery::default()
    };
    let active = UserQuery {
        statuses: Some([homeroom::RecordStatus::Active].into()),
        ..UserQuery::default()
    };
    assert_eq!(query(active).await, 0, "all archived");
    let moved = UserQuery {
        org_units: Some([south.id].into()),
        ..any_status.clone()
    };
    assert_eq!(query(moved).await, 25);
    let renamed = UserQuery {
        text: Some("moved10".into()),
        ..any_status.clone()
    };
    assert_eq!(query(renamed).await, 2, "moved103 and moved1003");
    let email = freed.expect("an e-mail").key();
    let holder = store
        .user_by_key(d.id, &UserKey::Email(email))
        .await
        .expect("read");
    assert_eq!(holder.map(|u| u.id), Some(users[11].id));
}

/// Builds a large set of new users and applies it, expecting it refused.
async fn refused(store: &dyn Storage, set: ChangeSet) -> StorageError {
    match store.apply(set).await {
        Ok(()) => panic!("a set that must fail was applied"),
        Err(error) => error,
    }
}

async fn a_failure_deep_in_a_large_set_is_exact_and_leaves_nothing(store: Arc<dyn Storage>) {
    let d = district(1, "Maple Valley");
    let holder = student(d.id, 1_000_000);
    store
        .apply(
            [
                Op::InsertDistrict(d.clone()),
                Op::InsertUser(Box::new(holder.clone())),
            ]
            .into_iter()
            .collect(),
        )
        .await
        .expect("seed");
    let batch: Vec<_> = (0..MANY).map(|n| student(d.id, n)).collect();
    let holder_email = holder.details.email.clone().expect("email");

    // A taken e-mail near the end of the set.
    let mut clash = student(d.id, MANY + 1);
    clash.details.email = Some(Email::parse(&holder_email.as_str().to_uppercase()).expect("email"));
    let set: ChangeSet = batch
        .iter()
        .cloned()
        .chain([clash])
        .map(|u| Op::InsertUser(Box::new(u)))
        .collect();
    match refused(&*store, set).await {
        StorageError::AlreadyExists { entity, key, value } => {
            assert_eq!((entity, key), (Entity::User, UniqueKey::Email));
            assert_eq!(value, holder_email.key());
        }
        other => panic!("expected AlreadyExists on the e-mail, got {other:?}"),
    }

    // Two rows of the set sharing a Local ID (in different chunks), after a duplicate activity
    // id: the activity op comes first, so its error is the one reported.
    let entry = activity(d.id, 1, Subject::District);
    let mut twin = student(d.id, MANY + 2);
    twin.details.local_id = batch[10].details.local_id.clone();
    let mut ops: Vec<Op> = vec![
        Op::AppendActivity(entry.clone()),
        Op::AppendActivity(entry.clone()),
    ];
    ops.extend(batch.iter().cloned().map(|u| Op::InsertUser(Box::new(u))));
    ops.push(Op::InsertUser(Box::new(twin.clone())));
    match refused(&*store, ops.into_iter().collect()).await {
        StorageError::AlreadyExists { entity, key, .. } => {
            assert_eq!((entity, key), (Entity::Activity, UniqueKey::Id));
        }
        other => panic!("expected AlreadyExists on the activity id, got {other:?}"),
    }
    // Without the duplicate entry, the twin Local ID is the error.
    let mut ops: Vec<Op> = batch
        .iter()
        .cloned()
        .map(|u| Op::InsertUser(Box::new(u)))
        .collect();
    ops.push(Op::InsertUser(Box::new(twin)));
    match refused(&*store, ops.into_iter().collect()).await {
        StorageError::AlreadyExists { entity, key, value } => {
            assert_eq!((entity, key), (Entity::User, UniqueKey::LocalId));
            assert_eq!(
                Some(value.as_str()),
                batch[10].details.local_id.as_ref().map(|l| l.as_str())
            );
        }
        other => panic!("expected AlreadyExists on the Local ID, got {other:?}"),
    }

    let page = store
        .search_users(
            d.id,
            &UserQuery {
                limit: 5,
                ..UserQuery::default()
            },
        )
        .await
        .expect("search");
    assert_eq!(page.total, 1, "a refused set left users behind");
    assert!(
        store
            .activity(
                d.id,
                &homeroom::ActivityQuery {
                    subject: Subject::District,
                    after: None,
                    limit: 5
                }
            )
            .await
            .expect("activity")
            .items
            .is_empty()
    );
}

mod sqlite {
    use super::*;
    use homeroom_sea::SeaStorage;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_memory_stores_a_large_import_whole() {
        let store = SeaStorage::connect("sqlite::memory:")
            .await
            .expect("connect");
        a_large_import_is_stored_whole(Arc::new(store)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_file_stores_a_large_import_whole() {
        let store = support::sqlite_file("bulk-import").await;
        a_large_import_is_stored_whole(Arc::new(store)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_stores_many_updates_whole() {
        let store = support::sqlite_file("bulk-updates").await;
        many_updates_are_stored_whole(Arc::new(store)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_failure_deep_in_a_large_set_is_exact() {
        let store = SeaStorage::connect("sqlite::memory:")
            .await
            .expect("connect");
        a_failure_deep_in_a_large_set_is_exact_and_leaves_nothing(Arc::new(store)).await;
    }
}

#[cfg(homeroom_test_postgres)]
mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_stores_a_large_import_whole() {
        let store = support::postgres_fresh("bulk_import").await;
        a_large_import_is_stored_whole(Arc::new(store)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_stores_many_updates_whole() {
        let store = support::postgres_fresh("bulk_updates").await;
        many_updates_are_stored_whole(Arc::new(store)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_failure_deep_in_a_large_set_is_exact() {
        let store = support::postgres_fresh("bulk_failure").await;
        a_failure_deep_in_a_large_set_is_exact_and_leaves_nothing(Arc::new(store)).await;
    }
}
