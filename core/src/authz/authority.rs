//! An actor's grants compiled into a structure that answers a check in a few lookups.

use std::collections::{BTreeSet, HashMap};

use super::app::AppSet;
use super::{Grant, Permission, PermissionSet, RoleRights, Scope};
use crate::ids::{OrgUnitId, RoleId};
use crate::model::{OrgTree, User};

/// What an actor may do, and where: their grants resolved against the roles and the org tree.
///
/// Built once per command ([`Authority::compile`]); a check is then a bit test on the
/// district-wide set plus one hash lookup per org unit of the target — independent of how many
/// users, grants and org units exist.
///
/// ```
/// # use std::collections::HashMap;
/// # use homeroom::*;
/// # use chrono::DateTime;
/// # let id = |n: u128| uuid::Uuid::from_u128(n);
/// # let district = DistrictId::from_uuid(id(1));
/// # let unit = |n: u128, parent: Option<u128>| OrgUnit { id: OrgUnitId::from_uuid(id(n)), district,
/// #     parent: parent.map(|p| OrgUnitId::from_uuid(id(p))), name: format!("unit {n}"), code: None,
/// #     kind: OrgUnitKind::School, created_at: DateTime::UNIX_EPOCH, version: Version::FIRST };
/// # let (school, dept, other) = (OrgUnitId::from_uuid(id(10)), OrgUnitId::from_uuid(id(11)), OrgUnitId::from_uuid(id(20)));
/// let tree = OrgTree::new([unit(10, None), unit(11, Some(10)), unit(20, None)]);
/// let principal = RoleId::from_uuid(id(5));
/// let roles = HashMap::from([(principal, Preset::BuildingAdministrator.permissions())]);
/// # let grant = Grant { id: GrantId::from_uuid(id(6)), district, holder: UserId::from_uuid(id(7)), role: principal,
/// #     scope: Scope::unit(school), granted_by: None, granted_at: DateTime::UNIX_EPOCH, version: Version::FIRST };
/// // `grant`: Building Administrator over the school (unit 10), which has a department (11).
/// let authority = Authority::compile(&[grant], &roles, &tree);
/// assert!(authority.check_units(Permission::EditUsers, [dept]));
/// assert!(!authority.check_units(Permission::ViewUsers, [other]));
/// assert!(!authority.check_units(Permission::DeleteUsers, [school]));
/// ```
#[derive(Clone, Debug)]
pub struct Authority {
    pub(super) unlimited: bool,
    pub(super) everywhere: PermissionSet,
    pub(super) at: HashMap<OrgUnitId, PermissionSet>,
    /// Host application permissions held district-wide (see `authority_apps.rs`).
    pub(super) apps_everywhere: AppSet,
    /// Host application permissions held over members of a unit; only units where some are.
    pub(super) apps_at: HashMap<OrgUnitId, AppSet>,
}

/// Where an actor holds a permission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Over the whole district.
    District,
    /// Over members of these org units (already expanded to every unit below).
    Units(BTreeSet<OrgUnitId>),
    /// Nowhere.
    Nowhere,
}

impl Authority {
    /// The authority of a system actor: everything, everywhere.
    pub fn unlimited() -> Self {
        Self {
            unlimited: true,
            everywhere: PermissionSet::all(),
            at: HashMap::new(),
            apps_everywhere: AppSet::new(),
            apps_at: HashMap::new(),
        }
    }

    /// No permissions at all (an actor without grants, or one who may not act now).
    pub fn none() -> Self {
        Self {
            unlimited: false,
            everywhere: PermissionSet::EMPTY,
            at: HashMap::new(),
            apps_everywhere: AppSet::new(),
            apps_at: HashMap::new(),
        }
    }

    /// Compiles grants: each grant's role permissions are added district-wide or to every unit
    /// of its scope and every unit below. Grants whose role is unknown give nothing.
    pub fn compile(
        grants: &[Grant],
        roles: &HashMap<RoleId, PermissionSet>,
        tree: &OrgTree,
    ) -> Self {
        Self::build(grants, |role| roles.get(&role).map(|p| (*p, None)), tree)
    }

    /// [`compile`](Self::compile) for roles that may also hold host application permissions
    /// ([`Role::rights_by_id`](super::Role::rights_by_id)).
    pub fn compile_rights(
        grants: &[Grant],
        roles: &HashMap<RoleId, RoleRights>,
        tree: &OrgTree,
    ) -> Self {
        Self::build(
            grants,
            |role| roles.get(&role).map(|r| (r.permissions, Some(&r.apps))),
            tree,
        )
    }

    fn build<'a>(
        grants: &[Grant],
        role: impl Fn(RoleId) -> Option<(PermissionSet, Option<&'a AppSet>)>,
        tree: &OrgTree,
    ) -> Self {
        let mut authority = Self::none();
        for grant in grants {
            let Some((permissions, apps)) = role(grant.role) else {
                continue;
            };
            let apps = apps.filter(|a| !a.is_empty());
            match &grant.scope {
                Scope::District => {
                    authority.everywhere = authority.everywhere.union(permissions);
                    if let Some(apps) = apps {
                        authority.apps_everywhere.union_with(apps);
                    }
                }
                Scope::OrgUnits(roots) => {
                    for unit in tree.with_descendants(roots.iter().copied()) {
                        let held = authority.at.entry(unit).or_default();
                        *held = held.union(permissions);
                        if let Some(apps) = apps {
                            authority.apps_at.entry(unit).or_default().union_with(apps);
                        }
                    }
                }
            }
        }
        authority
    }

