//! Planning the grants a row asks for (Roles, Group Name, mapped OneRoster roles), without
//! escalation.

use super::Planner;
use crate::authz::PermissionSet;
use crate::authz::{Grant, Permission, Role, Scope};
use crate::directory::import::plan_types::*;
use crate::ids::RoleId;
use crate::import::{ImportField, ImportRow, IssueCode, split_list};
use crate::model::{User, UserDetails};

impl<'a> Planner<'a> {
    /// Roles from the Roles and Group Name columns (by name), and mapped OneRoster roles. A grant
    /// covers the user's org units, or the district when they have none; the importer must hold
    /// every permission of the role there (no escalation). Grants the user holds already are
    /// skipped.
    pub(super) fn grants_for(
        &mut self,
        row: &ImportRow,
        existing: Option<&User>,
        details: &UserDetails,
    ) -> Vec<PlannedGrant> {
        let mut wanted: Vec<(ImportField, RoleId, String)> = Vec::new();
        for field in [ImportField::Roles, ImportField::GroupName] {
            let names: Vec<String> = row
                .get(field)
                .map(|v| split_list(v).map(str::to_owned).collect())
                .unwrap_or_default();
            for name in names {
                match self
                    .current
                    .roles
                    .iter()
                    .find(|r| Role::name_key(&r.name) == Role::name_key(&name))
                {
                    Some(role) => wanted.push((field, role.id, role.name.clone())),
                    None => {
                        let message = format!(
                            "no role in {} is named '{name}'",
                            self.current.district.name
                        );
                        self.issue(row, Some(field), IssueCode::UnknownRole, message, true);
                    }
                }
            }
        }
        if let Some(roster) = row.roster() {
            for role in &roster.roles {
                let Some(id) = self.options.oneroster_roles.get(&role.role.to_lowercase()) else {
                    continue;
                };
                // A mapping to a role this district lacks is an error before any check: its
                // permissions are unknown, so nothing could be checked against them.
                match self.current.roles.iter().find(|r| r.id == *id) {
                    Some(known) => wanted.push((ImportField::Roles, *id, known.name.clone())),
                    None => {
                        let message = format!(
                            "the OneRoster role '{}' is mapped to role {id}, which {} does not have; fix the role mapping",
                            role.role, self.current.district.name
                        );
                        self.issue(
                            row,
                            Some(ImportField::Roles),
                            IssueCode::UnknownRole,
                            message,
                            true,
                        );
                    }
                }
            }
        }
        if wanted.is_empty() {
            return Vec::new();
        }
        let scope = if details.org_units.is_empty() {
            Scope::District
        } else {
            Scope::OrgUnits(details.org_units.clone())
        };
        let held: Vec<&Grant> = existing
            .map(|u| {
                self.current
                    .grants
                    .iter()
                    .filter(|g| g.holder == u.id)
                    .collect()
            })
            .unwrap_or_default();
        let mut grants: Vec<PlannedGrant> = Vec::new();
        for (field, role_id, name) in wanted {
            if held.iter().any(|g| g.role == role_id && g.scope == scope)
                || grants.iter().any(|g| g.role == role_id)
            {
                continue;
            }
            let permissions = self
                .current
                .roles
                .iter()
                .find(|r| r.id == role_id)
                .map(|r| r.permissions)
                .unwrap_or_default()
                .with(Permission::ManageRoles);
            if !self.holds_over(permissions, &scope) {
                let message = format!(
                    "you cannot grant {name} here: it holds permissions you do not hold over those buildings"
                );
                self.issue(row, Some(field), IssueCode::NotPermitted, message, true);
                continue;
            }
            grants.push(PlannedGrant {
                role: role_id,
                scope: scope.clone(),
            });
        }
        grants
    }

    /// True when the importer holds every permission of `permissions` over the whole of
    /// `scope`, whose units may be ones this plan creates.
    pub(super) fn holds_over(&self, permissions: PermissionSet, scope: &Scope) -> bool {
        match scope {
            Scope::District => self.current.authority.holds_over(permissions, scope),
            Scope::OrgUnits(units) => units
                .iter()
                .all(|u| permissions.iter().all(|p| self.orgs.holds(p, *u))),
        }
    }
}
