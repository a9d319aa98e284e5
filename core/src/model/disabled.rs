//! District rules about users' standing: which users count as disabled (the rule behind the
//! default user list and the "view disabled" list), whether losing the last grant locks a
//! user out, and which identity fields a new user needs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Access, RecordStatus, User, UserKind};

/// Which users count as disabled: left out of the default user list
/// ([`Directory::user_list`](crate::Directory::user_list)) and shown by
/// [`Directory::disabled_users`](crate::Directory::disabled_users). All on by default.
/// Archived users are never in either list's default: they are filtered by status.
///
/// ```
/// use homeroom::DisabledUsers;
/// let rule = DisabledUsers::default();
/// assert!(rule.suspended && rule.locked && rule.inactive);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct DisabledUsers {
    /// Suspended users are disabled.
    pub suspended: bool,
    /// Locked users are disabled (a lock that has run out no longer counts).
    pub locked: bool,
    /// Inactive users are disabled.
    pub inactive: bool,
}

impl Default for DisabledUsers {
    fn default() -> Self {
        Self {
            suspended: true,
            locked: true,
            inactive: true,
        }
    }
}

/// Why a user counts as disabled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisabledReason {
    /// Suspended by an administrator.
    Suspended,
    /// Locked, until a time or until lifted, for a reason.
    Locked {
        /// When the lock lifts by itself.
        until: Option<DateTime<Utc>>,
        /// Why.
        reason: String,
    },
    /// Record status Inactive.
    Inactive,
}

impl DisabledUsers {
    /// Why `user` counts as disabled under this rule at `now`, if they do (access first).
    pub fn reason(&self, user: &User, now: DateTime<Utc>) -> Option<DisabledReason> {
        match &user.access {
            Access::Suspended if self.suspended => return Some(DisabledReason::Suspended),
            Access::Locked { until, reason }
                if self.locked && !user.access.permits_sign_in(now) =>
            {
                return Some(DisabledReason::Locked {
                    until: *until,
                    reason: reason.clone(),
                });
            }
            _ => {}
        }
        (self.inactive && user.status == RecordStatus::Inactive).then_some(DisabledReason::Inactive)
    }
}

/// Whether revoking a user's last grant also locks them out, by kind: staff whose work must
/// survive them lose their role rather than their account, and with it their sign-in. On for
/// staff, off for students, by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct LastGrantLocks {
    /// Staff.
    pub staff: bool,
    /// Students.
    pub students: bool,
}

impl Default for LastGrantLocks {
    fn default() -> Self {
        Self {
            staff: true,
            students: false,
        }
    }
}

impl LastGrantLocks {
    /// True when losing their last grant locks a user of this kind.
    pub fn applies_to(&self, kind: UserKind) -> bool {
        match kind {
            UserKind::Staff => self.staff,
            UserKind::Student => self.students,
        }
    }
}

/// Which identity fields a new user must have, besides a name (created by hand or by an
/// import): one district keys on e-mail, another on Local ID. Neither by default.
///
/// ```
/// use homeroom::NewUserIdentity;
/// assert!(!NewUserIdentity::default().email);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUserIdentity {
    /// An e-mail address.
    pub email: bool,
    /// A Local ID.
    pub local_id: bool,
}
