//! Handing devices out and taking them back.

use super::Module;
use super::access::Need;
use super::values::{clean_device, optional_text};
use crate::actor::Actor;
use crate::authz::Permission;
use crate::directory::Directory;
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, RecordId, UserId, Version};
use crate::records::{Checkout, Device, Record, RecordBody};
use crate::storage::{Entity, Storage};

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

impl<S: Storage + ?Sized> Directory<S> {
    /// Hands a device to a user. Needs Checkout Device; the user must be Active and, unless the
    /// district relaxed the rules (then the receipt carries warnings), have signed the AUP and
    /// paid the device fee. A device cannot be out twice.
    #[tracing::instrument(level = "info", name = "directory::checkout_device", skip_all, fields(command = "checkout_device", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn checkout_device(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        checkout: NewCheckout,
    ) -> Result<CheckoutReceipt, Error> {
        let result: Result<CheckoutReceipt, Error> = async move {
        let now = self.now();
        let need = Need::create(Permission::CheckoutDevice, Module::Checkouts);
        let ctx = self
            .record_context(actor, district, user, need, now)
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
        let body = RecordBody::Checkout(Checkout {
            device,
            checked_out_at: now,
            checked_in_at: None,
            loaner: checkout.loaner,
            condition_out: optional_text("condition", checkout.condition)?,
            condition_in: None,
        });
        let record = self.write_new_record(&ctx, body, "checkout", now).await?;
        Ok(CheckoutReceipt { record, warnings })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Records a device's return. `expected` is the checkout's version as the caller read it;
    /// a stale one is a conflict.
    #[tracing::instrument(level = "info", name = "directory::check_in_device", skip_all, fields(command = "check_in_device", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn check_in_device(
        &self,
        actor: &Actor,
        district: DistrictId,
        checkout: RecordId,
        expected: Version,
        condition: Option<String>,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            let need = Need::edit(Permission::CheckoutDevice, Module::Checkouts);
            let (ctx, record) = self
                .existing_record(actor, district, checkout, expected, need, now)
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
            body.checked_in_at = Some(now);
            body.condition_in = optional_text("condition", condition)?;
            self.write_record_update(&ctx, record, RecordBody::Checkout(body), "check-in", now)
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}
