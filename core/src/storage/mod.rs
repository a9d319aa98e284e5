//! The storage contract: one async trait a backend implements, and the kit that checks it.
//!
//! # The contract
//!
//! A backend stores and fetches rows; it never decides anything (permissions, validation and
//! status rules live in core). Every backend must behave identically, and the
//! [conformance kit](crate::conformance) is the judge. In detail:
//!
//! **Writes.** [`Storage::apply`] is the only write ([`Storage::apply_chunked`] is the same
//! write, its set handed over a chunk at a time). It applies a [`ChangeSet`]'s ops in order,
//! all or nothing: if any op fails, no op of the set is visible to any reader, ever, and the
//! error of the first failing op is returned.
//!
//! - `Insert*` fails with [`StorageErrorKind::AlreadyExists`] when the id, or a unique key, is
//!   taken. The unique keys are: a district's [`District::name_key`](crate::District::name_key)
//!   (across the installation); an org unit's [`OrgUnit::code_key`](crate::OrgUnit::code_key)
//!   per district; a user's Local ID (exact), [`Email::key`](crate::Email::key) and
//!   [`Username::key`](crate::Username::key) per district; a role's
//!   [`Role::name_key`](crate::Role::name_key) per district. `None` values never collide.
//! - `InsertGrant` fails with `NotFound` when its holder or role does not exist in its district;
//!   `DeleteGrant` like `DeleteUser`. `InsertRecord` fails with `NotFound` when its user does not
//!   exist; a record whose [`Record::open_device_key`](crate::records::Record::open_device_key)
//!   another record of the district holds fails with `AlreadyExists` (`UniqueKey::OpenCheckout`):
//!   a device cannot be out twice.
//! - `Update*` and `DeleteUser` fail with [`StorageErrorKind::NotFound`] when the row does not
//!   exist in the named district, with [`StorageErrorKind::Conflict`] when it is stored at
//!   another version than `expected`, and updates fail with `AlreadyExists` when the new row
//!   takes a unique key that another row holds. An update stores the row as given (core has
//!   already set its version to `expected.next()`).
//! - `InsertItem` fails with `NotFound` when its owner does not exist in its district, and with
//!   `AlreadyExists` (`UniqueKey::ItemKey`) when another item of its district and kind holds
//!   its [`Item::key`]. `UpdateItem` and `DeleteItem` check the version like user writes;
//!   deleting a user deletes the items they own, in the same write.
//! - `DeleteRecord` checks the version like user writes; a deleted checkout that was out frees
//!   its device, and the record no longer counts against deleting its user.
//! - Rows that name a district that does not exist fail with `NotFound`.
//! - Two `apply` calls that race on the same row, from any number of processes sharing the
//!   database, never both succeed: one wins, the other gets `Conflict` (or `AlreadyExists` for
//!   two inserts of the same key). No update is ever lost.
//!
//! **Reads** see only committed sets, and only rows of the district they name: nothing crosses
//! districts. Users are listed in `(`[`User::sort_key`](crate::User::sort_key)`, id)` order and
//! the activity log newest first by `(at, id)`; pages continue strictly after their cursor, so
//! rows inserted between pages are never repeated and rows that existed are never skipped.
//! [`UserQuery::matches`] is the meaning of a user query; `total` counts every matching user,
//! ignoring the cursor and the limit.
//!
//! **Items** ([`Item`]) are the home of every entity smaller than a user or a record
//! (invitations, outbox messages, update requests): a new entity is a new [`ItemKind`], never
//! a new method here. [`Storage::items`] lists one kind in id order, narrowed by owner, status
//! and due time ([`ItemQuery::matches`]).
//!
//! **Errors** are [`StorageError`]s with a [`kind`](StorageError::kind); no database type
//! appears in the interface.

mod acting_stamp;
mod change_set;
mod chunks;
mod error;
mod item;
mod lease;
mod stamp;

pub use acting_stamp::{ActingStamp, ActorStamp};
pub use change_set::{ChangeSet, Op};
pub use chunks::{ChangeChunks, ChunkList};
pub use error::{Entity, StorageError, StorageErrorKind, UniqueKey};
pub use item::{Item, ItemBody, ItemKind, ItemQuery};
pub use lease::{Lease, Leases};
pub use stamp::ImportStamp;

use std::sync::Arc;

use async_trait::async_trait;

use crate::activity::ActivityEntry;
use crate::authz::{Grant, Role};
use crate::ids::{DistrictId, ItemId, RecordId, UserId};
use crate::model::{District, OrgUnit, User};
use crate::password::PasswordCredential;
use crate::query::{
    ActivityCursor, ActivityQuery, Page, RecordCursor, RecordQuery, UserCursor, UserQuery,
};
use crate::records::{DeviceKey, Record, RecordCounts};

/// A key that identifies at most one user in a district.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UserKey {
    /// The Local ID, exactly.
    LocalId(String),
    /// The e-mail key (lower case), see [`Email::key`](crate::Email::key).
    Email(String),
    /// The username key (lower case), see [`Username::key`](crate::Username::key).
    Username(String),
}

