//! The `Directory` facade: every command a host runs, over any [`Storage`].
//!
//! Each command follows the same flow: load the rows it needs, decide (validate, compute the
//! new rows and the activity-log entries) with pure functions, and hand one [`ChangeSet`] to
//! [`Storage::apply`], which writes all of it or none of it.

mod accept;
mod acting;
mod acting_cached;
pub(crate) mod app_access;
mod app_bulk;
mod authority_cache;
mod authorize;
mod bulk;
mod disabled;
mod districts;
mod export_rows;
mod facets;
mod first_sign_in;
mod grants;
mod impersonation;
pub mod import;
mod invitation_filter;
mod invitations;
mod invite_all;
mod last_admin;
pub(crate) mod messages;
mod org_units;
mod outbox;
mod passwords;
pub mod profile;
mod profile_tabs;
mod records;
mod requests;
mod resets;
mod search;
mod send;
mod templates;
mod traced;
mod transfer;
mod user_validation;
mod users;

pub use app_access::{AppAccess, ApplicationAccess};
pub use app_bulk::BulkAccess;
pub use authority_cache::DEFAULT_AUTHORITY_CACHE;
pub use bulk::{
    BulkAction, BulkDelivery, BulkOperation, BulkOperationView, BulkOutcome, BulkPreview,
    OrgUnitChange, Selection, SkipReason,
};
pub use disabled::DisabledUser;
pub use facets::UserFacets;
pub use impersonation::{Impersonation, MAX_IMPERSONATION};
pub use invite_all::BulkInvitations;
pub use org_units::NewOrgUnit;
pub use passwords::SignIn;
pub use records::{
    CheckoutReceipt, DeviceHolder, DeviceHolders, IncidentSubject, NewCheckout, NewIncident,
    UserLink,
};
pub use search::UserSearch;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::activity::{ActivityAction, ActivityEntry, ActorRef, FieldChange, Subject};
use crate::clock::{Clock, IdGen};
use crate::error::Error;
use crate::ids::{ActivityId, DistrictId};
use crate::model::{District, OrgTree};
use crate::storage::{ChangeSet, Entity, Storage};

/// The user directory of one installation: districts, org units, users and their activity log.
///
/// Cheap to clone (everything inside is shared) and safe to use from many tasks at once.
///
/// ```
/// use std::sync::Arc;
/// use chrono::{TimeZone, Utc};
/// use homeroom::{Actor, Directory, ManualClock, SequentialIds, UserDetails, UserKind, UserSearch};
/// use homeroom_memory::MemoryStorage;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap()));
/// let directory = Directory::new(Arc::new(MemoryStorage::new()), clock, Arc::new(SequentialIds::new(1)));
/// let admin = Actor::system("setup");
///
/// let district = directory.create_district(&admin, "Maple Valley USD").await?;
/// let ada = UserDetails::new(UserKind::Student, "Ada", "Lovelace").with_local_id("00123")?;
/// let ada = directory.create_user(&admin, district.id, ada).await?;
///
/// let found = directory.search_users(&admin, district.id, &UserSearch::text("lov")).await?;
/// assert_eq!(found.items[0].id, ada.id);
/// # Ok(())
/// # }
/// ```
pub struct Directory<S: ?Sized = dyn Storage> {
    storage: Arc<S>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    tabs: Arc<Vec<Arc<dyn profile::TabProvider>>>,
    transferables: Arc<Vec<Arc<dyn crate::transfer::TransferableKind>>>,
    hashing: crate::password::Hashing,
    apps: Arc<crate::authz::Applications>,
    /// Compiled authority of recent actors (`None`: resolved afresh every command).
    authority_cache: Option<Arc<authority_cache::AuthorityCache>>,
}

// By hand: deriving would demand `S: Clone + Debug`, which `dyn Storage` is not.
impl<S: ?Sized> Clone for Directory<S> {
    fn clone(&self) -> Self {
        Self {
            storage: Arc::clone(&self.storage),
            clock: Arc::clone(&self.clock),
            ids: Arc::clone(&self.ids),
            tabs: Arc::clone(&self.tabs),
            transferables: Arc::clone(&self.transferables),
            hashing: self.hashing.clone(),
            apps: Arc::clone(&self.apps),
            authority_cache: self.authority_cache.clone(),
        }
    }
}

