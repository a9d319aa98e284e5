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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrictSettings {
    /// Grade codes this district uses besides PK, K and 1–12 (upper case, e.g. `TK`, `ADULT`).
    pub custom_grades: BTreeSet<String>,
}