impl UserKey {
    /// Which kind of key this is (`local_id`, `email`, `username`), for a trace or a metric:
    /// never the value, which is personal data.
    ///
    /// ```
    /// use homeroom::UserKey;
    /// assert_eq!(UserKey::Email("ada@example.org".into()).kind(), "email");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Self::LocalId(_) => "local_id",
            Self::Email(_) => "email",
            Self::Username(_) => "username",
        }
    }
}

/// Where Homeroom keeps its rows. Implement this to plug in a database.
///
/// Every method is required, because [`Directory`](crate::Directory) calls every one of them
/// (only [`district_users`](Storage::district_users), [`matching_users`](Storage::matching_users),
/// [`import_stamps`](Storage::import_stamps), [`acting_stamp`](Storage::acting_stamp) and
/// [`user_records`](Storage::user_records) have defaults, which are correct but slower than
/// one read; [`apply_chunked`](Storage::apply_chunked) has one that holds the whole set).
/// Leases are a separate capability, [`Leases`]: a backend without them can do everything
/// except run a nightly sync, and the type system says so.
///
/// Read the [module documentation](self) for the contract, and run the
/// [conformance kit](crate::conformance) against your backend.
/// The trait is object safe: a [`Directory`](crate::Directory) holds an `Arc<dyn Storage>`
/// just as well as a concrete backend.
#[async_trait]
pub trait Storage: Send + Sync {
    /// The district with this id.
    async fn district(&self, id: DistrictId) -> Result<Option<District>, StorageError>;

    /// The district whose [`District::name_key`] equals `name_key`.
    async fn district_by_name(&self, name_key: &str) -> Result<Option<District>, StorageError>;

    /// Every org unit of a district, in any order.
    async fn org_units(&self, district: DistrictId) -> Result<Vec<OrgUnit>, StorageError>;

    /// The user with this id in this district.
    async fn user(&self, district: DistrictId, id: UserId) -> Result<Option<User>, StorageError>;

    /// The user a unique key identifies in this district.
    async fn user_by_key(
        &self,
        district: DistrictId,
        key: &UserKey,
    ) -> Result<Option<User>, StorageError>;

    /// The users with these ids in this district; unknown ids are left out. Any order.
    async fn users(&self, district: DistrictId, ids: &[UserId]) -> Result<Vec<User>, StorageError>;

