//! Bulk import and nightly sync: plan (a dry run a person can read), then apply in one atomic,
//! version-checked write, recorded as an import batch.
//!
//! ```text
//! read (crate::import) ─► plan_import ─► guards ─► apply_import ─► report_csv
//! ```
//!
//! Any error in the plan means nothing is written ("the import will halt if any errors
//! occur"). Username, password and e-mail of existing users are never changed by an import. A
//! sync deactivates import-managed users the file no longer lists, unless a guard holds the
//! plan for an admin's approval. Planning the same file twice gives a plan that writes nothing.

mod authorize;
mod options;
mod org_plan;
mod plan;
mod plan_types;
mod report;

pub use options::{ImportMode, ImportOptions, SyncGuard};
pub use plan_types::{
    Deactivation, GuardTrip, ImportPlan, PlanCounts, PlannedGrant, PlannedOrgUnit, RowAction,
    RowPlan,
};
pub use report::report_csv;

use serde::Serialize;

use crate::activity::{ActivityAction, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::{Grant, Permission};
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, GrantId, ImportBatchId, UserId, Version};
use crate::import::ImportData;
use crate::model::{Access, OrgUnit, RecordStatus, User};
use crate::password::PasswordCredential;
use crate::storage::{ChangeSet, Op, Storage};

use super::Directory;

/// How far a long import has got, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ImportProgress {
    /// Loading the district's users.
    Loading {
        /// Users loaded so far.
        users: u64,
    },
    /// Planning rows.
    Planning {
        /// Rows planned.
        done: u64,
        /// Rows in all.
        total: u64,
    },
    /// Writing the change set.
    Writing {
        /// Ops in it.
        ops: u64,
    },
    /// Done.
    Finished,
}

/// Whether the admin approved a plan a guard held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Approval {
    /// Apply only if no guard holds the plan.
    #[default]
    Required,
    /// An admin reviewed the held plan and approves it.
    Approved,
}

