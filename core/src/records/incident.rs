//! Incidents: damage, loss, theft.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Device;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IncidentKind {
    /// Accidental or other damage.
    Damage,
    /// The device was lost.
    Loss,
    /// The device was stolen.
    Theft,
    /// Anything else.
    Other,
}

/// Where an incident stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IncidentStatus {
    /// Reported, not yet handled.
    Open,
    /// The device is being repaired.
    InRepair,
    /// Handled.
    Resolved,
}

/// An incident on a user's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// What happened.
    pub kind: IncidentKind,
    /// Where it stands.
    pub status: IncidentStatus,
    /// What the reporter wrote ("screen cracked, dropped in hallway").
    pub description: String,
    /// The day it happened.
    pub occurred_on: NaiveDate,
    /// When it was reported.
    pub reported_at: DateTime<Utc>,
    /// The device involved, if any.
    pub device: Option<Device>,
    /// What the repair cost, once known.
    pub repair_cost: Option<Decimal>,
}

impl Incident {
    /// True until the incident is resolved.
    pub fn is_open(&self) -> bool {
        self.status != IncidentStatus::Resolved
    }
}
