//! Help-desk tickets.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Device;

/// Where a ticket stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TicketStatus {
    /// Waiting for the help desk.
    Open,
    /// Someone is on it.
    InProgress,
    /// Done.
    Closed,
}

/// A support request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// What it is about ("Wi-Fi keeps dropping").
    pub subject: String,
    /// Where it stands.
    pub status: TicketStatus,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The device it is about, if any.
    pub device: Option<Device>,
}
