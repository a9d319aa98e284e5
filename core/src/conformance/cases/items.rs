//! The generic item store: rows read back exactly, one kind listed in id order, the indexed
//! filters, the per-kind unique key, versions, owners, and isolation.

use super::support::*;
use crate::ids::ItemId;
use crate::storage::{Item, ItemKind, ItemQuery};

const INVITATION: ItemKind = ItemKind::from_static("invitation");
const MESSAGE: ItemKind = ItemKind::from_static("outbox_message");

fn invitation(fx: &mut Fixture, district: DistrictId, text: &str) -> Item {
    fx.item(district, INVITATION, text)
}

fn edited(item: &Item, edit: impl FnOnce(&mut Item)) -> Item {
    let mut next = Item {
        version: item.version.next(),
        ..item.clone()
    };
    edit(&mut next);
    next
}

fn update_item(old: &Item, new: &Item) -> Op {
    Op::UpdateItem {
        item: new.clone(),
        expected: old.version,
    }
}

fn delete_item(item: &Item) -> Op {
    Op::DeleteItem {
        district: item.district,
        id: item.id,
        expected: item.version,
    }
}

async fn read(store: &dyn Storage, item: &Item) -> Option<Item> {
    store.item(item.district, item.id).await.unwrap()
}

/// Walks a query to its end, checking that the total holds on every page.
async fn listed(store: &dyn Storage, district: DistrictId, query: ItemQuery) -> (Vec<ItemId>, u64) {
    let page = |after| {
        let query = ItemQuery {
            after,
            ..query.clone()
        };
        async move { store.items(district, &query).await.unwrap() }
    };
    walk_pages(page, |item: &Item| item.id).await
}

pub(super) async fn item_reads_back_every_attribute(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    seed_users(&*store, [&ada]).await;
    let item = invitation(&mut fx, district.id, "Welcome, Ada — ünïcode")
        .with_owner(ada.id)
        .with_status("pending")
        .with_due(Fixture::time(90))
        .with_key("token-hash-1");
    seed(&*store, [Op::InsertItem(item.clone())]).await;
    assert_eq!(read(&*store, &item).await, Some(item.clone()));
    let by_key = store
        .item_by_key(district.id, &INVITATION, "token-hash-1")
        .await
        .unwrap();
    assert_eq!(by_key, Some(item.clone()));
    assert_eq!(
        store
            .item_by_key(district.id, &MESSAGE, "token-hash-1")
            .await
            .unwrap(),
        None,
        "a key belongs to one kind"
    );
    let bare = invitation(&mut fx, district.id, "no attributes");
    seed(&*store, [Op::InsertItem(bare.clone())]).await;
    assert_eq!(read(&*store, &bare).await, Some(bare));
}

pub(super) async fn items_are_listed_by_kind_in_id_order(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let invitations: Vec<Item> = (0..7)
        .map(|i| invitation(&mut fx, district.id, &format!("invite {i}")))
        .collect();
    let mut ops: Vec<Op> = invitations
        .iter()
        .rev()
        .cloned()
        .map(Op::InsertItem)
        .collect();
    ops.push(Op::InsertItem(fx.item(district.id, MESSAGE, "hello")));
    seed(&*store, ops).await;
    let mut query = ItemQuery::of(INVITATION);
    query.limit = 3;
    let (ids, total) = listed(&*store, district.id, query.clone()).await;
    let in_id_order: Vec<ItemId> = invitations.iter().map(|item| item.id).collect();
    assert_eq!((ids, total), (in_id_order, 7));
    let first = store.items(district.id, &query).await.unwrap();
    assert_eq!(first.items.len(), 3);
    assert!(first.next.is_some());
    query.limit = 7;
    let whole = store.items(district.id, &query).await.unwrap();
    assert_eq!(
        (whole.items.len(), whole.next),
        (7, None),
        "an exact last page has no next"
    );
}

