//! Cleaning the values a record command is given: text, devices, amounts.

use rust_decimal::Decimal;

use crate::error::Error;
use crate::records::Device;
use crate::storage::Entity;
use crate::validation::{InvalidValue, ValidationCode, clean_text, limits};

/// A required text value, trimmed; `what` names it in the message.
pub(super) fn required_value(what: &str, value: &str) -> Result<String, InvalidValue> {
    clean_text(value, limits::TEXT)?
        .ok_or_else(|| InvalidValue::new(ValidationCode::Required, format!("a {what} is required")))
}

/// [`required_value`] as a record error at `field`.
pub(super) fn required_text(field: &str, value: &str) -> Result<String, Error> {
    required_value(field, value).map_err(|e| Error::invalid_field(Entity::Record, e.at(field)))
}

/// Optional text, trimmed; blank is none.
pub(super) fn optional_text(field: &str, value: Option<String>) -> Result<Option<String>, Error> {
    match value {
        Some(text) => clean_text(&text, limits::TEXT)
            .map_err(|e| Error::invalid_field(Entity::Record, e.at(field))),
        None => Ok(None),
    }
}

/// A device with its asset tag required and every text trimmed.
pub(super) fn clean_device(device: Device) -> Result<Device, Error> {
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

/// An amount that must be more than zero.
pub(super) fn positive(amount: Decimal) -> Result<Decimal, InvalidValue> {
    if amount > Decimal::ZERO {
        Ok(amount)
    } else {
        Err(InvalidValue::new(
            ValidationCode::OutOfRange,
            format!("the amount must be more than zero (got {amount})"),
        ))
    }
}

/// An amount that may be zero but not less.
pub(super) fn non_negative(field: &str, amount: Decimal) -> Result<(), Error> {
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
