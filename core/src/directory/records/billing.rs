//! Invoices and the payments against them.

use super::Module;
use super::access::Need;
use super::values::{positive, required_value};
use super::write::shown_amount;
use crate::actor::Actor;
use crate::authz::Permission;
use crate::directory::Directory;
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, RecordId, UserId, Version};
use crate::records::{Invoice, InvoiceLine, Payment, Record, RecordBody};
use crate::storage::{Entity, Storage};
use crate::validation::{InvalidValue, ValidationCode, ValidationErrors};

impl<S: Storage + ?Sized> Directory<S> {
    /// Bills a user. Needs Add Invoices; the user must be Active; every line needs a
    /// description and a positive amount; a referenced incident must be the same user's.
    #[tracing::instrument(level = "info", name = "directory::add_invoice", skip_all, fields(command = "add_invoice", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn add_invoice(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        lines: Vec<InvoiceLine>,
        incident: Option<RecordId>,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            let need = Need::create(Permission::AddInvoices, Module::Billing);
            let ctx = self
                .record_context(actor, district, user, need, now)
                .await?;
            let mut errors = ValidationErrors::new();
            if lines.is_empty() {
                errors.push(
                    InvalidValue::new(
                        ValidationCode::Required,
                        "an invoice needs at least one line",
                    )
                    .at("lines"),
                );
            }
            let mut clean = Vec::new();
            for (i, line) in lines.into_iter().enumerate() {
                let description = errors.check(
                    &format!("lines[{i}].description"),
                    required_value("description", &line.description),
                );
                let amount = errors.check(&format!("lines[{i}].amount"), positive(line.amount));
                if let (Some(description), Some(amount)) = (description, amount) {
                    clean.push(InvoiceLine {
                        description,
                        amount,
                    });
                }
            }
            if crate::records::checked_sum(clean.iter().map(|l| l.amount)).is_none() {
                errors.push(
                    InvalidValue::new(
                        ValidationCode::OutOfRange,
                        "the lines add up to more than the largest amount an invoice can hold",
                    )
                    .at("lines"),
                );
            }
            if let Some(incident) = incident {
                let theirs = self
                    .storage
                    .record(district, incident)
                    .await?
                    .is_some_and(|r| r.user == user && matches!(r.body, RecordBody::Incident(_)));
                if !theirs {
                    errors.push(
                        InvalidValue::new(
                            ValidationCode::UnknownRecord,
                            format!("incident {incident} is not on this user's record"),
                        )
                        .at("incident"),
                    );
                }
            }
            errors
                .into_result()
                .map_err(|e| Error::invalid(Entity::Record, e))?;
            let body = RecordBody::Invoice(Invoice {
                issued_at: now,
                lines: clean,
                payments: Vec::new(),
                incident,
                voided: false,
            });
            self.write_new_record(&ctx, body, "invoice", now).await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Records a payment against an invoice. It must be positive and at most the balance.
    /// `expected` is the invoice's version as the caller read it; a stale one is a conflict.
    #[tracing::instrument(level = "info", name = "directory::record_payment", skip_all, fields(command = "record_payment", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn record_payment(
        &self,
        actor: &Actor,
        district: DistrictId,
        invoice: RecordId,
        expected: Version,
        payment: Payment,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            let need = Need::edit(Permission::AddInvoices, Module::Billing);
            let (ctx, record) = self
                .existing_record(actor, district, invoice, expected, need, now)
                .await?;
            let RecordBody::Invoice(mut body) = record.body.clone() else {
                return Err(Error::not_found(Entity::Record, invoice));
            };
            if body.voided {
                return Err(Error::refused(
                    Refusal::InvoiceVoid,
                    "this invoice is void; it takes no payments",
                ));
            }
            positive(payment.amount)
                .map_err(|e| Error::invalid_field(Entity::Record, e.at("amount")))?;
            if body.balance().is_none_or(|owed| payment.amount > owed) {
                return Err(Error::refused(
                    Refusal::Overpayment,
                    format!(
                        "the payment of {} is more than the balance of {}",
                        payment.amount,
                        shown_amount(body.balance())
                    ),
                ));
            }
            body.payments.push(payment);
            self.write_record_update(&ctx, record, RecordBody::Invoice(body), "payment", now)
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Cancels an invoice. `expected` is its version as the caller read it; a stale one is a
    /// conflict.
    #[tracing::instrument(level = "info", name = "directory::void_invoice", skip_all, fields(command = "void_invoice", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn void_invoice(
        &self,
        actor: &Actor,
        district: DistrictId,
        invoice: RecordId,
        expected: Version,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            let need = Need::edit(Permission::AddInvoices, Module::Billing);
            let (ctx, record) = self
                .existing_record(actor, district, invoice, expected, need, now)
                .await?;
            let RecordBody::Invoice(mut body) = record.body.clone() else {
                return Err(Error::not_found(Entity::Record, invoice));
            };
            body.voided = true;
            self.write_record_update(&ctx, record, RecordBody::Invoice(body), "invoice", now)
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}