impl<S: ?Sized> std::fmt::Debug for Directory<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("clock", &self.clock)
            .field("ids", &self.ids)
            .field("hashing", &self.hashing)
            .field("apps", &self.apps)
            .finish_non_exhaustive()
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// A directory over `storage`, reading time from `clock` and drawing ids from `ids`.
    pub fn new(storage: Arc<S>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>) -> Self {
        Self {
            storage,
            clock,
            ids,
            tabs: Arc::new(Vec::new()),
            transferables: Arc::new(Vec::new()),
            hashing: crate::password::Hashing::default(),
            apps: Arc::new(crate::authz::Applications::new()),
            authority_cache: authority_cache::AuthorityCache::new(DEFAULT_AUTHORITY_CACHE)
                .map(Arc::new),
        }
    }

    /// Keeps the compiled authority of up to `actors` recent actors (and the org tree and
    /// roles of as many districts), each for the district version and the actor's version it
    /// was read at, so a command normally reads one small stamp
    /// ([`Storage::acting_stamp`]) instead of the tree, the roles, the actor and their
    /// grants. A role, grant or org-tree change moves the district's version and any change
    /// of the actor moves theirs, so a change takes effect on the very next command, made
    /// through this directory or any other on the same database. Zero turns the cache off:
    /// every command then reads everything afresh. On by default, with
    /// [`DEFAULT_AUTHORITY_CACHE`] actors.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use homeroom::{Directory, ManualClock, SequentialIds};
    /// use homeroom_memory::MemoryStorage;
    ///
    /// let uncached = Directory::new(
    ///     Arc::new(MemoryStorage::new()),
    ///     Arc::new(ManualClock::new(chrono::DateTime::UNIX_EPOCH)),
    ///     Arc::new(SequentialIds::new(1)),
    /// )
    /// .with_authority_cache(0);
    /// # let _ = uncached;
    /// ```
    #[must_use]
    pub fn with_authority_cache(mut self, actors: usize) -> Self {
        self.authority_cache = authority_cache::AuthorityCache::new(actors).map(Arc::new);
        self
    }

    /// The directory knowing the host's `applications`: their permissions may be held by
    /// roles, checked with [`authorize`](Self::authorize), granted through imports, and
    /// enabled per user ([`set_application_access`](Self::set_application_access)).
    #[must_use]
    pub fn with_applications(mut self, applications: crate::authz::Applications) -> Self {
        self.apps = Arc::new(applications);
        // Roles' rights depend on the catalog: what a clone without it compiled is not ours.
        if let Some(cache) = &self.authority_cache {
            self.authority_cache =
                authority_cache::AuthorityCache::new(cache.capacity()).map(Arc::new);
        }
        self
    }

    /// The host applications this directory knows.
    pub fn applications(&self) -> &crate::authz::Applications {
        &self.apps
    }

    /// Runs password hashing (Argon2id: ~19 MiB and tens of milliseconds of CPU each) on
    /// `runner`, at most `max_concurrent` at once (at least one). Without it hashes run inline
    /// on the caller's thread, [`DEFAULT_CONCURRENT_HASHES`](crate::password::DEFAULT_CONCURRENT_HASHES)
    /// at a time; an async server should pass a runner backed by its blocking thread pool, so
    /// sign-ins and imports never stall its workers. See
    /// [`HashRunner`](crate::password::HashRunner).
    #[must_use]
    pub fn with_hash_runner(
        mut self,
        runner: Arc<dyn crate::password::HashRunner>,
        max_concurrent: usize,
    ) -> Self {
        self.hashing = crate::password::Hashing::new(runner, max_concurrent);
        self
    }

    /// The storage underneath, for hosts that need a read the directory does not offer.
    pub fn storage(&self) -> &Arc<S> {
        &self.storage
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Loads a district or fails with `NotFound`.
    async fn load_district(&self, id: DistrictId) -> Result<District, Error> {
        self.storage
            .district(id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::District, id))
    }

    /// Loads a district's org tree.
    async fn load_tree(&self, district: DistrictId) -> Result<OrgTree, Error> {
        Ok(OrgTree::new(self.storage.org_units(district).await?))
    }

    /// Every item matching `query`, all pages (the query's cursor is where it starts).
    async fn all_items(
        &self,
        district: DistrictId,
        mut query: crate::storage::ItemQuery,
    ) -> Result<Vec<crate::storage::Item>, Error> {
        let mut all = Vec::new();
        loop {
            let page = self.storage.items(district, &query).await?;
            all.extend(page.items);
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// Writes a change set, turning storage errors into directory errors.
    async fn commit(&self, changes: ChangeSet) -> Result<(), Error> {
        self.storage.apply(changes).await.map_err(Error::from)
    }

    /// An activity-log entry for `actor`, stamped `at` (the command's one reading of the clock).
    fn log_entry(
        &self,
        actor: &ActorRef,
        district: DistrictId,
        subject: Subject,
        action: ActivityAction,
        changes: Vec<FieldChange>,
        at: DateTime<Utc>,
    ) -> ActivityEntry {
        new_entry(&*self.ids, actor, district, subject, action, changes, at)
    }
}

/// An activity-log entry for `actor` at `at`, its id drawn from `ids`: the one place entries
/// are built, for commands and for the pure steps (import) that have no `Directory`.
pub(crate) fn new_entry(
    ids: &dyn IdGen,
    actor: &ActorRef,
    district: DistrictId,
    subject: Subject,
    action: ActivityAction,
    changes: Vec<FieldChange>,
    at: DateTime<Utc>,
) -> ActivityEntry {
    // "A acting as B": the entry names A as the actor and B as whom they acted for.
    let on_behalf_of = actor.acting_as.as_deref().cloned();
    let actor = ActorRef {
        acting_as: None,
        ..actor.clone()
    };
    ActivityEntry {
        id: ActivityId::from_uuid(ids.next_uuid()),
        district,
        subject,
        at,
        actor,
        on_behalf_of,
        action,
        changes,
        import_batch: None,
        import_row: None,
        bulk_operation: None,
        record: None,
        details_hidden: false,
    }
}
