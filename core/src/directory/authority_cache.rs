//! The compiled authority of recent actors, kept per district version, so a command normally
//! pays one small read ([`Storage::acting_stamp`](crate::Storage::acting_stamp)) instead of
//! reading the org tree, the roles, the actor and their grants again.
//!
//! What is kept, and what says it still holds:
//!
//! - per district: the org tree and the roles' rights, valid while the district's version is
//!   the one they were read at (every role, grant and org-unit change moves it);
//! - per acting user: their row and the authority their grants give, valid while both the
//!   district's version and the user's own version are the ones they were read at (every
//!   change of the user, their status or access included, moves the latter).
//!
//! An entry read at a version is only ever used for that version, so a change made through
//! another `Directory`, even in another process, is seen by the very next command. The cache
//! is bounded (least recently used entries go first) and lives behind a `std` mutex held for
//! a map look-up, never across an `await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::authz::{Authority, RoleRights};
use crate::ids::{DistrictId, RoleId, UserId, Version};
use crate::model::{OrgTree, User};

/// How many actors a directory keeps compiled authority for, unless told otherwise.
pub const DEFAULT_AUTHORITY_CACHE: usize = 1024;

/// What a district's rows give every actor in it, at one version.
#[derive(Debug)]
pub(crate) struct DistrictParts {
    /// The district version they were read at.
    pub(crate) version: Version,
    /// The org tree.
    pub(crate) tree: Arc<OrgTree>,
    /// Every role's rights, by id.
    pub(crate) roles: Arc<HashMap<RoleId, RoleRights>>,
}

/// One acting user's row and compiled authority, at one district version and user version.
#[derive(Debug)]
pub(crate) struct ActorParts {
    /// The district version their authority was compiled at.
    pub(crate) district_version: Version,
    /// The user as read (its `version` is the user version the entry holds for).
    pub(crate) user: Arc<User>,
    /// What their grants give them, before any application is masked out.
    pub(crate) authority: Arc<Authority>,
}

#[derive(Debug, Default)]
struct Inner {
    tick: u64,
    districts: HashMap<DistrictId, (Arc<DistrictParts>, u64)>,
    actors: HashMap<(DistrictId, UserId), (Arc<ActorParts>, u64)>,
}

/// The cache itself: shared by every clone of a [`Directory`](crate::Directory).
#[derive(Debug)]
pub(crate) struct AuthorityCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl AuthorityCache {
    /// A cache of at most `capacity` actors (and as many districts); `None` for zero.
    pub(crate) fn new(capacity: usize) -> Option<Self> {
        (capacity > 0).then(|| Self {
            capacity,
            inner: Mutex::new(Inner::default()),
        })
    }

    /// How many actors it keeps at most.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while the lock was held cannot leave a half-written entry (each write is
        // one map insert), so a poisoned lock is still a consistent cache.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The district's parts read at `version`, if kept.
    pub(crate) fn district(&self, id: DistrictId, version: Version) -> Option<Arc<DistrictParts>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        match inner.districts.get_mut(&id) {
            Some((parts, used)) if parts.version == version => {
                *used = tick;
                Some(Arc::clone(parts))
            }
            _ => None,
        }
    }

    /// Keeps `parts` for `id`, replacing what was kept for it at another version.
    pub(crate) fn keep_district(&self, id: DistrictId, parts: Arc<DistrictParts>) {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        if !inner.districts.contains_key(&id) {
            evict(&mut inner.districts, self.capacity);
        }
        inner.districts.insert(id, (parts, tick));
    }

    /// The actor's parts, if kept for exactly this district version and user version.
    pub(crate) fn actor(
        &self,
        district: DistrictId,
        user: UserId,
        district_version: Version,
        user_version: Version,
    ) -> Option<Arc<ActorParts>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        match inner.actors.get_mut(&(district, user)) {
            Some((parts, used))
                if parts.district_version == district_version
                    && parts.user.version == user_version =>
            {
                *used = tick;
                Some(Arc::clone(parts))
            }
            _ => None,
        }
    }

    /// Keeps `parts` for the actor, replacing what was kept for them before.
    pub(crate) fn keep_actor(&self, district: DistrictId, parts: Arc<ActorParts>) {
        let key = (district, parts.user.id);
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        if !inner.actors.contains_key(&key) {
            evict(&mut inner.actors, self.capacity);
        }
        inner.actors.insert(key, (parts, tick));
    }

    /// How many actors and districts are kept (for tests of the bound).
    #[cfg(test)]
    fn sizes(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.actors.len(), inner.districts.len())
    }
}

