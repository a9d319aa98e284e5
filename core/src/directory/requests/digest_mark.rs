//! When each manager's last profile-update digest was queued: a `profile_update_digest_mark`
//! item per manager (keyed by their id, owned by them), so a day the digest did not run is
//! caught up on the next run: it lists what is new since that manager's last digest.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{DistrictId, ItemId, UserId};
use crate::storage::{Item, ItemBody, ItemKind, Op, Storage};

/// The last digest queued for one manager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct DigestMark {
    /// When it was queued (the run's time).
    last: DateTime<Utc>,
}

impl ItemBody for DigestMark {
    const KIND: ItemKind = ItemKind::from_static("profile_update_digest_mark");
}

/// A manager's mark as read, to list what is new since it and to move it on.
pub(super) struct Since {
    /// Requests sent after this are new to the manager; `None` before their first digest
    /// (every request still New is).
    at: Option<DateTime<Utc>>,
    stored: Option<Item>,
}

impl Since {
    /// True when a request sent at `submitted` is new to the manager.
    pub(super) fn includes(&self, submitted: DateTime<Utc>) -> bool {
        self.at.is_none_or(|at| submitted > at)
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Since when `manager`'s digest lists requests: their last digest; for a manager who
    /// never had one, every request still New.
    pub(super) async fn digest_since(
        &self,
        district: DistrictId,
        manager: UserId,
    ) -> Result<Since, Error> {
        let stored = self
            .storage
            .item_by_key(district, &DigestMark::KIND, &manager.to_string())
            .await?;
        let at = match &stored {
            Some(item) => Some(item.decode::<DigestMark>()?.last),
            None => None,
        };
        Ok(Since { at, stored })
    }

    /// The op that records a digest queued for `manager` at `now` (version-checked against
    /// the mark `since` read, so two runs racing write one digest between them).
    pub(super) fn digest_mark_op(
        &self,
        district: DistrictId,
        manager: UserId,
        since: Since,
        now: DateTime<Utc>,
    ) -> Result<Op, Error> {
        let body = DigestMark { last: now };
        Ok(match since.stored {
            Some(item) => {
                let expected = item.version;
                let mut next = item;
                next.set_body(&body)?;
                next.version = expected.next();
                Op::UpdateItem {
                    item: next,
                    expected,
                }
            }
            None => Op::InsertItem(
                Item::new(ItemId::from_uuid(self.ids.next_uuid()), district, &body)?
                    .with_owner(manager)
                    .with_key(manager.to_string()),
            ),
        })
    }
}
