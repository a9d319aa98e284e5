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
    /// The sum of the lines.
    pub fn total(&self) -> Decimal {
        self.lines.iter().map(|l| l.amount).sum()
    }

    /// The sum of the payments.
    pub fn paid(&self) -> Decimal {
        self.payments.iter().map(|p| p.amount).sum()
    }

    /// What is still owed: total − paid, or nothing on a void invoice.
    ///
    /// ```
    /// use homeroom::records::{Invoice, InvoiceLine, InvoiceStatus, Payment};
    /// use rust_decimal::Decimal;
    /// let mut invoice = Invoice { issued_at: chrono::DateTime::UNIX_EPOCH, lines: vec![
    ///     InvoiceLine { description: "Screen".into(), amount: Decimal::new(12000, 2) },
    ///     InvoiceLine { description: "Labour".into(), amount: Decimal::new(3000, 2) },
    /// ], payments: vec![], incident: None, voided: false };
    /// invoice.payments.push(Payment { amount: Decimal::new(5001, 2), paid_on: chrono::NaiveDate::MIN, method: None });
    /// assert_eq!(invoice.balance(), Decimal::new(9999, 2));
    /// assert_eq!(invoice.status(), InvoiceStatus::PartiallyPaid);
    /// ```
    pub fn balance(&self) -> Decimal {
        if self.voided {
            Decimal::ZERO
        } else {
            self.total() - self.paid()
        }
    }

    /// Where it stands.
    pub fn status(&self) -> InvoiceStatus {
        if self.voided {
            InvoiceStatus::Void
        } else if self.paid() >= self.total() {
            InvoiceStatus::Paid
        } else if self.paid() > Decimal::ZERO {
            InvoiceStatus::PartiallyPaid
        } else {
            InvoiceStatus::Unpaid
        }
    }
}
