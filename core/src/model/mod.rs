//! The domain model: districts, org units, users and their values.

mod disabled;
mod district;
mod fingerprint;
mod grade;
mod identifiers;
mod org_unit;
mod person;
mod status;
mod user;

pub use disabled::{DisabledReason, DisabledUsers, LastGrantLocks, NewUserIdentity};
pub use district::{CheckoutPolicy, District, DistrictSettings, Modules, OnboardingSettings};
pub use fingerprint::{BadFingerprint, FingerprintHash, FingerprintHasher, ImportFingerprint};
pub use grade::Grade;
pub use identifiers::{Email, LocalId, Username};
pub use org_unit::{OrgTree, OrgUnit, OrgUnitKind};
pub use person::{Guardian, NotificationPreferences, PersonName, Phones};
pub use status::{Access, AccessKind, RecordStatus};
pub use user::{User, UserDetails, UserKind};
