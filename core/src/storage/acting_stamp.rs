//! The one small read a command starts with: what tells a [`Directory`](crate::Directory)
//! whether the authority it compiled for an actor earlier still holds.

use crate::ids::Version;
use crate::model::District;

/// The district as stored now, and the acting user's version and password state: read by
/// [`Storage::acting_stamp`](super::Storage::acting_stamp) at the start of every command.
///
/// Every change of a role, a grant or the org tree moves the district's version, and every
/// change of a user (status, access, org units, ...) moves theirs; a temporary password is
/// the one thing that stops an actor without moving either, so it is read here too. A
/// compiled authority stamped with the same two versions is the authority the stored rows
/// give.
///
/// ```
/// use homeroom::storage::{ActingStamp, ActorStamp};
/// use homeroom::{District, DistrictId, DistrictSettings, Version};
///
/// let district = District {
///     id: DistrictId::from_uuid(uuid::Uuid::nil()),
///     name: "Maple Valley USD".into(),
///     settings: DistrictSettings::default(),
///     created_at: chrono::DateTime::UNIX_EPOCH,
///     version: Version::FIRST,
/// };
/// let stamp = ActingStamp {
///     district,
///     actor: Some(ActorStamp { version: Version::FIRST, must_change: false }),
/// };
/// assert_eq!(stamp.actor.map(|a| a.version), Some(Version::FIRST));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActingStamp {
    /// The district row, as stored now.
    pub district: District,
    /// The acting user, when one was asked for and exists in the district.
    pub actor: Option<ActorStamp>,
}

/// What [`ActingStamp`] says of the acting user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActorStamp {
    /// The user's version as stored now.
    pub version: Version,
    /// Their password is temporary: they must choose a new one before anything else.
    pub must_change: bool,
}
