//! [`HostAuthority`]: an actor's compiled authority as a host sees it, to check its own
//! application's permissions with the scope semantics of Homeroom's commands.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::app::{ApplicationSpec, Applications};
use super::check::{Checkable, Needed};
use super::{Authority, Permission, Reach};
use crate::error::Error;
use crate::ids::OrgUnitId;
use crate::model::User;
use crate::storage::Entity;

/// An actor's authority in a district, compiled once
/// ([`Directory::authority`](crate::Directory::authority)), with the host's application
/// registry: checks of Homeroom's permissions and of application permissions alike, each a
/// few bit tests and hash lookups.
///
/// The rules are Homeroom's: a user outside the actor's View Users reach does not exist
/// (`NotFound`), inside it a missing permission is `Forbidden`. Application permissions count
/// only while the actor is enabled for their application.
#[derive(Clone, Debug)]
pub struct HostAuthority {
    authority: Authority,
    apps: Arc<Applications>,
    /// The applications the actor is enabled for; `None` for a system actor (all of them).
    enabled: Option<BTreeSet<String>>,
}

impl HostAuthority {
    pub(crate) fn new(
        authority: Authority,
        apps: Arc<Applications>,
        enabled: Option<BTreeSet<String>>,
    ) -> Self {
        Self {
            authority,
            apps,
            enabled,
        }
    }

    /// True when the actor is enabled for `application`: a host refuses sign-in to its
    /// application to a user who is not.
    pub fn is_enabled(&self, application: ApplicationSpec) -> bool {
        self.enabled
            .as_ref()
            .is_none_or(|enabled| enabled.contains(application.key))
    }

    /// The compiled authority underneath.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// True when the actor may see `target` (View Users over them).
    pub fn may_see(&self, target: &User) -> bool {
        self.authority.check(Permission::ViewUsers, target)
    }

    /// True when the actor holds `permission` over `target` (seeing them aside).
    pub fn allows(&self, permission: impl Checkable, target: &User) -> bool {
        self.allows_units(permission, target.details.org_units.iter().copied())
    }

    /// True when the actor holds `permission` over a member of any of `units`.
    pub fn allows_units(
        &self,
        permission: impl Checkable,
        units: impl IntoIterator<Item = OrgUnitId>,
    ) -> bool {
        match permission.permission().needed(&self.apps) {
            Needed::Homeroom(p) => self.authority.check_units(p, units),
            Needed::App(index) => self.authority.check_app_units(index, units),
            Needed::Unregistered => false,
        }
    }

    /// `target` back when the actor may act on them with `permission`; `NotFound` outside the
    /// actor's View Users reach (as if they did not exist), `Forbidden` inside it without the
    /// permission.
    pub fn authorize(&self, permission: impl Checkable, target: User) -> Result<User, Error> {
        if !self.may_see(&target) {
            return Err(Error::not_found(Entity::User, target.id));
        }
        if self.allows(permission, &target) {
            Ok(target)
        } else {
            Err(self.forbidden(permission, "over this user"))
        }
    }

    /// `Ok` when the actor holds `permission` over members of `unit`; `NotFound` when the actor
    /// sees no one there, `Forbidden` when they do but lack the permission.
    pub fn authorize_unit(&self, permission: impl Checkable, unit: OrgUnitId) -> Result<(), Error> {
        if !self.authority.check_units(Permission::ViewUsers, [unit]) {
            return Err(Error::not_found(Entity::OrgUnit, unit));
        }
        if self.allows_units(permission, [unit]) {
            Ok(())
        } else {
            Err(self.forbidden(permission, "over this org unit"))
        }
    }

    /// Where the actor holds `permission`.
    pub fn reach(&self, permission: impl Checkable) -> Reach {
        match permission.permission().needed(&self.apps) {
            Needed::Homeroom(p) => self.authority.reach(p),
            Needed::App(index) => self.authority.app_reach(index),
            Needed::Unregistered => Reach::Nowhere,
        }
    }

    fn forbidden(&self, permission: impl Checkable, scope: &'static str) -> Error {
        forbidden(&self.apps, permission, scope)
    }
}

/// The `Forbidden` error naming `permission`.
pub(crate) fn forbidden(
    apps: &Applications,
    permission: impl Checkable,
    scope: &'static str,
) -> Error {
    match permission.permission().needed(apps) {
        Needed::Homeroom(p) => Error::forbidden(p, scope),
        Needed::App(index) => match apps.describe(index) {
            Some(info) => Error::forbidden_in_application(info, scope),
            None => unregistered(permission, scope),
        },
        Needed::Unregistered => unregistered(permission, scope),
    }
}

fn unregistered(permission: impl Checkable, scope: &'static str) -> Error {
    Error::ForbiddenInApplication {
        application: "",
        permission: permission.permission().to_string(),
        scope,
    }
}