pub(super) async fn item_filters_narrow_by_owner_status_and_due_time(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let (district, ada, bo) = fx.seed_ada_and_bo(&*store).await;
    let items = [
        invitation(&mut fx, district.id, "a1")
            .with_owner(ada.id)
            .with_status("pending")
            .with_due(Fixture::time(10)),
        invitation(&mut fx, district.id, "a2")
            .with_owner(ada.id)
            .with_status("sent")
            .with_due(Fixture::time(20)),
        invitation(&mut fx, district.id, "b1")
            .with_owner(bo.id)
            .with_status("pending")
            .with_due(Fixture::time(30)),
        invitation(&mut fx, district.id, "none").with_status("pending"),
    ];
    // Ada's message of another kind must never show up in an invitation query.
    let message = fx
        .item(district.id, MESSAGE, "m")
        .with_owner(ada.id)
        .with_status("pending");
    let mut ops: Vec<Op> = items.iter().cloned().map(Op::InsertItem).collect();
    ops.push(Op::InsertItem(message));
    seed(&*store, ops).await;
    let expect = |query: ItemQuery| {
        let want: Vec<ItemId> = items
            .iter()
            .filter(|item| query.matches(item))
            .map(|item| item.id)
            .collect();
        (query, want)
    };
    for (query, want) in [
        expect(ItemQuery::of(INVITATION).with_owner(ada.id)),
        expect(ItemQuery::of(INVITATION).with_status("pending")),
        expect(
            ItemQuery::of(INVITATION)
                .with_owner(ada.id)
                .with_status("pending"),
        ),
        expect(ItemQuery::of(INVITATION).due_by(Fixture::time(20))),
        expect(
            ItemQuery::of(INVITATION)
                .with_status("pending")
                .due_by(Fixture::time(30)),
        ),
        expect(ItemQuery::of(INVITATION).with_status("revoked")),
    ] {
        let (ids, total) = listed(&*store, district.id, query.clone()).await;
        assert_eq!(total, want.len() as u64, "total of {query:?}");
        assert_eq!(ids, want, "items of {query:?}");
    }
    assert_eq!(
        listed(
            &*store,
            district.id,
            ItemQuery::of(INVITATION).due_by(Fixture::time(20))
        )
        .await
        .0
        .len(),
        2,
        "due at the bound counts; no due time never does"
    );
}

pub(super) async fn item_key_is_unique_per_kind_in_a_district(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let other = fx.seed_district(&*store, "Cedar Ridge").await;
    let first = invitation(&mut fx, district.id, "first").with_key("k");
    seed(&*store, [Op::InsertItem(first.clone())]).await;
    let taken = invitation(&mut fx, district.id, "second").with_key("k");
    let error = refused(&*store, [Op::InsertItem(taken)]).await;
    assert_already_exists(&error, Entity::Item, UniqueKey::ItemKey);
    // The same key is free in another kind, in another district, and without a key at all.
    let message = fx.item(district.id, MESSAGE, "m").with_key("k");
    let elsewhere = invitation(&mut fx, other.id, "elsewhere").with_key("k");
    let keyless = [
        invitation(&mut fx, district.id, "x"),
        invitation(&mut fx, district.id, "y"),
    ];
    let mut ops = vec![Op::InsertItem(message), Op::InsertItem(elsewhere)];
    ops.extend(keyless.iter().cloned().map(Op::InsertItem));
    seed(&*store, ops).await;
    // An update cannot take the key either; once its holder lets go, it is free.
    let grabbing = edited(&keyless[0], |item| item.key = Some("k".into()));
    let error = refused(&*store, [update_item(&keyless[0], &grabbing)]).await;
    assert_already_exists(&error, Entity::Item, UniqueKey::ItemKey);
    let moved = edited(&first, |item| item.key = Some("k2".into()));
    seed(
        &*store,
        [
            update_item(&first, &moved),
            update_item(&keyless[0], &grabbing),
        ],
    )
    .await;
    assert_eq!(
        store
            .item_by_key(district.id, &INVITATION, "k")
            .await
            .unwrap()
            .map(|item| item.id),
        Some(keyless[0].id)
    );
    seed(&*store, [delete_item(&moved)]).await;
    assert_eq!(
        store
            .item_by_key(district.id, &INVITATION, "k2")
            .await
            .unwrap(),
        None
    );
}

pub(super) async fn item_writes_check_versions(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let item = invitation(&mut fx, district.id, "v1").with_status("pending");
    seed(&*store, [Op::InsertItem(item.clone())]).await;
    let sent = edited(&item, |i| i.status = Some("sent".into()));
    seed(&*store, [update_item(&item, &sent)]).await;
    assert_eq!(read(&*store, &item).await, Some(sent.clone()));
    // Writing from the old version again is a conflict, for an update and for a delete.
    let stale = edited(&item, |i| i.status = Some("revoked".into()));
    assert_conflict(
        &refused(&*store, [update_item(&item, &stale)]).await,
        Entity::Item,
    );
    assert_conflict(&refused(&*store, [delete_item(&item)]).await, Entity::Item);
    assert_eq!(read(&*store, &item).await, Some(sent.clone()));
    // A duplicate id already exists; a missing item is not found.
    let again = Item {
        version: Version::FIRST,
        ..sent.clone()
    };
    assert_already_exists(
        &refused(&*store, [Op::InsertItem(again)]).await,
        Entity::Item,
        UniqueKey::Id,
    );
    seed(&*store, [delete_item(&sent)]).await;
    assert_eq!(read(&*store, &item).await, None);
    assert_not_found(&refused(&*store, [delete_item(&sent)]).await);
    let ghost = invitation(&mut fx, district.id, "ghost");
    assert_not_found(&refused(&*store, [update_item(&ghost, &edited(&ghost, |_| ()))]).await);
}

