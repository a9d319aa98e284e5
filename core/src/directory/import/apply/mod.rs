//! Turning an approved import plan into the one [`ChangeSet`] that applies it: a pure function
//! of the plan, what was loaded for it, the time and an id source. Nothing here reads storage
//! or the clock, so what an import writes can be tested without either.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::plan_types::{ImportPlan, PlannedGrant, RowAction, RowPlan};
use super::{Approval, ImportOutcome};
use crate::activity::ActorRef;
use crate::authz::Grant;
use crate::clock::IdGen;
use crate::directory::messages::{outbox_op, render_for};
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, GrantId, ImportBatchId, ItemId, UserId, Version};
use crate::messaging::{MessagePurpose, MessageTemplate};
use crate::model::{District, ImportFingerprint, OrgTree, User};
use crate::password::PasswordHash;
use crate::storage::{ChangeSet, Entity, Op};

/// What applying a plan needs from storage and the applying actor, loaded (and authorized)
/// before anything is decided.
pub(crate) struct Loaded<'a> {
    /// The district as stored now; its version must be the plan's.
    pub district: &'a District,
    /// The district's org tree now.
    pub tree: &'a OrgTree,
    /// Who applies the plan.
    pub who: &'a ActorRef,
    /// As stored now: every user the plan updates or deactivates.
    pub stored: HashMap<UserId, User>,
    /// The hashed temporary password of each row that creates a user with one, by the row's
    /// position in the plan (hashing is slow and runs off the async worker, so it is done
    /// while loading).
    pub passwords: HashMap<usize, PasswordHash>,
    /// The welcome e-mails to queue for the users the plan creates, if it sends them.
    pub welcome: Option<WelcomeBatch>,
    /// The host applications, and the stored access rows of every existing user a row enables
    /// for one.
    pub apps: &'a crate::authz::Applications,
    /// See `apps`.
    pub access: HashMap<UserId, crate::directory::app_access::AccessRows>,
}

/// Welcome e-mails for an import's new users: when they are due, and the district's template
/// (loaded once; `None`: the built-in wording).
pub(crate) struct WelcomeBatch {
    /// When the messages go out.
    pub due: DateTime<Utc>,
    /// The district's welcome template, if it saved one.
    pub template: Option<MessageTemplate>,
}

/// The change set that applies `plan`, and the import batch its log entries belong to.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct Applied {
    /// Every op, in one atomic write.
    pub changes: ChangeSet,
    /// The batch.
    pub batch: ImportBatchId,
}

/// Refuses a plan that may not be applied as it is: made for another district, with errors,
/// or held by a guard without the admin's approval.
pub(crate) fn refuse_unapplicable(
    plan: &ImportPlan,
    district: DistrictId,
    approval: Approval,
) -> Result<(), Error> {
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
    if let Some(held) = plan.held.first().filter(|_| approval != Approval::Approved) {
        return Err(Error::refused(
            Refusal::ImportHeld,
            format!(
                "a guard holds this import: it would {} {} of {} import-managed users (limit {}); an admin must approve it",
                held.what, held.count, held.of, held.limit
            ),
        ));
    }
    Ok(())
}

/// A conflict unless the district is at the version the plan was made at: roles, grants or
/// org units changed since, and what the plan allows may have too.
pub(crate) fn refuse_stale_district(plan: &ImportPlan, district: &District) -> Result<(), Error> {
    if district.version == plan.district_version {
        return Ok(());
    }
    Err(Error::Conflict {
        entity: Entity::District,
        id: district.id.to_string(),
        expected: plan.district_version.get(),
        found: district.version.get(),
    })
}

/// True when the plan writes nothing at all: no user or unit changes and no grants.
pub(crate) fn writes_nothing(plan: &ImportPlan) -> bool {
    plan.is_noop() && !plan.rows.iter().any(has_grants)
}

/// What an applied plan reports.
pub(crate) fn outcome(plan: &ImportPlan, batch: Option<ImportBatchId>, ops: u64) -> ImportOutcome {
    ImportOutcome {
        batch,
        counts: plan.counts,
        ops,
    }
}

/// The ops that apply `plan` at `now`, with ids from `ids`, gathered into one set: what
/// [`ApplyStream`] hands to storage chunk by chunk (see there for their order).
///
/// Fails with `NotFound` when `loaded` lacks a unit or user the plan changes (changed since
/// loading; the caller plans again).
#[cfg(test)]
pub(crate) fn change_set(
    plan: &ImportPlan,
    loaded: Loaded<'_>,
    now: DateTime<Utc>,
    ids: &dyn IdGen,
) -> Result<Applied, Error> {
    let mut stream = ApplyStream::new(plan, loaded, now, ids, None);
    let mut changes = ChangeSet::new();
    while let Some(chunk) = stream.next()? {
        changes.extend(chunk);
    }
    Ok(Applied {
        changes,
        batch: stream.batch(),
    })
}

/// The outbox op that welcomes `user` (none without an e-mail address).
fn welcome_op(
    batch: &WelcomeBatch,
    district: &District,
    user: &User,
    ids: &dyn IdGen,
) -> Result<Option<Op>, Error> {
    let purpose = MessagePurpose::Welcome;
    let content = render_for(batch.template.as_ref(), district, user, &purpose, "")?;
    let id = ItemId::from_uuid(ids.next_uuid());
    outbox_op(id, district.id, user, purpose, content, batch.due)
}

fn push_grants(
    changes: &mut ChangeSet,
    holder: UserId,
    grants: &[PlannedGrant],
    who: &ActorRef,
    district: DistrictId,
    now: DateTime<Utc>,
    ids: &dyn IdGen,
) {
    for grant in grants {
        changes.push(Op::InsertGrant(Grant {
            id: GrantId::from_uuid(ids.next_uuid()),
            district,
            holder,
            role: grant.role,
            scope: grant.scope.clone(),
            granted_by: who.user,
            granted_at: now,
            version: Version::FIRST,
        }));
    }
}

/// The fingerprint `row` leaves on the user it writes at `version`, if it may leave one.
fn fingerprint(plan: &ImportPlan, row: &RowPlan, version: Version) -> Option<ImportFingerprint> {
    Some(ImportFingerprint {
        row: row.fingerprint?,
        context: plan.context?,
        version,
    })
}

fn has_grants(row: &RowPlan) -> bool {
    !row.applications.is_empty()
        || matches!(&row.action, RowAction::Create { grants, .. } | RowAction::Update { grants, .. } if !grants.is_empty())
}

mod apps;
mod stream;

pub(crate) use stream::ApplyStream;
#[cfg(test)]
mod tests;
