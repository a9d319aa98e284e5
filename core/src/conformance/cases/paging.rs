//! Listing order and keyset paging: `(sort_key, id)` order, totals, limits, and pages that
//! neither repeat nor skip a user, even as users are inserted between them.

use uuid::Uuid;

use super::support::*;

/// Users are listed by `(sort_key, id)`: last, first, middle name in lower case (compared as
/// strings, beyond ASCII too), ties broken by id, whatever order they were inserted in.
pub(super) async fn search_orders_by_sort_key_then_id(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let mut users = vec![
        fx.user(d.id, "Zed", "Lee"),
        fx.user(d.id, "Amy", "Leeds"),
        fx.user(d.id, "Ann", "de Vries"),
        fx.user(d.id, "Bo", "Dean"),
        fx.user(d.id, "ada", "lovelace"),
        fx.user(d.id, "Bob", "LOVELACE"),
        fx.user(d.id, "Émile", "Zola"),
        fx.user(d.id, "Emile", "Zola"),
        fx.user(d.id, "Zara", "Zola"),
        fx.user(d.id, "Ölaf", "Berg"),
        fx.user(d.id, "Ann", "Smith").middle("Marie"),
        fx.user(d.id, "Ann", "Smith"),
        fx.user(d.id, "Ann", "Smith").middle("B"),
        fx.user(d.id, "Anne", "Smith"),
        fx.user(d.id, "Sam", "O'Brien"),
        fx.user(d.id, "Sam", "Obi"),
    ];
    // Three exact namesakes, with ids that do not follow insertion order.
    for low_bits in [0x30_u128, 0x10, 0x20] {
        let mut twin = fx.user(d.id, "Jo", "Jones");
        twin.id = UserId::from_uuid(Uuid::from_u128((0xfeed_u128 << 112) + low_bits));
        users.push(twin);
    }
    // Insert in reverse listing order, one set each, so insertion order tells nothing.
    let expected = in_listing_order(&users);
    for u in expected.iter().rev() {
        seed_users(&*store, [u]).await;
    }

    let page = search(&*store, d.id, &everyone()).await;
    assert_eq!(
        page.items
            .iter()
            .map(|u| u.details.name.display())
            .collect::<Vec<_>>(),
        expected
            .iter()
            .map(|u| u.details.name.display())
            .collect::<Vec<_>>(),
        "users are listed out of (sort_key, id) order"
    );
    assert_eq!(ids(&page.items), ids(&expected));
    // The same order page by page.
    let paged = search_all(
        &*store,
        d.id,
        &UserQuery {
            limit: 2,
            ..everyone()
        },
    )
    .await;
    assert_eq!(ids(&paged), ids(&expected));
}

/// `total` counts every match, whatever the cursor and the limit.
pub(super) async fn search_total_ignores_cursor_and_limit(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let students: Vec<User> = (0..10)
        .map(|i| fx.user(d.id, "Stu", &format!("Dent{i:02}")))
        .collect();
    let staff: Vec<User> = (0..4)
        .map(|i| fx.user(d.id, "Staff", &format!("Member{i}")).staff())
        .collect();
    seed_users(&*store, students.iter().chain(&staff)).await;

    let mut query = UserQuery {
        kind: Some(UserKind::Student),
        limit: 3,
        ..UserQuery::default()
    };
    let first = search(&*store, d.id, &query).await;
    assert_eq!(first.total, 10);
    assert_eq!(first.items.len(), 3);
    query.after = Some(UserCursor::after(&students[7]));
    let late = search(&*store, d.id, &query).await;
    assert_eq!(late.total, 10);
    assert_eq!(ids(&late.items), ids(&students[8..]));
    query.after = Some(UserCursor::after(&students[9]));
    let past_end = search(&*store, d.id, &query).await;
    assert_eq!(past_end.total, 10);
    assert!(past_end.items.is_empty());
    assert!(past_end.next.is_none());
    let one = UserQuery {
        limit: 1,
        ..UserQuery::default()
    };
    assert_eq!(search(&*store, d.id, &one).await.total, 14);
    let none = UserQuery {
        text: Some("nobody".into()),
        ..one
    };
    let empty = search(&*store, d.id, &none).await;
    assert_eq!((empty.total, empty.items.len()), (0, 0));
    assert!(empty.next.is_none());
}