/// Makes room for one more entry: drops the least recently used one when `map` is full. A
/// linear scan, run only when a new key arrives at a full cache.
fn evict<K: Copy + Eq + std::hash::Hash, V>(map: &mut HashMap<K, (V, u64)>, capacity: usize) {
    if map.len() < capacity {
        return;
    }
    let oldest = map
        .iter()
        .min_by_key(|(_, (_, used))| *used)
        .map(|(key, _)| *key);
    if let Some(key) = oldest {
        map.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::model::{Access, RecordStatus, UserDetails, UserKind};

    fn user_row(district: DistrictId, n: u128) -> User {
        User {
            id: UserId::from_uuid(uuid::Uuid::from_u128(n)),
            district,
            details: UserDetails::new(UserKind::Staff, "Ada", "Lovelace"),
            status: RecordStatus::Active,
            access: Access::Allowed,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            version: Version::FIRST,
            import_managed: false,
            import_fingerprint: None,
        }
    }

    fn district(n: u128) -> DistrictId {
        DistrictId::from_uuid(uuid::Uuid::from_u128(n))
    }

    fn parts(user: User, district_version: Version) -> Arc<ActorParts> {
        Arc::new(ActorParts {
            district_version,
            user: Arc::new(user),
            authority: Arc::new(Authority::none()),
        })
    }

    #[test]
    fn an_entry_holds_only_for_the_versions_it_was_read_at() {
        let cache = AuthorityCache::new(4).unwrap();
        let d = district(1);
        let ada = user_row(d, 7);
        cache.keep_actor(d, parts(ada.clone(), Version::FIRST));
        let v2 = Version::FIRST.next();
        assert!(
            cache
                .actor(d, ada.id, Version::FIRST, ada.version)
                .is_some()
        );
        assert!(
            cache.actor(d, ada.id, v2, ada.version).is_none(),
            "district moved on"
        );
        assert!(
            cache.actor(d, ada.id, Version::FIRST, v2).is_none(),
            "user moved on"
        );
        assert!(
            cache
                .actor(district(2), ada.id, Version::FIRST, ada.version)
                .is_none()
        );
    }

    #[test]
    fn the_least_recently_used_actor_goes_first_when_full() {
        let cache = AuthorityCache::new(2).unwrap();
        let d = district(1);
        let (a, b, c) = (user_row(d, 1), user_row(d, 2), user_row(d, 3));
        cache.keep_actor(d, parts(a.clone(), Version::FIRST));
        cache.keep_actor(d, parts(b.clone(), Version::FIRST));
        assert!(cache.actor(d, a.id, Version::FIRST, a.version).is_some());
        cache.keep_actor(d, parts(c.clone(), Version::FIRST));
        assert_eq!(cache.sizes().0, 2);
        assert!(cache.actor(d, a.id, Version::FIRST, a.version).is_some());
        assert!(
            cache.actor(d, b.id, Version::FIRST, b.version).is_none(),
            "b was least used"
        );
        assert!(cache.actor(d, c.id, Version::FIRST, c.version).is_some());
        // Replacing a kept actor does not evict anyone.
        cache.keep_actor(d, parts(c.clone(), Version::FIRST.next()));
        assert!(cache.actor(d, a.id, Version::FIRST, a.version).is_some());
    }

    #[test]
    fn districts_are_bounded_and_replaced_by_version() {
        let cache = AuthorityCache::new(1).unwrap();
        let tree = Arc::new(OrgTree::new([]));
        let keep = |id, version| {
            cache.keep_district(
                district(id),
                Arc::new(DistrictParts {
                    version,
                    tree: Arc::clone(&tree),
                    roles: Arc::new(HashMap::new()),
                }),
            );
        };
        keep(1, Version::FIRST);
        assert!(cache.district(district(1), Version::FIRST).is_some());
        assert!(cache.district(district(1), Version::FIRST.next()).is_none());
        keep(2, Version::FIRST);
        assert_eq!(cache.sizes().1, 1);
        assert!(cache.district(district(1), Version::FIRST).is_none());
        assert!(cache.district(district(2), Version::FIRST).is_some());
    }

    #[test]
    fn zero_capacity_is_no_cache() {
        assert!(AuthorityCache::new(0).is_none());
    }
}