    /// Every user of a district, whatever their status, in any order: what an import or sync
    /// plans against, read at once rather than page by page. Shared (`Arc`) so a backend that
    /// keeps users in memory can hand them out without copying each one.
    ///
    /// The default pages through [`Storage::search_users`]; a backend should answer it with one
    /// read.
    async fn district_users(&self, district: DistrictId) -> Result<Vec<Arc<User>>, StorageError> {
        let mut query = UserQuery {
            limit: crate::query::MAX_PAGE_SIZE,
            ..UserQuery::default()
        };
        let mut users = Vec::new();
        loop {
            let page = self.search_users(district, &query).await?;
            users.extend(page.items.into_iter().map(Arc::new));
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(users),
            }
        }
    }

    /// Every user of a district that matches `query` ([`UserQuery::matches`]), in listing
    /// order, the cursor and the limit ignored: what a bulk action or a filtered search plans
    /// against, read at once rather than page by page (a page's count of every match, repeated
    /// for each page, costs more than the rows themselves on a large selection).
    ///
    /// The default pages through [`Storage::search_users`]; a backend should answer it with one
    /// read.
    async fn matching_users(
        &self,
        district: DistrictId,
        query: &UserQuery,
    ) -> Result<Vec<User>, StorageError> {
        let mut query = UserQuery {
            after: None,
            limit: crate::query::MAX_PAGE_SIZE,
            ..query.clone()
        };
        let mut users = Vec::new();
        loop {
            let page = self.search_users(district, &query).await?;
            users.extend(page.items);
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(users),
            }
        }
    }

    /// Every import-managed user of a district ([`User::import_managed`]), whatever their
    /// status, in any order, as an [`ImportStamp`]: what a sync needs to see which rows are
    /// unchanged without reading whole users. A SQL backend answers it from columns, without
    /// decoding a user.
    ///
    /// The default filters [`Storage::district_users`]; a backend should answer it with a
    /// narrower read.
    async fn import_stamps(&self, district: DistrictId) -> Result<Vec<ImportStamp>, StorageError> {
        Ok(self
            .district_users(district)
            .await?
            .iter()
            .filter_map(|u| ImportStamp::of(u))
            .collect())
    }

    /// One page of the users of a district that match a query, with the total count.
    async fn search_users(
        &self,
        district: DistrictId,
        query: &UserQuery,
    ) -> Result<Page<User, UserCursor>, StorageError>;

    /// One page of a subject's activity log, newest first, with the total count.
    async fn activity(
        &self,
        district: DistrictId,
        query: &ActivityQuery,
    ) -> Result<Page<ActivityEntry, ActivityCursor>, StorageError>;

    /// A user's password credential, if one was set. Kept apart from the user, so user reads
    /// never carry a hash.
    async fn password_credential(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<Option<PasswordCredential>, StorageError>;

    /// The district as stored now and, when `actor` is given and exists in it, that user's
    /// version and whether their password is temporary; `None` when the district does not
    /// exist. Every command reads it first (see [`ActingStamp`]), so it should be one read.
    ///
    /// The default reads the district, the user and their credential in turn; a backend whose
    /// reads cross a network should answer it with one statement.
    async fn acting_stamp(
        &self,
        district: DistrictId,
        actor: Option<UserId>,
    ) -> Result<Option<ActingStamp>, StorageError> {
        let Some(row) = self.district(district).await? else {
            return Ok(None);
        };
        let actor = match actor {
            Some(id) => match self.user(district, id).await? {
                Some(user) => Some(ActorStamp {
                    version: user.version,
                    must_change: self
                        .password_credential(district, id)
                        .await?
                        .is_some_and(|c| c.must_change),
                }),
                None => None,
            },
            None => None,
        };
        Ok(Some(ActingStamp {
            district: row,
            actor,
        }))
    }

    /// Every role of a district, in any order.
    async fn roles(&self, district: DistrictId) -> Result<Vec<Role>, StorageError>;

    /// The grants of a district held by `holder`, or every grant of the district with `None`.
    /// Any order.
    async fn grants(
        &self,
        district: DistrictId,
        holder: Option<UserId>,
    ) -> Result<Vec<Grant>, StorageError>;

    /// The record with this id in this district.
    async fn record(
        &self,
        district: DistrictId,
        id: RecordId,
    ) -> Result<Option<Record>, StorageError>;

    /// One page of a user's records of one kind, newest first, with the total count.
    async fn records(
        &self,
        district: DistrictId,
        query: &RecordQuery,
    ) -> Result<Page<Record, RecordCursor>, StorageError>;

    /// How many records of each kind a user has.
    async fn record_counts(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<RecordCounts, StorageError>;

    /// Every record of a user, of every kind, in any order, when they have at most `limit`;
    /// `None` when they have more. What a profile shows (counts, open checkouts, each tab's
    /// first page, the balance over every invoice), read at once instead of kind by kind; a
    /// caller falls back to [`Storage::records`] for a longer history.
    ///
    /// The default counts the records and pages through each kind; a backend should answer it
    /// with one read.
    async fn user_records(
        &self,
        district: DistrictId,
        user: UserId,
        limit: usize,
    ) -> Result<Option<Vec<Record>>, StorageError> {
        let counts = self.record_counts(district, user).await?;
        if counts.0.values().sum::<u64>() > limit as u64 {
            return Ok(None);
        }
        let mut all = Vec::new();
        for &kind in counts.0.keys() {
            let mut query = RecordQuery {
                user,
                kind,
                open_only: false,
                after: None,
                limit: crate::query::MAX_PAGE_SIZE,
            };
            loop {
                let page = self.records(district, &query).await?;
                all.extend(page.items);
                match page.next {
                    Some(next) => query.after = Some(next),
                    None => break,
                }
            }
        }
        Ok(Some(all))
    }

    /// The open checkout of the device with this [`Device::key`](crate::records::Device::key),
    /// if it is out.
    async fn open_checkout(
        &self,
        district: DistrictId,
        device_key: &str,
    ) -> Result<Option<Record>, StorageError>;

    /// Every record of the district about the device `key` names ([`Record::names_device`]:
    /// checkouts, and incidents and tickets that name a device), of any user, newest first by
    /// `(`[`Record::at`]`, id)`. A device's history is short (a few holders a year), so it
    /// comes whole.
    async fn device_records(
        &self,
        district: DistrictId,
        key: &DeviceKey,
    ) -> Result<Vec<Record>, StorageError>;

    /// The item with this id in this district.
    async fn item(&self, district: DistrictId, id: ItemId) -> Result<Option<Item>, StorageError>;

    /// The item of this kind whose [`Item::key`] is `key`, in this district.
    async fn item_by_key(
        &self,
        district: DistrictId,
        kind: &ItemKind,
        key: &str,
    ) -> Result<Option<Item>, StorageError>;

    /// One page of a district's items that match a query ([`ItemQuery::matches`]), in id
    /// order, with the total count.
    async fn items(
        &self,
        district: DistrictId,
        query: &ItemQuery,
    ) -> Result<Page<Item, ItemId>, StorageError>;

    /// Applies every op of the set, or none of them. See the [module documentation](self).
    async fn apply(&self, changes: ChangeSet) -> Result<(), StorageError>;

    /// Applies the set `chunks` produces, or none of it, exactly as [`Storage::apply`] applies
    /// the whole set at once: ops in order, all or nothing, the first failing op's error. A
    /// chunk that fails to be produced fails the write likewise. Large writes (an import) use
    /// it so the whole set is never held in memory at once.
    ///
    /// The default gathers every chunk and calls [`Storage::apply`]: correct, but holding the
    /// whole set. A backend should write each chunk as it comes, inside one transaction.
    async fn apply_chunked(&self, chunks: &mut dyn ChangeChunks) -> Result<(), StorageError> {
        let mut all = ChangeSet::new();
        while let Some(chunk) = chunks.next_chunk()? {
            all.extend(chunk);
        }
        self.apply(all).await
    }
}
