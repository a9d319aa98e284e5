//! Writing a record with its activity-log entry, and describing records in the log.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::Context;
use crate::activity::{ActivityAction, ActivityEntry, FieldChange, Subject};
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{RecordId, UserId, Version};
use crate::records::{Record, RecordBody};
use crate::storage::{ChangeSet, Op, Storage};

impl<S: Storage + ?Sized> Directory<S> {
    /// Inserts a new record about `ctx.user`, logged as `what`, at `now`.
    pub(super) async fn write_new_record(
        &self,
        ctx: &Context,
        body: RecordBody,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<Record, Error> {
        let record = Record {
            id: RecordId::from_uuid(self.ids.next_uuid()),
            district: ctx.district.id,
            user: ctx.user.id,
            body,
            version: Version::FIRST,
            provenance: Vec::new(),
        };
        let entry = self.record_entry(ctx, &record, None, what, ActivityAction::Created, now);
        let mut changes = ChangeSet::new()
            .with(Op::InsertRecord(record.clone()))
            .with(Op::AppendActivity(entry));
        if let Some(op) = self.authorship(ctx.acting.who.user, &record)? {
            changes.push(op);
        }
        self.commit(changes).await?;
        Ok(record)
    }

    /// Replaces `old`'s body, checked against the version `old` was read at (the caller's,
    /// once [`Directory::existing_record`] has matched them), logged as `what`, at `now`.
    pub(super) async fn write_record_update(
        &self,
        ctx: &Context,
        old: Record,
        body: RecordBody,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<Record, Error> {
        let expected = old.version;
        let record = Record {
            body,
            version: expected.next(),
            ..old.clone()
        };
        let entry = self.record_entry(ctx, &record, Some(&old), what, ActivityAction::Updated, now);
        self.commit(
            ChangeSet::new()
                .with(Op::UpdateRecord {
                    record: record.clone(),
                    expected,
                })
                .with(Op::AppendActivity(entry)),
        )
        .await?;
        Ok(record)
    }

    /// Deletes `record` (read at its stored version, checked against the caller's by
    /// [`Directory::existing_record`]) with the log entry "`what` deleted" at `now`, and the
    /// note of authorship `author` left when they wrote it about someone else.
    pub(super) async fn write_record_delete(
        &self,
        ctx: &Context,
        record: &Record,
        author: Option<UserId>,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let mut entry = self.record_entry(ctx, record, None, what, ActivityAction::Deleted, now);
        for change in &mut entry.changes {
            // What was there, and nothing now.
            change.old = change.new.take();
        }
        let mut changes = ChangeSet::new()
            .with(Op::DeleteRecord {
                district: record.district,
                id: record.id,
                expected: record.version,
            })
            .with(Op::AppendActivity(entry));
        if let Some(op) = self.authorship_removal(author, record).await? {
            changes.push(op);
        }
        self.commit(changes).await
    }

    /// Notes are not summarised in the log (they are staff-only text); other records are.
    fn record_entry(
        &self,
        ctx: &Context,
        record: &Record,
        old: Option<&Record>,
        what: &str,
        action: ActivityAction,
        now: DateTime<Utc>,
    ) -> ActivityEntry {
        let summary = |r: &Record| match &r.body {
            RecordBody::Note(_) => "(note)".to_string(),
            _ => summarize(r),
        };
        let change = FieldChange {
            field: what.to_owned().into(),
            old: old.map(summary),
            new: Some(summary(record)),
        };
        let mut entry = self.log_entry(
            &ctx.acting.who,
            ctx.district.id,
            Subject::User(ctx.user.id),
            action,
            vec![change],
            now,
        );
        entry.record = Some(record.kind());
        entry
    }
}

/// A one-line description of a record for the activity log.
pub(crate) fn summarize(record: &Record) -> String {
    match &record.body {
        RecordBody::Checkout(c) => format!(
            "{}{}{}",
            c.device.asset_tag,
            if c.loaner { " (loaner)" } else { "" },
            if c.is_out() { ", out" } else { ", returned" }
        ),
        RecordBody::Incident(i) => format!("{:?}, {:?}: {}", i.kind, i.status, i.description),
        RecordBody::Invoice(i) => format!(
            "{:?}, total {}, balance {}",
            i.status(),
            shown_amount(i.total()),
            shown_amount(i.balance())
        ),
        RecordBody::Ticket(t) => format!("{:?}: {}", t.status, t.subject),
        RecordBody::Note(n) => n.text.clone(),
        RecordBody::Insurance(i) => format!("{}, {} claim(s)", i.plan, i.claims.len()),
    }
}

/// An amount for people to read; one too large to compute (a corrupt row) says so.
pub(crate) fn shown_amount(amount: Option<Decimal>) -> String {
    amount.map_or_else(|| "(too large to compute)".to_owned(), |a| a.to_string())
}
