//! Roles: named permission sets, defined per district, with presets for the usual jobs.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::app::{AppPermission, AppPermissions, AppSet, Applications};
use super::{Permission, PermissionSet};
use crate::ids::{DistrictId, RoleId, Version};

/// A named set of permissions in one district.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// The role's id.
    pub id: RoleId,
    /// The district it belongs to.
    pub district: DistrictId,
    /// Its name, unique in the district regardless of case.
    pub name: String,
    /// What it allows.
    pub permissions: PermissionSet,
    /// The host application permissions it allows (none for roles of a host without
    /// applications; stored with the role, absent from rows written before applications).
    #[serde(default, skip_serializing_if = "AppPermissions::is_empty")]
    pub app_permissions: AppPermissions,
    /// The preset it was made from, if any. The System Administrator preset cannot be edited.
    pub preset: Option<Preset>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The optimistic-concurrency version.
    pub version: Version,
}

impl Role {
    /// Each role's permissions by its id: what [`Authority::compile`](super::Authority::compile)
    /// resolves grants against.
    pub fn permissions_by_id(roles: &[Role]) -> HashMap<RoleId, PermissionSet> {
        roles.iter().map(|r| (r.id, r.permissions)).collect()
    }

    /// Each role's Homeroom and application permissions by its id, the application ones as
    /// bits over `apps` (keys `apps` does not know give nothing; the System Administrator
    /// preset holds every registered one): what
    /// [`Authority::compile_rights`](super::Authority::compile_rights) resolves grants against.
    pub fn rights_by_id(roles: &[Role], apps: &Applications) -> HashMap<RoleId, RoleRights> {
        roles
            .iter()
            .map(|r| {
                let rights = RoleRights {
                    permissions: r.permissions,
                    apps: if apps.is_empty() {
                        AppSet::new()
                    } else if r.preset == Some(Preset::SystemAdministrator) {
                        // Full access to everything: every application's permissions too, so
                        // a System Administrator can grant them.
                        (0..apps.len())
                            .filter_map(|i| u32::try_from(i).ok())
                            .map(super::app::AppPermissionIndex)
                            .collect()
                    } else {
                        r.app_permissions.compile(apps)
                    },
                };
                (r.id, rights)
            })
            .collect()
    }

    /// What the role holds, Homeroom's and applications' permissions together.
    pub fn rights(&self) -> RolePermissions {
        RolePermissions {
            permissions: self.permissions,
            apps: self.app_permissions.clone(),
        }
    }

    /// The key name uniqueness is checked on: trimmed, lower case.
    pub fn name_key(name: &str) -> String {
        name.trim().to_lowercase()
    }
}

/// A role's permissions compiled against a registry: what grants of it give.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleRights {
    /// Homeroom's permissions.
    pub permissions: PermissionSet,
    /// Host application permissions, as bits over the registry.
    pub apps: AppSet,
}

impl From<PermissionSet> for RoleRights {
    fn from(permissions: PermissionSet) -> Self {
        Self {
            permissions,
            apps: AppSet::new(),
        }
    }
}

/// What a role is made to hold: Homeroom's permissions and host application permissions
/// (what [`Directory::create_role`](crate::Directory::create_role) takes; a plain
/// [`PermissionSet`] converts). A host declares its per-application presets as values of it.
///
/// ```
/// # use homeroom::authz::{AppPermission, ApplicationSpec, RolePermissions};
/// # use homeroom::{Permission, PermissionSet};
/// # #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// # enum HelpDesk { AssignTickets }
/// # impl AppPermission for HelpDesk {
/// #     const APPLICATION: ApplicationSpec = ApplicationSpec { key: "helpdesk", name: "Help Desk" };
/// #     const ALL: &'static [Self] = &[Self::AssignTickets];
/// #     fn key(self) -> &'static str { "assign_tickets" }
/// #     fn label(self) -> &'static str { "Assign Tickets" }
/// #     fn ordinal(self) -> usize { self as usize }
/// # }
/// let agent = RolePermissions::from(PermissionSet::EMPTY.with(Permission::ViewUsers))
///     .with_app(HelpDesk::AssignTickets);
/// assert!(agent.apps.holds(HelpDesk::AssignTickets));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RolePermissions {
    /// Homeroom's permissions.
    pub permissions: PermissionSet,
    /// Host application permissions.
    pub apps: AppPermissions,
}

impl RolePermissions {
    /// Plus an application permission.
    #[must_use]
    pub fn with_app<P: AppPermission>(mut self, permission: P) -> Self {
        self.apps = self.apps.with(permission);
        self
    }
}

impl From<PermissionSet> for RolePermissions {
    fn from(permissions: PermissionSet) -> Self {
        Self {
            permissions,
            apps: AppPermissions::new(),
        }
    }
}

