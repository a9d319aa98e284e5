//! Districts, the tenants.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{DistrictId, Version};

/// A school district: the tenant every user, org unit and record belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct District {
    /// The district's id.
    pub id: DistrictId,
    /// Its name, unique across the installation regardless of case.
    pub name: String,
    /// Module toggles and policies.
    pub settings: DistrictSettings,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The optimistic-concurrency version.
    pub version: Version,
}

impl District {
    /// The key name uniqueness is checked on: trimmed, lower case.
    pub fn name_key(name: &str) -> String {
        name.trim().to_lowercase()
    }
}

/// Per-district configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DistrictSettings {
    /// Grade codes this district uses besides PK, K and 1–12 (upper case, e.g. `TK`, `ADULT`).
    pub custom_grades: BTreeSet<String>,
    /// Which optional parts of the product the district uses.
    pub modules: Modules,
    /// What a device checkout requires.
    pub checkout_policy: CheckoutPolicy,
    /// Record who opened a student's profile and when (the disclosure record schools keep for
    /// student privacy). On by default.
    pub audit_profile_views: bool,
    /// Staff and students sign in only through the district's single sign-on: passwords are
    /// neither set nor accepted. Off by default.
    pub sso_only: bool,
    /// Invitation and password-reset links.
    pub onboarding: OnboardingSettings,
    /// Users may send requests to change their own details, for users managers to handle
    /// ("Allow users to send profile update requests"). Off by default.
    pub profile_update_requests: bool,
    /// Which users count as disabled (left out of the default user list).
    pub disabled: super::DisabledUsers,
    /// Whether revoking a user's last grant locks them out, by kind (on for staff).
    pub last_grant_locks: super::LastGrantLocks,
    /// Which identity fields a new user needs (created or imported).
    pub new_user_identity: super::NewUserIdentity,
}

impl Default for DistrictSettings {
    fn default() -> Self {
        Self {
            custom_grades: BTreeSet::new(),
            modules: Modules::default(),
            checkout_policy: CheckoutPolicy::default(),
            audit_profile_views: true,
            sso_only: false,
            onboarding: OnboardingSettings::default(),
            profile_update_requests: false,
            disabled: super::DisabledUsers::default(),
            last_grant_locks: super::LastGrantLocks::default(),
            new_user_identity: super::NewUserIdentity::default(),
        }
    }
}

/// Module toggles: a disabled module's profile tab is hidden and its commands are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Modules {
    /// Device checkouts.
    pub checkouts: bool,
    /// Incidents.
    pub incidents: bool,
    /// Invoices and payments.
    pub billing: bool,
    /// Help-desk tickets.
    pub tickets: bool,
    /// Device insurance (off by default).
    pub insurance: bool,
}

impl Default for Modules {
    fn default() -> Self {
        Self {
            checkouts: true,
            incidents: true,
            billing: true,
            tickets: true,
            insurance: false,
        }
    }
}

/// What must be true before a device is handed out. A district may relax either rule; the
/// checkout then succeeds with a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckoutPolicy {
    /// The acceptable-use policy must be signed.
    pub require_aup: bool,
    /// The device fee must be paid.
    pub require_fee: bool,
}

impl Default for CheckoutPolicy {
    fn default() -> Self {
        Self {
            require_aup: true,
            require_fee: true,
        }
    }
}

/// How invitation and password-reset links are made and how long they work.
///
/// ```
/// use homeroom::OnboardingSettings;
/// let defaults = OnboardingSettings::default();
/// assert_eq!(defaults.invitation_valid_days, 7);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct OnboardingSettings {
    /// Days an invitation's link works once sent (at least 1). Default 7.
    pub invitation_valid_days: u32,
    /// What an invitation's token is appended to, to make its link
    /// (`https://maple.example/welcome?token=`). Empty by default: the link is the token.
    pub invitation_link: String,
    /// What a password reset's token is appended to, to make its link. Empty by default.
    pub reset_link: String,
}

impl Default for OnboardingSettings {
    fn default() -> Self {
        Self {
            invitation_valid_days: 7,
            invitation_link: String::new(),
            reset_link: String::new(),
        }
    }
}

impl OnboardingSettings {
    /// How long an invitation's link works.
    pub fn invitation_validity(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.invitation_valid_days.max(1)))
    }
}