/// A page holds at most `limit` users, clamped to `1..=MAX_PAGE_SIZE`: a limit of 0 gives a page
/// of one.
pub(super) async fn search_limit_is_respected_and_clamped(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let users: Vec<User> = (0..5)
        .map(|i| fx.user(d.id, "Lim", &format!("It{i}")))
        .collect();
    seed_users(&*store, &users).await;
    let listed = in_listing_order(&users);

    for (limit, len, more) in [
        (0, 1, true),
        (1, 1, true),
        (2, 2, true),
        (4, 4, true),
        (5, 5, false),
        (6, 5, false),
        (u32::MAX, 5, false),
    ] {
        let page = search(
            &*store,
            d.id,
            &UserQuery {
                limit,
                ..UserQuery::default()
            },
        )
        .await;
        assert_eq!(ids(&page.items), ids(&listed[..len]), "limit {limit}");
        assert_eq!(page.total, 5, "limit {limit}");
        assert_eq!(page.next.is_some(), more, "next cursor with limit {limit}");
    }
    let empty = fx.seed_district(&*store, "Empty Hollow").await;
    let page = search(&*store, empty.id, &everyone()).await;
    assert_eq!(page, Page::empty());
}

/// Walking the pages returns every match exactly once, in listing order, with ties across page
/// boundaries.
pub(super) async fn paging_returns_every_match_once_in_order(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let mut users = Vec::new();
    for i in 0..23 {
        // Groups of three namesakes, so ties straddle page boundaries.
        let mut u = fx.user(d.id, "Pat", &format!("Page{:02}", i / 3));
        if i % 4 == 0 {
            u = u.staff();
        }
        users.push(u);
    }
    seed_users(&*store, &users).await;

    for limit in [1, 2, 3, 4, 5, 22, 23, 24] {
        let query = UserQuery {
            limit,
            ..UserQuery::default()
        };
        let all = search_all(&*store, d.id, &query).await;
        assert_eq!(ids(&all), ids(&in_listing_order(&users)), "limit {limit}");
    }
    let staff = UserQuery {
        kind: Some(UserKind::Staff),
        limit: 2,
        ..UserQuery::default()
    };
    assert_eq!(
        search_all(&*store, d.id, &staff).await,
        reference(&users, &staff)
    );
    let text = UserQuery {
        text: Some("page0".into()),
        limit: 4,
        ..UserQuery::default()
    };
    let texts = search_all(&*store, d.id, &text).await;
    assert_eq!(texts.len(), 23);
    assert_eq!(texts, reference(&users, &text));
}

/// Users inserted between pages never make a page repeat or skip a user that existed: the
/// following pages hold exactly the matches after the cursor, new ones included.
pub(super) async fn paging_is_stable_under_inserts(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let mut existing: Vec<User> = (1..=12)
        .map(|i| fx.user(d.id, "Ex", &format!("Isting{i:02}")))
        .collect();
    // The fifth and sixth users tie, so the first page ends inside a tie.
    existing[5].details.name.last = "Isting05".into();
    seed_users(&*store, &existing).await;
    let listed = in_listing_order(&existing);

    let mut query = UserQuery {
        limit: 5,
        ..UserQuery::default()
    };
    let first = search(&*store, d.id, &query).await;
    assert_eq!(ids(&first.items), ids(&listed[..5]));
    let cursor = first
        .next
        .clone()
        .expect("a first page of 5 of 12 has a next cursor");
    let last_seen = listed[4].clone();

    // New users: before everything, between the cursor and the next user, at the very end, and
    // namesakes of the last user seen with an id on each side of it.
    let before = fx.user(d.id, "Aaron", "Aardvark");
    let between = fx.user(d.id, "Zz", "Isting05");
    let after_all = fx.user(d.id, "Zed", "Zulu");
    let mut tie_low = fx.user(d.id, "Ex", "Isting05");
    tie_low.id = UserId::from_uuid(Uuid::from_u128(1));
    let mut tie_high = fx.user(d.id, "Ex", "Isting05");
    tie_high.id = UserId::from_uuid(Uuid::from_u128(u128::MAX));
    assert!(tie_low.id < last_seen.id && last_seen.id < tie_high.id);
    assert_eq!(tie_low.sort_key(), last_seen.sort_key());
    let inserted = [&before, &between, &after_all, &tie_low, &tie_high];
    seed_users(&*store, inserted).await;

    let mut rest = Vec::new();
    query.after = Some(cursor);
    for _ in 0..20 {
        let page = search(&*store, d.id, &query).await;
        assert_eq!(page.total, 17, "the total counts the new users");
        rest.extend(page.items);
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }

    let mut now: Vec<User> = existing.clone();
    now.extend(inserted.iter().map(|u| (*u).clone()));
    let expected: Vec<User> = in_listing_order(&now)
        .into_iter()
        .filter(|u| (u.sort_key(), u.id) > (last_seen.sort_key(), last_seen.id))
        .collect();
    assert_eq!(ids(&rest), ids(&expected));
    for u in &listed[5..] {
        assert_eq!(
            rest.iter().filter(|r| r.id == u.id).count(),
            1,
            "an existing user was skipped or repeated"
        );
    }
    for u in [&before, &tie_low] {
        assert!(
            !rest.iter().any(|r| r.id == u.id),
            "a user before the cursor showed up"
        );
    }
    for u in &listed[..5] {
        assert!(
            !rest.iter().any(|r| r.id == u.id),
            "a user of page one was repeated"
        );
    }
}
