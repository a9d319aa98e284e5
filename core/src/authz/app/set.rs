//! Sets of application permissions: [`AppSet`], bits over a registry's indexes (what an
//! [`Authority`](crate::Authority) holds), and [`AppPermissions`], the keys a role stores.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::catalog::{AppPermission, AppPermissionIndex, Applications};

/// A set of application permissions as bits over an [`Applications`] registry's indexes.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct AppSet(Vec<u64>);

impl AppSet {
    /// No permissions.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// True when `index` is in the set.
    pub fn contains(&self, index: AppPermissionIndex) -> bool {
        let (word, bit) = split(index);
        self.0.get(word).is_some_and(|w| w & bit != 0)
    }

    /// Adds `index`.
    pub fn insert(&mut self, index: AppPermissionIndex) {
        let (word, bit) = split(index);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        if let Some(w) = self.0.get_mut(word) {
            *w |= bit;
        }
    }

    /// Adds every permission of `other`.
    pub fn union_with(&mut self, other: &AppSet) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine |= theirs;
        }
    }

    /// Keeps only the permissions also in `other`.
    pub fn intersect_with(&mut self, other: &AppSet) {
        for (i, mine) in self.0.iter_mut().enumerate() {
            *mine &= other.0.get(i).copied().unwrap_or(0);
        }
    }

    /// True when every permission of `other` is in this set.
    pub fn contains_all(&self, other: &AppSet) -> bool {
        self.first_missing(other).is_none()
    }

    /// A permission of `other` this set lacks, if any.
    pub fn first_missing(&self, other: &AppSet) -> Option<AppPermissionIndex> {
        other.iter().find(|i| !self.contains(*i))
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// The indexes, in order.
    pub fn iter(&self) -> impl Iterator<Item = AppPermissionIndex> + '_ {
        self.0.iter().enumerate().flat_map(|(word, bits)| {
            (0..64u32)
                .filter(move |b| bits & (1u64 << b) != 0)
                .map(move |b| AppPermissionIndex(word as u32 * 64 + b))
        })
    }
}

impl FromIterator<AppPermissionIndex> for AppSet {
    fn from_iter<I: IntoIterator<Item = AppPermissionIndex>>(iter: I) -> Self {
        let mut set = Self::new();
        for index in iter {
            set.insert(index);
        }
        set
    }
}

impl fmt::Debug for AppSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|i| i.0)).finish()
    }
}

fn split(index: AppPermissionIndex) -> (usize, u64) {
    ((index.0 / 64) as usize, 1u64 << (index.0 % 64))
}

/// The application permissions a role holds, as the role stores them: permission keys by
/// application key. Built from typed values ([`AppPermissions::with`]); the keys are only
/// how they are written down.
///
/// ```
/// # use homeroom::authz::{AppPermission, ApplicationSpec, AppPermissions};
/// # #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// # enum HelpDesk { AssignTickets }
/// # impl AppPermission for HelpDesk {
/// #     const APPLICATION: ApplicationSpec = ApplicationSpec { key: "helpdesk", name: "Help Desk" };
/// #     const ALL: &'static [Self] = &[Self::AssignTickets];
/// #     fn key(self) -> &'static str { "assign_tickets" }
/// #     fn label(self) -> &'static str { "Assign Tickets" }
/// #     fn ordinal(self) -> usize { self as usize }
/// # }
/// let held = AppPermissions::new().with(HelpDesk::AssignTickets);
/// assert!(held.holds(HelpDesk::AssignTickets));
/// assert_eq!(held.applications().collect::<Vec<_>>(), ["helpdesk"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AppPermissions(BTreeMap<String, BTreeSet<String>>);

impl AppPermissions {
    /// None.
    pub fn new() -> Self {
        Self::default()
    }

    /// The set plus `permission`.
    #[must_use]
    pub fn with<P: AppPermission>(self, permission: P) -> Self {
        self.with_key(P::APPLICATION.key, permission.key())
    }

    /// The set plus the permission stored as (`application`, `key`): for readers of stored
    /// or imported text. A key that is not registered gives nothing when compiled.
    #[must_use]
    pub fn with_key(mut self, application: &str, key: &str) -> Self {
        self.0
            .entry(application.to_owned())
            .or_default()
            .insert(key.to_owned());
        self
    }

    /// True when it holds `permission`.
    pub fn holds<P: AppPermission>(&self, permission: P) -> bool {
        self.0
            .get(P::APPLICATION.key)
            .is_some_and(|keys| keys.contains(permission.key()))
    }

    /// True when it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.0.values().all(BTreeSet::is_empty)
    }

    /// The keys of the applications it holds permissions of.
    pub fn applications(&self) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(|(_, keys)| !keys.is_empty())
            .map(|(app, _)| app.as_str())
    }

    /// Every (application, permission) key pair.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .flat_map(|(app, keys)| keys.iter().map(move |k| (app.as_str(), k.as_str())))
    }

    /// The pairs `apps` does not know (an application or permission not registered).
    pub fn unknown<'a>(
        &'a self,
        apps: &'a Applications,
    ) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.keys()
            .filter(|(app, key)| apps.index_of_key(app, key).is_none())
    }

    /// The set as bits over `apps`; pairs it does not know give nothing.
    pub fn compile(&self, apps: &Applications) -> AppSet {
        self.keys()
            .filter_map(|(app, key)| apps.index_of_key(app, key))
            .collect()
    }

    /// Both sets together.
    #[must_use]
    pub fn union(mut self, other: &AppPermissions) -> Self {
        for (app, key) in other.keys() {
            self = self.with_key(app, key);
        }
        self
    }

    /// The labels, "Application: Permission", for activity-log entries.
    pub fn describe(&self, apps: &Applications) -> String {
        self.keys()
            .map(
                |(app, key)| match apps.index_of_key(app, key).and_then(|i| apps.describe(i)) {
                    Some(info) => info.to_string(),
                    None => format!("{app}: {key}"),
                },
            )
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl<P: AppPermission> FromIterator<P> for AppPermissions {
    fn from_iter<I: IntoIterator<Item = P>>(iter: I) -> Self {
        iter.into_iter().fold(Self::new(), Self::with)
    }
}
