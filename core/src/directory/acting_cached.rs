//! Resolving the actor of a command through the [authority cache](super::authority_cache):
//! one [`Storage::acting_stamp`] read, then the org tree, roles and the actor's compiled
//! grants reused when the stamp says they still hold, read again when it does not.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::activity::ActorRef;
use crate::actor::{Actor, ActorKind};
use crate::authz::{Authority, Role};
use crate::error::Error;
use crate::ids::{DistrictId, UserId};
use crate::model::{District, OrgTree, RecordStatus, User};
use crate::storage::{ActorStamp, Entity, Storage};

use super::Directory;
use super::acting::{Acting, must_change_refusal};
use super::authority_cache::{ActorParts, AuthorityCache, DistrictParts};

/// True when `me` may act at `now`: Active and allowed to sign in.
pub(super) fn may_act(me: &User, now: DateTime<Utc>) -> bool {
    me.status == RecordStatus::Active && me.access.permits_sign_in(now)
}

impl<S: Storage + ?Sized> Directory<S> {
    /// The district row, the actor resolved in it and its org tree: with the cache, one
    /// stamp read and whatever the stamp says changed; without it, the district, the tree and
    /// the actor read afresh (what every command did before the cache).
    pub(super) async fn resolve_in(
        &self,
        actor: &Actor,
        district: DistrictId,
        now: DateTime<Utc>,
        check_must_change: bool,
    ) -> Result<(District, Acting, Arc<OrgTree>), Error> {
        let Some(cache) = &self.authority_cache else {
            let row = self.load_district(district).await?;
            let tree = self.load_tree(district).await?;
            let acting = self
                .resolve(actor, district, &tree, now, check_must_change)
                .await?;
            return Ok((row, acting, Arc::new(tree)));
        };
        let user = match actor.kind() {
            ActorKind::System { .. } => None,
            ActorKind::User { user, .. } => Some(*user),
            // An impersonation is resolved afresh (session, both users, their grants): only
            // the tree comes from the cache.
            ActorKind::Impersonating { .. } => None,
        };
        let stamp = self
            .storage
            .acting_stamp(district, user)
            .await?
            .ok_or_else(|| Error::not_found(Entity::District, district))?;
        let parts = self.district_parts(cache, &stamp.district).await?;
        let acting = match (actor.kind(), stamp.actor) {
            (ActorKind::User { district: home, .. }, _) if *home != district => {
                return Err(Error::not_found(Entity::District, district));
            }
            (ActorKind::User { user, .. }, None) => {
                return Err(Error::not_found(Entity::User, user));
            }
            (ActorKind::User { user, .. }, Some(me)) => {
                let resolved = CachedActor {
                    cache,
                    district: &stamp.district,
                    parts: &parts,
                    user: *user,
                    stamp: me,
                };
                self.resolve_user(resolved, now, check_must_change).await?
            }
            _ => {
                self.resolve(actor, district, &parts.tree, now, check_must_change)
                    .await?
            }
        };
        Ok((stamp.district, acting, Arc::clone(&parts.tree)))
    }

    /// The district's tree and roles at its current version: kept, or read and kept.
    async fn district_parts(
        &self,
        cache: &AuthorityCache,
        district: &District,
    ) -> Result<Arc<DistrictParts>, Error> {
        if let Some(parts) = cache.district(district.id, district.version) {
            return Ok(parts);
        }
        let tree = self.load_tree(district.id).await?;
        let roles = Role::rights_by_id(&self.storage.roles(district.id).await?, &self.apps);
        let parts = Arc::new(DistrictParts {
            version: district.version,
            tree: Arc::new(tree),
            roles: Arc::new(roles),
        });
        cache.keep_district(district.id, Arc::clone(&parts));
        Ok(parts)
    }

    /// A user actor as [`authority_of`](Self::authority_of) resolves them, from the kept row
    /// and compiled grants when the stamp names the versions they were read at.
    async fn resolve_user(
        &self,
        at: CachedActor<'_>,
        now: DateTime<Utc>,
        check_must_change: bool,
    ) -> Result<Acting, Error> {
        let district = at.district.id;
        let kept = at
            .cache
            .actor(district, at.user, at.district.version, at.stamp.version);
        let entry = match kept {
            Some(entry) => entry,
            None => {
                let Some(row) = self.storage.user(district, at.user).await? else {
                    return Err(Error::not_found(Entity::User, at.user));
                };
                let grants = self.storage.grants(district, Some(at.user)).await?;
                let authority = Authority::compile_rights(&grants, &at.parts.roles, &at.parts.tree);
                let entry = Arc::new(ActorParts {
                    district_version: at.district.version,
                    user: Arc::new(row),
                    authority: Arc::new(authority),
                });
                // A write between the stamp and this read: use what was read, keep nothing;
                // the next command reads again.
                if entry.user.version == at.stamp.version {
                    at.cache.keep_actor(district, Arc::clone(&entry));
                }
                entry
            }
        };
        let me = &entry.user;
        let who = ActorRef::new(Some(me.id), me.details.name.display());
        let authority = if !may_act(me, now) {
            Authority::none()
        } else if check_must_change && at.stamp.must_change {
            return Err(must_change_refusal());
        } else {
            self.enabled_only(district, me.id, Authority::clone(&entry.authority))
                .await?
        };
        Ok(Acting {
            authority,
            who,
            impersonating: false,
        })
    }
}

/// What resolving a user actor through the cache works from.
struct CachedActor<'a> {
    cache: &'a AuthorityCache,
    district: &'a District,
    parts: &'a DistrictParts,
    user: UserId,
    stamp: ActorStamp,
}
