//! Turning an approved import plan into the one [`ChangeSet`] that applies it: a pure function
//! of the plan, what was loaded for it, the time and an id source. Nothing here reads storage
//! or the clock, so what an import writes can be tested without either.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::batch_rows::BatchRowsWriter;
use super::plan_types::{ImportPlan, PlannedGrant, RowAction, RowPlan};
use super::{Approval, ImportOutcome};
use crate::activity::{ActivityAction, ActivityEntry, ActorRef, FieldChange, Subject};
use crate::authz::Grant;
use crate::clock::IdGen;
use crate::directory::messages::{outbox_op, render_for};
use crate::directory::new_entry;
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, GrantId, ImportBatchId, ItemId, UserId, Version};
use crate::messaging::{MessagePurpose, MessageTemplate};
use crate::model::{Access, District, ImportFingerprint, OrgTree, OrgUnit, RecordStatus, User};
use crate::password::{PasswordCredential, PasswordHash};
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

/// The ops that apply `plan` at `now`, with ids from `ids`: org units (parents first, as
/// planned), then each row's user, password and grants, then deactivations, the district's
/// version bump, and an activity entry per change plus one for the batch.
///
/// Fails with `NotFound` when `loaded` lacks a unit or user the plan changes (changed since
/// loading; the caller plans again).
pub(crate) fn change_set(
    plan: &ImportPlan,
    mut loaded: Loaded<'_>,
    now: DateTime<Utc>,
    ids: &dyn IdGen,
) -> Result<Applied, Error> {
    let district = loaded.district.id;
    let batch = ImportBatchId::from_uuid(ids.next_uuid());
    // An op and an activity entry per user or unit changed, and the batch's entry.
    let c = plan.counts;
    let logged = usize::try_from(c.created + c.updated + c.deactivated)
        .unwrap_or(0)
        .saturating_add(plan.org_units.len())
        .saturating_add(1);
    let mut changes = ChangeSet::with_capacity(logged.saturating_mul(2));
    let mut entries = Vec::with_capacity(logged);
    let access = apps::AccessWrites {
        apps: loaded.apps,
        stored: std::mem::take(&mut loaded.access),
        who: loaded.who,
        district,
        batch,
        now,
    };
    let mut kept = BatchRowsWriter::new(district, batch);
    let log = |subject, action, fields: Vec<FieldChange>| -> ActivityEntry {
        let mut entry = new_entry(ids, loaded.who, district, subject, action, fields, now);
        entry.import_batch = Some(batch);
        entry
    };
    // New units come before their children: the planner ordered them.
    for unit in &plan.org_units {
        let created_at = match (unit.expected, loaded.tree.get(unit.id)) {
            (None, _) => now,
            (Some(_), Some(existing)) => existing.created_at,
            (Some(_), None) => return Err(Error::not_found(Entity::OrgUnit, unit.id)),
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
        let subject = Subject::OrgUnit(unit.id);
        match unit.expected {
            None => {
                entries.push(log(subject, ActivityAction::Created, vec![field]));
                changes.push(Op::InsertOrgUnit(row));
            }
            Some(expected) => {
                entries.push(log(subject, ActivityAction::Updated, vec![field]));
                changes.push(Op::UpdateOrgUnit {
                    org_unit: row,
                    expected,
                });
            }
        }
    }
    for (position, row) in plan.rows.iter().enumerate() {
        match &row.action {
            RowAction::Create {
                details,
                status,
                grants,
                ..
            } => {
                let user = User {
                    id: UserId::from_uuid(ids.next_uuid()),
                    district,
                    details: (**details).clone(),
                    status: *status,
                    access: Access::Allowed,
                    created_at: now,
                    updated_at: now,
                    version: Version::FIRST,
                    import_managed: true,
                    import_fingerprint: fingerprint(plan, row, Version::FIRST),
                };
                let id = user.id;
                let (reference, full) = kept.push(position, &row.source, &user.details, ids)?;
                if let Some(op) = full {
                    changes.push(op);
                }
                let mut entry = log(Subject::User(id), ActivityAction::Created, Vec::new());
                entry.import_row = Some(reference);
                entries.push(entry);
                let welcome = match &loaded.welcome {
                    Some(batch) => welcome_op(batch, loaded.district, &user, ids)?,
                    None => None,
                };
                changes.push(Op::InsertUser(Box::new(user)));
                if let Some(op) = welcome {
                    changes.push(op);
                }
                if let Some(hash) = loaded.passwords.remove(&position) {
                    changes.push(Op::SetPassword {
                        district,
                        user: id,
                        credential: PasswordCredential {
                            hash,
                            must_change: plan.temporary_passwords_must_change,
                            set_at: now,
                        },
                    });
                }
                push_grants(&mut changes, id, grants, loaded.who, district, now, ids);
                access.push(&mut changes, &mut entries, id, &row.applications, ids)?;
            }
            RowAction::Update {
                user,
                expected,
                details,
                status,
                changes: fields,
                grants,
            } => {
                let Some(current) = loaded.stored.remove(user) else {
                    return Err(Error::not_found(Entity::User, user));
                };
                let updated = User {
                    details: (**details).clone(),
                    status: *status,
                    updated_at: now,
                    version: expected.next(),
                    import_managed: true,
                    import_fingerprint: fingerprint(plan, row, expected.next()),
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
                push_grants(&mut changes, *user, grants, loaded.who, district, now, ids);
                access.push(&mut changes, &mut entries, *user, &row.applications, ids)?;
            }
            RowAction::Unchanged { .. } | RowAction::Error => {}
        }
    }
    if let Some(op) = kept.flush(ids)? {
        changes.push(op);
    }
    for gone in &plan.deactivations {
        let Some(current) = loaded.stored.remove(&gone.user) else {
            return Err(Error::not_found(Entity::User, gone.user));
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
        district: District {
            version: plan.district_version.next(),
            ..loaded.district.clone()
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
    Ok(Applied { changes, batch })
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
#[cfg(test)]
mod tests;
