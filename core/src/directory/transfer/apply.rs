//! Applying a planned transfer: exactly the rows the plan read, at the versions it read them,
//! moved in one change set with the log entries on both users (and the source's deletion, when
//! asked for and nothing stays).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Parties, unchanged};
use crate::activity::{ActivityAction, ActivityEntry, FieldChange, Subject};
use crate::actor::Actor;
use crate::directory::Directory;
use crate::error::{Error, Refusal};
use crate::records::{Provenance, Record};
use crate::storage::{ChangeSet, Item, Op, Storage};
use crate::transfer::{Move, TransferKind, TransferPlan, TransferReport};

impl<S: Storage + ?Sized> Directory<S> {
    /// Applies a plan from [`plan_transfer`](Self::plan_transfer): moves exactly the rows it
    /// lists, in one write, or nothing. The actor is checked again as when planning (Transfer
    /// Data over both users, covering both, Delete Users over the source to delete them).
    /// Either user changed since the plan, or any row moved or edited since, is a
    /// [`Conflict`](crate::ErrorKind::Conflict): plan again. Both users' activity logs record
    /// the transfer (an entry per kind, so each tab's permission hides its own), and every
    /// moved record gains a [`Provenance`] naming where it came from.
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
            if deleting {
                let deletion = self
                    .deletion_ops(&parties.acting, &parties.district, &parties.from, now)
                    .await?;
                changes.extend(deletion);
                self.commit_deletion(changes, plan.district, plan.from)
                    .await?;
            } else {
                self.commit(changes).await?;
            }
            Ok(TransferReport {
                moved: plan.moving(),
                source_deleted: deleting,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The moves of `plan` and the log entries on both users, stamped `now`.
    fn transfer_ops(
        &self,
        parties: &Parties,
        plan: &TransferPlan,
        now: DateTime<Utc>,
    ) -> Result<ChangeSet, Error> {
        let mut changes = ChangeSet::new();
        let provenance = Provenance {
            from: parties.from.id,
            from_name: parties.from.details.name.display(),
            to: parties.to.id,
            by: parties.acting.who.clone(),
            at: now,
        };
        for planned in &plan.moves {
            match planned {
                Move::Record(record) => changes.push(Op::UpdateRecord {
                    record: moved_record(record, &provenance),
                    expected: record.version,
                }),
                Move::Item(item) => changes.push(Op::UpdateItem {
                    item: moved_item(item, parties.to.id),
                    expected: item.version,
                }),
            }
        }
        let mut moving: BTreeMap<&TransferKind, (u64, &str)> = BTreeMap::new();
        for group in plan.groups.iter().filter(|g| g.moving > 0) {
            moving.insert(&group.kind, (group.moving, &group.title));
        }
        let to_name = parties.to.details.name.display();
        for (kind, (count, title)) in moving {
            let what = format!("{count} {title}");
            let sent = FieldChange {
                field: format!("transferred {kind}").into(),
                old: Some(what.clone()),
                new: Some(format!("to {to_name}")),
            };
            let received = FieldChange {
                field: format!("transferred {kind}").into(),
                old: Some(format!("from {}", provenance.from_name)),
                new: Some(what),
            };
            for (user, change) in [(parties.from.id, sent), (parties.to.id, received)] {
                changes.push(Op::AppendActivity(
                    self.transfer_entry(parties, user, kind, change, now),
                ));
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
        if let TransferKind::Record(record) = kind {
            entry.record = Some(*record);
        }
        entry
    }
}

/// `record` as it is after the move: the target's, one version on, with where it came from.
fn moved_record(record: &Record, provenance: &Provenance) -> Record {
    let mut moved = record.clone();
    moved.user = provenance.to;
    moved.version = record.version.next();
    moved.provenance.push(provenance.clone());
    moved
}

/// `item` as it is after the move: the target's, one version on.
fn moved_item(item: &Item, to: crate::ids::UserId) -> Item {
    let mut moved = item.clone();
    moved.owner = Some(to);
    moved.version = item.version.next();
    moved
}
