//! Authored work in a transfer: the records the source wrote about other users (found by their
//! `authored_record` index items) are given the target as author. Planning counts them by
//! kind and describes only those about users the actor may see, on a tab they may see;
//! applying re-points each index item and the record it names (a note's author, and a
//! [`Provenance`] of kind [`Moved::Author`] on every record), at the versions the plan read.

use std::collections::{BTreeMap, BTreeSet};

use super::Parties;
use super::plan::group;
use crate::activity::ActorRef;
use crate::directory::Directory;
use crate::directory::profile::TabKind;
use crate::directory::records::summarize;
use crate::error::Error;
use crate::ids::{ItemId, UserId};
use crate::model::User;
use crate::records::{Moved, Provenance, Record, RecordBody, RecordKind};
use crate::storage::{Item, Op, Storage};
use crate::transfer::{Move, TransferGroup, TransferKind, TransferPlan};

impl<S: Storage + ?Sized> Directory<S> {
    /// Adds to `plan` what the source wrote about others: one group per kind in
    /// `plan.authored`, one move per index item.
    pub(super) async fn plan_authored(
        &self,
        parties: &Parties,
        plan: &mut TransferPlan,
    ) -> Result<(), Error> {
        let district = parties.district.id;
        let index = self.authored_items(district, parties.from.id).await?;
        if index.is_empty() {
            return Ok(());
        }
        let mut found = Vec::with_capacity(index.len());
        for (item, body) in index {
            let record = self.storage.record(district, body.record).await?;
            found.push((item, body.kind, record));
        }
        let about: BTreeSet<UserId> = found
            .iter()
            .filter_map(|(_, _, record)| record.as_ref().map(|r| r.user))
            .collect();
        let about: Vec<UserId> = about.into_iter().collect();
        let subjects: BTreeMap<UserId, User> = self
            .storage
            .users(district, &about)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let mut groups: BTreeMap<RecordKind, TransferGroup> = BTreeMap::new();
        for (item, kind, record) in found {
            let group = groups.entry(kind).or_insert_with(|| {
                group(
                    TransferKind::Authored(kind),
                    &format!("{} written", kind.plural()),
                    true,
                )
            });
            group.moving += 1;
            let line = record.as_ref().and_then(|record| {
                let subject = subjects.get(&record.user)?;
                described(parties, subject, kind).then(|| {
                    format!(
                        "{} about {}",
                        summarize(record),
                        subject.details.name.display()
                    )
                })
            });
            match line {
                Some(line) => group.lines.push(line),
                None => group.described = false,
            }
            plan.moves.push(Move::Authored {
                index: Box::new(item),
                record: record.map(Box::new),
            });
        }
        plan.authored = groups.into_values().collect();
        Ok(())
    }
}

/// True when the plan may describe a record of `kind` about `subject`: the actor sees them
/// and holds the permission of the record's tab over them.
fn described(parties: &Parties, subject: &User, kind: RecordKind) -> bool {
    parties.acting.may_see(subject)
        && parties
            .acting
            .authority
            .check(TabKind::for_record(kind).permission(), subject)
}

/// The index items a plan re-points (or deletes): what a deletion of the source in the same
/// write may leave aside.
pub(super) fn re_pointed(plan: &TransferPlan) -> BTreeSet<ItemId> {
    plan.moves
        .iter()
        .filter_map(|m| match m {
            Move::Authored { index, .. } => Some(index.id),
            _ => None,
        })
        .collect()
}

/// The op for one authored index item: re-pointed to the target, or deleted when the record
/// is gone or is about the target themselves (the index lists records about others only).
pub(super) fn index_op(index: &Item, record: Option<&Record>, to: UserId) -> Op {
    if record.is_none_or(|r| r.user == to) {
        return Op::DeleteItem {
            district: index.district,
            id: index.id,
            expected: index.version,
        };
    }
    let mut moved = index.clone();
    moved.owner = Some(to);
    moved.version = index.version.next();
    Op::UpdateItem {
        item: moved,
        expected: index.version,
    }
}

/// Gives `record` (already as the write will store it) the target as author: a note's author
/// field, and a provenance entry saying the authorship moved.
pub(super) fn re_author(record: &mut Record, provenance: &Provenance, to_name: &str) {
    if let RecordBody::Note(note) = &mut record.body
        && note.author.user == Some(provenance.from)
    {
        note.author = ActorRef::new(Some(provenance.to), to_name);
    }
    record.provenance.push(Provenance {
        moved: Moved::Author,
        ..provenance.clone()
    });
}
