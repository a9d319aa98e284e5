//! Planning the grants a row asks for (Roles, Group Name, mapped OneRoster roles), without
//! escalation.

use super::Planner;
use crate::authz::AppSet;
use crate::authz::PermissionSet;
use crate::authz::{Grant, Permission, Role, Scope};
use crate::directory::import::plan_types::*;
use crate::ids::RoleId;
use crate::import::{AppColumn, ImportField, ImportRow, IssueCode, application_column, split_list};

/// The column a wanted role came from, for issues.
enum Column {
    /// A template column.
    Field(ImportField),
    /// An application's column, by its header.
    Named(String),
}
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
        let mut wanted: Vec<(Column, RoleId, String)> = Vec::new();
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
                    Some(role) => wanted.push((Column::Field(field), role.id, role.name.clone())),
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
                    Some(known) => {
                        wanted.push((Column::Field(ImportField::Roles), *id, known.name.clone()));
                    }
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
        self.application_roles(row, existing, &mut wanted);
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
        for (column, role_id, name) in wanted {
            if held.iter().any(|g| g.role == role_id && g.scope == scope)
                || grants.iter().any(|g| g.role == role_id)
            {
                continue;
            }
            let role = self.current.roles.iter().find(|r| r.id == role_id);
            let permissions = role
                .map(|r| r.permissions)
                .unwrap_or_default()
                .with(Permission::ManageRoles);
            let apps = role
                .map(|r| r.app_permissions.compile(self.current.apps))
                .unwrap_or_default();
            if !self.holds_over(permissions, &scope) || !self.holds_apps_over(&apps, &scope) {
                let message = format!(
                    "you cannot grant {name} here: it holds permissions you do not hold over those buildings"
                );
                match column {
                    Column::Field(field) => {
                        self.issue(row, Some(field), IssueCode::NotPermitted, message, true);
                    }
                    Column::Named(header) => {
                        self.error_in(row, &header, IssueCode::NotPermitted, message);
                    }
                }
                continue;
            }
            grants.push(PlannedGrant {
                role: role_id,
                scope: scope.clone(),
            });
        }
        grants
    }

    /// True when the importer holds every application permission of `apps` over the whole of
    /// `scope`; a unit this plan creates counts as held only when held district-wide.
    fn holds_apps_over(&self, apps: &AppSet, scope: &Scope) -> bool {
        if apps.is_empty() {
            return true;
        }
        let authority = self.current.authority;
        match scope {
            Scope::District => authority.holds_apps_over(apps, scope),
            Scope::OrgUnits(units) => units.iter().all(|u| {
                if self.current.tree.contains(*u) {
                    authority.holds_apps_over(apps, &Scope::unit(*u))
                } else {
                    authority.holds_apps_over(apps, &Scope::District)
                }
            }),
        }
    }

    /// Roles from `<Application> Group Name` and `<Application> Role` columns: each must be a
    /// role holding some of that application's permissions; the user is then enabled for the
    /// application (unless they are already). An application the directory does not know is
    /// an error in its column.
    fn application_roles(
        &mut self,
        row: &ImportRow,
        existing: Option<&User>,
        wanted: &mut Vec<(Column, RoleId, String)>,
    ) {
        let columns = std::sync::Arc::clone(row.columns());
        for (i, header) in columns.names().iter().enumerate() {
            if columns.field(i).is_some() {
                continue;
            }
            let Some((app_name, kind)) = application_column(header) else {
                continue;
            };
            let value = row.value_at(i).map(str::trim).unwrap_or("");
            if value.is_empty() {
                continue;
            }
            let Some(app) = self.current.apps.by_name(app_name) else {
                let message = format!(
                    "no application named '{app_name}' is known to this directory; check the column's name"
                );
                self.error_in(row, header, IssueCode::UnknownApplication, message);
                continue;
            };
            let names: Vec<&str> = match kind {
                AppColumn::GroupName => vec![value],
                AppColumn::Role => split_list(value).collect(),
            };
            for name in names {
                let role = self
                    .current
                    .roles
                    .iter()
                    .find(|r| Role::name_key(&r.name) == Role::name_key(name));
                match role {
                    Some(role) if role.app_permissions.applications().any(|k| k == app.key) => {
                        wanted.push((Column::Named(header.clone()), role.id, role.name.clone()));
                        let enabled = existing.is_some_and(|u| {
                            self.current
                                .enabled
                                .get(&u.id)
                                .is_some_and(|apps| apps.contains(app.key))
                        });
                        if !enabled && !self.row_apps.iter().any(|a| a == app.key) {
                            self.row_apps.push(app.key.to_owned());
                        }
                    }
                    Some(role) => {
                        let message = format!(
                            "{} is not a {} role: it holds none of its permissions",
                            role.name, app.name
                        );
                        self.error_in(row, header, IssueCode::UnknownRole, message);
                    }
                    None => {
                        let message = format!(
                            "no role in {} is named '{name}'",
                            self.current.district.name
                        );
                        self.error_in(row, header, IssueCode::UnknownRole, message);
                    }
                }
            }
        }
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
