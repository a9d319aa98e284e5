//! Apply-time authorization: every change a plan makes, checked again against the actor who
//! applies it (who may not be the one who planned it) and the district as it is now.
//!
//! A pure function over data already loaded. It mirrors the planner's rules: Import Users over
//! every user touched and every building a user enters or leaves, Manage Org Units where the
//! tree is reshaped, no grant beyond what the actor holds, nobody changed who holds more than
//! the actor, the last active System Administrator stays, and only an actor with Import Users
//! district-wide applies a sync or approves a held plan.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::Approval;
use super::org_plan::{anchor, cycles, holds_at, new_parents, resolve_anchors};
use super::plan_types::{ImportPlan, PlannedGrant, RowAction};
use crate::authz::{
    AppSet, Applications, Authority, Grant, Permission, Reach, Role, RoleRights, Scope,
};
use crate::directory::last_admin::refuse_leaving_no_system_administrator;
use crate::directory::org_units::may_manage_at;
use crate::error::Error;
use crate::ids::{OrgUnitId, RoleId, UserId};
use crate::messaging::Welcome;
use crate::model::{OrgTree, RecordStatus, User};
use crate::storage::Entity;
use crate::validation::{InvalidValue, ValidationCode};

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The applying actor and the district as they are when a plan is applied.
pub(crate) struct Applying<'a> {
    /// The applying actor's authority.
    pub authority: &'a Authority,
    /// The district's org tree now.
    pub tree: &'a OrgTree,
    /// The district's roles now.
    pub roles: &'a [Role],
    /// The district's grants now.
    pub grants: &'a [Grant],
    /// As stored now: every user the plan changes or deactivates, and every holder of a
    /// district-wide System Administrator grant.
    pub stored: &'a HashMap<UserId, User>,
    /// When the plan is applied.
    pub now: DateTime<Utc>,
    /// The host applications the directory knows.
    pub apps: &'a Applications,
}

/// Refuses the plan unless the applying actor may make every change in it. `Forbidden` names
/// the permission missing; a user the plan changes who no longer exists is `NotFound`.
pub(crate) fn authorize_apply(
    plan: &ImportPlan,
    approval: Approval,
    at: &Applying<'_>,
) -> Result<(), Error> {
    let authority = at.authority;
    let district_wide = authority.check_district(Permission::ImportUsers);
    if !district_wide {
        if plan.sync {
            return Err(Error::forbidden(
                Permission::ImportUsers,
                "district-wide to apply a sync",
            ));
        }
        if !plan.held.is_empty() && approval == Approval::Approved {
            return Err(Error::forbidden(
                Permission::ImportUsers,
                "district-wide to approve an import a guard held",
            ));
        }
        if matches!(authority.reach(Permission::ImportUsers), Reach::Nowhere) {
            return Err(Error::forbidden(Permission::ImportUsers, "in any building"));
        }
    }
    let anchors = resolve_anchors(at.tree, &new_parents(&plan.org_units));
    authorize_org_units(plan, at, &anchors)?;
    let in_units = |permission: Permission, unit: OrgUnitId| {
        holds_at(authority, permission, anchor(at.tree, &anchors, unit))
    };
    let roles = Role::rights_by_id(at.roles, at.apps);
    let mut held: Map<UserId, Vec<Grant>> = Map::default();
    for grant in at.grants {
        held.entry(grant.holder).or_default().push(grant.clone());
    }
    let covers = |user: &User| {
        if authority.is_unlimited() {
            return true; // a system actor: no need to compile anyone's authority
        }
        let theirs = held.get(&user.id).map_or(&[][..], Vec::as_slice);
        // Every application's permissions count, enabled or not: the plan may enable them.
        authority.covers(&Authority::compile_rights(theirs, &roles, at.tree))
    };
    let stored = |id: UserId| {
        at.stored
            .get(&id)
            .ok_or_else(|| Error::not_found(Entity::User, id))
    };
    let mut leaving: BTreeSet<UserId> = BTreeSet::new();
    for row in &plan.rows {
        match &row.action {
            RowAction::Create {
                details, grants, ..
            } => {
                require_units(district_wide, details.org_units(), None, &in_units)?;
                require_grants(authority, grants, &roles, &in_units, at.apps)?;
                if plan.welcome != Welcome::Never && details.has_email() {
                    require_welcome(authority, details.org_units(), &in_units)?;
                }
            }
            RowAction::Update {
                user,
                details,
                status,
                grants,
                ..
            } => {
                let current = stored(*user)?;
                require_reach(authority, current)?;
                require_covers(covers(current))?;
                require_units(
                    district_wide,
                    details.org_units(),
                    Some(&current.details.org_units),
                    &in_units,
                )?;
                require_grants(authority, grants, &roles, &in_units, at.apps)?;
                if *status != RecordStatus::Active {
                    leaving.insert(*user);
                }
            }
            RowAction::Unchanged { .. } | RowAction::Error => {}
        }
    }
    for gone in &plan.deactivations {
        let current = stored(gone.user)?;
        // A sync needs Import Users district-wide (checked above), as planning did.
        if !authority.check(Permission::ImportUsers, current) {
            return Err(Error::forbidden(
                Permission::ImportUsers,
                "over every user this import changes",
            ));
        }
        require_covers(covers(current))?;
        leaving.insert(gone.user);
    }
    if !leaving.is_empty() {
        refuse_leaving_no_system_administrator(
            at.roles,
            at.grants,
            |id| at.stored.get(&id),
            at.now,
            None,
            &leaving,
        )?;
    }
    Ok(())
}

