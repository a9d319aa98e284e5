//! Org units and grants in a transfer (the `org_units` and `grants` options): the target is
//! given the source's memberships and grants, each only where the actor could give it
//! themselves — Edit Users over the org unit, Manage Roles and every permission of the role
//! over the grant's whole scope (nobody grants more than they hold). The others stay with the
//! source and are listed as conflicts. The actor covers the target (checked with the parties).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::Parties;
use super::plan::group;
use crate::authz::{Grant, Permission, Role};
use crate::directory::Directory;
use crate::directory::acting::require_over_units;
use crate::directory::grants::{describe_grant, serialize_authz_change};
use crate::error::Error;
use crate::ids::{GrantId, OrgUnitId, Version};
use crate::model::OrgTree;
use crate::storage::{ChangeSet, Op, Storage};
use crate::transfer::{
    ConflictReason, Move, TransferConflict, TransferGroup, TransferKind, TransferPlan,
};

impl<S: Storage + ?Sized> Directory<S> {
    /// Adds to `plan` the org units and grants its options ask for, in `plan.access`.
    pub(super) async fn plan_access(
        &self,
        parties: &Parties,
        plan: &mut TransferPlan,
    ) -> Result<(), Error> {
        if plan.options.org_units {
            plan_org_units(parties, plan);
        }
        if plan.options.grants {
            self.plan_grants(parties, plan).await?;
        }
        Ok(())
    }

    async fn plan_grants(&self, parties: &Parties, plan: &mut TransferPlan) -> Result<(), Error> {
        let district = parties.district.id;
        let roles = self.storage.roles(district).await?;
        let held = self.storage.grants(district, Some(parties.to.id)).await?;
        let mut grants = group(TransferKind::Grants, "grants", true);
        for grant in self.storage.grants(district, Some(parties.from.id)).await? {
            if held
                .iter()
                .any(|g| g.role == grant.role && g.scope == grant.scope)
            {
                continue;
            }
            let Some(role) = roles.iter().find(|r| r.id == grant.role) else {
                continue;
            };
            let what = describe_grant(role, &grant.scope, &parties.tree);
            let outcome = match self.may_give(parties, role, &grant) {
                Ok(()) => Ok(Move::Grant {
                    role: grant.role,
                    scope: grant.scope,
                }),
                Err(why) => Err((ConflictReason::GrantEscalates, why.to_string())),
            };
            give_or_refuse(plan, &mut grants, what, outcome);
        }
        keep(plan, grants);
        Ok(())
    }

    /// `Ok` when the actor may give `grant`'s role over its scope: as themselves (not in an
    /// impersonation), holding Manage Roles and all the role gives over the whole scope.
    fn may_give(&self, parties: &Parties, role: &Role, grant: &Grant) -> Result<(), Error> {
        parties.acting.refuse_if_impersonating()?;
        self.may_grant(&parties.acting, role, &grant.scope)
    }

    /// The ops that give the target what `plan` lists, checked again for the actor applying it
    /// (`Forbidden` when they may no longer give one), stamped `now`. Grants already held are
    /// not given twice.
    pub(super) async fn access_ops(
        &self,
        parties: &Parties,
        plan: &TransferPlan,
        now: DateTime<Utc>,
    ) -> Result<ChangeSet, Error> {
        let mut changes = ChangeSet::new();
        let units: BTreeSet<OrgUnitId> = plan
            .moves
            .iter()
            .filter_map(|m| match m {
                Move::OrgUnit(unit) => Some(*unit),
                _ => None,
            })
            .collect();
        if !units.is_empty() {
            require_over_units(&parties.acting, Permission::EditUsers, &units)?;
            let mut user = parties.to.clone();
            user.details.org_units.extend(units);
            user.version = parties.to.version.next();
            user.updated_at = now;
            changes.push(Op::UpdateUser {
                user: Box::new(user),
                expected: parties.to.version,
            });
        }
        let district = parties.district.id;
        let held = self.storage.grants(district, Some(parties.to.id)).await?;
        let mut granting = false;
        for planned in &plan.moves {
            let Move::Grant { role, scope } = planned else {
                continue;
            };
            if held.iter().any(|g| g.role == *role && g.scope == *scope) {
                continue;
            }
            let role = self.load_role(district, *role).await?;
            let grant = Grant {
                id: GrantId::from_uuid(self.ids.next_uuid()),
                district,
                holder: parties.to.id,
                role: role.id,
                scope: scope.clone(),
                granted_by: parties.acting.who.user,
                granted_at: now,
                version: Version::FIRST,
            };
            self.may_give(parties, &role, &grant)?;
            changes.push(Op::InsertGrant(grant));
            granting = true;
        }
        if granting {
            changes.extend(serialize_authz_change(&parties.district));
        }
        Ok(changes)
    }
}

/// The source's org units the target is not in: given where the actor holds Edit Users over
/// the unit, conflicts elsewhere.
fn plan_org_units(parties: &Parties, plan: &mut TransferPlan) {
    let mut units = group(TransferKind::OrgUnits, "org units", true);
    let missing = parties
        .from
        .details
        .org_units
        .difference(&parties.to.details.org_units);
    for unit in missing {
        let name = unit_name(&parties.tree, *unit);
        let one = BTreeSet::from([*unit]);
        let outcome = match require_over_units(&parties.acting, Permission::EditUsers, &one) {
            Ok(()) => Ok(Move::OrgUnit(*unit)),
            Err(_) => Err((
                ConflictReason::OrgUnitOutOfReach,
                "you may not add users to it".to_owned(),
            )),
        };
        give_or_refuse(plan, &mut units, name, outcome);
    }
    keep(plan, units);
}

/// Adds one org unit or grant (`line` names it) to `group`: given, with its move, or refused,
/// as a conflict saying why.
fn give_or_refuse(
    plan: &mut TransferPlan,
    group: &mut TransferGroup,
    line: String,
    outcome: Result<Move, (ConflictReason, String)>,
) {
    match outcome {
        Ok(planned) => {
            group.moving += 1;
            group.lines.push(line);
            plan.moves.push(planned);
        }
        Err((reason, why)) => {
            group.staying += 1;
            plan.conflicts.push(TransferConflict {
                kind: group.kind.clone(),
                reason,
                message: format!("{line} is not given: {why}"),
            });
        }
    }
}

/// Lists `group` in the plan's access section, unless it has nothing.
fn keep(plan: &mut TransferPlan, group: TransferGroup) {
    if group.moving + group.staying > 0 {
        plan.access.push(group);
    }
}

fn unit_name(tree: &OrgTree, unit: OrgUnitId) -> String {
    tree.get(unit)
        .map_or_else(|| unit.to_string(), |u| u.name.clone())
}
