//! Device checkouts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Device;

/// A device in a user's hands, from checkout to check-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkout {
    /// The device.
    pub device: Device,
    /// When it was handed out.
    pub checked_out_at: DateTime<Utc>,
    /// When it came back; `None` while it is out.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// A short-term replacement while the user's own device is away.
    pub loaner: bool,
    /// Condition when handed out.
    pub condition_out: Option<String>,
    /// Condition when returned.
    pub condition_in: Option<String>,
}

impl Checkout {
    /// True while the device has not come back.
    pub fn is_out(&self) -> bool {
        self.checked_in_at.is_none()
    }
}
