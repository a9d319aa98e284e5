//! The two status axes of a user: the record's lifecycle and the ability to sign in.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a user's record is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RecordStatus {
    /// A current student or staff member.
    Active,
    /// Kept and visible, but no new checkouts or actions (left the district, on leave, ...).
    Inactive,
    /// Hidden from default lists and kept for reports.
    Archived,
}

impl RecordStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [RecordStatus; 3] = [Self::Active, Self::Inactive, Self::Archived];

    /// The stable lower-case name (`active`, `inactive`, `archived`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Archived => "archived",
        }
    }
}

impl fmt::Display for RecordStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a user may sign in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Access {
    /// May sign in.
    Allowed,
    /// An administrator blocked sign-in until further notice.
    Suspended,
    /// Temporarily or for security reasons locked.
    Locked {
        /// When the lock lifts by itself; `None` means until an administrator lifts it.
        until: Option<DateTime<Utc>>,
        /// Why, for the admin who reads it later.
        reason: String,
    },
}

impl Access {
    /// The kind of access without its details, for filtering.
    pub fn kind(&self) -> AccessKind {
        match self {
            Self::Allowed => AccessKind::Allowed,
            Self::Suspended => AccessKind::Suspended,
            Self::Locked { .. } => AccessKind::Locked,
        }
    }

    /// True when sign-in is allowed at `now` (an expired lock no longer blocks).
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use homeroom::Access;
    /// let now = Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap();
    /// let lock = Access::Locked { until: Some(now + Duration::hours(1)), reason: "5 failed sign-ins".into() };
    /// assert!(!lock.permits_sign_in(now));
    /// assert!(lock.permits_sign_in(now + Duration::hours(2)));
    /// ```
    pub fn permits_sign_in(&self, now: DateTime<Utc>) -> bool {
        match self {
            Self::Allowed => true,
            Self::Suspended => false,
            Self::Locked { until, .. } => until.is_some_and(|until| now >= until),
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Allowed => f.write_str("allowed"),
            Self::Suspended => f.write_str("suspended"),
            Self::Locked {
                until: Some(until),
                reason,
            } => write!(f, "locked until {} ({reason})", until.to_rfc3339()),
            Self::Locked {
                until: None,
                reason,
            } => write!(f, "locked ({reason})"),
        }
    }
}

/// [`Access`] without its details.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AccessKind {
    /// See [`Access::Allowed`].
    Allowed,
    /// See [`Access::Suspended`].
    Suspended,
    /// See [`Access::Locked`].
    Locked,
}

impl AccessKind {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Suspended => "suspended",
            Self::Locked => "locked",
        }
    }
}