pub(super) async fn item_owner_must_exist_and_takes_their_items_along(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let (district, ada, bo) = fx.seed_ada_and_bo(&*store).await;
    let stranger = fx.user_id();
    let orphan = invitation(&mut fx, district.id, "orphan").with_owner(stranger);
    assert_not_found(&refused(&*store, [Op::InsertItem(orphan)]).await);
    let adas: Vec<Item> = (0..3)
        .map(|i| {
            invitation(&mut fx, district.id, &format!("a{i}"))
                .with_owner(ada.id)
                .with_key(format!("a{i}"))
        })
        .collect();
    let bos = invitation(&mut fx, district.id, "b").with_owner(bo.id);
    let mut ops: Vec<Op> = adas.iter().cloned().map(Op::InsertItem).collect();
    ops.push(Op::InsertItem(bos.clone()));
    seed(&*store, ops).await;
    // A set that deletes Ada and then fails takes nothing with it.
    let mut failing = vec![delete(&ada)];
    failing.push(Op::InsertItem(
        invitation(&mut fx, district.id, "dup").with_key("b-key"),
    ));
    failing.push(Op::InsertItem(
        invitation(&mut fx, district.id, "dup2").with_key("b-key"),
    ));
    refused(&*store, failing).await;
    for item in &adas {
        assert_eq!(
            read(&*store, item).await.as_ref(),
            Some(item),
            "a failed set restored nothing"
        );
    }
    seed(&*store, [delete(&ada)]).await;
    for item in &adas {
        assert_eq!(
            read(&*store, item).await,
            None,
            "a deleted user's items go with them"
        );
    }
    assert_eq!(
        store
            .item_by_key(district.id, &INVITATION, "a0")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        read(&*store, &bos).await,
        Some(bos.clone()),
        "nobody else's items go"
    );
    let (left, total) = listed(&*store, district.id, ItemQuery::of(INVITATION)).await;
    assert_eq!((left, total), (vec![bos.id], 1));
}

pub(super) async fn items_never_cross_districts(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let maple = fx.seed_district(&*store, "Maple Valley").await;
    let cedar = fx.seed_district(&*store, "Cedar Ridge").await;
    let ada = fx.user(maple.id, "Ada", "A");
    seed_users(&*store, [&ada]).await;
    let item = invitation(&mut fx, maple.id, "maple's")
        .with_owner(ada.id)
        .with_key("k")
        .with_status("pending");
    seed(&*store, [Op::InsertItem(item.clone())]).await;
    assert_eq!(store.item(cedar.id, item.id).await.unwrap(), None);
    assert_eq!(
        store.item_by_key(cedar.id, &INVITATION, "k").await.unwrap(),
        None
    );
    let (ids, total) = listed(
        &*store,
        cedar.id,
        ItemQuery::of(INVITATION).with_status("pending"),
    )
    .await;
    assert_eq!((ids, total), (vec![], 0));
    let (ids, _) = listed(
        &*store,
        cedar.id,
        ItemQuery::of(INVITATION).with_owner(ada.id),
    )
    .await;
    assert!(
        ids.is_empty(),
        "an owner's items in another district stay there"
    );
    // An item naming another district's user as owner does not find them.
    let reaching = invitation(&mut fx, cedar.id, "reach").with_owner(ada.id);
    assert_not_found(&refused(&*store, [Op::InsertItem(reaching)]).await);
    // Writing Maple's item through Cedar's id finds nothing to write.
    let moved = Item {
        district: cedar.id,
        ..edited(&item, |_| ())
    };
    assert_not_found(&refused(&*store, [update_item(&item, &moved)]).await);
}

pub(super) async fn racing_item_updates_have_one_winner(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let item = fx
        .item(district.id, MESSAGE, "queued")
        .with_status("pending");
    seed(&*store, [Op::InsertItem(item.clone())]).await;
    // Six senders claim the same queued message: exactly one may send it.
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let store = Arc::clone(&store);
            let claimed = edited(&item, |m| m.status = Some(format!("sending:{i}")));
            let op = update_item(&item, &claimed);
            tokio::spawn(async move { store.apply(ChangeSet::new().with(op)).await })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => wins += 1,
            Err(error) => assert_conflict(&error, Entity::Item),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(
        read(&*store, &item).await.map(|m| m.version),
        Some(item.version.next())
    );
}