/// Manage Org Units where each unit is created, renamed or moved, and no unit under itself.
fn authorize_org_units(
    plan: &ImportPlan,
    at: &Applying<'_>,
    anchors: &Map<OrgUnitId, Option<OrgUnitId>>,
) -> Result<(), Error> {
    let manage_at_parent = |parent: Option<OrgUnitId>| {
        may_manage_at(
            at.authority,
            parent.and_then(|p| anchor(at.tree, anchors, p)),
        )
    };
    for unit in &plan.org_units {
        let allowed = match at.tree.get(unit.id) {
            None => manage_at_parent(unit.parent),
            Some(existing) => {
                may_manage_at(at.authority, Some(existing.id))
                    && (existing.parent == unit.parent || manage_at_parent(unit.parent))
            }
        };
        if !allowed {
            return Err(Error::forbidden(
                Permission::ManageOrgUnits,
                "where this import creates, renames or moves org units",
            ));
        }
    }
    let changed: Map<OrgUnitId, Option<OrgUnitId>> =
        plan.org_units.iter().map(|u| (u.id, u.parent)).collect();
    if let Some(unit) = cycles(at.tree, &changed).into_iter().next() {
        let name = plan
            .org_units
            .iter()
            .find(|u| u.id == unit)
            .map_or_else(|| unit.to_string(), |u| u.name.clone());
        return Err(Error::invalid_field(
            Entity::OrgUnit,
            InvalidValue::new(
                ValidationCode::Cycle,
                format!("'{name}' would be its own ancestor; plan the import again"),
            )
            .at("parent"),
        ));
    }
    Ok(())
}

/// The actor must see the user and hold Import Users over them.
fn require_reach(authority: &Authority, user: &User) -> Result<(), Error> {
    if authority.check(Permission::ViewUsers, user)
        && authority.check(Permission::ImportUsers, user)
    {
        Ok(())
    } else {
        Err(Error::forbidden(
            Permission::ImportUsers,
            "over every user this import changes",
        ))
    }
}

fn require_covers(covered: bool) -> Result<(), Error> {
    if covered {
        Ok(())
    } else {
        Err(Error::forbidden(
            Permission::ImportUsers,
            "and every right held by each user this import changes",
        ))
    }
}

/// A scoped importer places users only in units where they hold Import Users, and never
/// leaves a user in no unit at all.
fn require_units(
    district_wide: bool,
    after: &[OrgUnitId],
    before: Option<&BTreeSet<OrgUnitId>>,
    in_units: &impl Fn(Permission, OrgUnitId) -> bool,
) -> Result<(), Error> {
    if district_wide {
        return Ok(());
    }
    let empty = BTreeSet::new();
    let before = before.unwrap_or(&empty);
    // The units entered or left (`after` is in order, as packed details list them).
    let entered = after.iter().filter(|u| !before.contains(u));
    let left = before.iter().filter(|u| after.binary_search(u).is_err());
    let outside = entered
        .chain(left)
        .any(|u| !in_units(Permission::ImportUsers, *u));
    if outside || after.is_empty() {
        return Err(Error::forbidden(
            Permission::ImportUsers,
            "over every building this import places users in or takes them out of",
        ));
    }
    Ok(())
}

/// Welcoming a new user is messaging them: Send Messages over them (district-wide, or over one
/// of their units), as creating one user with a welcome needs.
fn require_welcome(
    authority: &Authority,
    units: &[OrgUnitId],
    in_units: &impl Fn(Permission, OrgUnitId) -> bool,
) -> Result<(), Error> {
    if authority.check_district(Permission::SendMessages)
        || units.iter().any(|u| in_units(Permission::SendMessages, *u))
    {
        return Ok(());
    }
    Err(Error::forbidden(
        Permission::SendMessages,
        "over every new user this import welcomes",
    ))
}

/// Nobody grants more than they hold: every permission of the role, and Manage Roles, over
/// the whole scope.
fn require_grants(
    authority: &Authority,
    grants: &[PlannedGrant],
    roles: &HashMap<RoleId, RoleRights>,
    in_units: &impl Fn(Permission, OrgUnitId) -> bool,
    apps: &Applications,
) -> Result<(), Error> {
    for grant in grants {
        let rights = roles.get(&grant.role).cloned().unwrap_or_default();
        require_app_grant(authority, &rights.apps, &grant.scope, apps)?;
        let needed = rights.permissions.with(Permission::ManageRoles);
        let missing = needed.iter().find(|p| match &grant.scope {
            Scope::District => !authority.check_district(*p),
            Scope::OrgUnits(units) => units.iter().any(|u| !in_units(*p, *u)),
        });
        if let Some(permission) = missing {
            return Err(Error::forbidden(
                permission,
                "over every building of each role this import grants",
            ));
        }
    }
    Ok(())
}

/// The application half of [`require_grants`]: every application permission of the role over
/// the whole scope (a unit created by this plan counts as held only when held district-wide).
fn require_app_grant(
    authority: &Authority,
    needed: &AppSet,
    scope: &Scope,
    apps: &Applications,
) -> Result<(), Error> {
    if needed.is_empty() {
        return Ok(());
    }
    // A unit new in this plan has no grants of its own yet, so only district-wide ones
    // count there: the check below is already that.
    let missing = authority.first_app_missing_over(needed, scope);
    match missing.and_then(|index| apps.describe(index)) {
        Some(info) => Err(Error::forbidden_in_application(
            info,
            "over every building of each role this import grants",
        )),
        None if missing.is_some() => Err(Error::forbidden(
            Permission::ManageRoles,
            "over every building of each role this import grants",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
