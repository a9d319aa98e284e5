//! Who is acting in a command, and with what authority.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::activity::ActorRef;
use crate::actor::{Actor, ActorKind};
use crate::authz::{Authority, Permission, Reach};
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, OrgUnitId, UserId};
use crate::model::{District, OrgTree, User};
use crate::storage::{Entity, Storage};

use super::Directory;

/// The actor of one command, resolved: their compiled authority in the district and how the
/// activity log names them.
#[derive(Clone, Debug)]
pub(crate) struct Acting {
    pub(crate) authority: Authority,
    /// How the log names the actor (for an impersonation, "A acting as B").
    pub(crate) who: ActorRef,
    /// True when one user acts as another: credentials, grants and new impersonations are
    /// then refused.
    pub(crate) impersonating: bool,
}

/// The refusal of every command but changing one's password, while it is temporary.
pub(super) fn must_change_refusal() -> Error {
    Error::refused(
        Refusal::PasswordChangeRequired,
        "choose a new password first: the one you signed in with is temporary",
    )
}

/// The refusal of a command no impersonation may run.
pub(super) fn not_while_impersonating() -> Error {
    Error::refused(
        Refusal::NotWhileImpersonating,
        "not while acting as someone else: credentials, roles, grants and impersonations are changed only as yourself",
    )
}

impl Acting {
    /// `target` if the actor may see it; otherwise `NotFound`, exactly as if it did not exist.
    pub(crate) fn see(&self, target: User) -> Result<User, Error> {
        if self.may_see(&target) {
            Ok(target)
        } else {
            Err(Error::not_found(Entity::User, target.id))
        }
    }

    /// True when the actor may see `target` (holds View Users over them).
    pub(crate) fn may_see(&self, target: &User) -> bool {
        self.authority.check(Permission::ViewUsers, target)
    }

    /// `Forbidden` unless the actor holds `permission` over `target`.
    pub(crate) fn require(&self, permission: Permission, target: &User) -> Result<(), Error> {
        if self.authority.check(permission, target) {
            Ok(())
        } else {
            Err(Error::forbidden(permission, "over this user"))
        }
    }

    /// `Forbidden` unless the actor holds `permission` district-wide.
    pub(crate) fn require_district(&self, permission: Permission) -> Result<(), Error> {
        if self.authority.check_district(permission) {
            Ok(())
        } else {
            Err(Error::forbidden(permission, "district-wide"))
        }
    }

    /// `Refused` ([`Refusal::NotWhileImpersonating`]) in an impersonation: what the commands
    /// that change credentials or grants, or start an impersonation, call first.
    pub(crate) fn refuse_if_impersonating(&self) -> Result<(), Error> {
        if self.impersonating {
            return Err(not_while_impersonating());
        }
        Ok(())
    }

    /// Where the actor may see users.
    pub(crate) fn visible_units(&self) -> Reach {
        self.authority.reach(Permission::ViewUsers)
    }
}

