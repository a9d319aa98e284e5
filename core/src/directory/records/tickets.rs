//! Help-desk tickets.

use super::Module;
use super::access::Need;
use super::values::{clean_device, required_text};
use crate::actor::Actor;
use crate::authz::Permission;
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{DistrictId, RecordId, UserId, Version};
use crate::records::{Device, Record, RecordBody, Ticket, TicketStatus};
use crate::storage::{Entity, Storage};

impl<S: Storage + ?Sized> Directory<S> {
    /// Opens a help-desk ticket for a user: the user themselves, or staff with View Support
    /// Tickets over them. The user must be Active.
    #[tracing::instrument(level = "info", name = "directory::open_ticket", skip_all, fields(command = "open_ticket", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn open_ticket(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        subject: &str,
        device: Option<Device>,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            let own = actor.user_id() == Some(user);
            let need = Need {
                permission: (!own).then_some(Permission::ViewTickets),
                module: Some(Module::Tickets),
                creates: true,
            };
            let ctx = self
                .record_context(actor, district, user, need, now)
                .await?;
            let body = RecordBody::Ticket(Ticket {
                subject: required_text("subject", subject)?,
                status: TicketStatus::Open,
                opened_at: now,
                closed_at: None,
                device: device.map(clean_device).transpose()?,
            });
            self.write_new_record(&ctx, body, "ticket", now).await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Moves a ticket along; closing stamps the time. `expected` is the ticket's version as
    /// the caller read it; a stale one is a conflict.
    #[tracing::instrument(level = "info", name = "directory::set_ticket_status", skip_all, fields(command = "set_ticket_status", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn set_ticket_status(
        &self,
        actor: &Actor,
        district: DistrictId,
        ticket: RecordId,
        expected: Version,
        status: TicketStatus,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            let need = Need::edit(Permission::ViewTickets, Module::Tickets);
            let (ctx, record) = self
                .existing_record(actor, district, ticket, expected, need, now)
                .await?;
            let RecordBody::Ticket(mut body) = record.body.clone() else {
                return Err(Error::not_found(Entity::Record, ticket));
            };
            body.closed_at = (status == TicketStatus::Closed).then_some(now);
            body.status = status;
            self.write_record_update(&ctx, record, RecordBody::Ticket(body), "ticket", now)
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}
