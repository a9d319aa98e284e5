//! Identifier newtypes and row versions.
//!
//! Every kind of row has its own id type so that a `UserId` can never be passed where an
//! `OrgUnitId` is expected. Ids are UUIDs drawn from the [`IdGen`](crate::IdGen) the host passes
//! in; core never creates one on its own.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

uuid_id!(
    /// Identifies a district, the tenant every other row belongs to.
    DistrictId
);
uuid_id!(
    /// Identifies an org unit (school, building, department) inside a district.
    OrgUnitId
);
uuid_id!(
    /// Identifies a user (student or staff member).
    UserId
);
uuid_id!(
    /// Identifies one activity-log entry.
    ActivityId
);
uuid_id!(
    /// Identifies a role (a named permission set) in a district.
    RoleId
);
uuid_id!(
    /// Identifies a grant: a role held by a user over a scope.
    GrantId
);
uuid_id!(
    /// Identifies one applied import or sync, which its activity-log entries reference.
    ImportBatchId
);
uuid_id!(
    /// Identifies a record on a user's profile (checkout, incident, invoice, ...).
    RecordId
);
uuid_id!(
    /// Identifies an [`Item`](crate::storage::Item): an invitation, an outbox message, an
    /// update request, or any other kind kept in the generic item store.
    ItemId
);

/// The optimistic-concurrency version of a stored row.
///
/// A new row is stored with [`Version::FIRST`]; every accepted update stores the next version.
/// A write names the version it expects, and the storage refuses it with a conflict when the row
/// has moved on since it was read.
///
/// ```
/// use homeroom::Version;
/// assert_eq!(Version::FIRST.next(), Version::new(2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(u64);

impl Version {
    /// The version of a row that was just inserted.
    pub const FIRST: Version = Version(1);

    /// Wraps a raw version number (as a backend reads it back).
    pub const fn new(raw: u64) -> Self {
        Self(raw)
    }

    /// The raw number, for storing.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The version an update of this one stores.
    #[must_use]
    pub const fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}
