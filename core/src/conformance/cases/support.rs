//! What the cases share: the fixture helpers, assertions on error kinds, reads that unwrap, and
//! a pager that walks a query to its end while checking the paging rules.

use std::collections::BTreeSet;
use std::future::Future;

pub(super) use std::sync::Arc;

use futures::future::join_all;
use tokio::sync::Barrier;

pub(super) use crate::activity::{ActivityEntry, Subject};
pub(super) use crate::conformance::Fixture;
pub(super) use crate::conformance::fixtures::{
    UserEdits, delete, insert, seed, seed_users, update,
};
pub(super) use crate::conformance::kit::{LeasePair, Replicas};
pub(super) use crate::ids::{DistrictId, OrgUnitId, UserId, Version};
pub(super) use crate::model::{Access, AccessKind, Grade, OrgUnit, RecordStatus, User, UserKind};
pub(super) use crate::query::{ActivityCursor, ActivityQuery, Page, UserCursor, UserQuery};
pub(super) use crate::storage::{
    ChangeSet, Entity, Lease, Leases, Op, Storage, StorageError, StorageErrorKind, UniqueKey,
    UserKey,
};

/// Applies `ops` as one set that the store must refuse, and returns its error.
pub(super) fn refused(
    store: &dyn Storage,
    ops: impl IntoIterator<Item = Op>,
) -> impl Future<Output = StorageError> + Send + '_ {
    let set: ChangeSet = ops.into_iter().collect();
    let described = format!("{set:?}");
    async move {
        match store.apply(set).await {
            Ok(()) => panic!("the store accepted a change set it must refuse: {described}"),
            Err(error) => error,
        }
    }
}

/// Fails unless `error` is of `kind`.
pub(super) fn assert_kind(error: &StorageError, kind: StorageErrorKind) {
    assert_eq!(
        error.kind(),
        kind,
        "expected a {kind:?} error, got {error:?}"
    );
}

