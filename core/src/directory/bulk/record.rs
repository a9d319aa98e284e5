//! The stored record of an applied bulk operation, and reading it back with the delivery state
//! of each message it queued.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{BulkAction, SkipReason};
use crate::activity::ActorRef;
use crate::actor::Actor;
use crate::authz::{Permission, Reach};
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{DistrictId, ItemId, UserId};
use crate::messaging::OutboxStatus;
use crate::storage::{Entity, ItemBody, ItemKind, Storage};

/// The status an applied operation's item carries.
pub(super) const BULK_APPLIED: &str = "applied";

/// An applied bulk operation, as stored (an item of kind `bulk_operation`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOperation {
    /// What was done.
    pub action: BulkAction,
    /// Who did it.
    pub actor: ActorRef,
    /// When.
    pub at: DateTime<Utc>,
    /// How many users it changed.
    pub touched: u64,
    /// How many selected users it left alone, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// For a message, each recipient and the outbox message queued to them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<(UserId, ItemId)>,
}

impl ItemBody for BulkOperation {
    const KIND: ItemKind = ItemKind::from_static("bulk_operation");
}

/// One message of a bulk send and where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkDelivery {
    /// The recipient.
    pub user: UserId,
    /// The outbox message.
    pub message: ItemId,
    /// Where it stands; `None` when it is no longer in the outbox (withdrawn, or the
    /// recipient was deleted).
    pub status: Option<OutboxStatus>,
}

/// A bulk operation as a reader sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOperationView {
    /// The operation (its `messages` left empty: see `deliveries`).
    pub operation: BulkOperation,
    /// For a message, each recipient the reader may see and their message's state.
    pub deliveries: Vec<BulkDelivery>,
}

impl<S: Storage + ?Sized> Directory<S> {
    /// The bulk operation an activity entry names
    /// ([`bulk_operation`](crate::ActivityEntry::bulk_operation)): what was done, by whom,
    /// when, the counts, and for a message each recipient's delivery state. Needs View
    /// Activity Log somewhere (else `NotFound`); recipients outside the reader's View Users
    /// reach are left out of the deliveries.
    #[tracing::instrument(level = "info", name = "directory::bulk_operation", skip_all, fields(command = "bulk_operation", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn bulk_operation(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: ItemId,
    ) -> Result<BulkOperationView, Error> {
        let result: Result<BulkOperationView, Error> = async move {
            let (acting, _) = self.acting(actor, district, self.now()).await?;
            let not_found = || Error::not_found(Entity::Item, id);
            if matches!(
                acting.authority.reach(Permission::ViewActivityLog),
                Reach::Nowhere
            ) {
                return Err(not_found());
            }
            let item = self
                .storage
                .item(district, id)
                .await?
                .filter(|i| i.kind == BulkOperation::KIND)
                .ok_or_else(not_found)?;
            let mut operation: BulkOperation = item.decode()?;
            let messages = std::mem::take(&mut operation.messages);
            let recipients: Vec<UserId> = messages.iter().map(|(u, _)| *u).collect();
            let visible: HashSet<UserId> = self
                .storage
                .users(district, &recipients)
                .await?
                .into_iter()
                .filter(|u| acting.may_see(u))
                .map(|u| u.id)
                .collect();
            let mut deliveries = Vec::new();
            for (user, message) in messages {
                if !visible.contains(&user) {
                    continue;
                }
                let stored = self.storage.item(district, message).await?;
                let status = stored
                    .and_then(|i| i.status)
                    .and_then(|s| outbox_status(&s));
                deliveries.push(BulkDelivery {
                    user,
                    message,
                    status,
                });
            }
            Ok(BulkOperationView {
                operation,
                deliveries,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}

/// The outbox status an item's status names.
fn outbox_status(stored: &str) -> Option<OutboxStatus> {
    [
        OutboxStatus::Pending,
        OutboxStatus::Sending,
        OutboxStatus::Sent,
        OutboxStatus::Dead,
    ]
    .into_iter()
    .find(|s| s.as_str() == stored)
}
