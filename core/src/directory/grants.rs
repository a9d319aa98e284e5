//! Roles and grants: who holds what, where — and the rule that nobody grants more than they hold.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::activity::{ActivityAction, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::{
    AppPermissions, Grant, Permission, PermissionSet, Preset, Role, RolePermissions, Scope,
};
use crate::error::Error;
use crate::ids::{DistrictId, GrantId, RoleId, UserId, Version};
use crate::model::{Access, District, OrgTree, User};
use crate::storage::{ChangeSet, Entity, Op, Storage};
use crate::validation::{InvalidValue, ValidationCode};

use super::Directory;
use super::acting::Acting;
use super::districts::required_name;

impl<S: Storage + ?Sized> Directory<S> {
    /// Every role of the district, by name. Any user of the district may read them.
    #[tracing::instrument(level = "info", name = "directory::roles", skip_all, fields(command = "roles", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn roles(&self, actor: &Actor, district: DistrictId) -> Result<Vec<Role>, Error> {
        let result: Result<Vec<Role>, Error> = async move {
            self.acting_in(actor, district, self.now()).await?;
            let mut roles = self.storage.roles(district).await?;
            roles.sort_by_key(|r| Role::name_key(&r.name));
            Ok(roles)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Creates a custom role. Roles apply district-wide once granted, so the actor needs Manage
    /// Roles and every permission of the role district-wide.
    #[tracing::instrument(level = "info", name = "directory::create_role", skip_all, fields(command = "create_role", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn create_role(
        &self,
        actor: &Actor,
        district: DistrictId,
        name: &str,
        permissions: impl Into<RolePermissions>,
    ) -> Result<Role, Error> {
        let RolePermissions {
            permissions,
            apps: app_permissions,
        } = permissions.into();
        let result: Result<Role, Error> = async move {
            let now = self.now();
            let (district_row, acting, _) = self.acting_in(actor, district, now).await?;
            acting.refuse_if_impersonating()?;
            require_district_wide(&acting, permissions.with(Permission::ManageRoles))?;
            self.require_apps_over(&acting, &app_permissions, &Scope::District)?;
            let name = required_name(name)
                .map_err(|e| Error::invalid_field(Entity::Role, e.at("name")))?;
            let roles = self.storage.roles(district).await?;
            if roles
                .iter()
                .any(|r| Role::name_key(&r.name) == Role::name_key(&name))
            {
                return Err(Error::invalid_field(
                    Entity::Role,
                    InvalidValue::new(
                        ValidationCode::Taken,
                        format!("a role named '{name}' already exists"),
                    )
                    .at("name"),
                ));
            }
            let role = Role {
                id: RoleId::from_uuid(self.ids.next_uuid()),
                district,
                name,
                permissions,
                app_permissions,
                preset: None,
                created_at: now,
                version: Version::FIRST,
            };
            let mut changes = vec![field("permissions", None, Some(permissions.to_string()))];
            if !role.app_permissions.is_empty() {
                changes.push(field(
                    "application permissions",
                    None,
                    Some(role.app_permissions.describe(&self.apps)),
                ));
            }
            let entry = self.log_entry(
                &acting.who,
                district,
                Subject::Role(role.id),
                ActivityAction::Created,
                changes,
                now,
            );
            self.commit(
                serialize_authz_change(&district_row)
                    .with(Op::InsertRole(role.clone()))
                    .with(Op::AppendActivity(entry)),
            )
            .await?;
            Ok(role)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Replaces a role's permissions. The actor needs Manage Roles and every permission the role
    /// had or will have, district-wide. The System Administrator preset cannot be edited.
    #[tracing::instrument(level = "info", name = "directory::set_role_permissions", skip_all, fields(command = "set_role_permissions", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn set_role_permissions(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: RoleId,
        expected: Version,
        permissions: impl Into<RolePermissions>,
    ) -> Result<Role, Error> {
        let RolePermissions {
            permissions,
            apps: app_permissions,
        } = permissions.into();
        let result: Result<Role, Error> = async move {
        let now = self.now();
        let (district_row, acting, _) = self.acting_in(actor, district, now).await?;
        acting.refuse_if_impersonating()?;
        let role = self.load_role(district, id).await?;
        require_district_wide(
            &acting,
            permissions
                .union(role.permissions)
                .with(Permission::ManageRoles),
        )?;
        self.require_apps_over(
            &acting,
            &app_permissions.clone().union(&role.app_permissions),
            &Scope::District,
        )?;
        if role.preset == Some(Preset::SystemAdministrator) {
            return Err(Error::invalid_field(
                Entity::Role,
                InvalidValue::new(
                    ValidationCode::Protected,
                    "the System Administrator role always holds every permission; create a custom role instead",
                )
                .at("permissions"),
            ));
        }
        super::districts::check_version(Entity::Role, id, expected, role.version)?;
        if permissions == role.permissions && app_permissions == role.app_permissions {
            return Ok(role);
        }
        let mut changes = Vec::new();
        if permissions != role.permissions {
            changes.push(field(
                "permissions",
                Some(role.permissions.to_string()),
                Some(permissions.to_string()),
            ));
        }
        if app_permissions != role.app_permissions {
            let describe = |a: &AppPermissions| Some(a.describe(&self.apps)).filter(|d| !d.is_empty());
            changes.push(field(
                "application permissions",
                describe(&role.app_permissions),
                describe(&app_permissions),
            ));
        }
        let updated = Role {
            permissions,
            app_permissions,
            version: expected.next(),
            ..role
        };
        let entry = self.log_entry(
            &acting.who,
            district,
            Subject::Role(id),
            ActivityAction::Updated,
            changes,
            now,
        );
        self.commit(
            serialize_authz_change(&district_row)
                .with(Op::UpdateRole {
                    role: updated.clone(),
                    expected,
                })
                .with(Op::AppendActivity(entry)),
        )
        .await?;
        Ok(updated)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Gives `holder` the role over `scope`. The actor must see the holder, and hold Manage
    /// Roles and every permission of the role over the whole scope: nobody grants more than
    /// they hold.
    #[tracing::instrument(level = "info", name = "directory::grant_role", skip_all, fields(command = "grant_role", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn grant_role(
        &self,
        actor: &Actor,
        district: DistrictId,
        holder: UserId,
        role: RoleId,
        scope: Scope,
    ) -> Result<Grant, Error> {
        let result: Result<Grant, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            acting.refuse_if_impersonating()?;
            let holder = acting.see(self.load_user(district, holder).await?)?;
            let role = self.load_role(district, role).await?;
            check_scope(&scope, &tree)?;
            self.require_covers(&acting, &holder, &tree).await?;
            self.may_grant(&acting, &role, &scope)?;
            let existing = self.storage.grants(district, Some(holder.id)).await?;
            if existing
                .iter()
                .any(|g| g.role == role.id && g.scope == scope)
            {
                return Err(Error::invalid_field(
                    Entity::Grant,
                    InvalidValue::new(
                        ValidationCode::Taken,
                        format!(
                            "{} already holds {} over {}",
                            holder.details.name.display(),
                            role.name,
                            describe_scope(&scope, &tree)
                        ),
                    )
                    .at("role"),
                ));
            }
            let grant = Grant {
                id: GrantId::from_uuid(self.ids.next_uuid()),
                district,
                holder: holder.id,
                role: role.id,
                scope,
                granted_by: acting.who.user,
                granted_at: now,
                version: Version::FIRST,
            };
            let change = field(
                "grants",
                None,
                Some(describe_grant(&role, &grant.scope, &tree)),
            );
            let entry = self.log_entry(
                &acting.who,
                district,
                Subject::User(holder.id),
                ActivityAction::Granted,
                vec![change],
                now,
            );
            self.commit(
                serialize_authz_change(&district_row)
                    .with(Op::InsertGrant(grant.clone()))
                    .with(Op::AppendActivity(entry)),
            )
            .await?;
            Ok(grant)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Takes a grant away. The actor needs what granting it would need. The last active System
    /// Administrator of a district keeps their grant.
    #[tracing::instrument(level = "info", name = "directory::revoke_grant", skip_all, fields(command = "revoke_grant", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn revoke_grant(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: GrantId,
    ) -> Result<(), Error> {
        let result: Result<(), Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            acting.refuse_if_impersonating()?;
            let grants = self.storage.grants(district, None).await?;
            let grant = grants
                .iter()
                .find(|g| g.id == id)
                .cloned()
                .ok_or_else(|| Error::not_found(Entity::Grant, id))?;
            let holder = self
                .load_user(district, grant.holder)
                .await
                .and_then(|u| acting.see(u))
                .map_err(|_| Error::not_found(Entity::Grant, id))?;
            let role = self.load_role(district, grant.role).await?;
            self.may_grant(&acting, &role, &grant.scope)?;
            self.require_covers(&acting, &holder, &tree).await?;
            // Every grant change bumps the district version below, so the guard's own bump is
            // not needed here.
            self.refuse_removing_last_system_administrator(
                district,
                holder.id,
                Some(grant.id),
                now,
            )
            .await?;
            // The lock (when the district locks users left without a grant) is logged first,
            // so the revoke reads as the newest entry.
            let others = grants.iter().any(|g| g.holder == holder.id && g.id != id);
            let holder_id = holder.id;
            let lock = if others {
                ChangeSet::new()
            } else {
                self.lock_without_grants(&acting, &district_row, holder, now)
            };
            let change = field(
                "grants",
                Some(describe_grant(&role, &grant.scope, &tree)),
                None,
            );
            let entry = self.log_entry(
                &acting.who,
                district,
                Subject::User(holder_id),
                ActivityAction::Revoked,
                vec![change],
                now,
            );
            let mut changes = serialize_authz_change(&district_row)
                .with(Op::DeleteGrant {
                    district,
                    id,
                    expected: grant.version,
                })
                .with(Op::AppendActivity(entry));
            changes.extend(lock);
            self.commit(changes).await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// When the district locks users of `holder`'s kind out on losing their last grant
    /// ([`LastGrantLocks`](crate::LastGrantLocks)) and `holder` may sign in: the lock and its
    /// log entry, for the revoke's change set.
    fn lock_without_grants(
        &self,
        acting: &Acting,
        district: &District,
        holder: User,
        now: DateTime<Utc>,
    ) -> ChangeSet {
        if !district
            .settings
            .last_grant_locks
            .applies_to(holder.details.kind)
            || holder.access != Access::Allowed
        {
            return ChangeSet::new();
        }
        let lock = Access::Locked {
            until: None,
            reason: LOCKED_WITHOUT_GRANTS.into(),
        };
        let change = field(
            "access",
            Some(holder.access.to_string()),
            Some(lock.to_string()),
        );
        let entry = self.log_entry(
            &acting.who,
            district.id,
            Subject::User(holder.id),
            ActivityAction::AccessChanged,
            vec![change],
            now,
        );
        let expected = holder.version;
        let mut user = holder;
        user.access = lock;
        user.version = expected.next();
        user.updated_at = now;
        ChangeSet::new()
            .with(Op::UpdateUser {
                user: Box::new(user),
                expected,
            })
            .with(Op::AppendActivity(entry))
    }

    /// The grants `holder` holds, for an actor who may see the holder.
    #[tracing::instrument(level = "info", name = "directory::grants_of", skip_all, fields(command = "grants_of", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn grants_of(
        &self,
        actor: &Actor,
        district: DistrictId,
        holder: UserId,
    ) -> Result<Vec<Grant>, Error> {
        let result: Result<Vec<Grant>, Error> = async move {
            let (acting, _) = self.acting(actor, district, self.now()).await?;
            let holder = acting.see(self.load_user(district, holder).await?)?;
            let mut grants = self.storage.grants(district, Some(holder.id)).await?;
            grants.sort_by_key(|g| (g.granted_at, g.id));
            Ok(grants)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Refuses a change that would leave the district without an active, allowed user holding
    /// System Administrator district-wide: revoking grant `revoking`, or (with `None`) taking
    /// `user` out of action, as of `now`.
    ///
    /// Otherwise returns what the change must also write: the district's version bump when
    /// `user` holds System Administrator district-wide, so two changes racing to take the last
    /// two administrators out of action conflict instead of both passing this check.
    pub(super) async fn guard_last_system_administrator(
        &self,
        district: &District,
        user: UserId,
        revoking: Option<GrantId>,
        now: DateTime<Utc>,
    ) -> Result<ChangeSet, Error> {
        let touches_admin = self
            .refuse_removing_last_system_administrator(district.id, user, revoking, now)
            .await?;
        Ok(if touches_admin {
            serialize_authz_change(district)
        } else {
            ChangeSet::new()
        })
    }

    /// The check behind [`Self::guard_last_system_administrator`]; true when `user` holds
    /// System Administrator district-wide.
    async fn refuse_removing_last_system_administrator(
        &self,
        district: DistrictId,
        user: UserId,
        revoking: Option<GrantId>,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let roles = self.storage.roles(district).await?;
        let grants = self.storage.grants(district, None).await?;
        let holders: Vec<UserId> = super::last_admin::system_administrator_holders(&roles, &grants)
            .into_iter()
            .collect();
        let users = self.storage.users(district, &holders).await?;
        let leaving: BTreeSet<UserId> = revoking.is_none().then_some(user).into_iter().collect();
        super::last_admin::refuse_leaving_no_system_administrator(
            &roles,
            &grants,
            |id| users.iter().find(|u| u.id == id),
            now,
            revoking,
            &leaving,
        )?;
        Ok(holders.contains(&user))
    }

    /// `Forbidden` unless the actor may give `role` over `scope`: they hold Manage Roles and
    /// every permission of the role (application permissions too) over the whole scope.
    pub(super) fn may_grant(
        &self,
        acting: &Acting,
        role: &Role,
        scope: &Scope,
    ) -> Result<(), Error> {
        require_over(
            acting,
            role.permissions.with(Permission::ManageRoles),
            scope,
        )?;
        self.require_apps_over(acting, &role.app_permissions, scope)
    }

    /// `Invalid` (`unknown_permission`) when `apps` names a permission no registered
    /// application has; `Forbidden` unless the actor holds every one of them over the whole of
    /// `scope`: nobody grants an application permission they do not hold.
    pub(super) fn require_apps_over(
        &self,
        acting: &Acting,
        apps: &AppPermissions,
        scope: &Scope,
    ) -> Result<(), Error> {
        if let Some((app, key)) = apps.unknown(&self.apps).next() {
            return Err(Error::invalid_field(
                Entity::Role,
                InvalidValue::new(
                    ValidationCode::UnknownPermission,
                    format!("the application '{app}' has no permission '{key}' registered"),
                )
                .at("app_permissions"),
            ));
        }
        let needed = apps.compile(&self.apps);
        match acting.authority.first_app_missing_over(&needed, scope) {
            None => Ok(()),
            Some(index) => Err(self.app_forbidden(
                index,
                match scope {
                    Scope::District => "district-wide",
                    Scope::OrgUnits(_) => "over every org unit of the scope",
                },
            )),
        }
    }

    pub(super) async fn load_role(&self, district: DistrictId, id: RoleId) -> Result<Role, Error> {
        self.storage
            .roles(district)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| Error::not_found(Entity::Role, id))
    }
}

/// Why a user whose last grant was revoked is locked.
pub(crate) const LOCKED_WITHOUT_GRANTS: &str =
    "their last role was removed; grant them a role and lift the lock to let them sign in again";

/// Every role or grant change also moves the district's version, so two of them racing (two
/// admins revoking the last two System Administrators) conflict instead of both succeeding.
pub(super) fn serialize_authz_change(district: &District) -> ChangeSet {
    let bumped = District {
        version: district.version.next(),
        ..district.clone()
    };
    ChangeSet::new().with(Op::UpdateDistrict {
        district: bumped,
        expected: district.version,
    })
}

fn require_district_wide(acting: &Acting, needed: PermissionSet) -> Result<(), Error> {
    match needed.iter().find(|p| !acting.authority.check_district(*p)) {
        Some(missing) => Err(Error::forbidden(missing, "district-wide")),
        None => Ok(()),
    }
}

fn require_over(acting: &Acting, needed: PermissionSet, scope: &Scope) -> Result<(), Error> {
    let missing = needed.iter().find(|p| {
        !acting
            .authority
            .holds_over(PermissionSet::EMPTY.with(*p), scope)
    });
    match (missing, scope) {
        (Some(p), Scope::District) => Err(Error::forbidden(p, "district-wide")),
        (Some(p), Scope::OrgUnits(_)) => {
            Err(Error::forbidden(p, "over every org unit of the scope"))
        }
        (None, _) => Ok(()),
    }
}

fn check_scope(scope: &Scope, tree: &OrgTree) -> Result<(), Error> {
    let Scope::OrgUnits(units) = scope else {
        return Ok(());
    };
    let problem = if units.is_empty() {
        Some(InvalidValue::new(
            ValidationCode::Required,
            "name at least one org unit, or grant the role district-wide",
        ))
    } else {
        units.iter().find(|u| !tree.contains(**u)).map(|u| {
            InvalidValue::new(
                ValidationCode::UnknownOrgUnit,
                format!("org unit {u} does not exist in this district"),
            )
        })
    };
    match problem {
        Some(problem) => Err(Error::invalid_field(Entity::Grant, problem.at("scope"))),
        None => Ok(()),
    }
}

fn describe_scope(scope: &Scope, tree: &OrgTree) -> String {
    match scope {
        Scope::District => "the whole district".into(),
        Scope::OrgUnits(units) => units
            .iter()
            .map(|u| {
                tree.get(*u)
                    .map_or_else(|| u.to_string(), |unit| unit.name.clone())
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

pub(super) fn describe_grant(role: &Role, scope: &Scope, tree: &OrgTree) -> String {
    format!("{} over {}", role.name, describe_scope(scope, tree))
}

fn field(name: &'static str, old: Option<String>, new: Option<String>) -> FieldChange {
    FieldChange {
        field: name.into(),
        old,
        new,
    }
}
