//! The closed catalog of permissions the library checks.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One thing an actor may do to a user (or, for district-level permissions, to the district).
///
/// The catalog is closed: the library checks exactly these, named after the product documents'
/// words. Roles are sets of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum Permission {
    /// See users and open their profiles ("View Users"). Without it a user does not exist for
    /// the actor.
    ViewUsers,
    /// Create users and change their status and access: activate, deactivate, archive,
    /// suspend, lock ("Manage Users").
    ManageUsers,
    /// Edit users' details ("Edit Users").
    EditUsers,
    /// Delete users that have no history ("Delete Users").
    DeleteUsers,
    /// See incident history ("View Incidents").
    ViewIncidents,
    /// Record incidents ("Create Incidents").
    CreateIncidents,
    /// See invoices and payments.
    ViewInvoices,
    /// Add invoices and record payments ("Add Invoices").
    AddInvoices,
    /// See support-ticket history.
    ViewTickets,
    /// See the activity log of a user.
    ViewActivityLog,
    /// Read and write staff notes ("User Notes").
    UserNotes,
    /// Check devices out and in ("Checkout Device").
    CheckoutDevice,
    /// Handle profile-update requests ("Users Manager").
    ManageProfileUpdateRequests,
    /// Run bulk imports ("Import Users").
    ImportUsers,
    /// Send bulk messages.
    SendMessages,
    /// Send, schedule and clear invitations.
    ManageInvitations,
    /// Move one user's data to another.
    TransferData,
    /// Act as another user, with every action logged as "A acting as B".
    Impersonate,
    /// Create and edit roles and assign or revoke grants.
    ManageRoles,
    /// Create, rename and move org units.
    ManageOrgUnits,
    /// Change district settings.
    ManageSettings,
}

impl Permission {
    /// Every permission, in catalog order.
    pub const ALL: [Permission; 21] = [
        Self::ViewUsers,
        Self::ManageUsers,
        Self::EditUsers,
        Self::DeleteUsers,
        Self::ViewIncidents,
        Self::CreateIncidents,
        Self::ViewInvoices,
        Self::AddInvoices,
        Self::ViewTickets,
        Self::ViewActivityLog,
        Self::UserNotes,
        Self::CheckoutDevice,
        Self::ManageProfileUpdateRequests,
        Self::ImportUsers,
        Self::SendMessages,
        Self::ManageInvitations,
        Self::TransferData,
        Self::Impersonate,
        Self::ManageRoles,
        Self::ManageOrgUnits,
        Self::ManageSettings,
    ];

    /// The permission's name as people read it ("View Users").
    pub fn label(self) -> &'static str {
        match self {
            Self::ViewUsers => "View Users",
            Self::ManageUsers => "Manage Users",
            Self::EditUsers => "Edit Users",
            Self::DeleteUsers => "Delete Users",
            Self::ViewIncidents => "View Incidents",
            Self::CreateIncidents => "Create Incidents",
            Self::ViewInvoices => "View Invoices",
            Self::AddInvoices => "Add Invoices",
            Self::ViewTickets => "View Support Tickets",
            Self::ViewActivityLog => "View Activity Log",
            Self::UserNotes => "User Notes",
            Self::CheckoutDevice => "Checkout Device",
            Self::ManageProfileUpdateRequests => "Users Manager",
            Self::ImportUsers => "Import Users",
            Self::SendMessages => "Send Messages",
            Self::ManageInvitations => "Manage Invitations",
            Self::TransferData => "Transfer Data",
            Self::Impersonate => "Impersonate",
            Self::ManageRoles => "Manage Roles",
            Self::ManageOrgUnits => "Manage Org Units",
            Self::ManageSettings => "Manage Settings",
        }
    }

    const fn bit(self) -> u32 {
        1 << (self as u8)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A set of permissions, as a bit set: union, intersection and containment are one instruction.
///
/// ```
/// use homeroom::{Permission, PermissionSet};
/// let viewer = PermissionSet::from_iter([Permission::ViewUsers]);
/// let editor = viewer.with(Permission::EditUsers);
/// assert!(editor.contains_all(viewer));
/// assert!(!viewer.contains(Permission::EditUsers));
/// assert_eq!(editor.iter().collect::<Vec<_>>(), [Permission::ViewUsers, Permission::EditUsers]);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(u32);

impl PermissionSet {
    /// No permissions.
    pub const EMPTY: PermissionSet = PermissionSet(0);

    /// Every permission in the catalog.
    pub fn all() -> Self {
        Permission::ALL.into_iter().collect()
    }

    /// True when `permission` is in the set.
    pub const fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// True when every permission of `other` is in this set.
    pub const fn contains_all(self, other: PermissionSet) -> bool {
        self.0 & other.0 == other.0
    }

    /// The set plus `permission`.
    #[must_use]
    pub const fn with(self, permission: Permission) -> Self {
        Self(self.0 | permission.bit())
    }

    /// Both sets together.
    #[must_use]
    pub const fn union(self, other: PermissionSet) -> Self {
        Self(self.0 | other.0)
    }

    /// The permissions of this set that `other` lacks.
    #[must_use]
    pub const fn minus(self, other: PermissionSet) -> Self {
        Self(self.0 & !other.0)
    }

    /// True when empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The permissions, in catalog order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        iter.into_iter().fold(Self::EMPTY, Self::with)
    }
}

impl fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels: Vec<&str> = self.iter().map(Permission::label).collect();
        f.write_str(&labels.join(", "))
    }
}

impl Serialize for PermissionSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for PermissionSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<Permission>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Some permissions of the catalog, as a plain set (the reference) and as a bit set.
    fn permissions() -> impl Strategy<Value = BTreeSet<Permission>> {
        prop::sample::subsequence(Permission::ALL.to_vec(), 0..=Permission::ALL.len())
            .prop_map(|chosen| chosen.into_iter().collect())
    }

    fn bits(set: &BTreeSet<Permission>) -> PermissionSet {
        set.iter().copied().collect()
    }

    #[test]
    fn a_permission_set_shows_its_permissions_in_catalog_order() {
        let set = PermissionSet::from_iter([Permission::EditUsers, Permission::ViewUsers]);
        let (view, edit) = (Permission::ViewUsers.label(), Permission::EditUsers.label());
        assert_eq!(set.to_string(), format!("{view}, {edit}"));
        assert_eq!(format!("{set:?}"), "{ViewUsers, EditUsers}");
        assert_eq!(PermissionSet::EMPTY.to_string(), "");
    }

    proptest! {
        /// The bit set's operations agree with the same operations on plain sets of
        /// permissions: what a role lacks (`minus`) is what it lacks, no more and no less.
        #[test]
        fn permission_sets_behave_as_sets(a in permissions(), b in permissions()) {
            let (x, y) = (bits(&a), bits(&b));
            let listed = |set: PermissionSet| set.iter().collect::<BTreeSet<_>>();
            prop_assert_eq!(listed(x.minus(y)), a.difference(&b).copied().collect());
            prop_assert_eq!(listed(x.union(y)), a.union(&b).copied().collect());
            prop_assert_eq!(x.contains_all(y), b.is_subset(&a));
            prop_assert_eq!(x.minus(y).is_empty(), a.is_subset(&b));
            for p in Permission::ALL {
                prop_assert_eq!(x.contains(p), a.contains(&p));
            }
        }
    }
}
