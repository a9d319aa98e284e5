//! Applying a planned transfer: exactly the rows the plan read, at the versions it read them,
//! moved in one change set with the log entries on both users (and the source's deletion, when
//! asked for and nothing stays).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::authored::{index_op, re_author, re_pointed};
use super::{Parties, unchanged};
use crate::activity::{ActivityAction, ActivityEntry, FieldChange, Subject};
use crate::actor::Actor;
use crate::directory::Directory;
use crate::error::{Error, Refusal};
use crate::ids::{RecordId, Version};
use crate::records::{Moved, Provenance, Record};
use crate::storage::{ChangeSet, Item, Op, Storage};
use crate::transfer::{Move, TransferKind, TransferPlan, TransferReport};

impl<S: Storage + ?Sized> Directory<S> {
    /// Applies a plan from [`plan_transfer`](Self::plan_transfer): moves exactly the rows it
    /// lists, in one write, or nothing. The actor is checked again as when planning (Transfer
    /// Data over both users, covering both, Delete Users over the source to delete them).
    /// Either user changed since the plan, or any row moved or edited since, is a
    /// [`Conflict`](crate::ErrorKind::Conflict): plan again. Both users' activity logs record
    /// the transfer (an entry per kind, so each tab's permission hides its own), and every
    /// moved record gains a [`Provenance`] naming where it came from. Records the source wrote
    /// about others get the target as author in the same write (their index items, a note's
    /// author, a [`Provenance`] of kind [`Moved::Author`]); org units and grants the plan gives
    /// are checked again for the actor applying it (`Forbidden` when they may not give one).
    ///
    /// With `delete_source`, the source is deleted in the same write; that is refused
    /// ([`Refusal::TransferLeavesData`]) when the plan leaves anything with them.
    #[tracing::instrument(level = "info", name = "directory::apply_transfer", skip_all, fields(command = "apply_transfer", district = %plan.district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn apply_transfer(
        &self,
        actor: &Actor,
        plan: &TransferPlan,
    ) -> Result<TransferReport, Error> {
        let result: Result<TransferReport, Error> = async move {
            let now = self.now();
            let parties = self
                .parties(actor, plan.district, plan.from, plan.to, plan.options, now)
                .await?;
            unchanged(&parties.from, plan.from_version)?;
            unchanged(&parties.to, plan.to_version)?;
            let deleting = plan.options.delete_source;
            if deleting && !plan.leaves_nothing() {
                return Err(Error::refused(
                    Refusal::TransferLeavesData,
                    format!(
                        "{} cannot be deleted: {} row(s) stay with them (see the plan's conflicts); resolve them, then plan the transfer again",
                        parties.from.details.name.display(),
                        plan.staying()
                    ),
                ));
            }
            let mut changes = self.transfer_ops(&parties, plan, now)?;
            changes.extend(self.access_ops(&parties, plan, now).await?);
            if deleting {
                let deletion = self
                    .deletion_ops(
                        &parties.acting,
                        &parties.district,
                        &parties.from,
                        &re_pointed(plan),
                        now,
                    )
                    .await?;
                changes.extend(deletion);
                self.commit_deletion(one_district_bump(changes), plan.district, plan.from)
                    .await?;
            } else {
                self.commit(changes).await?;
            }
            Ok(TransferReport {
                moved: plan.moving(),
                authored: plan.authored_moving(),
                access: plan.access_given(),
                source_deleted: deleting,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The moves of `plan` (records, host rows, authorship) and the log entries on both
    /// users, stamped `now`. A record both moved and re-authored is written once.
    fn transfer_ops(
        &self,
        parties: &Parties,
        plan: &TransferPlan,
        now: DateTime<Utc>,
    ) -> Result<ChangeSet, Error> {
        let mut changes = ChangeSet::new();
        let provenance = Provenance {
            moved: Moved::Owner,
            from: parties.from.id,
            from_name: parties.from.details.name.display(),
            to: parties.to.id,
            by: parties.acting.who.clone(),
            at: now,
        };
        let to_name = parties.to.details.name.display();
        // Each record written once, as it ends up, at the version the plan read.
        let mut records: BTreeMap<RecordId, (Record, Version)> = BTreeMap::new();
        for planned in &plan.moves {
            match planned {
                Move::Record(record) => {
                    records.insert(
                        record.id,
                        (moved_record(record, &provenance), record.version),
                    );
                }
                Move::Item(item) => changes.push(Op::UpdateItem {
                    item: moved_item(item, parties.to.id),
                    expected: item.version,
                }),
                Move::Authored { .. } | Move::OrgUnit(_) | Move::Grant { .. } => {}
            }
        }
        for planned in &plan.moves {
            let Move::Authored { index, record } = planned else {
                continue;
            };
            let Some(record) = record else {
                changes.push(index_op(index, None, parties.to.id));
                continue;
            };
            let (written, _) = records
                .entry(record.id)
                .or_insert_with(|| (next_version(record), record.version));
            re_author(written, &provenance, &to_name);
            changes.push(index_op(index, Some(written), parties.to.id));
        }
        for (record, expected) in records.into_values() {
            changes.push(Op::UpdateRecord { record, expected });
        }
        for group in plan
            .groups
            .iter()
            .chain(&plan.authored)
            .chain(&plan.access)
            .filter(|g| g.moving > 0)
        {
            let mut what = format!("{} {}", group.moving, group.title);
            if matches!(group.kind, TransferKind::OrgUnits | TransferKind::Grants) {
                what = format!("{what}: {}", group.lines.join(", "));
            }
            let sent = FieldChange {
                field: format!("transferred {}", group.kind).into(),
                old: Some(what.clone()),
                new: Some(format!("to {to_name}")),
            };
            let received = FieldChange {
                field: format!("transferred {}", group.kind).into(),
                old: Some(format!("from {}", provenance.from_name)),
                new: Some(what),
            };
            for (user, change) in [(parties.from.id, sent), (parties.to.id, received)] {
                changes.push(Op::AppendActivity(self.transfer_entry(
                    parties,
                    user,
                    &group.kind,
                    change,
                    now,
                )));
            }
        }
        Ok(changes)
    }

    fn transfer_entry(
        &self,
        parties: &Parties,
        user: crate::ids::UserId,
        kind: &TransferKind,
        change: FieldChange,
        now: DateTime<Utc>,
    ) -> ActivityEntry {
        let mut entry = self.log_entry(
            &parties.acting.who,
            parties.district.id,
            Subject::User(user),
            ActivityAction::DataTransferred,
            vec![change],
            now,
        );
        if let TransferKind::Record(record) | TransferKind::Authored(record) = kind {
            entry.record = Some(*record);
        }
        entry
    }
}

/// `record` one version on, otherwise as it is.
fn next_version(record: &Record) -> Record {
    let mut next = record.clone();
    next.version = record.version.next();
    next
}

/// `record` as it is after the move: the target's, one version on, with where it came from.
fn moved_record(record: &Record, provenance: &Provenance) -> Record {
    let mut moved = next_version(record);
    moved.user = provenance.to;
    moved.provenance.push(provenance.clone());
    moved
}

/// `changes` with only its first district version bump: granting and deleting an
/// administrator in one write each ask for one, at the same expected version.
fn one_district_bump(changes: ChangeSet) -> ChangeSet {
    let mut bumped = false;
    let mut kept = ChangeSet::new();
    for op in changes.into_ops() {
        if matches!(op, Op::UpdateDistrict { .. }) {
            if bumped {
                continue;
            }
            bumped = true;
        }
        kept.push(op);
    }
    kept
}

/// `item` as it is after the move: the target's, one version on.
fn moved_item(item: &Item, to: crate::ids::UserId) -> Item {
    let mut moved = item.clone();
    moved.owner = Some(to);
    moved.version = item.version.next();
    moved
}
