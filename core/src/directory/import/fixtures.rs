//! Plans and stored users built by hand, for the pure apply and apply-authorization tests.

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use super::plan_types::{Deactivation, ImportPlan, PlanCounts, RowAction, RowPlan};
use crate::ids::{DistrictId, UserId, Version};
use crate::import::RowRef;
use crate::model::{Access, District, DistrictSettings, RecordStatus, User, UserDetails, UserKind};

/// The fixed time the fixtures use.
pub(crate) fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The district every fixture belongs to.
pub(crate) fn district() -> District {
    District {
        id: DistrictId::from_uuid(Uuid::from_u128(1)),
        name: "Maple Valley USD".into(),
        settings: DistrictSettings::default(),
        created_at: at(),
        version: Version::FIRST.next(),
    }
}

/// A plan of `rows` (one per file row from row 2) and `deactivations` (a sync when any).
pub(crate) fn plan(rows: Vec<RowAction>, deactivations: Vec<Deactivation>) -> ImportPlan {
    let mut counts = PlanCounts::default();
    for row in &rows {
        match row {
            RowAction::Create { .. } => counts.created += 1,
            RowAction::Update { .. } => counts.updated += 1,
            RowAction::Unchanged { .. } => counts.unchanged += 1,
            RowAction::Error => counts.error_rows += 1,
        }
    }
    counts.deactivated = deactivations.len() as u64;
    ImportPlan {
        district: district().id,
        district_version: district().version,
        sync: !deactivations.is_empty(),
        temporary_passwords_must_change: true,
        welcome: crate::messaging::Welcome::Never,
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, action)| RowPlan {
                source: RowRef::new("users.csv", i as u32 + 2),
                local_id: None,
                action,
                applications: Vec::new(),
                fingerprint: None,
            })
            .collect(),
        org_units: Vec::new(),
        deactivations,
        issues: Vec::new(),
        held: Vec::new(),
        counts,
        context: None,
    }
}

/// An active, import-managed student stored a month before [`at`], with id `n`.
pub(crate) fn stored(first: &str, n: u128) -> User {
    User {
        id: UserId::from_uuid(Uuid::from_u128(n)),
        district: district().id,
        details: UserDetails::new(UserKind::Student, first, "Stored"),
        status: RecordStatus::Active,
        access: Access::Allowed,
        created_at: at() - chrono::Duration::days(30),
        updated_at: at() - chrono::Duration::days(30),
        version: Version::FIRST,
        import_managed: true,
        import_fingerprint: None,
    }
}
