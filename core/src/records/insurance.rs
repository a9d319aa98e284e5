//! Device insurance: enrolment, coverage and claims (an optional module).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::RecordId;

/// A claim against a policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The incident claimed for.
    pub incident: Option<RecordId>,
    /// How much is claimed.
    pub amount: Decimal,
    /// When it was filed.
    pub filed_on: NaiveDate,
    /// Whether it was approved (`None` while pending).
    pub approved: Option<bool>,
}

/// A user's enrolment in the district's device insurance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Insurance {
    /// The plan's name ("Standard 2026-27").
    pub plan: String,
    /// The most the plan pays per year.
    pub coverage: Decimal,
    /// When the enrolment was recorded.
    pub enrolled_at: DateTime<Utc>,
    /// When coverage ends.
    pub expires_on: NaiveDate,
    /// Claims filed.
    pub claims: Vec<Claim>,
}
