//! The generic item store: one kind-tagged, versioned row shape for the directory's smaller
//! entities (invitations, outbox messages, profile-update requests, ...), so that a new entity
//! is a new [`ItemKind`] and a body type, not new [`Storage`](crate::Storage) methods or
//! [`Op`](crate::Op) variants every adapter must grow.
//!
//! A backend stores an [`Item`] as it is given and indexes only the attributes queries need:
//! its kind, its owner, its status, when it is due, and a key unique among the district's
//! items of that kind. The body is JSON text the backend never looks into.

use std::fmt;

use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StorageError;
use crate::ids::{DistrictId, ItemId, UserId, Version};
use crate::query::MAX_PAGE_SIZE;

/// What an item is: a short stable name such as `"invitation"`.
///
/// ```
/// use homeroom::storage::ItemKind;
/// const INVITATION: ItemKind = ItemKind::from_static("invitation");
/// assert_eq!(INVITATION.as_str(), "invitation");
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemKind(CompactString);

impl ItemKind {
    /// A kind from a name known at compile time.
    pub const fn from_static(name: &'static str) -> Self {
        Self(CompactString::const_new(name))
    }

    /// A kind as a backend reads it back.
    pub fn from_stored(name: impl Into<CompactString>) -> Self {
        Self(name.into())
    }

    /// The kind's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A typed body of one item kind: what core stores in [`Item::body`] as JSON.
///
/// ```
/// use homeroom::storage::{ItemBody, ItemKind};
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Reminder { text: String }
/// impl ItemBody for Reminder {
///     const KIND: ItemKind = ItemKind::from_static("reminder");
/// }
/// ```
pub trait ItemBody: Serialize + DeserializeOwned {
    /// The kind every item with this body has.
    const KIND: ItemKind;
}

/// One row of the generic item store.
///
/// `Debug` shows the indexed attributes and the body's length, never the body: a body may
/// hold something a log must not (an invitation's token hash, a message's text).
#[derive(Clone, PartialEq, Eq)]
pub struct Item {
    /// The item's id. Items of a kind are listed in id order.
    pub id: ItemId,
    /// The district it belongs to.
    pub district: DistrictId,
    /// What it is.
    pub kind: ItemKind,
    /// The optimistic-concurrency version.
    pub version: Version,
    /// The user it belongs to, if any. It must exist when the item is written; deleting the
    /// user deletes their items.
    pub owner: Option<UserId>,
    /// A short state the kind defines (`"pending"`, `"sent"`, ...), for queries.
    pub status: Option<String>,
    /// When it is due (a message to send, an invitation to expire), for queries.
    pub due: Option<DateTime<Utc>>,
    /// A key unique among the district's items of this kind (`None` never collides).
    pub key: Option<String>,
    /// The kind's body as JSON text; backends store it as given.
    pub body: String,
}

impl Item {
    /// A new item (at [`Version::FIRST`], without owner, status, due time or key) holding
    /// `body`.
    ///
    /// ```
    /// # use homeroom::storage::{Item, ItemBody, ItemKind};
    /// # use homeroom::{DistrictId, ItemId};
    /// # #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    /// # struct Reminder { text: String }
    /// # impl ItemBody for Reminder { const KIND: ItemKind = ItemKind::from_static("reminder"); }
    /// let id = ItemId::from_uuid(uuid::Uuid::from_u128(1));
    /// let district = DistrictId::from_uuid(uuid::Uuid::from_u128(2));
    /// let item = Item::new(id, district, &Reminder { text: "call home".into() })?
    ///     .with_status("pending");
    /// assert_eq!(item.kind.as_str(), "reminder");
    /// assert_eq!(item.decode::<Reminder>()?, Reminder { text: "call home".into() });
    /// # Ok::<(), homeroom::StorageError>(())
    /// ```
    pub fn new<B: ItemBody>(
        id: ItemId,
        district: DistrictId,
        body: &B,
    ) -> Result<Self, StorageError> {
        Ok(Self {
            id,
            district,
            kind: B::KIND,
            version: Version::FIRST,
            owner: None,
            status: None,
            due: None,
            key: None,
            body: encode(body)?,
        })
    }

