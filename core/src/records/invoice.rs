//! Invoices and payments, in exact decimal money.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::RecordId;

/// One charge on an invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// What is charged ("Screen replacement").
    pub description: String,
    /// How much, in the district's currency.
    pub amount: Decimal,
}

/// One payment against an invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// How much.
    pub amount: Decimal,
    /// When it was received.
    pub paid_on: NaiveDate,
    /// How ("cash", "check 1042", "online").
    pub method: Option<String>,
}

/// Where an invoice stands, derived from its lines, payments and void flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvoiceStatus {
    /// Nothing paid yet.
    Unpaid,
    /// Some paid, some owed.
    PartiallyPaid,
    /// Paid in full.
    Paid,
    /// Cancelled; owes nothing.
    Void,
}

/// A bill to a user (or their family).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// The charges.
    pub lines: Vec<InvoiceLine>,
    /// Payments received.
    pub payments: Vec<Payment>,
    /// The incident it bills for, if any.
    pub incident: Option<RecordId>,
    /// Cancelled.
    pub voided: bool,
}

impl Invoice {
    /// The sum of the lines, or `None` when it is too large to represent (a corrupt row: new
    /// invoices are refused before their total could overflow).
    pub fn total(&self) -> Option<Decimal> {
        checked_sum(self.lines.iter().map(|l| l.amount))
    }

    /// The sum of the payments, or `None` when it is too large to represent.
    pub fn paid(&self) -> Option<Decimal> {
        checked_sum(self.payments.iter().map(|p| p.amount))
    }

    /// What is still owed: total − paid, or nothing on a void invoice; `None` when the
    /// amounts are too large to represent.
    ///
    /// ```
    /// use homeroom::records::{Invoice, InvoiceLine, InvoiceStatus, Payment};
    /// use rust_decimal::Decimal;
    /// let mut invoice = Invoice { issued_at: chrono::DateTime::UNIX_EPOCH, lines: vec![
    ///     InvoiceLine { description: "Screen".into(), amount: Decimal::new(12000, 2) },
    ///     InvoiceLine { description: "Labour".into(), amount: Decimal::new(3000, 2) },
    /// ], payments: vec![], incident: None, voided: false };
    /// invoice.payments.push(Payment { amount: Decimal::new(5001, 2), paid_on: chrono::NaiveDate::MIN, method: None });
    /// assert_eq!(invoice.balance(), Some(Decimal::new(9999, 2)));
    /// assert_eq!(invoice.status(), InvoiceStatus::PartiallyPaid);
    ///
    /// // Amounts that cannot be added up give no balance, never a panic.
    /// invoice.lines.push(InvoiceLine { description: "Corrupt".into(), amount: Decimal::MAX });
    /// assert_eq!(invoice.balance(), None);
    /// ```
    pub fn balance(&self) -> Option<Decimal> {
        if self.voided {
            Some(Decimal::ZERO)
        } else {
            self.total()?.checked_sub(self.paid()?)
        }
    }

    /// Where it stands. An invoice whose amounts cannot be added up counts as unpaid.
    pub fn status(&self) -> InvoiceStatus {
        if self.voided {
            return InvoiceStatus::Void;
        }
        match (self.paid(), self.total()) {
            (Some(paid), Some(total)) if paid >= total => InvoiceStatus::Paid,
            (Some(paid), Some(_)) if paid > Decimal::ZERO => InvoiceStatus::PartiallyPaid,
            _ => InvoiceStatus::Unpaid,
        }
    }
}

/// The sum of `amounts`, or `None` when it overflows.
pub fn checked_sum(amounts: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    amounts
        .into_iter()
        .try_fold(Decimal::ZERO, |sum, amount| sum.checked_add(amount))
}
