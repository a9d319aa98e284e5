//! Recording incidents (damage, loss, theft) and moving them along.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::Module;
use super::access::Need;
use super::values::{clean_device, non_negative, required_text};
use crate::actor::Actor;
use crate::authz::Permission;
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{DistrictId, RecordId, UserId, Version};
use crate::records::{Device, Incident, IncidentKind, IncidentStatus, Record, RecordBody};
use crate::storage::{Entity, Storage};

/// An incident to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewIncident {
    /// What happened.
    pub kind: IncidentKind,
    /// In the reporter's words.
    pub description: String,
    /// The day it happened.
    pub occurred_on: NaiveDate,
    /// The device involved.
    pub device: Option<Device>,
    /// The repair cost, if known.
    pub repair_cost: Option<Decimal>,
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Records an incident. Needs Create Incidents; the user must be Active.
    #[tracing::instrument(level = "info", name = "directory::record_incident", skip_all, fields(command = "record_incident", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn record_incident(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        incident: NewIncident,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            let need = Need::create(Permission::CreateIncidents, Module::Incidents);
            let ctx = self
                .record_context(actor, district, user, need, now)
                .await?;
            let description = required_text("description", &incident.description)?;
            if let Some(cost) = incident.repair_cost {
                non_negative("repair_cost", cost)?;
            }
            let body = RecordBody::Incident(Incident {
                kind: incident.kind,
                status: IncidentStatus::Open,
                description,
                occurred_on: incident.occurred_on,
                reported_at: now,
                device: incident.device.map(clean_device).transpose()?,
                repair_cost: incident.repair_cost,
            });
            self.write_new_record(&ctx, body, "incident", now).await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Moves an incident along (open → in repair → resolved), with the repair cost when known.
    /// `expected` is the incident's version as the caller read it; a stale one is a conflict.
    #[tracing::instrument(level = "info", name = "directory::update_incident", skip_all, fields(command = "update_incident", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn update_incident(
        &self,
        actor: &Actor,
        district: DistrictId,
        incident: RecordId,
        expected: Version,
        status: IncidentStatus,
        repair_cost: Option<Decimal>,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            let need = Need::edit(Permission::CreateIncidents, Module::Incidents);
            let (ctx, record) = self
                .existing_record(actor, district, incident, expected, need, now)
                .await?;
            let RecordBody::Incident(mut body) = record.body.clone() else {
                return Err(Error::not_found(Entity::Record, incident));
            };
            if let Some(cost) = repair_cost {
                non_negative("repair_cost", cost)?;
                body.repair_cost = Some(cost);
            }
            body.status = status;
            self.write_record_update(&ctx, record, RecordBody::Incident(body), "incident", now)
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}
