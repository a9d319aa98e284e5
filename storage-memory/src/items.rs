//! One district's generic items, indexed by kind, owner and key.

use std::collections::{BTreeMap, BTreeSet};

use homeroom::storage::{Item, ItemKind, ItemQuery};
use homeroom::{Entity, ItemId, Page, StorageError, UniqueKey, UserId};

use crate::tenant::HashMap;

/// A district's items: in id order (the listing order), with the indexes a query narrows by.
#[derive(Debug, Default)]
pub(crate) struct ItemTable {
    rows: BTreeMap<ItemId, Item>,
    by_kind: HashMap<ItemKind, BTreeSet<ItemId>>,
    by_owner: HashMap<UserId, BTreeSet<ItemId>>,
    keys: HashMap<(ItemKind, String), ItemId>,
}

impl ItemTable {
    pub(crate) fn get(&self, id: ItemId) -> Option<&Item> {
        self.rows.get(&id)
    }

    pub(crate) fn by_key(&self, kind: &ItemKind, key: &str) -> Option<&Item> {
        self.keys
            .get(&(kind.clone(), key.to_owned()))
            .and_then(|id| self.rows.get(id))
    }

    /// Fails when another item of the same kind holds `item`'s key.
    pub(crate) fn check_key(&self, item: &Item) -> Result<(), StorageError> {
        match &item.key {
            Some(key)
                if self
                    .by_key(&item.kind, key)
                    .is_some_and(|other| other.id != item.id) =>
            {
                Err(StorageError::AlreadyExists {
                    entity: Entity::Item,
                    key: UniqueKey::ItemKey,
                    value: key.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Stores `item` under `id` (or removes it with `None`), keeping the indexes; returns the
    /// row it replaced.
    pub(crate) fn put(&mut self, id: ItemId, item: Option<Item>) -> Option<Item> {
        let previous = self.rows.remove(&id);
        if let Some(old) = &previous {
            if let Some(ids) = self.by_kind.get_mut(&old.kind) {
                ids.remove(&id);
            }
            if let Some(ids) = old.owner.and_then(|owner| self.by_owner.get_mut(&owner)) {
                ids.remove(&id);
            }
            if let Some(key) = &old.key {
                self.keys.remove(&(old.kind.clone(), key.clone()));
            }
        }
        if let Some(new) = item {
            self.by_kind.entry(new.kind.clone()).or_default().insert(id);
            if let Some(owner) = new.owner {
                self.by_owner.entry(owner).or_default().insert(id);
            }
            if let Some(key) = &new.key {
                self.keys.insert((new.kind.clone(), key.clone()), id);
            }
            self.rows.insert(id, new);
        }
        previous
    }

    /// The ids of the items `owner` owns.
    pub(crate) fn owned_by(&self, owner: UserId) -> Vec<ItemId> {
        self.by_owner
            .get(&owner)
            .map(|ids| ids.iter().copied().collect())
            .unwrap_or_default()
    }

    /// One page of the items a query matches, in id order.
    pub(crate) fn page(&self, query: &ItemQuery) -> Page<Item, ItemId> {
        // The narrower index: the owner's items when the query names one, else the kind's.
        let candidates = match query.owner {
            Some(owner) => self.by_owner.get(&owner),
            None => self.by_kind.get(&query.kind),
        };
        let Some(candidates) = candidates else {
            return Page::empty();
        };
        let matching = || {
            candidates
                .iter()
                .filter_map(|id| self.rows.get(id))
                .filter(|item| query.matches(item))
        };
        let total = matching().count() as u64;
        let mut rest = matching().filter(|item| query.is_after_cursor(item));
        let items: Vec<Item> = rest.by_ref().take(query.page_size()).cloned().collect();
        let next = match (rest.next(), items.last()) {
            (Some(_), Some(last)) => Some(last.id),
            _ => None,
        };
        Page { items, total, next }
    }
}