    /// The item owned by `owner`.
    #[must_use]
    pub fn with_owner(mut self, owner: UserId) -> Self {
        self.owner = Some(owner);
        self
    }

    /// The item with this status.
    #[must_use]
    pub fn with_status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// The item due at `due`.
    #[must_use]
    pub fn with_due(mut self, due: DateTime<Utc>) -> Self {
        self.due = Some(due);
        self
    }

    /// The item with this unique key.
    #[must_use]
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Replaces the body, keeping everything else.
    pub fn set_body<B: ItemBody>(&mut self, body: &B) -> Result<(), StorageError> {
        self.body = encode(body)?;
        self.kind = B::KIND;
        Ok(())
    }

    /// The body, read as `B`. Fails when the item is of another kind or its body does not
    /// read as `B` (a stored row that was damaged, or written by another version of the kind).
    pub fn decode<B: ItemBody>(&self) -> Result<B, StorageError> {
        if self.kind != B::KIND {
            return Err(StorageError::Backend {
                message: format!("item {} is a {}, not a {}", self.id, self.kind, B::KIND),
                source: None,
            });
        }
        serde_json::from_str(&self.body).map_err(|e| {
            StorageError::backend(format!("item {} has an unreadable body", self.id), e)
        })
    }
}

fn encode<B: ItemBody>(body: &B) -> Result<String, StorageError> {
    serde_json::to_string(body)
        .map_err(|e| StorageError::backend(format!("a {} body cannot be written", B::KIND), e))
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Item")
            .field("id", &self.id)
            .field("district", &self.district)
            .field("kind", &self.kind)
            .field("version", &self.version)
            .field("owner", &self.owner)
            .field("status", &self.status)
            .field("due", &self.due)
            .field("key", &self.key)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Which items of a district to list: one kind, narrowed by the indexed attributes; listed in
/// id order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemQuery {
    /// Which kind.
    pub kind: ItemKind,
    /// Only items this user owns.
    pub owner: Option<UserId>,
    /// Only items with this status.
    pub status: Option<String>,
    /// Only items due at or before this time (items without a due time are left out).
    pub due_by: Option<DateTime<Utc>>,
    /// Start after this item.
    pub after: Option<ItemId>,
    /// At most this many (clamped to `1..=`[`MAX_PAGE_SIZE`]).
    pub limit: u32,
}

impl ItemQuery {
    /// Every item of a kind, a full page at a time.
    ///
    /// ```
    /// use homeroom::storage::{ItemKind, ItemQuery};
    /// let pending = ItemQuery::of(ItemKind::from_static("invitation")).with_status("pending");
    /// assert_eq!(pending.status.as_deref(), Some("pending"));
    /// ```
    pub fn of(kind: ItemKind) -> Self {
        Self {
            kind,
            owner: None,
            status: None,
            due_by: None,
            after: None,
            limit: MAX_PAGE_SIZE,
        }
    }

    /// Only items `owner` owns.
    #[must_use]
    pub fn with_owner(mut self, owner: UserId) -> Self {
        self.owner = Some(owner);
        self
    }

    /// Only items with this status.
    #[must_use]
    pub fn with_status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Only items due at or before `at`.
    #[must_use]
    pub fn due_by(mut self, at: DateTime<Utc>) -> Self {
        self.due_by = Some(at);
        self
    }

    /// The page size to use: `limit` clamped to `1..=MAX_PAGE_SIZE`.
    pub fn page_size(&self) -> usize {
        self.limit.clamp(1, MAX_PAGE_SIZE) as usize
    }

    /// True when `item` satisfies the query (paging aside): the meaning every backend keeps.
    pub fn matches(&self, item: &Item) -> bool {
        item.kind == self.kind
            && self.owner.is_none_or(|owner| item.owner == Some(owner))
            && self
                .status
                .as_deref()
                .is_none_or(|status| item.status.as_deref() == Some(status))
            && self
                .due_by
                .is_none_or(|by| item.due.is_some_and(|due| due <= by))
    }

    /// True when `item` comes after the cursor.
    pub fn is_after_cursor(&self, item: &Item) -> bool {
        self.after.is_none_or(|after| item.id > after)
    }
}
