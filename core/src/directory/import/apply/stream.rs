//! The ops that apply a plan, produced a chunk at a time while storage writes them
//! ([`Storage::apply_chunked`](crate::Storage::apply_chunked)): the plan stays whole (it is as
//! large as the file), but the users, log entries and batch rows built from it live only as
//! long as their chunk, so an import's peak memory grows with the file, not with every user
//! it writes.
//!
//! Order: org units (parents first, as planned) with their entries; then the rows,
//! [`ROWS_PER_CHUNK`] at a time, each chunk with its users, passwords, grants, welcomes, the
//! batch rows it created (see `batch_rows`) and its entries; then deactivations, likewise;
//! then the district's version bump and the batch's entry. Still one set, written all or
//! nothing.

use chrono::{DateTime, Utc};

use super::super::ImportProgress;
use super::super::batch_rows::{BatchRowsWriter, ROWS_PER_ITEM};
use super::{ImportPlan, Loaded, apps, fingerprint, push_grants, welcome_op};
use crate::activity::{ActivityAction, ActivityEntry, FieldChange, Subject};
use crate::clock::IdGen;
use crate::directory::import::plan_types::RowAction;
use crate::directory::new_entry;
use crate::error::Error;
use crate::ids::{ImportBatchId, UserId, Version};
use crate::model::{District, OrgUnit, RecordStatus, User};
use crate::password::PasswordCredential;
use crate::storage::{ChangeChunks, ChangeSet, Entity, Op, StorageError};

/// Plan rows per chunk: a multiple of the batch rows per item, so each chunk ends its items.
pub(crate) const ROWS_PER_CHUNK: usize = 5 * ROWS_PER_ITEM as usize;

/// Where the stream is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Units,
    Rows(usize),
    Deactivations(usize),
    Last,
    Done,
}

/// The ops that apply one plan, a chunk at a time. Also a [`ChangeChunks`] for storage: an
/// error while building a chunk stops the write, and [`ApplyStream::take_error`] gives it
/// back.
pub(crate) struct ApplyStream<'a> {
    plan: &'a ImportPlan,
    loaded: Loaded<'a>,
    access: apps::AccessWrites<'a>,
    kept: BatchRowsWriter,
    now: DateTime<Utc>,
    ids: &'a dyn IdGen,
    batch: ImportBatchId,
    phase: Phase,
    ops: u64,
    failed: Option<Error>,
    progress: Option<&'a (dyn Fn(ImportProgress) + Sync)>,
}

impl<'a> ApplyStream<'a> {
    /// The stream that applies `plan` at `now`, with ids from `ids`, reporting the ops
    /// produced so far to `progress`.
    pub(crate) fn new(
        plan: &'a ImportPlan,
        mut loaded: Loaded<'a>,
        now: DateTime<Utc>,
        ids: &'a dyn IdGen,
        progress: Option<&'a (dyn Fn(ImportProgress) + Sync)>,
    ) -> Self {
        let district = loaded.district.id;
        let batch = ImportBatchId::from_uuid(ids.next_uuid());
        let access = apps::AccessWrites {
            apps: loaded.apps,
            stored: std::mem::take(&mut loaded.access),
            who: loaded.who,
            district,
            batch,
            now,
        };
        Self {
            plan,
            loaded,
            access,
            kept: BatchRowsWriter::new(district, batch),
            now,
            ids,
            batch,
            phase: Phase::Units,
            ops: 0,
            failed: None,
            progress,
        }
    }

    /// The batch the plan's entries belong to.
    pub(crate) fn batch(&self) -> ImportBatchId {
        self.batch
    }

    /// Ops produced so far.
    pub(crate) fn ops(&self) -> u64 {
        self.ops
    }

    /// The error that stopped the stream, if building a chunk failed.
    pub(crate) fn take_error(&mut self) -> Option<Error> {
        self.failed.take()
    }

    /// The next chunk, `None` after the last.
    pub(crate) fn next(&mut self) -> Result<Option<ChangeSet>, Error> {
        let mut changes = ChangeSet::new();
        let mut entries = Vec::new();
        let rows = self.plan.rows.len();
        let gone = self.plan.deactivations.len();
        self.phase = match self.phase {
            Phase::Units => {
                self.units(&mut changes, &mut entries)?;
                Phase::Rows(0)
            }
            Phase::Rows(from) if from < rows => {
                let to = rows.min(from.saturating_add(ROWS_PER_CHUNK));
                changes = ChangeSet::with_capacity((to - from).saturating_mul(2));
                entries.reserve(to - from);
                for position in from..to {
                    self.row(position, &mut changes, &mut entries)?;
                }
                if let Some(op) = self.kept.flush(self.ids)? {
                    changes.push(op);
                }
                Phase::Rows(to)
            }
            Phase::Rows(_) => Phase::Deactivations(0),
            Phase::Deactivations(from) if from < gone => {
                let to = gone.min(from.saturating_add(ROWS_PER_CHUNK));
                for at in from..to {
                    self.deactivation(at, &mut changes, &mut entries)?;
                }
                Phase::Deactivations(to)
            }
            Phase::Deactivations(_) => Phase::Last,
            Phase::Last => {
                self.last(&mut changes, &mut entries);
                Phase::Done
            }
            Phase::Done => return Ok(None),
        };
        for entry in entries {
            changes.push(Op::AppendActivity(entry));
        }
        self.ops = self.ops.saturating_add(changes.len() as u64);
        if let Some(progress) = self.progress {
            progress(ImportProgress::Writing { ops: self.ops });
        }
        Ok(Some(changes))
    }