/// Fails unless `error` is `AlreadyExists` about `entity` on `key`.
pub(super) fn assert_already_exists(error: &StorageError, entity: Entity, key: UniqueKey) {
    assert_kind(error, StorageErrorKind::AlreadyExists);
    match error {
        StorageError::AlreadyExists {
            entity: found_entity,
            key: found_key,
            ..
        } => {
            assert_eq!(
                (*found_entity, *found_key),
                (entity, key),
                "wrong entity or key in {error:?}"
            );
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
}

/// Fails unless `error` is `NotFound`.
pub(super) fn assert_not_found(error: &StorageError) {
    assert_kind(error, StorageErrorKind::NotFound);
}

/// Fails unless `error` is `Conflict` about `entity`.
pub(super) fn assert_conflict(error: &StorageError, entity: Entity) {
    assert_kind(error, StorageErrorKind::Conflict);
    if let StorageError::Conflict {
        entity: found_entity,
        ..
    } = error
    {
        assert_eq!(*found_entity, entity, "wrong entity in {error:?}");
    }
}

/// The user with this id, read back.
pub(super) async fn user(store: &dyn Storage, district: DistrictId, id: UserId) -> Option<User> {
    store.user(district, id).await.expect("user read failed")
}

/// The user a key names, read back.
pub(super) async fn by_key(
    store: &dyn Storage,
    district: DistrictId,
    key: UserKey,
) -> Option<User> {
    store
        .user_by_key(district, &key)
        .await
        .expect("user_by_key read failed")
}

/// The e-mail key for `address` (lower-cased, as core passes it).
pub(super) fn email_key(address: &str) -> UserKey {
    UserKey::Email(address.to_lowercase())
}

/// The username key for `name` (lower-cased, as core passes it).
pub(super) fn username_key(name: &str) -> UserKey {
    UserKey::Username(name.to_lowercase())
}

/// The Local ID key, exactly as given.
pub(super) fn local_id_key(local_id: &str) -> UserKey {
    UserKey::LocalId(local_id.into())
}

/// Every org unit of a district, sorted by id.
pub(super) async fn org_units(store: &dyn Storage, district: DistrictId) -> Vec<OrgUnit> {
    let mut units = store
        .org_units(district)
        .await
        .expect("org_units read failed");
    units.sort_by_key(|u| u.id);
    units
}

/// `rows` sorted by id, for comparing reads that come back in any order.
pub(super) fn sorted_by_id<T: Clone, K: Ord>(rows: &[T], id: impl Fn(&T) -> K) -> Vec<T> {
    let mut rows = rows.to_vec();
    rows.sort_by_key(|r| id(r));
    rows
}

/// A query with no filters and room for every user a case writes.
pub(super) fn everyone() -> UserQuery {
    UserQuery {
        limit: 1000,
        ..UserQuery::default()
    }
}

/// A text query (the text lower-cased, as core passes it).
pub(super) fn text(prefix: &str) -> UserQuery {
    UserQuery {
        text: Some(prefix.to_lowercase()),
        ..everyone()
    }
}

/// A set of org unit ids.
pub(super) fn units(ids: &[OrgUnitId]) -> Option<BTreeSet<OrgUnitId>> {
    Some(ids.iter().copied().collect())
}

/// One page of a search.
pub(super) async fn search(
    store: &dyn Storage,
    district: DistrictId,
    query: &UserQuery,
) -> Page<User, UserCursor> {
    store
        .search_users(district, query)
        .await
        .expect("search_users failed")
}

/// The ids of `users`, in their order.
pub(super) fn ids(users: &[User]) -> Vec<UserId> {
    users.iter().map(|u| u.id).collect()
}

/// The ids of the users a one-page search returns, checking the page is complete (its total
/// counts its items and it has no next page).
pub(super) async fn found(
    store: &dyn Storage,
    district: DistrictId,
    query: &UserQuery,
) -> Vec<UserId> {
    let page = search(store, district, query).await;
    assert_eq!(
        page.total,
        page.items.len() as u64,
        "total disagrees with a complete page for {query:?}"
    );
    assert!(
        page.next.is_none(),
        "a complete page has a next cursor for {query:?}"
    );
    ids(&page.items)
}

/// The users among `all` that match `query`, in listing order: what a search must return.
pub(super) fn reference(all: &[User], query: &UserQuery) -> Vec<User> {
    let mut matching: Vec<User> = all.iter().filter(|u| query.matches(u)).cloned().collect();
    matching.sort_by_cached_key(|u| (u.sort_key(), u.id));
    matching
}

/// `users` in listing order.
pub(super) fn in_listing_order(users: &[User]) -> Vec<User> {
    reference(users, &UserQuery::default())
}

/// Walks `query` from its first page to its last (keeping its limit), checking on every page
/// that the total does not change, that the page holds `min(page size, rest)` users and that
/// only the last page lacks a next cursor. Returns every user in the order the pages gave them.
pub(super) async fn search_all(
    store: &dyn Storage,
    district: DistrictId,
    query: &UserQuery,
) -> Vec<User> {
    let mut query = query.clone();
    query.after = None;
    let first = search(store, district, &query).await;
    let total = first.total;
    let mut all = Vec::new();
    let mut page = first;
    for _ in 0..=total + 1 {
        assert_eq!(
            page.total, total,
            "the total changed between pages of {query:?}"
        );
        let remaining = total as usize - all.len().min(total as usize);
        assert_eq!(
            page.items.len(),
            query.page_size().min(remaining),
            "a page of {query:?} holds the wrong number of users"
        );
        all.extend(page.items);
        match page.next {
            None => {
                assert_eq!(
                    all.len() as u64,
                    total,
                    "the pages of {query:?} ended before the total was reached"
                );
                return all;
            }
            Some(cursor) => {
                assert!(
                    (all.len() as u64) < total,
                    "a page of {query:?} has a next cursor but no user is left"
                );
                query.after = Some(cursor);
            }
        }
        page = search(store, district, &query).await;
    }
    panic!("paging through {query:?} never ended");
}

/// One page of a subject's activity.
pub(super) async fn activity(
    store: &dyn Storage,
    district: DistrictId,
    query: &ActivityQuery,
) -> Page<ActivityEntry, ActivityCursor> {
    store
        .activity(district, query)
        .await
        .expect("activity read failed")
}

/// Every activity entry about `subject`, from one large page.
pub(super) async fn activity_of(
    store: &dyn Storage,
    district: DistrictId,
    subject: Subject,
) -> Vec<ActivityEntry> {
    let page = activity(
        store,
        district,
        &ActivityQuery {
            subject,
            after: None,
            limit: 1000,
        },
    )
    .await;
    assert_eq!(
        page.total,
        page.items.len() as u64,
        "activity total disagrees with a complete page"
    );
    assert!(
        page.next.is_none(),
        "a complete activity page has a next cursor"
    );
    page.items
}

/// `entries` newest first by `(at, id)`: the order the activity log reads in.
pub(super) fn newest_first(entries: &[ActivityEntry]) -> Vec<ActivityEntry> {
    let mut entries = entries.to_vec();
    entries.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
    entries
}

/// Asserts that a one-page search for `query` returns exactly `expected`, in listing order.
pub(super) async fn assert_finds(
    store: &dyn Storage,
    district: DistrictId,
    query: &UserQuery,
    expected: &[&User],
) {
    let expected: Vec<User> = expected.iter().map(|u| (*u).clone()).collect();
    let page = search(store, district, query).await;
    assert_eq!(
        page.items,
        in_listing_order(&expected),
        "wrong users for {query:?}"
    );
    assert_eq!(
        page.total,
        expected.len() as u64,
        "wrong total for {query:?}"
    );
    assert!(
        page.next.is_none(),
        "a complete page has a next cursor for {query:?}"
    );
}

/// Runs every future on its own task, released together by a barrier, and returns their
/// results in the order given.
pub(super) async fn race<F>(writes: Vec<F>) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(writes.len()));
    let tasks = writes.into_iter().map(|write| {
        let barrier = Arc::clone(&barrier);
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

/// The index of the one `Ok` among `results`, failing unless there is exactly one.
pub(super) fn only_winner(results: &[Result<(), StorageError>]) -> usize {
    let winners: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_ok())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "expected exactly one racing write to succeed: {results:?}"
    );
    winners[0]
}

/// Walks a listing from its first page to its last, each page read by `page(after)`, checking
/// that the total holds on every page; returns each row's `id`, in page order, and the total.
pub(super) async fn walk_pages<T, C, K, Fut>(
    mut page: impl FnMut(Option<C>) -> Fut,
    id: impl Fn(&T) -> K,
) -> (Vec<K>, u64)
where
    Fut: Future<Output = Page<T, C>>,
{
    let mut ids = Vec::new();
    let mut total = None;
    let mut after = None;
    loop {
        let current = page(after).await;
        assert!(
            total.is_none_or(|t| t == current.total),
            "total changed between pages"
        );
        total = Some(current.total);
        ids.extend(current.items.iter().map(&id));
        match current.next {
            Some(next) => after = Some(next),
            None => return (ids, total.unwrap_or(0)),
        }
    }
}

/// Adds one to the `count` custom field of user `id` by read, bump, versioned write, retrying
/// on a conflict (the only error a race may give) until the write lands.
pub(super) async fn bump_counter(store: &dyn Storage, district: DistrictId, id: UserId) {
    for _ in 0..10_000 {
        let read = user(store, district, id)
            .await
            .expect("the counter user vanished");
        let bumped = read.revised(|u| {
            let count: u64 = u.details.custom_fields["count"].parse().unwrap();
            u.details
                .custom_fields
                .insert("count".into(), (count + 1).to_string());
        });
        match store
            .apply(ChangeSet::new().with(update(&read, &bumped)))
            .await
        {
            Ok(()) => return,
            Err(error) => {
                assert_conflict(&error, Entity::User);
                tokio::task::yield_now().await;
            }
        }
    }
    panic!("a writer never got its update in");
}
