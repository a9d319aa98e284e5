//! Device insurance: enrolments and the claims against them.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::Module;
use super::access::Need;
use super::values::{positive, required_text};
use crate::actor::Actor;
use crate::authz::Permission;
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{DistrictId, RecordId, UserId, Version};
use crate::records::{Claim, Insurance, Record, RecordBody};
use crate::storage::{Entity, Storage};

impl<S: Storage + ?Sized> Directory<S> {
    /// Enrols a user in the district's device insurance (module Insurance; needs Add Invoices).
    #[tracing::instrument(level = "info", name = "directory::enroll_insurance", skip_all, fields(command = "enroll_insurance", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn enroll_insurance(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        plan: &str,
        coverage: Decimal,
        expires_on: NaiveDate,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            let need = Need::create(Permission::AddInvoices, Module::Insurance);
            let ctx = self
                .record_context(actor, district, user, need, now)
                .await?;
            positive(coverage)
                .map_err(|e| Error::invalid_field(Entity::Record, e.at("coverage")))?;
            let body = RecordBody::Insurance(Insurance {
                plan: required_text("plan", plan)?,
                coverage,
                enrolled_at: now,
                expires_on,
                claims: Vec::new(),
            });
            self.write_new_record(&ctx, body, "insurance", now).await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Files a claim against an insurance enrolment. `expected` is the enrolment's version as
    /// the caller read it; a stale one is a conflict.
    #[tracing::instrument(level = "info", name = "directory::file_claim", skip_all, fields(command = "file_claim", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn file_claim(
        &self,
        actor: &Actor,
        district: DistrictId,
        insurance: RecordId,
        expected: Version,
        claim: Claim,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            let need = Need::edit(Permission::AddInvoices, Module::Insurance);
            let (ctx, record) = self
                .existing_record(actor, district, insurance, expected, need, now)
                .await?;
            let RecordBody::Insurance(mut body) = record.body.clone() else {
                return Err(Error::not_found(Entity::Record, insurance));
            };
            positive(claim.amount)
                .map_err(|e| Error::invalid_field(Entity::Record, e.at("amount")))?;
            body.claims.push(claim);
            self.write_record_update(&ctx, record, RecordBody::Insurance(body), "claim", now)
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}