/// The roles every district starts with, named as the product documents name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Preset {
    /// Full access to everything in the district.
    SystemAdministrator,
    /// Manages users, roles and settings of the organizations it is granted.
    OrganizationAdministrator,
    /// District IT: every user permission, district-wide when granted so.
    DistrictAdministrator,
    /// A principal: users and records of their building.
    BuildingAdministrator,
    /// Devices, incidents and tickets.
    Technician,
    /// Handles profile-update requests and edits details.
    UsersManager,
    /// Conducts observations: sees users.
    Observer,
    /// Can be observed: no rights over others.
    Observable,
    /// Evaluates: sees users and their activity.
    Evaluator,
    /// Reads analytics and reports.
    Reporter,
    /// Administers assessment sessions: sees users.
    Proctor,
    /// Creates and publishes content: messages users.
    Publisher,
    /// A basic user: no rights over others.
    User,
}

impl Preset {
    /// Every preset, in the order districts list them.
    pub const ALL: [Preset; 13] = [
        Self::SystemAdministrator,
        Self::OrganizationAdministrator,
        Self::DistrictAdministrator,
        Self::BuildingAdministrator,
        Self::Technician,
        Self::UsersManager,
        Self::Observer,
        Self::Observable,
        Self::Evaluator,
        Self::Reporter,
        Self::Proctor,
        Self::Publisher,
        Self::User,
    ];

    /// The role's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::SystemAdministrator => "System Administrator",
            Self::OrganizationAdministrator => "Organization Administrator",
            Self::DistrictAdministrator => "District Administrator",
            Self::BuildingAdministrator => "Building Administrator",
            Self::Technician => "Technician",
            Self::UsersManager => "Users Manager",
            Self::Observer => "Observer",
            Self::Observable => "Observable",
            Self::Evaluator => "Evaluator",
            Self::Reporter => "Reporter",
            Self::Proctor => "Proctor",
            Self::Publisher => "Publisher",
            Self::User => "User",
        }
    }

    /// The permissions the preset starts with.
    pub fn permissions(self) -> PermissionSet {
        use Permission::*;
        let list: &[Permission] = match self {
            Self::SystemAdministrator => return PermissionSet::all(),
            Self::OrganizationAdministrator => &[
                ViewUsers,
                ManageUsers,
                EditUsers,
                DeleteUsers,
                ViewActivityLog,
                UserNotes,
                ManageProfileUpdateRequests,
                ImportUsers,
                SendMessages,
                ManageInvitations,
                TransferData,
                ManageRoles,
                ManageOrgUnits,
            ],
            Self::DistrictAdministrator => &[
                ViewUsers,
                ManageUsers,
                EditUsers,
                DeleteUsers,
                ViewIncidents,
                CreateIncidents,
                ViewInvoices,
                AddInvoices,
                ViewTickets,
                ViewActivityLog,
                UserNotes,
                CheckoutDevice,
                ManageProfileUpdateRequests,
                ImportUsers,
                SendMessages,
                ManageInvitations,
                TransferData,
                ManageRoles,
            ],
            Self::BuildingAdministrator => &[
                ViewUsers,
                ManageUsers,
                EditUsers,
                ViewIncidents,
                CreateIncidents,
                ViewInvoices,
                AddInvoices,
                ViewTickets,
                ViewActivityLog,
                UserNotes,
                CheckoutDevice,
                ManageProfileUpdateRequests,
                SendMessages,
            ],
            Self::Technician => &[
                ViewUsers,
                ViewIncidents,
                CreateIncidents,
                ViewTickets,
                UserNotes,
                CheckoutDevice,
            ],
            Self::UsersManager => &[ViewUsers, EditUsers, ManageProfileUpdateRequests],
            Self::Observer | Self::Proctor => &[ViewUsers],
            Self::Evaluator => &[ViewUsers, ViewActivityLog],
            Self::Reporter => &[ViewUsers, ViewIncidents, ViewInvoices, ViewTickets],
            Self::Publisher => &[ViewUsers, SendMessages],
            Self::Observable | Self::User => &[],
        };
        list.iter().copied().collect()
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_made_from_a_permission_set_hold_it_and_no_application_permission() {
        let set = PermissionSet::EMPTY
            .with(Permission::ViewUsers)
            .with(Permission::EditUsers);
        let rights = RoleRights::from(set);
        assert_eq!(rights.permissions, set);
        assert_eq!(rights.apps, AppSet::new());
    }

    #[test]
    fn a_preset_shows_as_its_name() {
        assert_eq!(
            Preset::BuildingAdministrator.to_string(),
            "Building Administrator"
        );
        for preset in Preset::ALL {
            assert_eq!(preset.to_string(), preset.name());
        }
    }
}