    /// An entry of the batch.
    fn log(
        &self,
        subject: Subject,
        action: ActivityAction,
        fields: Vec<FieldChange>,
    ) -> ActivityEntry {
        let loaded = &self.loaded;
        let mut entry = new_entry(
            self.ids,
            loaded.who,
            loaded.district.id,
            subject,
            action,
            fields,
            self.now,
        );
        entry.import_batch = Some(self.batch);
        entry
    }

    /// New units come before their children: the planner ordered them.
    fn units(
        &self,
        changes: &mut ChangeSet,
        entries: &mut Vec<ActivityEntry>,
    ) -> Result<(), Error> {
        let district = self.loaded.district.id;
        for unit in &self.plan.org_units {
            let created_at = match (unit.expected, self.loaded.tree.get(unit.id)) {
                (None, _) => self.now,
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
                    entries.push(self.log(subject, ActivityAction::Created, vec![field]));
                    changes.push(Op::InsertOrgUnit(row));
                }
                Some(expected) => {
                    entries.push(self.log(subject, ActivityAction::Updated, vec![field]));
                    changes.push(Op::UpdateOrgUnit {
                        org_unit: row,
                        expected,
                    });
                }
            }
        }
        Ok(())
    }

    /// The ops of the plan's row at `position`.
    fn row(
        &mut self,
        position: usize,
        changes: &mut ChangeSet,
        entries: &mut Vec<ActivityEntry>,
    ) -> Result<(), Error> {
        let plan = self.plan;
        let row = &plan.rows[position];
        let district = self.loaded.district.id;
        let (who, now, ids) = (self.loaded.who, self.now, self.ids);
        match &row.action {
            RowAction::Create {
                details,
                status,
                grants,
                ..
            } => {
                let id = UserId::from_uuid(ids.next_uuid());
                let user = User {
                    status: *status,
                    import_managed: true,
                    import_fingerprint: fingerprint(plan, row, Version::FIRST),
                    ..User::new(id, district, details.unpack()?, now)
                };
                let id = user.id;
                let (reference, full) = self.kept.push(position, &row.source, details, ids)?;
                if let Some(op) = full {
                    changes.push(op);
                }
                let mut entry = self.log(Subject::User(id), ActivityAction::Created, Vec::new());
                entry.import_row = Some(reference);
                entries.push(entry);
                let welcome = match &self.loaded.welcome {
                    Some(batch) => welcome_op(batch, self.loaded.district, &user, ids)?,
                    None => None,
                };
                changes.push(Op::InsertUser(Box::new(user)));
                if let Some(op) = welcome {
                    changes.push(op);
                }
                if let Some(hash) = self.loaded.passwords.remove(&position) {
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
                push_grants(changes, id, grants, who, district, now, ids);
                self.access
                    .push(changes, entries, id, &row.applications, ids)?;
            }
            RowAction::Update {
                user,
                expected,
                details,
                status,
                changes: fields,
                grants,
            } => {
                let Some(current) = self.loaded.stored.remove(user) else {
                    return Err(Error::not_found(Entity::User, user));
                };
                let updated = User {
                    details: details.unpack()?,
                    status: *status,
                    updated_at: now,
                    version: expected.next(),
                    import_managed: true,
                    import_fingerprint: fingerprint(plan, row, expected.next()),
                    ..current
                };
                if !fields.is_empty() {
                    entries.push(self.log(
                        Subject::User(*user),
                        ActivityAction::Updated,
                        fields.clone(),
                    ));
                }
                changes.push(Op::UpdateUser {
                    user: Box::new(updated),
                    expected: *expected,
                });
                push_grants(changes, *user, grants, who, district, now, ids);
                self.access
                    .push(changes, entries, *user, &row.applications, ids)?;
            }
            RowAction::Unchanged { .. } | RowAction::Error => {}
        }
        Ok(())
    }

    /// The ops of the plan's deactivation at `at`.
    fn deactivation(
        &mut self,
        at: usize,
        changes: &mut ChangeSet,
        entries: &mut Vec<ActivityEntry>,
    ) -> Result<(), Error> {
        let gone = &self.plan.deactivations[at];
        let Some(current) = self.loaded.stored.remove(&gone.user) else {
            return Err(Error::not_found(Entity::User, gone.user));
        };
        let field = FieldChange {
            field: "status".into(),
            old: Some(current.status.to_string()),
            new: Some(RecordStatus::Inactive.to_string()),
        };
        entries.push(self.log(
            Subject::User(gone.user),
            ActivityAction::StatusChanged,
            vec![field],
        ));
        changes.push(Op::UpdateUser {
            user: Box::new(User {
                status: RecordStatus::Inactive,
                updated_at: self.now,
                version: gone.expected.next(),
                ..current
            }),
            expected: gone.expected,
        });
        Ok(())
    }

    /// The district's version, as planned: a role, grant or org-unit change committed since
    /// (or racing this write) makes the whole import fail with a conflict. Grants and org
    /// units written here move it in turn. Then the batch's entry with its tallies.
    fn last(&self, changes: &mut ChangeSet, entries: &mut Vec<ActivityEntry>) {
        let plan = self.plan;
        changes.push(Op::UpdateDistrict {
            district: District {
                version: plan.district_version.next(),
                ..self.loaded.district.clone()
            },
            expected: plan.district_version,
        });
        let c = plan.counts;
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
        entries.push(self.log(
            Subject::ImportBatch(self.batch),
            ActivityAction::Created,
            summary,
        ));
    }
}

impl ChangeChunks for ApplyStream<'_> {
    fn next_chunk(&mut self) -> Result<Option<ChangeSet>, StorageError> {
        self.next().map_err(|error| {
            let message = format!("the import's change set could not be built: {error}");
            self.failed = Some(error);
            StorageError::Backend {
                message,
                source: None,
            }
        })
    }
}
