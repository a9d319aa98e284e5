//! Who wrote what: every record written by a user about someone else leaves a small
//! `authored_record` item owned by its author, so deleting the author can be refused with the
//! list of what they wrote (their work must keep its author) without a storage read by author.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{DistrictId, ItemId, RecordId, UserId};
use crate::records::{Record, RecordCounts, RecordKind};
use crate::storage::{Item, ItemBody, ItemKind, ItemQuery, Op, Storage};

/// One record a user wrote about another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(in crate::directory) struct AuthoredRecord {
    /// The record.
    pub(in crate::directory) record: RecordId,
    /// Its kind.
    pub(in crate::directory) kind: RecordKind,
    /// The user it is about.
    pub(in crate::directory) about: UserId,
}

impl ItemBody for AuthoredRecord {
    const KIND: ItemKind = ItemKind::from_static("authored_record");
}

impl<S: Storage + ?Sized> Directory<S> {
    /// The op that records `author` wrote `record`, when they wrote it about someone else.
    pub(super) fn authorship(
        &self,
        author: Option<UserId>,
        record: &Record,
    ) -> Result<Option<Op>, Error> {
        let Some(author) = author.filter(|a| *a != record.user) else {
            return Ok(None);
        };
        let body = AuthoredRecord {
            record: record.id,
            kind: record.kind(),
            about: record.user,
        };
        let item = Item::new(
            ItemId::from_uuid(self.ids.next_uuid()),
            record.district,
            &body,
        )?
        .with_owner(author)
        .with_status(record.kind().as_str());
        Ok(Some(Op::InsertItem(item)))
    }

    /// The op that removes the note that `author` wrote `record` (none when they wrote it
    /// about themselves, or it was never recorded).
    pub(super) async fn authorship_removal(
        &self,
        author: Option<UserId>,
        record: &Record,
    ) -> Result<Option<Op>, Error> {
        let Some(author) = author.filter(|a| *a != record.user) else {
            return Ok(None);
        };
        let mut query = ItemQuery::of(AuthoredRecord::KIND)
            .with_owner(author)
            .with_status(record.kind().as_str());
        loop {
            let page = self.storage.items(record.district, &query).await?;
            for item in &page.items {
                let body: AuthoredRecord = item.decode()?;
                if body.record == record.id {
                    return Ok(Some(Op::DeleteItem {
                        district: item.district,
                        id: item.id,
                        expected: item.version,
                    }));
                }
            }
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(None),
            }
        }
    }

    /// Every `authored_record` index item `author` owns, with its body.
    pub(in crate::directory) async fn authored_items(
        &self,
        district: DistrictId,
        author: UserId,
    ) -> Result<Vec<(Item, AuthoredRecord)>, Error> {
        let items = self
            .all_items(
                district,
                ItemQuery::of(AuthoredRecord::KIND).with_owner(author),
            )
            .await?;
        items
            .into_iter()
            .map(|item| {
                let body: AuthoredRecord = item.decode()?;
                Ok((item, body))
            })
            .collect()
    }

    /// How many records of each kind `author` wrote about other users, less those whose index
    /// items are in `moving` (a transfer re-pointing them in the same write).
    pub(super) async fn authored_counts(
        &self,
        district: DistrictId,
        author: UserId,
        moving: &BTreeSet<ItemId>,
    ) -> Result<RecordCounts, Error> {
        let mut counts = RecordCounts::default();
        for (item, body) in self.authored_items(district, author).await? {
            if !moving.contains(&item.id) {
                *counts.0.entry(body.kind).or_default() += 1;
            }
        }
        Ok(counts)
    }
}
