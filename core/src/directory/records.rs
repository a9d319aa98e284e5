//! Commands on the records behind a profile: checkouts, incidents, invoices and payments,
//! tickets, notes, insurance — and deleting a user, which their history may block.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::activity::{ActivityAction, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::Permission;
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, RecordId, UserId, Version};
use crate::model::{District, RecordStatus, User};
use crate::records::{
    Checkout, Claim, Device, Incident, IncidentKind, IncidentStatus, Insurance, Invoice,
    InvoiceLine, Note, Payment, Record, RecordBody, Ticket, TicketStatus,
};
use crate::storage::{ChangeSet, Entity, Op, Storage};
use crate::validation::{InvalidValue, ValidationCode, ValidationErrors, clean_text, limits};

use super::Directory;
use super::acting::Acting;

/// A device to hand out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCheckout {
    /// The device.
    pub device: Device,
    /// A short-term replacement.
    pub loaner: bool,
    /// Its condition now.
    pub condition: Option<String>,
}

/// A checkout that went through, with the warnings an admin should see (a relaxed rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutReceipt {
    /// The checkout record.
    pub record: Record,
    /// Rules the district relaxed that this checkout would otherwise have failed.
    pub warnings: Vec<Refusal>,
}

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

/// Which module a command belongs to.
#[derive(Clone, Copy)]
enum Module {
    Checkouts,
    Incidents,
    Billing,
    Tickets,
    Insurance,
}

impl Module {
    fn enabled(self, district: &District) -> bool {
        let m = district.settings.modules;
        match self {
            Self::Checkouts => m.checkouts,
            Self::Incidents => m.incidents,
            Self::Billing => m.billing,
            Self::Tickets => m.tickets,
            Self::Insurance => m.insurance,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Checkouts => "device checkouts",
            Self::Incidents => "incidents",
            Self::Billing => "billing",
            Self::Tickets => "tickets",
            Self::Insurance => "insurance",
        }
    }
}

/// What a record command resolved: the district, the actor and the user the record is about.
struct Context {
    district: District,
    acting: Acting,
    user: User,
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Hands a device to a user. Needs Checkout Device; the user must be Active and, unless the
    /// district relaxed the rules (then the receipt carries warnings), have signed the AUP and
    /// paid the device fee. A device cannot be out twice.
    pub async fn checkout_device(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        checkout: NewCheckout,
    ) -> Result<CheckoutReceipt, Error> {
        let ctx = self
            .record_context(
                actor,
                district,
                user,
                Permission::CheckoutDevice,
                Module::Checkouts,
                true,
            )
            .await?;
        let policy = ctx.district.settings.checkout_policy;
        let details = &ctx.user.details;
        let name = details.name.display();
        let mut warnings = Vec::new();
        for (met, required, refusal, what) in [
            (
                details.aup_signed,
                policy.require_aup,
                Refusal::AupNotSigned,
                "signed the acceptable-use policy",
            ),
            (
                details.fee_paid,
                policy.require_fee,
                Refusal::FeeNotPaid,
                "paid the device fee",
            ),
        ] {
            match (met, required) {
                (true, _) => {}
                (false, true) => {
                    return Err(Error::refused(
                        refusal,
                        format!(
                            "{name} has not {what}; record it on their profile before checking out a device"
                        ),
                    ));
                }
                (false, false) => warnings.push(refusal),
            }
        }
        let device = clean_device(checkout.device)?;
        if let Some(open) = self.storage.open_checkout(district, &device.key()).await? {
            return Err(Error::refused(
                Refusal::DeviceAlreadyOut,
                format!(
                    "device '{}' is already checked out (record {}); check it in first",
                    device.asset_tag, open.id
                ),
            ));
        }
        let now = self.now();
        let body = RecordBody::Checkout(Checkout {
            device,
            checked_out_at: now,
            checked_in_at: None,
            loaner: checkout.loaner,
            condition_out: optional_text("condition", checkout.condition)?,
            condition_in: None,
        });
        let record = self.write_new_record(&ctx, body, "checkout").await?;
        Ok(CheckoutReceipt { record, warnings })
    }

