//! A user's details as a plan keeps them: their JSON text, one allocation of a few hundred
//! bytes, instead of the struct and its strings, sets and maps (about four times that). A
//! first import of a million students plans a million users; packed, their details are most
//! of the plan's memory no longer (issue #16, decision 4: peak memory grows with the file).
//! The text is also what the batch keeps of each created row, so the apply copies it there
//! without serializing the details again.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::Error;
use crate::ids::OrgUnitId;
use crate::model::UserDetails;
use crate::storage::StorageError;

/// A user's details as an [`ImportPlan`](crate::ImportPlan) holds them: read them with
/// [`PackedDetails::unpack`]. Serialized (a dry run's JSON), they read as the details
/// themselves.
///
/// ```
/// use homeroom::{PackedDetails, UserDetails, UserKind};
///
/// let details = UserDetails::new(UserKind::Student, "Ada", "Lovelace");
/// let packed = PackedDetails::pack(&details)?;
/// assert_eq!(packed.unpack()?, details);
/// # Ok::<(), homeroom::Error>(())
/// ```
#[derive(Clone)]
pub struct PackedDetails {
    json: Box<RawValue>,
    /// Kept unpacked as well: authorizing a plan reads them for every row.
    org_units: Box<[OrgUnitId]>,
    /// Whether the details hold an e-mail address: counting a plan's welcomes reads it for
    /// every row.
    has_email: bool,
}

impl PackedDetails {
    /// Packs `details`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Storage`](crate::ErrorKind::Storage) if they cannot be serialized (they
    /// always can: every map in them is keyed by text).
    pub fn pack(details: &UserDetails) -> Result<Self, Error> {
        let json = serde_json::value::to_raw_value(details)
            .map_err(|e| StorageError::backend("a user's details cannot be packed", e))?;
        Ok(Self {
            json,
            org_units: details.org_units.iter().copied().collect(),
            has_email: details.email.is_some(),
        })
    }

    /// The details.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Storage`](crate::ErrorKind::Storage) if the text does not read back
    /// (it always does: only [`PackedDetails::pack`] writes it).
    pub fn unpack(&self) -> Result<UserDetails, Error> {
        serde_json::from_str(self.json.get())
            .map_err(|e| StorageError::backend("a user's packed details cannot be read", e).into())
    }

    /// The org units the details place the user in, in order.
    pub fn org_units(&self) -> &[OrgUnitId] {
        &self.org_units
    }

    /// Whether the details hold an e-mail address.
    pub fn has_email(&self) -> bool {
        self.has_email
    }

    /// The details as JSON, as [`PackedDetails::pack`] wrote them: serialized by
    /// `serde_json`, they are written out as they are.
    pub(crate) fn json(&self) -> &RawValue {
        &self.json
    }
}

/// Equal details pack to equal text (`serde_json` writes fields in declaration order, and sets
/// and maps in key order).
impl PartialEq for PackedDetails {
    fn eq(&self, other: &Self) -> bool {
        self.json.get() == other.json.get()
    }
}

impl Eq for PackedDetails {}

impl fmt::Debug for PackedDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unpack() {
            Ok(details) => details.fmt(f),
            Err(_) => f
                .debug_tuple("PackedDetails")
                .field(&self.json.get())
                .finish(),
        }
    }
}

impl Serialize for PackedDetails {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.unpack()
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Email, UserKind};

    fn grace() -> UserDetails {
        let mut details = UserDetails::new(UserKind::Staff, "Grace", "Hopper");
        details.email = Some(Email::parse("grace@maple.example").unwrap());
        details
            .custom_fields
            .insert("Homeroom".into(), "B-12".into());
        details
    }

    #[test]
    fn packed_details_read_back_as_they_were() {
        let packed = PackedDetails::pack(&grace()).unwrap();
        assert_eq!(packed.unpack().unwrap(), grace());
        assert!(packed.has_email());
        let unplaced = UserDetails::new(UserKind::Student, "Ada", "Lovelace");
        assert!(!PackedDetails::pack(&unplaced).unwrap().has_email());
    }

    #[test]
    fn packed_details_list_their_org_units_in_order() {
        let mut details = grace();
        let units = [
            OrgUnitId::from_uuid(uuid::Uuid::from_u128(9)),
            OrgUnitId::from_uuid(uuid::Uuid::from_u128(3)),
        ];
        details.org_units.extend(units);
        let packed = PackedDetails::pack(&details).unwrap();
        assert_eq!(packed.org_units(), [units[1], units[0]]);
    }

    #[test]
    fn packed_details_serialize_and_debug_as_the_details_themselves() {
        let packed = PackedDetails::pack(&grace()).unwrap();
        assert_eq!(
            serde_json::to_value(&packed).unwrap(),
            serde_json::to_value(grace()).unwrap()
        );
        assert_eq!(format!("{packed:?}"), format!("{:?}", grace()));
    }

    #[test]
    fn packed_details_are_smaller_than_the_details_they_hold() {
        let packed = PackedDetails::pack(&grace()).unwrap();
        let unpacked = std::mem::size_of::<UserDetails>();
        assert!(
            packed.json().get().len() + std::mem::size_of::<PackedDetails>() < unpacked,
            "{} bytes packed ({}), {unpacked} for the struct alone",
            packed.json().get().len(),
            packed.json().get()
        );
    }
}
