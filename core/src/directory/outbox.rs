//! Draining the outbox: claim each due message, hand it to the host's [`Mailer`], record the
//! outcome. At least once: a message is marked `sent` only after the mailer accepted it.

use chrono::{DateTime, Utc};

use super::Directory;
use crate::actor::Actor;
use crate::authz::Permission;
use crate::error::Error;
use crate::ids::DistrictId;
use crate::messaging::{
    DrainOptions, DrainReport, Mailer, MailerError, OutboxMessage, OutboxStatus, backoff,
};
use crate::storage::{ChangeSet, Item, ItemBody, ItemQuery, Op, Storage, StorageErrorKind};
use crate::validation::limits;

/// What became of one message.
enum Outcome {
    Sent,
    Retrying,
    Dead,
    Skipped,
    Unrecorded,
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Sends up to `limit` due messages of `district` through `mailer`, with the default
    /// [`DrainOptions`]; see [`drain_outbox_with`](Self::drain_outbox_with).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// use homeroom::messaging::{Mailer, MailerError, OutboxMessage};
    ///
    /// struct Log;
    /// #[async_trait::async_trait]
    /// impl Mailer for Log {
    ///     async fn send(&self, message: &OutboxMessage, key: &str) -> Result<(), MailerError> {
    ///         Ok(()) // hand `message` to SMTP or an e-mail API, passing `key` along
    ///     }
    /// }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let directory = Directory::new(
    /// #     Arc::new(homeroom_memory::MemoryStorage::new()),
    /// #     Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap())),
    /// #     Arc::new(SequentialIds::new(1)),
    /// # );
    /// let sender = Actor::system("outbox timer");
    /// # let district = directory.create_district(&sender, "Maple Valley USD").await?.id;
    /// let report = directory.drain_outbox(&sender, district, &Log, 100).await?;
    /// assert_eq!(report.sent, 0); // nothing was queued
    /// # Ok::<(), Error>(()) }).unwrap();
    /// ```
    pub async fn drain_outbox(
        &self,
        actor: &Actor,
        district: DistrictId,
        mailer: &dyn Mailer,
        limit: u32,
    ) -> Result<DrainReport, Error> {
        self.drain_outbox_with(actor, district, mailer, limit, &DrainOptions::default())
            .await
    }

    /// Sends up to `limit` due messages of `district` through `mailer`; needs Send Messages
    /// district-wide (a system actor, such as the host's timer, holds it).
    ///
    /// Due messages are those `pending` whose time has come, and those left `sending` by a
    /// sender that claimed them and then stopped (crashed) before recording the outcome, once
    /// their claim has timed out. Each is first claimed (`sending`, due again after
    /// [`DrainOptions::claim_timeout`]) by a write at the version listed, so of two senders
    /// (replicas) draining at once only one sends it: the other's claim conflicts and it skips
    /// the message. Then the mailer is called with the message's id as the idempotency key,
    /// and the outcome written: `sent`; or, on failure, `pending` again after a
    /// [`backoff`] with the attempt counted and the error kept; or `dead` once
    /// [`DrainOptions::max_attempts`] are used up, or at once when the mailer says the failure
    /// is permanent.
    ///
    /// Delivery is at least once: if the outcome cannot be written after the mailer accepted a
    /// message, it stays claimed and is sent again when the claim times out (with the same
    /// idempotency key). A failure to claim or to list fails the drain; what it did so far
    /// stays done.
    #[tracing::instrument(level = "info", name = "directory::drain_outbox", skip_all, fields(command = "drain_outbox", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn drain_outbox_with(
        &self,
        actor: &Actor,
        district: DistrictId,
        mailer: &dyn Mailer,
        limit: u32,
        options: &DrainOptions,
    ) -> Result<DrainReport, Error> {
        let result = async move {
            let now = self.now();
            let (_, acting, _) = self.acting_in(actor, district, now).await?;
            acting.require_district(Permission::SendMessages)?;
            let mut report = DrainReport::default();
            for item in self.due_messages(district, now, limit).await? {
                match self.send_one(item, mailer, options, now).await? {
                    Outcome::Sent => report.sent += 1,
                    Outcome::Retrying => report.retrying += 1,
                    Outcome::Dead => report.dead += 1,
                    Outcome::Skipped => report.skipped += 1,
                    Outcome::Unrecorded => report.unrecorded += 1,
                }
            }
            Ok(report)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Up to `limit` messages due at `now`: pending ones, then timed-out claims.
    async fn due_messages(
        &self,
        district: DistrictId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Item>, Error> {
        let mut due = Vec::new();
        for status in [OutboxStatus::Pending, OutboxStatus::Sending] {
            let left = limit.saturating_sub(u32::try_from(due.len()).unwrap_or(u32::MAX));
            if left == 0 {
                break;
            }
            let mut query = ItemQuery::of(OutboxMessage::KIND)
                .with_status(status.as_str())
                .due_by(now);
            query.limit = left;
            due.extend(self.storage.items(district, &query).await?.items);
        }
        Ok(due)
    }

    async fn send_one(
        &self,
        listed: Item,
        mailer: &dyn Mailer,
        options: &DrainOptions,
        now: DateTime<Utc>,
    ) -> Result<Outcome, Error> {
        let mut message: OutboxMessage = listed.decode()?;
        let claimed = Item {
            version: listed.version.next(),
            status: Some(OutboxStatus::Sending.as_str().to_owned()),
            due: Some(now + options.claim_timeout),
            ..listed.clone()
        };
        match self.write(&listed, claimed.clone()).await {
            Ok(()) => {}
            Err(e) if e.kind() == StorageErrorKind::Conflict => return Ok(Outcome::Skipped),
            Err(e) if e.kind() == StorageErrorKind::NotFound => return Ok(Outcome::Skipped),
            Err(e) => return Err(e.into()),
        }
        let sent = mailer.send(&message, &listed.id.to_string()).await;
        message.attempts = message.attempts.saturating_add(1);
        let (status, due, outcome) = match &sent {
            Ok(()) => {
                message.last_error = None;
                (OutboxStatus::Sent, None, Outcome::Sent)
            }
            Err(failure) => {
                message.last_error = Some(short(failure));
                if failure.permanent || message.attempts >= options.max_attempts.max(1) {
                    (OutboxStatus::Dead, None, Outcome::Dead)
                } else {
                    let wait = backoff(message.attempts, options);
                    (OutboxStatus::Pending, Some(now + wait), Outcome::Retrying)
                }
            }
        };
        let mut done = Item {
            version: claimed.version.next(),
            status: Some(status.as_str().to_owned()),
            due,
            ..claimed.clone()
        };
        done.set_body(&message)?;
        match self.write(&claimed, done).await {
            Ok(()) => Ok(outcome),
            Err(error) => {
                tracing::warn!(
                    item = %listed.id,
                    error_kind = ?error.kind(),
                    "the outcome of a send could not be written; the message is tried again after its claim times out"
                );
                Ok(Outcome::Unrecorded)
            }
        }
    }

    /// Replaces `old` by `new`, at `old`'s version.
    async fn write(&self, old: &Item, new: Item) -> Result<(), crate::StorageError> {
        let op = Op::UpdateItem {
            item: new,
            expected: old.version,
        };
        self.storage.apply(ChangeSet::new().with(op)).await
    }
}

/// The mailer's error, cut to a length the item keeps.
fn short(failure: &MailerError) -> String {
    failure.message.chars().take(limits::TEXT).collect()
}
