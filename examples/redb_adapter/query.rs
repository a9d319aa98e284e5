//! The paged reads: walk a listing in order, filter with core's own `matches`, count, cut.
//!
//! Every paged read loads and decodes its whole listing (a district's users, a subject's log,
//! a user's records of one kind, a district's items of one kind), because `total` counts every
//! match regardless of the cursor. That is linear in the listing: fine for thousands of rows,
//! not for millions (see docs/adapters.md for figures).

use homeroom::records::{DeviceKey, Record, RecordCounts, RecordKind};
use homeroom::storage::{Item, ItemQuery};
use homeroom::{
    ActivityCursor, ActivityEntry, ActivityQuery, DistrictId, ItemId, Page, RecordCursor,
    RecordQuery, StorageError, User, UserCursor, UserId, UserQuery,
};

use super::rows::{StoredItem, activity_list, device_list, item_list, owned_list, record_list};
use super::tables::ReadTables;

impl ReadTables {
    /// One page of the district's users matching `query`, in `(sort_key, id)` order.
    pub(super) fn search_users(
        &self,
        district: DistrictId,
        query: &UserQuery,
    ) -> Result<Page<User, UserCursor>, StorageError> {
        let mut users = self.list::<User>(district, "user")?;
        users.retain(|user| query.matches(user));
        Ok(page(
            users,
            query.page_size(),
            |u| query.is_after_cursor(u),
            UserCursor::after,
        ))
    }

    /// One page of a subject's log, newest first.
    pub(super) fn activity(
        &self,
        district: DistrictId,
        query: &ActivityQuery,
    ) -> Result<Page<ActivityEntry, ActivityCursor>, StorageError> {
        let mut entries = self.list::<ActivityEntry>(district, &activity_list(&query.subject))?;
        entries.reverse();
        Ok(page(
            entries,
            query.page_size(),
            |e| query.is_after_cursor(e),
            ActivityCursor::after,
        ))
    }

    /// One page of a user's records of one kind, newest first.
    pub(super) fn records(
        &self,
        district: DistrictId,
        query: &RecordQuery,
    ) -> Result<Page<Record, RecordCursor>, StorageError> {
        let list = record_list(query.user, query.kind.as_str());
        let mut records = self.list::<Record>(district, &list)?;
        records.reverse();
        records.retain(|record| query.matches(record));
        Ok(page(
            records,
            query.page_size(),
            |r| query.is_after_cursor(r),
            RecordCursor::after,
        ))
    }

    /// The records naming a device, newest first.
    pub(super) fn device_records(
        &self,
        district: DistrictId,
        key: &DeviceKey,
    ) -> Result<Vec<Record>, StorageError> {
        let mut records = self.list::<Record>(district, &device_list(key))?;
        records.reverse();
        Ok(records)
    }

    /// How many records of each kind a user has: the length of each listing.
    pub(super) fn record_counts(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<RecordCounts, StorageError> {
        let mut counts = RecordCounts::default();
        for kind in RecordKind::ALL {
            let n = self.ids(district, &record_list(user, kind.as_str()))?.len() as u64;
            if n > 0 {
                counts.0.insert(kind, n);
            }
        }
        Ok(counts)
    }

    /// One page of the district's items matching `query`, in id order.
    pub(super) fn items(
        &self,
        district: DistrictId,
        query: &ItemQuery,
    ) -> Result<Page<Item, ItemId>, StorageError> {
        // The owner's listing is the narrower one when the query names an owner.
        let list = match query.owner {
            Some(owner) => owned_list(owner),
            None => item_list(&query.kind),
        };
        let items = self.list::<StoredItem>(district, &list)?;
        let items: Vec<Item> = items
            .into_iter()
            .map(Item::from)
            .filter(|item| query.matches(item))
            .collect();
        Ok(page(
            items,
            query.page_size(),
            |i| query.is_after_cursor(i),
            |i| i.id,
        ))
    }
}

/// Cuts one page out of every match (in listing order): `total` counts them all, the page
/// starts after the cursor, and `next` is set only when a match follows the page.
fn page<T, C>(
    matches: Vec<T>,
    size: usize,
    is_after_cursor: impl Fn(&T) -> bool,
    cursor: impl Fn(&T) -> C,
) -> Page<T, C> {
    let total = matches.len() as u64;
    let mut rest = matches.into_iter().filter(|row| is_after_cursor(row));
    let items: Vec<T> = rest.by_ref().take(size).collect();
    let next = match (rest.next(), items.last()) {
        (Some(_), Some(last)) => Some(cursor(last)),
        _ => None,
    };
    Page { items, total, next }
}