/// `Forbidden` unless the actor holds `permission` over every one of `units`. A scoped actor
/// may not act on a user in no org unit at all: such a user would be outside everyone's
/// building.
pub(crate) fn require_over_units(
    acting: &Acting,
    permission: Permission,
    units: &BTreeSet<OrgUnitId>,
) -> Result<(), Error> {
    if acting.authority.check_district(permission) {
        return Ok(());
    }
    if !units.is_empty()
        && units
            .iter()
            .all(|u| acting.authority.check_units(permission, [*u]))
    {
        Ok(())
    } else {
        Err(Error::forbidden(permission, "over every org unit involved"))
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Loads the district's org tree and resolves `actor` in it. A user actor of another
    /// district finds the district does not exist. A user who is not Active or may not sign in
    /// at `now` (the command's one reading of the clock) acts with no authority. A user who
    /// must change their temporary password is refused ([`Refusal::PasswordChangeRequired`]):
    /// every command goes through here, so until they choose a password they can do nothing
    /// but [`change_own_password`](Directory::change_own_password) (which resolves them with
    /// [`acting_to_change_password`](Self::acting_to_change_password)).
    pub(crate) async fn acting(
        &self,
        actor: &Actor,
        district: DistrictId,
        now: DateTime<Utc>,
    ) -> Result<(Acting, Arc<OrgTree>), Error> {
        if self.authority_cache.is_none() {
            let tree = self.load_tree(district).await?;
            let acting = self.resolve(actor, district, &tree, now, true).await?;
            return Ok((acting, Arc::new(tree)));
        }
        let (_, acting, tree) = self.resolve_in(actor, district, now, true).await?;
        Ok((acting, tree))
    }

    /// [`acting`](Self::acting) with the district row: what a command that reads the
    /// district's settings calls instead of loading the district first (one read fewer with
    /// the cache, the same reads without it).
    pub(crate) async fn acting_in(
        &self,
        actor: &Actor,
        district: DistrictId,
        now: DateTime<Utc>,
    ) -> Result<(District, Acting, Arc<OrgTree>), Error> {
        self.resolve_in(actor, district, now, true).await
    }

    /// [`acting`](Self::acting) for the one command a user who must change their password may
    /// run: changing it.
    pub(crate) async fn acting_to_change_password(
        &self,
        actor: &Actor,
        district: DistrictId,
        now: DateTime<Utc>,
    ) -> Result<Acting, Error> {
        if self.authority_cache.is_none() {
            let tree = self.load_tree(district).await?;
            return self.resolve(actor, district, &tree, now, false).await;
        }
        let (_, acting, _) = self.resolve_in(actor, district, now, false).await?;
        Ok(acting)
    }

    /// `PasswordChangeRequired` when `user`'s password is temporary (`must_change`). One read
    /// of the credential per command of a user actor.
    pub(crate) async fn refuse_if_must_change(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<(), Error> {
        let credential = self.storage.password_credential(district, user).await?;
        if credential.is_some_and(|c| c.must_change) {
            return Err(must_change_refusal());
        }
        Ok(())
    }

    pub(super) async fn resolve(
        &self,
        actor: &Actor,
        district: DistrictId,
        tree: &OrgTree,
        now: DateTime<Utc>,
        check_must_change: bool,
    ) -> Result<Acting, Error> {
        match actor.kind() {
            ActorKind::System { label } => Ok(Acting {
                authority: Authority::unlimited(),
                who: ActorRef::new(None, label.clone()),
                impersonating: false,
            }),
            ActorKind::User {
                district: home,
                user,
            } => {
                if *home != district {
                    return Err(Error::not_found(Entity::District, district));
                }
                let Some(me) = self.storage.user(district, *user).await? else {
                    return Err(Error::not_found(Entity::User, user));
                };
                let who = ActorRef::new(Some(me.id), me.details.name.display());
                let authority = self.authority_of(&me, tree, now, check_must_change).await?;
                Ok(Acting {
                    authority,
                    who,
                    impersonating: false,
                })
            }
            ActorKind::Impersonating {
                district: home,
                by,
                user,
                session,
            } => {
                if *home != district {
                    return Err(Error::not_found(Entity::District, district));
                }
                if !check_must_change {
                    return Err(not_while_impersonating());
                }
                self.resolve_impersonation(district, *by, *user, *session, tree, now)
                    .await
            }
        }
    }

    /// What `me` may do now as themselves: nothing unless Active and allowed to sign in; a
    /// temporary password refused when `check_must_change`.
    pub(super) async fn authority_of(
        &self,
        me: &User,
        tree: &OrgTree,
        now: DateTime<Utc>,
        check_must_change: bool,
    ) -> Result<Authority, Error> {
        if !super::acting_cached::may_act(me, now) {
            return Ok(Authority::none());
        }
        if check_must_change {
            self.refuse_if_must_change(me.district, me.id).await?;
        }
        self.held_by(me.district, me.id, tree).await
    }

    /// What `user`'s grants give them, whatever their status: what they would hold if they
    /// were (or are again) allowed to act. Application permissions count only for the
    /// applications they are enabled for.
    pub(super) async fn held_by(
        &self,
        district: DistrictId,
        user: UserId,
        tree: &OrgTree,
    ) -> Result<Authority, Error> {
        self.app_aware_authority(district, user, tree, false).await
    }

    /// `Forbidden` unless the actor holds everything `target` holds, scope by scope: nobody
    /// changes the credentials, status, access, org units or grants of someone more powerful
    /// (a building grant must not be a path to a district administrator's account). System
    /// actors are exempt (without reading the target's grants); a user covers themselves by
    /// the rule itself. Host application permissions count, for the applications the target
    /// is enabled for.
    pub(crate) async fn require_covers(
        &self,
        acting: &Acting,
        target: &User,
        tree: &OrgTree,
    ) -> Result<(), Error> {
        self.require_covers_with(acting, target, tree, false).await
    }

    /// [`require_covers`](Self::require_covers) counting the target's permissions of every
    /// application, enabled or not: for changes that may turn them on.
    pub(crate) async fn require_covers_potential(
        &self,
        acting: &Acting,
        target: &User,
        tree: &OrgTree,
    ) -> Result<(), Error> {
        self.require_covers_with(acting, target, tree, true).await
    }

    async fn require_covers_with(
        &self,
        acting: &Acting,
        target: &User,
        tree: &OrgTree,
        every_application: bool,
    ) -> Result<(), Error> {
        if acting.authority.is_unlimited() {
            return Ok(());
        }
        let held = self
            .app_aware_authority(target.district, target.id, tree, every_application)
            .await?;
        const WHY: &str = "wherever this user holds it (nobody may change the account of someone who holds more than they do)";
        if let Some(permission) = acting.authority.first_uncovered(&held) {
            return Err(Error::forbidden(permission, WHY));
        }
        match acting.authority.first_uncovered_app(&held) {
            None => Ok(()),
            Some(index) => Err(self.app_forbidden(index, WHY)),
        }
    }

    /// `Forbidden` naming the application permission at `index`.
    pub(crate) fn app_forbidden(
        &self,
        index: crate::authz::AppPermissionIndex,
        scope: &'static str,
    ) -> Error {
        match self.apps.describe(index) {
            Some(info) => Error::forbidden_in_application(info, scope),
            None => Error::ForbiddenInApplication {
                application: "",
                permission: String::new(),
                scope,
            },
        }
    }
}
