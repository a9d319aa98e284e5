//! The host-application half of an [`Authority`]: checks, reach, the no-escalation rules and
//! the per-application access mask, over [`AppSet`]s kept apart from Homeroom's own
//! permissions so Homeroom's checks cost what they did.

use super::app::{AppPermissionIndex, AppSet};
use super::{Authority, Reach, Scope};
use crate::ids::OrgUnitId;
use crate::model::User;

impl Authority {
    /// True when the actor holds the application permission `index` over `target`.
    pub fn check_app(&self, index: AppPermissionIndex, target: &User) -> bool {
        self.check_app_units(index, target.details.org_units.iter().copied())
    }

    /// True when the actor holds the application permission `index` over a member of any of
    /// `units`.
    pub fn check_app_units(
        &self,
        index: AppPermissionIndex,
        units: impl IntoIterator<Item = OrgUnitId>,
    ) -> bool {
        self.unlimited
            || self.apps_everywhere.contains(index)
            || (!self.apps_at.is_empty()
                && units
                    .into_iter()
                    .any(|unit| self.apps_at.get(&unit).is_some_and(|at| at.contains(index))))
    }

    /// True when the actor holds the application permission `index` district-wide.
    pub fn check_app_district(&self, index: AppPermissionIndex) -> bool {
        self.unlimited || self.apps_everywhere.contains(index)
    }

    /// Every application permission held over a member of any of `units`.
    pub fn app_permissions_at(&self, units: impl IntoIterator<Item = OrgUnitId>) -> AppSet {
        let mut held = self.apps_everywhere.clone();
        for unit in units {
            if let Some(at) = self.apps_at.get(&unit) {
                held.union_with(at);
            }
        }
        held
    }

    /// True when the actor holds every permission of `needed` over the whole of `scope`
    /// (the rule for granting a role that holds them over that scope).
    pub fn holds_apps_over(&self, needed: &AppSet, scope: &Scope) -> bool {
        self.first_app_missing_over(needed, scope).is_none()
    }

    /// A permission of `needed` the actor does not hold over the whole of `scope`, if any.
    pub fn first_app_missing_over(
        &self,
        needed: &AppSet,
        scope: &Scope,
    ) -> Option<AppPermissionIndex> {
        if self.unlimited {
            return None;
        }
        match scope {
            Scope::District => self.apps_everywhere.first_missing(needed),
            Scope::OrgUnits(units) => units
                .iter()
                .find_map(|unit| self.app_permissions_at([*unit]).first_missing(needed)),
        }
    }

    /// An application permission `other` holds somewhere that `self` does not hold there:
    /// the application half of [`covers`](Self::covers).
    pub fn first_uncovered_app(&self, other: &Authority) -> Option<AppPermissionIndex> {
        if self.unlimited {
            return None;
        }
        self.apps_everywhere
            .first_missing(&other.apps_everywhere)
            .or_else(|| {
                other
                    .apps_at
                    .iter()
                    .find_map(|(unit, held)| self.app_permissions_at([*unit]).first_missing(held))
            })
    }

    /// Where the actor holds the application permission `index`, for scoping queries.
    pub fn app_reach(&self, index: AppPermissionIndex) -> Reach {
        Reach::of(
            self.check_app_district(index),
            self.apps_at
                .iter()
                .filter(|(_, held)| held.contains(index))
                .map(|(unit, _)| *unit),
        )
    }

    /// True when the actor holds some application permission somewhere.
    pub fn has_app_permissions(&self) -> bool {
        !self.apps_everywhere.is_empty() || self.apps_at.values().any(|a| !a.is_empty())
    }

    /// The authority with only the application permissions of `enabled` left: a user disabled
    /// for an application holds none of its permissions.
    #[must_use]
    pub fn retain_apps(mut self, enabled: &AppSet) -> Self {
        self.apps_everywhere.intersect_with(enabled);
        for held in self.apps_at.values_mut() {
            held.intersect_with(enabled);
        }
        self.apps_at.retain(|_, held| !held.is_empty());
        self
    }
}
