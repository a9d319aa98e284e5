//! The district the storage and bulk benches write into: fixed ids, twenty coded schools.

use homeroom::conformance::Fixture;
use homeroom::{District, DistrictId, OrgUnit, OrgUnitId};

/// The UUID numbered `n`.
pub fn uuid(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

/// "Maple Valley USD", id 1.
pub fn district() -> District {
    District {
        id: DistrictId::from_uuid(uuid(1)),
        ..Fixture::new().district("Maple Valley USD")
    }
}

/// Twenty schools, `S00` to `S19`, ids 100 to 119.
pub fn schools(district: DistrictId) -> Vec<OrgUnit> {
    (0..20)
        .map(|n| OrgUnit {
            id: OrgUnitId::from_uuid(uuid(100 + n)),
            ..Fixture::new().coded_org_unit(
                district,
                &format!("School {n}"),
                &format!("S{n:02}"),
                None,
            )
        })
        .collect()
}
