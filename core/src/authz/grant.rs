//! Grants: a role held by a user over a scope.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{DistrictId, GrantId, OrgUnitId, RoleId, UserId, Version};

/// Where a grant applies.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Every user of the district.
    District,
    /// Members of these org units and of every unit below them.
    OrgUnits(BTreeSet<OrgUnitId>),
}

impl Scope {
    /// A scope of one org unit (and everything below it).
    pub fn unit(id: OrgUnitId) -> Self {
        Self::OrgUnits([id].into())
    }
}

/// A role held by a user over a scope. A user may hold any number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The grant's id.
    pub id: GrantId,
    /// The district it belongs to.
    pub district: DistrictId,
    /// The user who holds it.
    pub holder: UserId,
    /// The role held.
    pub role: RoleId,
    /// Where it applies.
    pub scope: Scope,
    /// Who granted it (`None` for a system actor).
    pub granted_by: Option<UserId>,
    /// When.
    pub granted_at: DateTime<Utc>,
    /// The optimistic-concurrency version (grants are never edited, only revoked).
    pub version: Version,
}