    /// Records a device's return.
    pub async fn check_in_device(
        &self,
        actor: &Actor,
        district: DistrictId,
        checkout: RecordId,
        condition: Option<String>,
    ) -> Result<Record, Error> {
        let (ctx, record) = self
            .existing_record(
                actor,
                district,
                checkout,
                Permission::CheckoutDevice,
                Module::Checkouts,
            )
            .await?;
        let RecordBody::Checkout(mut body) = record.body.clone() else {
            return Err(Error::not_found(Entity::Record, checkout));
        };
        if !body.is_out() {
            return Err(Error::refused(
                Refusal::AlreadyCheckedIn,
                format!("device '{}' was already checked in", body.device.asset_tag),
            ));
        }
        body.checked_in_at = Some(self.now());
        body.condition_in = optional_text("condition", condition)?;
        self.write_record_update(&ctx, record, RecordBody::Checkout(body), "check-in")
            .await
    }

    /// Records an incident. Needs Create Incidents; the user must be Active.
    pub async fn record_incident(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        incident: NewIncident,
    ) -> Result<Record, Error> {
        let ctx = self
            .record_context(
                actor,
                district,
                user,
                Permission::CreateIncidents,
                Module::Incidents,
                true,
            )
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
            reported_at: self.now(),
            device: incident.device.map(clean_device).transpose()?,
            repair_cost: incident.repair_cost,
        });
        self.write_new_record(&ctx, body, "incident").await
    }

    /// Moves an incident along (open → in repair → resolved), with the repair cost when known.
    pub async fn update_incident(
        &self,
        actor: &Actor,
        district: DistrictId,
        incident: RecordId,
        status: IncidentStatus,
        repair_cost: Option<Decimal>,
    ) -> Result<Record, Error> {
        let (ctx, record) = self
            .existing_record(
                actor,
                district,
                incident,
                Permission::CreateIncidents,
                Module::Incidents,
            )
            .await?;
        let RecordBody::Incident(mut body) = record.body.clone() else {
            return Err(Error::not_found(Entity::Record, incident));
        };
        if let Some(cost) = repair_cost {
            non_negative("repair_cost", cost)?;
            body.repair_cost = Some(cost);
        }
        body.status = status;
        self.write_record_update(&ctx, record, RecordBody::Incident(body), "incident")
            .await
    }

    /// Bills a user. Needs Add Invoices; the user must be Active; every line needs a
    /// description and a positive amount; a referenced incident must be the same user's.
    pub async fn add_invoice(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        lines: Vec<InvoiceLine>,
        incident: Option<RecordId>,
    ) -> Result<Record, Error> {
        let ctx = self
            .record_context(
                actor,
                district,
                user,
                Permission::AddInvoices,
                Module::Billing,
                true,
            )
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
            issued_at: self.now(),
            lines: clean,
            payments: Vec::new(),
            incident,
            voided: false,
        });
        self.write_new_record(&ctx, body, "invoice").await
    }

    /// Records a payment against an invoice. It must be positive and at most the balance.
    pub async fn record_payment(
        &self,
        actor: &Actor,
        district: DistrictId,
        invoice: RecordId,
        payment: Payment,
    ) -> Result<Record, Error> {
        let (ctx, record) = self
            .existing_record(
                actor,
                district,
                invoice,
                Permission::AddInvoices,
                Module::Billing,
            )
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
        self.write_record_update(&ctx, record, RecordBody::Invoice(body), "payment")
            .await
    }

    /// Cancels an invoice.
    pub async fn void_invoice(
        &self,
        actor: &Actor,
        district: DistrictId,
        invoice: RecordId,
    ) -> Result<Record, Error> {
        let (ctx, record) = self
            .existing_record(
                actor,
                district,
                invoice,
                Permission::AddInvoices,
                Module::Billing,
            )
            .await?;
        let RecordBody::Invoice(mut body) = record.body.clone() else {
            return Err(Error::not_found(Entity::Record, invoice));
        };
        body.voided = true;
        self.write_record_update(&ctx, record, RecordBody::Invoice(body), "invoice")
            .await
    }

    /// Opens a help-desk ticket for a user: the user themselves, or staff with View Support
    /// Tickets over them. The user must be Active.
    pub async fn open_ticket(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        subject: &str,
        device: Option<Device>,
    ) -> Result<Record, Error> {
        let own = actor.user_id() == Some(user);
        let permission = if own {
            None
        } else {
            Some(Permission::ViewTickets)
        };
        let ctx = self
            .record_context_with(
                actor,
                district,
                user,
                permission,
                Some(Module::Tickets),
                true,
            )
            .await?;
        let body = RecordBody::Ticket(Ticket {
            subject: required_text("subject", subject)?,
            status: TicketStatus::Open,
            opened_at: self.now(),
            closed_at: None,
            device: device.map(clean_device).transpose()?,
        });
        self.write_new_record(&ctx, body, "ticket").await
    }

    /// Moves a ticket along; closing stamps the time.
    pub async fn set_ticket_status(
        &self,
        actor: &Actor,
        district: DistrictId,
        ticket: RecordId,
        status: TicketStatus,
    ) -> Result<Record, Error> {
        let (ctx, record) = self
            .existing_record(
                actor,
                district,
                ticket,
                Permission::ViewTickets,
                Module::Tickets,
            )
            .await?;
        let RecordBody::Ticket(mut body) = record.body.clone() else {
            return Err(Error::not_found(Entity::Record, ticket));
        };
        body.closed_at = (status == TicketStatus::Closed).then(|| self.now());
        body.status = status;
        self.write_record_update(&ctx, record, RecordBody::Ticket(body), "ticket")
            .await
    }

    /// Adds a staff note. Needs User Notes. Notes are never shown to the user.
    pub async fn add_note(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        text: &str,
    ) -> Result<Record, Error> {
        let ctx = self
            .record_context_with(
                actor,
                district,
                user,
                Some(Permission::UserNotes),
                None,
                false,
            )
            .await?;
        let text = clean_text(text, limits::TEXT)
            .map_err(|e| Error::invalid_field(Entity::Record, e.at("text")))?
            .ok_or_else(|| {
                Error::invalid_field(
                    Entity::Record,
                    InvalidValue::new(ValidationCode::Required, "a note needs text").at("text"),
                )
            })?;
        let body = RecordBody::Note(Note {
            author: ctx.acting.who.clone(),
            text,
            written_at: self.now(),
        });
        self.write_new_record(&ctx, body, "note").await
    }

    /// Enrols a user in the district's device insurance (module Insurance; needs Add Invoices).
    pub async fn enroll_insurance(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        plan: &str,
        coverage: Decimal,
        expires_on: NaiveDate,
    ) -> Result<Record, Error> {
        let ctx = self
            .record_context(
                actor,
                district,
                user,
                Permission::AddInvoices,
                Module::Insurance,
                true,
            )
            .await?;
        positive(coverage).map_err(|e| Error::invalid_field(Entity::Record, e.at("coverage")))?;
        let body = RecordBody::Insurance(Insurance {
            plan: required_text("plan", plan)?,
            coverage,
            enrolled_at: self.now(),
            expires_on,
            claims: Vec::new(),
        });
        self.write_new_record(&ctx, body, "insurance").await
    }

    /// Files a claim against an insurance enrolment.
    pub async fn file_claim(
        &self,
        actor: &Actor,
        district: DistrictId,
        insurance: RecordId,
        claim: Claim,
    ) -> Result<Record, Error> {
        let (ctx, record) = self
            .existing_record(
                actor,
                district,
                insurance,
                Permission::AddInvoices,
                Module::Insurance,
            )
            .await?;
        let RecordBody::Insurance(mut body) = record.body.clone() else {
            return Err(Error::not_found(Entity::Record, insurance));
        };
        positive(claim.amount).map_err(|e| Error::invalid_field(Entity::Record, e.at("amount")))?;
        body.claims.push(claim);
        self.write_record_update(&ctx, record, RecordBody::Insurance(body), "claim")
            .await
    }

    /// Deletes a user who has no history. With any record (checkouts, incidents, invoices,
    /// tickets, notes, insurance) the answer is [`Error::HasHistory`], listing them by kind and
    /// count; set the user Inactive or Archived instead, or transfer their data first.
    pub async fn delete_user(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: UserId,
        expected: Version,
    ) -> Result<(), Error> {
        let district_row = self.load_district(district).await?;
        let (acting, tree) = self.acting(actor, district).await?;
        let user = acting.see(self.load_user(district, id).await?)?;
        acting.require(Permission::DeleteUsers, &user)?;
        super::districts::check_version(Entity::User, id, expected, user.version)?;
        self.require_covers(&acting, &user, &tree).await?;
        let records = self.storage.record_counts(district, id).await?;
        if !records.is_empty() {
            return Err(Error::HasHistory { user: id, records });
        }
        let mut changes = self
            .guard_last_system_administrator(&district_row, id, None)
            .await?;
        for grant in self.storage.grants(district, Some(id)).await? {
            changes.push(Op::DeleteGrant {
                district,
                id: grant.id,
                expected: grant.version,
            });
        }
        let now = self.now();
        let entry = self.log_entry(
            &acting.who,
            district,
            Subject::User(id),
            ActivityAction::Deleted,
            vec![FieldChange {
                field: "user".into(),
                old: Some(user.details.name.display()),
                new: None,
            }],
            now,
        );
        changes.push(Op::DeleteUser {
            district,
            id,
            expected,
        });
        changes.push(Op::AppendActivity(entry));
        match self.commit(changes).await {
            // A record added since the count above: the write refused, say why.
            Err(conflict @ Error::Conflict { .. }) => {
                let records = self.storage.record_counts(district, id).await?;
                if records.is_empty() {
                    Err(conflict)
                } else {
                    Err(Error::HasHistory { user: id, records })
                }
            }
            other => other,
        }
    }

    async fn record_context(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        permission: Permission,
        module: Module,
        creates: bool,
    ) -> Result<Context, Error> {
        self.record_context_with(
            actor,
            district,
            user,
            Some(permission),
            Some(module),
            creates,
        )
        .await
    }

    /// Resolves the actor and the user, and checks visibility, the permission, the module and
    /// (for new records) that the user is Active.
    async fn record_context_with(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        permission: Option<Permission>,
        module: Option<Module>,
        creates: bool,
    ) -> Result<Context, Error> {
        let district_row = self.load_district(district).await?;
        let (acting, _) = self.acting(actor, district).await?;
        let loaded = self.load_user(district, user).await?;
        let user = match permission {
            Some(permission) => {
                let user = acting.see(loaded)?;
                acting.require(permission, &user)?;
                user
            }
            None => {
                // The user acting on their own record, who must be allowed to act at all.
                self.refuse_if_blocked(&loaded)?;
                loaded
            }
        };
        if let Some(module) = module.filter(|m| !m.enabled(&district_row)) {
            return Err(Error::refused(
                Refusal::ModuleDisabled,
                format!("{} is turned off for {}", module.name(), district_row.name),
            ));
        }
        if creates && user.status != RecordStatus::Active {
            return Err(Error::refused(
                Refusal::UserNotActive,
                format!(
                    "{} is {}; inactive and archived users get no new checkouts or actions",
                    user.details.name.display(),
                    user.status
                ),
            ));
        }
        Ok(Context {
            district: district_row,
            acting,
            user,
        })
    }

    async fn existing_record(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: RecordId,
        permission: Permission,
        module: Module,
    ) -> Result<(Context, Record), Error> {
        let record = self
            .storage
            .record(district, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Record, id))?;
        let ctx = self
            .record_context(actor, district, record.user, permission, module, false)
            .await
            .map_err(|e| match e.kind() {
                crate::ErrorKind::NotFound => Error::not_found(Entity::Record, id),
                _ => e,
            })?;
        Ok((ctx, record))
    }

    async fn write_new_record(
        &self,
        ctx: &Context,
        body: RecordBody,
        what: &str,
    ) -> Result<Record, Error> {
        let record = Record {
            id: RecordId::from_uuid(self.ids.next_uuid()),
            district: ctx.district.id,
            user: ctx.user.id,
            body,
            version: Version::FIRST,
        };
        let entry = self.record_entry(ctx, &record, None, what, ActivityAction::Created);
        self.commit(
            ChangeSet::new()
                .with(Op::InsertRecord(record.clone()))
                .with(Op::AppendActivity(entry)),
        )
        .await?;
        Ok(record)
    }

    async fn write_record_update(
        &self,
        ctx: &Context,
        old: Record,
        body: RecordBody,
        what: &str,
    ) -> Result<Record, Error> {
        let expected = old.version;
        let record = Record {
            body,
            version: expected.next(),
            ..old.clone()
        };
        let entry = self.record_entry(ctx, &record, Some(&old), what, ActivityAction::Updated);
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

    /// Notes are not summarised in the log (they are staff-only text); other records are.
    fn record_entry(
        &self,
        ctx: &Context,
        record: &Record,
        old: Option<&Record>,
        what: &str,
        action: ActivityAction,
    ) -> crate::ActivityEntry {
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
            self.now(),
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

/// A required text value, trimmed; `what` names it in the message.
fn required_value(what: &str, value: &str) -> Result<String, InvalidValue> {
    clean_text(value, limits::TEXT)?
        .ok_or_else(|| InvalidValue::new(ValidationCode::Required, format!("a {what} is required")))
}

fn required_text(field: &str, value: &str) -> Result<String, Error> {
    required_value(field, value).map_err(|e| Error::invalid_field(Entity::Record, e.at(field)))
}

fn optional_text(field: &str, value: Option<String>) -> Result<Option<String>, Error> {
    match value {
        Some(text) => clean_text(&text, limits::TEXT)
            .map_err(|e| Error::invalid_field(Entity::Record, e.at(field))),
        None => Ok(None),
    }
}

fn clean_device(device: Device) -> Result<Device, Error> {
    let asset_tag = clean_text(&device.asset_tag, limits::IDENTIFIER)
        .map_err(|e| Error::invalid_field(Entity::Record, e.at("device.asset_tag")))?
        .ok_or_else(|| {
            Error::invalid_field(
                Entity::Record,
                InvalidValue::new(ValidationCode::Required, "a device needs its asset tag")
                    .at("device.asset_tag"),
            )
        })?;
    Ok(Device {
        asset_tag,
        serial: optional_text("device.serial", device.serial)?,
        model: optional_text("device.model", device.model)?,
    })
}

fn positive(amount: Decimal) -> Result<Decimal, InvalidValue> {
    if amount > Decimal::ZERO {
        Ok(amount)
    } else {
        Err(InvalidValue::new(
            ValidationCode::OutOfRange,
            format!("the amount must be more than zero (got {amount})"),
        ))
    }
}

fn non_negative(field: &str, amount: Decimal) -> Result<(), Error> {
    if amount < Decimal::ZERO {
        return Err(Error::invalid_field(
            Entity::Record,
            InvalidValue::new(
                ValidationCode::OutOfRange,
                format!("cannot be negative (got {amount})"),
            )
            .at(field),
        ));
    }
    Ok(())
}