/// What applying a plan did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// The batch the activity log entries reference (`None` when nothing was written).
    pub batch: Option<ImportBatchId>,
    /// What was written.
    pub counts: PlanCounts,
    /// Ops written in the one atomic change set.
    pub ops: u64,
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Plans an import of `data` into `district` without writing anything: the dry run.
    /// Needs Import Users (over the buildings of every row; district-wide for a sync).
    pub async fn plan_import(
        &self,
        actor: &Actor,
        district: DistrictId,
        data: &ImportData,
        options: &ImportOptions,
    ) -> Result<ImportPlan, Error> {
        self.plan_import_with_progress(actor, district, data, options, &|_| {})
            .await
    }

    /// [`Directory::plan_import`], reporting progress.
    pub async fn plan_import_with_progress(
        &self,
        actor: &Actor,
        district: DistrictId,
        data: &ImportData,
        options: &ImportOptions,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Result<ImportPlan, Error> {
        let district_row = self.load_district(district).await?;
        let (acting, tree) = self.acting(actor, district).await?;
        if options.sync {
            acting.require_district(Permission::ImportUsers)?;
        } else if matches!(
            acting.authority.reach(Permission::ImportUsers),
            crate::Reach::Nowhere
        ) {
            return Err(Error::forbidden(Permission::ImportUsers, "in any building"));
        }
        let users = self.all_users(district, progress).await?;
        let roles = self.storage.roles(district).await?;
        let grants = self.storage.grants(district, None).await?;
        let current = plan::Current {
            district: &district_row,
            tree: &tree,
            roles: &roles,
            users: &users,
            grants: &grants,
            authority: &acting.authority,
            now: self.now(),
        };
        Ok(plan::plan(data, &current, options, progress))
    }

    /// Applies a plan in one atomic write. Refused when the plan has errors, or a guard holds
    /// it without `Approval::Approved`; a user changed since planning makes the whole write fail
    /// with a conflict (plan again), and so does a role, grant or org-unit change in the
    /// district since planning. A plan that changes nothing writes nothing.
    ///
    /// Every change is checked again against `actor`, who may not be the one who planned it:
    /// Import Users over each user and building touched (district-wide for a sync, and to
    /// approve a held plan), Manage Org Units where the tree changes, no grant beyond what the
    /// actor holds, nobody changed who holds rights the actor does not, and the district keeps
    /// an active System Administrator.
    pub async fn apply_import(
        &self,
        actor: &Actor,
        district: DistrictId,
        plan: &ImportPlan,
        approval: Approval,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Result<ImportOutcome, Error> {
        if plan.district != district {
            return Err(Error::refused(
                Refusal::ImportHasErrors,
                "this plan was made for another district",
            ));
        }
        if plan.has_errors() {
            let errors = plan.issues.iter().filter(|i| i.is_error()).count();
            return Err(Error::refused(
                Refusal::ImportHasErrors,
                format!(
                    "the import has {errors} error(s) and was not applied; fix the file and import it again"
                ),
            ));
        }
        if !plan.held.is_empty() && approval != Approval::Approved {
            return Err(Error::refused(
                Refusal::ImportHeld,
                format!(
                    "a guard holds this import: it would {} {} of {} import-managed users (limit {}); an admin must approve it",
                    plan.held[0].what, plan.held[0].count, plan.held[0].of, plan.held[0].limit
                ),
            ));
        }
        let district_row = self.load_district(district).await?;
        if district_row.version != plan.district_version {
            // Roles, grants or org units changed since the plan: what it allows may have too.
            return Err(Error::Conflict {
                entity: crate::Entity::District,
                id: district.to_string(),
                expected: plan.district_version.get(),
                found: district_row.version.get(),
            });
        }
        let (acting, tree) = self.acting(actor, district).await?;
        if plan.is_noop() && !plan.rows.iter().any(has_grants) {
            if matches!(
                acting.authority.reach(Permission::ImportUsers),
                crate::Reach::Nowhere
            ) {
                return Err(Error::forbidden(Permission::ImportUsers, "in any building"));
            }
            progress(ImportProgress::Finished);
            return Ok(ImportOutcome {
                batch: None,
                counts: plan.counts,
                ops: 0,
            });
        }
        let roles = self.storage.roles(district).await?;
        let grants = self.storage.grants(district, None).await?;
        // The rows being changed, and the System Administrators, read in one call rather than
        // one read per row.
        let changed: Vec<UserId> = plan
            .rows
            .iter()
            .filter_map(|row| match &row.action {
                RowAction::Update { user, .. } => Some(*user),
                _ => None,
            })
            .chain(plan.deactivations.iter().map(|gone| gone.user))
            .chain(super::last_admin::system_administrator_holders(
                &roles, &grants,
            ))
            .collect::<std::collections::BTreeSet<UserId>>()
            .into_iter()
            .collect();
        let mut stored: std::collections::HashMap<UserId, User> = self
            .storage
            .users(district, &changed)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        authorize::authorize_apply(
            plan,
            approval,
            &authorize::Applying {
                authority: &acting.authority,
                tree: &tree,
                roles: &roles,
                grants: &grants,
                stored: &stored,
                now: self.now(),
            },
        )?;
        let now = self.now();
        let batch = ImportBatchId::from_uuid(self.ids.next_uuid());
        // An op and an activity entry per user or unit changed, and the batch's entry.
        let c = plan.counts;
        let logged = usize::try_from(c.created + c.updated + c.deactivated)
            .unwrap_or(0)
            .saturating_add(plan.org_units.len())
            .saturating_add(1);
        let mut changes = ChangeSet::with_capacity(logged.saturating_mul(2));
        let mut entries = Vec::with_capacity(logged);
        let log = |subject, action, fields: Vec<FieldChange>| {
            let mut entry = self.log_entry(&acting.who, district, subject, action, fields, now);
            entry.import_batch = Some(batch);
            entry
        };
        // New units come before their children: the planner ordered them.
        for unit in &plan.org_units {
            let created_at = match (unit.expected, tree.get(unit.id)) {
                (None, _) => now,
                (Some(_), Some(existing)) => existing.created_at,
                (Some(_), None) => return Err(Error::not_found(crate::Entity::OrgUnit, unit.id)),
            };
            let row = OrgUnit {
                id: unit.id,
                district,
                parent: unit.parent,
                name: unit.name.clone(),
                code: unit.code.clone(),
                kind: unit.kind,
                created_at,
                version: unit.expected.map_or(Version::FIRST, Version::next),
            };
            let field = FieldChange {
                field: "name".into(),
                old: None,
                new: Some(unit.name.clone()),
            };
            match unit.expected {
                None => {
                    entries.push(log(
                        Subject::OrgUnit(unit.id),
                        ActivityAction::Created,
                        vec![field],
                    ));
                    changes.push(Op::InsertOrgUnit(row));
                }
                Some(expected) => {
                    entries.push(log(
                        Subject::OrgUnit(unit.id),
                        ActivityAction::Updated,
                        vec![field],
                    ));
                    changes.push(Op::UpdateOrgUnit {
                        org_unit: row,
                        expected,
                    });
                }
            }
        }
        for row in &plan.rows {
            match &row.action {
                RowAction::Create {
                    details,
                    status,
                    grants,
                    temporary_password,
                } => {
                    let user = User {
                        id: UserId::from_uuid(self.ids.next_uuid()),
                        district,
                        details: (**details).clone(),
                        status: *status,
                        access: Access::Allowed,
                        created_at: now,
                        updated_at: now,
                        version: Version::FIRST,
                        import_managed: true,
                    };
                    let fields = crate::activity::created_fields(user.details.field_values());
                    let id = user.id;
                    entries.push(log(Subject::User(id), ActivityAction::Created, fields));
                    changes.push(Op::InsertUser(Box::new(user)));
                    if let Some(password) = temporary_password {
                        // Argon2id by policy: tens of milliseconds per new user with a
                        // password, on the host's hash runner, never the async worker.
                        let hash =
                            self.hashing
                                .hash(password, self.ids.salt())
                                .await
                                .map_err(|e| {
                                    Error::invalid_field(crate::Entity::User, e.at("password"))
                                })?;
                        let credential = PasswordCredential {
                            hash,
                            must_change: true,
                            set_at: now,
                        };
                        changes.push(Op::SetPassword {
                            district,
                            user: id,
                            credential,
                        });
                    }
                    self.push_grants(&mut changes, &id, grants, &acting.who, district, now);
                }
                RowAction::Update {
                    user,
                    expected,
                    details,
                    status,
                    changes: fields,
                    grants,
                } => {
                    let Some(current) = stored.remove(user) else {
                        return Err(Error::not_found(crate::Entity::User, user));
                    };
                    let updated = User {
                        details: (**details).clone(),
                        status: *status,
                        updated_at: now,
                        version: expected.next(),
                        import_managed: true,
                        ..current
                    };
                    if !fields.is_empty() {
                        entries.push(log(
                            Subject::User(*user),
                            ActivityAction::Updated,
                            fields.clone(),
                        ));
                    }
                    changes.push(Op::UpdateUser {
                        user: Box::new(updated),
                        expected: *expected,
                    });
                    self.push_grants(&mut changes, user, grants, &acting.who, district, now);
                }
                RowAction::Unchanged { .. } | RowAction::Error => {}
            }
        }
        for gone in &plan.deactivations {
            let Some(current) = stored.remove(&gone.user) else {
                return Err(Error::not_found(crate::Entity::User, gone.user));
            };
            let field = FieldChange {
                field: "status".into(),
                old: Some(current.status.to_string()),
                new: Some(RecordStatus::Inactive.to_string()),
            };
            entries.push(log(
                Subject::User(gone.user),
                ActivityAction::StatusChanged,
                vec![field],
            ));
            changes.push(Op::UpdateUser {
                user: Box::new(User {
                    status: RecordStatus::Inactive,
                    updated_at: now,
                    version: gone.expected.next(),
                    ..current
                }),
                expected: gone.expected,
            });
        }
        // The district's version, as planned: a role, grant or org-unit change committed since
        // (or racing this write) makes the whole import fail with a conflict. Grants and org
        // units written here move it in turn.
        changes.push(Op::UpdateDistrict {
            district: crate::District {
                version: plan.district_version.next(),
                ..district_row.clone()
            },
            expected: plan.district_version,
        });
        let summary = [
            ("created", c.created),
            ("updated", c.updated),
            ("unchanged", c.unchanged),
            ("deactivated", c.deactivated),
        ]
        .into_iter()
        .map(|(field, n)| FieldChange {
            field: field.into(),
            old: None,
            new: Some(n.to_string()),
        })
        .collect();
        entries.push(log(
            Subject::ImportBatch(batch),
            ActivityAction::Created,
            summary,
        ));
        for entry in entries {
            changes.push(Op::AppendActivity(entry));
        }
        let ops = changes.len() as u64;
        progress(ImportProgress::Writing { ops });
        self.commit(changes).await?;
        progress(ImportProgress::Finished);
        Ok(ImportOutcome {
            batch: Some(batch),
            counts: plan.counts,
            ops,
        })
    }

    fn push_grants(
        &self,
        changes: &mut ChangeSet,
        holder: &UserId,
        grants: &[PlannedGrant],
        who: &crate::ActorRef,
        district: DistrictId,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        for grant in grants {
            changes.push(Op::InsertGrant(Grant {
                id: GrantId::from_uuid(self.ids.next_uuid()),
                district,
                holder: *holder,
                role: grant.role,
                scope: grant.scope.clone(),
                granted_by: who.user,
                granted_at: now,
                version: Version::FIRST,
            }));
        }
    }

    /// Every user of the district, in one storage read.
    async fn all_users(
        &self,
        district: DistrictId,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Result<Vec<std::sync::Arc<User>>, Error> {
        progress(ImportProgress::Loading { users: 0 });
        let users = self.storage.district_users(district).await?;
        progress(ImportProgress::Loading {
            users: users.len() as u64,
        });
        Ok(users)
    }
}

fn has_grants(row: &RowPlan) -> bool {
    matches!(&row.action, RowAction::Create { grants, .. } | RowAction::Update { grants, .. } if !grants.is_empty())
}