    /// True for a system actor's authority. Commands use it to skip work whose answer is
    /// known (a system actor covers everyone), so the answer must be exact:
    ///
    /// ```
    /// use homeroom::Authority;
    /// assert!(Authority::unlimited().is_unlimited());
    /// assert!(!Authority::none().is_unlimited());
    /// ```
    pub fn is_unlimited(&self) -> bool {
        self.unlimited
    }

    /// Every permission held over a member of any of `units`.
    pub fn permissions_at(&self, units: impl IntoIterator<Item = OrgUnitId>) -> PermissionSet {
        units.into_iter().fold(self.everywhere, |held, unit| {
            self.at.get(&unit).map_or(held, |at| held.union(*at))
        })
    }

    /// Every permission the actor holds over `target`: what a UI shows as buttons.
    pub fn allowed_actions(&self, target: &User) -> PermissionSet {
        self.permissions_at(target.details.org_units.iter().copied())
    }

    /// True when the actor holds `permission` over `target`.
    pub fn check(&self, permission: Permission, target: &User) -> bool {
        self.check_units(permission, target.details.org_units.iter().copied())
    }

    /// True when the actor holds `permission` over a member of any of `units`.
    pub fn check_units(
        &self,
        permission: Permission,
        units: impl IntoIterator<Item = OrgUnitId>,
    ) -> bool {
        self.everywhere.contains(permission)
            || units
                .into_iter()
                .any(|unit| self.at.get(&unit).is_some_and(|at| at.contains(permission)))
    }

    /// True when the actor holds `permission` district-wide.
    pub fn check_district(&self, permission: Permission) -> bool {
        self.everywhere.contains(permission)
    }

    /// True when the actor holds every permission of `permissions` over *every* member of
    /// `unit` (directly, or from a grant on a unit above it, or district-wide).
    pub fn holds_at(&self, permissions: PermissionSet, unit: OrgUnitId) -> bool {
        self.permissions_at([unit]).contains_all(permissions)
    }

    /// True when the actor holds every permission of `permissions` over the whole of `scope`:
    /// the rule for granting a role over that scope.
    pub fn holds_over(&self, permissions: PermissionSet, scope: &Scope) -> bool {
        match scope {
            Scope::District => self.everywhere.contains_all(permissions),
            Scope::OrgUnits(units) => units.iter().all(|unit| self.holds_at(permissions, *unit)),
        }
    }

    /// True when everything `other` holds is held by `self` too, scope by scope: every
    /// permission `other` has district-wide, `self` has district-wide, and every permission
    /// `other` has over a unit, `self` has over that unit (directly, from above, or
    /// district-wide).
    ///
    /// The rule "nobody acts on someone more powerful": an actor may change another user's
    /// credentials, status, access, org units or grants only when the actor's authority covers
    /// the target's. An unlimited (system) authority covers everything.
    ///
    /// ```
    /// use homeroom::Authority;
    /// assert!(Authority::unlimited().covers(&Authority::none()));
    /// assert!(Authority::none().covers(&Authority::none()));
    /// assert!(!Authority::none().covers(&Authority::unlimited()));
    /// ```
    pub fn covers(&self, other: &Authority) -> bool {
        self.first_uncovered(other).is_none() && self.first_uncovered_app(other).is_none()
    }

    /// A Homeroom permission `other` holds somewhere that `self` does not hold there, if any:
    /// what a refusal under [`Authority::covers`] names (host application permissions:
    /// [`first_uncovered_app`](Self::first_uncovered_app)).
    pub fn first_uncovered(&self, other: &Authority) -> Option<Permission> {
        if self.unlimited {
            return None;
        }
        if other.unlimited {
            return Permission::ALL.first().copied();
        }
        let missing =
            |held: PermissionSet, over: PermissionSet| held.iter().find(|p| !over.contains(*p));
        missing(other.everywhere, self.everywhere).or_else(|| {
            other
                .at
                .iter()
                .find_map(|(unit, held)| missing(*held, self.permissions_at([*unit])))
        })
    }

    /// Where the actor holds `permission`, for scoping queries.
    pub fn reach(&self, permission: Permission) -> Reach {
        Reach::of(
            self.everywhere.contains(permission),
            self.at
                .iter()
                .filter(|(_, held)| held.contains(permission))
                .map(|(unit, _)| *unit),
        )
    }
}

impl Reach {
    /// `District` when held `everywhere`, else the `units` it is held at (`Nowhere` if none).
    pub(super) fn of(everywhere: bool, units: impl Iterator<Item = OrgUnitId>) -> Self {
        if everywhere {
            return Reach::District;
        }
        let units: BTreeSet<OrgUnitId> = units.collect();
        if units.is_empty() {
            Reach::Nowhere
        } else {
            Reach::Units(units)
        }
    }
}
