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
//!
//! Both steps keep their decisions pure: `plan` is a function of the rows and the district,
//! and `apply::change_set` of the plan, what `apply_import` loaded for it, the time and an id
//! source; the async methods here only load, call them and commit.

mod apply;
mod authorize;
mod batch_rows;
#[cfg(test)]
mod fixtures;
mod options;
mod org_plan;
mod packed_details;
mod packed_rows;
mod plan;
mod plan_types;
mod report;
mod sync;

pub use options::{ImportMode, ImportOptions, SyncGuard};
pub use packed_details::PackedDetails;
pub use plan_types::{
    Deactivation, GuardTrip, ImportPlan, PlanCounts, PlannedGrant, PlannedOrgUnit, RowAction,
    RowPlan,
};
pub use report::report_csv;
pub use sync::HeldLease;

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::actor::Actor;
use crate::authz::{Grant, Permission};
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, ImportBatchId, UserId};
use crate::import::ImportData;
use crate::messaging::{MessagePurpose, Welcome};
use crate::model::User;
use crate::password::PasswordHash;
use crate::storage::Storage;

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

/// What applying a plan did (a record a host may keep: it deserializes too).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    #[tracing::instrument(level = "info", name = "directory::plan_import", skip_all, fields(command = "plan_import", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn plan_import(
        &self,
        actor: &Actor,
        district: DistrictId,
        data: &ImportData,
        options: &ImportOptions,
    ) -> Result<ImportPlan, Error> {
        let result: Result<ImportPlan, Error> = async move {
            self.plan_import_with_progress(actor, district, data, options, &|_| {})
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// [`Directory::plan_import`], reporting progress.
    #[tracing::instrument(level = "info", name = "directory::plan_import_with_progress", skip_all, fields(command = "plan_import_with_progress", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn plan_import_with_progress(
        &self,
        actor: &Actor,
        district: DistrictId,
        data: &ImportData,
        options: &ImportOptions,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Result<ImportPlan, Error> {
        let result: Result<ImportPlan, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            if options.sync {
                acting.require_district(Permission::ImportUsers)?;
            } else if matches!(
                acting.authority.reach(Permission::ImportUsers),
                crate::Reach::Nowhere
            ) {
                return Err(Error::forbidden(Permission::ImportUsers, "in any building"));
            }
            let context = plan::fingerprint::context_hash(&district_row, &tree, options);
            if let Some(context) = context
                && reaches_everyone(&acting.authority)
                && !options.full_compare
            {
                // The nightly sync that changes nothing is decided from the light read alone.
                let stamps = self.storage.import_stamps(district).await?;
                if let Some(plan) =
                    plan::skip::unchanged_plan(data, &stamps, &district_row, context, options)
                {
                    progress(ImportProgress::Finished);
                    return Ok(plan);
                }
            }
            let users = self.all_users(district, progress).await?;
            let roles = self.storage.roles(district).await?;
            let grants = self.storage.grants(district, None).await?;
            let enabled = if has_application_columns(data) && !self.apps.is_empty() {
                self.enabled_by_user(district).await?
            } else {
                HashMap::new()
            };
            let current = plan::Current {
                district: &district_row,
                tree: &tree,
                roles: &roles,
                users: &users,
                grants: &grants,
                authority: &acting.authority,
                apps: &self.apps,
                enabled: &enabled,
                now,
                context,
            };
            plan::plan(data, &current, options, progress)
        }
        .await;
        crate::directory::traced::outcome(result)
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
    ///
    /// A sync plan (`ImportOptions::sync`) is refused with [`Refusal::SyncNeedsLease`]: it
    /// deactivates whoever the file leaves out, so it runs only under the district's sync lease,
    /// through [`Directory::apply_sync`].
    #[tracing::instrument(level = "info", name = "directory::apply_import", skip_all, fields(command = "apply_import", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn apply_import(
        &self,
        actor: &Actor,
        district: DistrictId,
        plan: &ImportPlan,
        approval: Approval,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Result<ImportOutcome, Error> {
        let result: Result<ImportOutcome, Error> = async move {
        if plan.is_sync() {
            return Err(Error::refused(
                Refusal::SyncNeedsLease,
                "a sync deactivates the users its file leaves out, so it is applied only under the district's sync lease (apply_sync); nothing was written",
            ));
        }
        self.apply_plan(actor, district, plan, approval, None, progress)
            .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// [`Directory::apply_import`], fenced by `lease` when one is given: it is renewed just
    /// before the write, and a lease lost by then stops the write.
    async fn apply_plan(
        &self,
        actor: &Actor,
        district: DistrictId,
        plan: &ImportPlan,
        approval: Approval,
        lease: Option<&HeldLease<'_>>,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Result<ImportOutcome, Error> {
        let now = self.now();
        apply::refuse_unapplicable(plan, district, approval)?;
        let district_row = self.load_district(district).await?;
        apply::refuse_stale_district(plan, &district_row)?;
        let (acting, tree) = self.acting(actor, district, now).await?;
        if apply::writes_nothing(plan) {
            if matches!(
                acting.authority.reach(Permission::ImportUsers),
                crate::Reach::Nowhere
            ) {
                return Err(Error::forbidden(Permission::ImportUsers, "in any building"));
            }
            progress(ImportProgress::Finished);
            return Ok(apply::outcome(plan, None, 0));
        }
        let roles = self.storage.roles(district).await?;
        let grants = self.storage.grants(district, None).await?;
        let stored = self.stored_users(district, plan, &roles, &grants).await?;
        authorize::authorize_apply(
            plan,
            approval,
            &authorize::Applying {
                authority: &acting.authority,
                tree: &tree,
                roles: &roles,
                grants: &grants,
                stored: &stored,
                now,
                apps: &self.apps,
            },
        )?;
        let mut access = HashMap::new();
        for row in plan.rows.iter().filter(|r| !r.applications.is_empty()) {
            if let RowAction::Update { user, .. } = &row.action {
                access.insert(*user, self.access_rows(district, *user).await?);
            }
        }
        let passwords = self.hash_temporary_passwords(plan).await?;
        let welcome = self.welcome_batch(plan, district, now).await?;
        let loaded = apply::Loaded {
            district: &district_row,
            tree: &tree,
            who: &acting.who,
            stored,
            passwords,
            welcome,
            apps: &self.apps,
            access,
        };
        if let Some(lease) = lease {
            lease.confirm().await?;
        }
        // The change set is built a chunk at a time while storage writes it, in one
        // transaction: see `apply::ApplyStream`.
        let mut stream = apply::ApplyStream::new(plan, loaded, now, &*self.ids, Some(progress));
        if let Err(error) = self.storage.apply_chunked(&mut stream).await {
            return Err(stream.take_error().unwrap_or_else(|| error.into()));
        }
        progress(ImportProgress::Finished);
        Ok(apply::outcome(plan, Some(stream.batch()), stream.ops()))
    }

    /// The users the plan updates or deactivates, and the System Administrators (whom the
    /// last-administrator check needs), read in one call rather than one read per row.
    async fn stored_users(
        &self,
        district: DistrictId,
        plan: &ImportPlan,
        roles: &[crate::authz::Role],
        grants: &[Grant],
    ) -> Result<HashMap<UserId, User>, Error> {
        let changed: Vec<UserId> = plan
            .rows
            .iter()
            .filter_map(|row| match &row.action {
                RowAction::Update { user, .. } => Some(*user),
                _ => None,
            })
            .chain(plan.deactivations.iter().map(|gone| gone.user))
            .chain(super::last_admin::system_administrator_holders(
                roles, grants,
            ))
            .collect::<BTreeSet<UserId>>()
            .into_iter()
            .collect();
        Ok(self
            .storage
            .users(district, &changed)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect())
    }

    /// What welcoming the plan's new users needs: the due time and the district's welcome
    /// template, read once. `None` when the plan sends no welcomes.
    async fn welcome_batch(
        &self,
        plan: &ImportPlan,
        district: DistrictId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<apply::WelcomeBatch>, Error> {
        let due = match plan.welcome {
            Welcome::Never => return Ok(None),
            _ if plan.counts.welcomes == 0 => return Ok(None),
            Welcome::Now => now,
            Welcome::At(at) => at,
        };
        let template = self
            .saved_template(district, &MessagePurpose::Welcome)
            .await?;
        Ok(Some(apply::WelcomeBatch { due, template }))
    }

    /// Hashes the temporary password of every row that creates a user with one, by row
    /// position. Argon2id by policy: tens of milliseconds each, on the host's hash runner,
    /// never the async worker.
    async fn hash_temporary_passwords(
        &self,
        plan: &ImportPlan,
    ) -> Result<HashMap<usize, PasswordHash>, Error> {
        let mut hashes = HashMap::new();
        for (position, row) in plan.rows.iter().enumerate() {
            if let RowAction::Create {
                temporary_password: Some(password),
                ..
            } = &row.action
            {
                let hash = self
                    .hashing
                    .hash(password, self.ids.salt())
                    .await
                    .map_err(|e| Error::invalid_field(crate::Entity::User, e.at("password")))?;
                hashes.insert(position, hash);
            }
        }
        Ok(hashes)
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

/// True when `authority` views and imports every user of the district (a row skipped by
/// fingerprint is never checked against the importer's reach).
fn reaches_everyone(authority: &crate::authz::Authority) -> bool {
    [Permission::ViewUsers, Permission::ImportUsers]
        .into_iter()
        .all(|p| matches!(authority.reach(p), crate::Reach::District))
}

/// True when the users file has a `<Application> Group Name` or `<Application> Role` column.
fn has_application_columns(data: &ImportData) -> bool {
    data.users.first().is_some_and(|row| {
        let columns = row.columns();
        columns.names().iter().enumerate().any(|(i, name)| {
            columns.field(i).is_none() && crate::import::application_column(name).is_some()
        })
    })
}
