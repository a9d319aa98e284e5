//! Queries over users and the activity log, with keyset paging.
//!
//! Pages are cut by a cursor that names the last row returned, not by an offset, so a page
//! never repeats or skips a row that existed when the first page was read, however many rows are
//! inserted in between.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::activity::{ActivityEntry, Subject};
use crate::ids::{ActivityId, OrgUnitId, RecordId, UserId};
use crate::model::{AccessKind, Grade, RecordStatus, User, UserKind};
use crate::records::{Record, RecordKind};

mod prefix;
pub use prefix::prefix_upper_bound;

/// The largest page a query returns; larger requests are cut to it.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// A page of results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T, C> {
    /// The rows on this page, in order.
    pub items: Vec<T>,
    /// How many rows match the query in all, across every page.
    pub total: u64,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// A page with nothing on it and nothing after it.
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            total: 0,
            next: None,
        }
    }
}

/// The position after a user in the listing order (see [`User::sort_key`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UserCursor {
    /// The sort key of the last user returned.
    pub sort_key: String,
    /// Its id, which breaks ties.
    pub id: UserId,
}

impl UserCursor {
    /// The cursor just after `user`.
    pub fn after(user: &User) -> Self {
        Self {
            sort_key: user.sort_key(),
            id: user.id,
        }
    }
}

/// The position after an activity entry in newest-first order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ActivityCursor {
    /// When the last entry returned happened.
    pub at: DateTime<Utc>,
    /// Its id, which breaks ties.
    pub id: ActivityId,
}

impl ActivityCursor {
    /// The cursor just after `entry`.
    pub fn after(entry: &ActivityEntry) -> Self {
        Self {
            at: entry.at,
            id: entry.id,
        }
    }
}

/// A user query as the storage runs it: every filter already resolved by core (org units
/// expanded to their descendants, the actor's scope applied), so a backend only has to match.
///
/// Every condition that is set must hold (AND); within a set, any member may match (OR).
/// Results are ordered by `(sort_key, id)`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    /// Lower-case prefix that one of [`User::search_terms`] must start with.
    pub text: Option<String>,
    /// Student or staff.
    pub kind: Option<UserKind>,
    /// Grade equal to this.
    pub grade: Option<Grade>,
    /// Member of at least one of these org units.
    pub org_units: Option<BTreeSet<OrgUnitId>>,
    /// The actor's visibility: member of at least one of these org units. `None` is the whole
    /// district.
    pub scope: Option<BTreeSet<OrgUnitId>>,
    /// Record status is one of these. `None` is any.
    pub statuses: Option<BTreeSet<RecordStatus>>,
    /// Access is of this kind.
    pub access: Option<AccessKind>,
    /// Start after this user.
    pub after: Option<UserCursor>,
    /// At most this many users (at most [`MAX_PAGE_SIZE`]).
    pub limit: u32,
}

impl UserQuery {
    /// True when `user` satisfies every filter (paging aside). This is the reference meaning of
    /// a query; a backend may compute it any way it likes but must agree with it.
    pub fn matches(&self, user: &User) -> bool {
        self.text.as_ref().is_none_or(|prefix| {
            user.search_terms()
                .iter()
                .any(|term| term.starts_with(prefix.as_str()))
        }) && self.matches_besides_text(user)
    }

    /// True when `user` satisfies every filter but the text (paging aside): what a backend
    /// checks on users it found through their search terms.
    pub fn matches_besides_text(&self, user: &User) -> bool {
        let any_of = |set: &Option<BTreeSet<OrgUnitId>>| {
            set.as_ref()
                .is_none_or(|set| user.details.org_units.iter().any(|o| set.contains(o)))
        };
        self.kind.is_none_or(|kind| user.details.kind == kind)
            && self
                .grade
                .as_ref()
                .is_none_or(|g| user.details.grade.as_ref() == Some(g))
            && any_of(&self.org_units)
            && any_of(&self.scope)
            && self
                .statuses
                .as_ref()
                .is_none_or(|s| s.contains(&user.status))
            && self.access.is_none_or(|a| user.access.kind() == a)
    }

    /// True when `user` comes after the cursor in listing order.
    pub fn is_after_cursor(&self, user: &User) -> bool {
        self.after
            .as_ref()
            .is_none_or(|cursor| (user.sort_key(), user.id) > (cursor.sort_key.clone(), cursor.id))
    }

    /// The page size to use: `limit` clamped to `1..=MAX_PAGE_SIZE`.
    pub fn page_size(&self) -> usize {
        self.limit.clamp(1, MAX_PAGE_SIZE) as usize
    }
}

/// A query over one subject's activity log, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityQuery {
    /// Whose log.
    pub subject: Subject,
    /// Start after this entry.
    pub after: Option<ActivityCursor>,
    /// At most this many entries (at most [`MAX_PAGE_SIZE`]).
    pub limit: u32,
}

impl ActivityQuery {
    /// The page size to use: `limit` clamped to `1..=MAX_PAGE_SIZE`.
    pub fn page_size(&self) -> usize {
        self.limit.clamp(1, MAX_PAGE_SIZE) as usize
    }

    /// True when `entry` comes after the cursor in newest-first order.
    pub fn is_after_cursor(&self, entry: &ActivityEntry) -> bool {
        self.after
            .as_ref()
            .is_none_or(|c| (entry.at, entry.id) < (c.at, c.id))
    }
}

/// The position after a record in newest-first order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordCursor {
    /// When the last record returned happened (see [`Record::at`]).
    pub at: DateTime<Utc>,
    /// Its id, which breaks ties.
    pub id: RecordId,
}

impl RecordCursor {
    /// The cursor just after `record`.
    pub fn after(record: &Record) -> Self {
        Self {
            at: record.at(),
            id: record.id,
        }
    }
}

/// A query over one user's records of one kind, newest first by `(at, id)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordQuery {
    /// Whose records.
    pub user: UserId,
    /// Which kind.
    pub kind: RecordKind,
    /// Only checkouts still out (ignored for other kinds).
    pub open_only: bool,
    /// Start after this record.
    pub after: Option<RecordCursor>,
    /// At most this many (at most [`MAX_PAGE_SIZE`]).
    pub limit: u32,
}

impl RecordQuery {
    /// The page size to use: `limit` clamped to `1..=MAX_PAGE_SIZE`.
    pub fn page_size(&self) -> usize {
        self.limit.clamp(1, MAX_PAGE_SIZE) as usize
    }

    /// True when `record` satisfies the query (paging aside).
    pub fn matches(&self, record: &Record) -> bool {
        record.user == self.user
            && record.kind() == self.kind
            && (!self.open_only
                || self.kind != RecordKind::Checkout
                || record.open_device_key().is_some())
    }

    /// True when `record` comes after the cursor in newest-first order.
    pub fn is_after_cursor(&self, record: &Record) -> bool {
        self.after
            .as_ref()
            .is_none_or(|c| (record.at(), record.id) < (c.at, c.id))
    }
}
