//! Planning a transfer: read what the source owns and what the target has, then decide, kind
//! by kind, what moves, what stays (a conflict) and what is only counted (a kind the actor may
//! not see).

use super::Parties;
use crate::actor::Actor;
use crate::directory::Directory;
use crate::directory::profile::TabKind;
use crate::directory::records::summarize;
use crate::error::Error;
use crate::ids::{DistrictId, UserId};
use crate::records::{Record, RecordKind};
use crate::storage::{Item, Storage};
use crate::transfer::{
    ConflictReason, Move, TransferConflict, TransferGroup, TransferKind, TransferOptions,
    TransferPlan, TransferableKind,
};

impl<S: Storage + ?Sized> Directory<S> {
    /// Plans moving everything `from` owns to `to`: every record (checkouts, incidents,
    /// invoices with their payments, tickets, notes, insurance) and every row of the kinds the
    /// host registered ([`with_transferable`](Self::with_transferable)), and the authorship of
    /// every record `from` wrote about other users (`plan.authored`: counted by kind, described
    /// only when the actor may see the user it is about and its tab). With the `org_units` and
    /// `grants` options, the target is also given the source's memberships and grants the actor
    /// could give themselves (`plan.access`; the others are conflicts). Needs Transfer Data
    /// over both users, and that the actor holds everything each of them holds; with
    /// `delete_source`, Delete Users over `from` too. Writes nothing.
    ///
    /// The plan counts what moves by kind; it describes a kind only when the actor may see it
    /// over both users (its profile tab's permission), and otherwise only counts it. A record
    /// that would clash with what the target has stays where it is and is listed as a conflict:
    /// a device still out when the target already has one out, an insurance enrolment when
    /// the target is already enrolled. Pass the plan to [`apply_transfer`](Self::apply_transfer).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::{Actor, Directory, ManualClock, SequentialIds, UserDetails, UserKind};
    /// # use homeroom::transfer::TransferOptions;
    /// # use homeroom_memory::MemoryStorage;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap()));
    /// # let directory = Directory::new(Arc::new(MemoryStorage::new()), clock, Arc::new(SequentialIds::new(1)));
    /// let admin = Actor::system("setup");
    /// let district = directory.create_district(&admin, "Maple Valley USD").await?.id;
    /// let leaving = directory.create_user(&admin, district, UserDetails::new(UserKind::Staff, "Lee", "Leaving")).await?;
    /// let arriving = directory.create_user(&admin, district, UserDetails::new(UserKind::Staff, "Ari", "Arriving")).await?;
    /// directory.add_note(&admin, district, leaving.id, "keys returned").await?;
    ///
    /// let options = TransferOptions { delete_source: true, ..TransferOptions::default() };
    /// let plan = directory.plan_transfer(&admin, district, leaving.id, arriving.id, options).await?;
    /// assert_eq!(plan.moving(), 1);
    /// let report = directory.apply_transfer(&admin, &plan).await?;
    /// assert!(report.source_deleted);
    /// # Ok(())
    /// # }
    /// ```
    #[tracing::instrument(level = "info", name = "directory::plan_transfer", skip_all, fields(command = "plan_transfer", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn plan_transfer(
        &self,
        actor: &Actor,
        district: DistrictId,
        from: UserId,
        to: UserId,
        options: TransferOptions,
    ) -> Result<TransferPlan, Error> {
        let result: Result<TransferPlan, Error> = async move {
            let now = self.now();
            let parties = self
                .parties(actor, district, from, to, options, now)
                .await?;
            self.planned(&parties, options).await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The plan for `parties`, read now.
    pub(super) async fn planned(
        &self,
        parties: &Parties,
        options: TransferOptions,
    ) -> Result<TransferPlan, Error> {
        let district = parties.district.id;
        let (from, to) = (parties.from.id, parties.to.id);
        let mut plan = TransferPlan {
            district,
            from,
            to,
            groups: Vec::new(),
            authored: Vec::new(),
            access: Vec::new(),
            conflicts: Vec::new(),
            options,
            from_version: parties.from.version,
            to_version: parties.to.version,
            moves: Vec::new(),
        };
        for kind in RecordKind::ALL {
            let records = self.all_records(district, from, kind, false).await?;
            if records.is_empty() {
                continue;
            }
            let target_has = match kind {
                RecordKind::Checkout => self.all_records(district, to, kind, true).await?,
                RecordKind::Insurance => self.all_records(district, to, kind, false).await?,
                _ => Vec::new(),
            };
            let permission = TabKind::for_record(kind).permission();
            let described = parties.acting.authority.check(permission, &parties.from)
                && parties.acting.authority.check(permission, &parties.to);
            plan_records(&mut plan, kind, records, &target_has, described);
        }
        for host in self.host_kinds() {
            let items = self.owned_items(district, host.kind(), from).await?;
            if items.is_empty() {
                continue;
            }
            let target_has = self.owned_items(district, host.kind(), to).await?;
            let permission = host.permission();
            let described = parties.acting.authority.check(permission, &parties.from)
                && parties.acting.authority.check(permission, &parties.to);
            plan_items(&mut plan, &*host, items, &target_has, described);
        }
        self.plan_authored(parties, &mut plan).await?;
        self.plan_access(parties, &mut plan).await?;
        Ok(plan)
    }
}

/// Why `record` must stay, given what the target has of its kind.
fn record_conflict(record: &Record, target_has: &[Record]) -> Option<(ConflictReason, String)> {
    if target_has.is_empty() {
        return None;
    }
    match record.kind() {
        RecordKind::Checkout if record.open_device_key().is_some() => Some((
            ConflictReason::TargetHasDeviceOut,
            "the receiving user already has a device out".to_owned(),
        )),
        RecordKind::Insurance => Some((
            ConflictReason::TargetAlreadyInsured,
            "the receiving user is already enrolled in insurance".to_owned(),
        )),
        _ => None,
    }
}

/// Adds one record kind to `plan`: each record moves unless it conflicts.
fn plan_records(
    plan: &mut TransferPlan,
    kind: RecordKind,
    records: Vec<Record>,
    target_has: &[Record],
    described: bool,
) {
    let mut group = group(TransferKind::Record(kind), kind.plural(), described);
    for record in records {
        match record_conflict(&record, target_has) {
            Some((reason, why)) => {
                group.staying += 1;
                let message = if described {
                    format!("{} stays: {why}", summarize(&record))
                } else {
                    "a record you may not see stays with the source".to_owned()
                };
                plan.conflicts.push(TransferConflict {
                    kind: TransferKind::Record(kind),
                    reason,
                    message,
                });
            }
            None => {
                group.moving += 1;
                if described {
                    group.lines.push(summarize(&record));
                }
                plan.moves.push(Move::Record(Box::new(record)));
            }
        }
    }
    plan.groups.push(group);
}

/// Adds one host kind to `plan`: each row moves unless the host says it conflicts.
fn plan_items(
    plan: &mut TransferPlan,
    host: &dyn TransferableKind,
    items: Vec<Item>,
    target_has: &[Item],
    described: bool,
) {
    let kind = TransferKind::Host(host.kind());
    let mut group = group(kind.clone(), host.title(), described);
    for item in items {
        match host.conflict(&item, target_has) {
            Some(why) => {
                group.staying += 1;
                let message = if described {
                    format!("{} stays: {why}", host.describe(&item))
                } else {
                    "a row you may not see stays with the source".to_owned()
                };
                plan.conflicts.push(TransferConflict {
                    kind: kind.clone(),
                    reason: ConflictReason::Host,
                    message,
                });
            }
            None => {
                group.moving += 1;
                if described {
                    group.lines.push(host.describe(&item));
                }
                plan.moves.push(Move::Item(Box::new(item)));
            }
        }
    }
    plan.groups.push(group);
}

/// An empty group of `kind`.
pub(super) fn group(kind: TransferKind, title: &str, described: bool) -> TransferGroup {
    TransferGroup {
        kind,
        title: title.to_owned(),
        moving: 0,
        staying: 0,
        described,
        lines: Vec::new(),
    }
}
