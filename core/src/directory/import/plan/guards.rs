//! The sync guards: a plan that would deactivate or update more users than the options allow
//! is held for an admin's approval.

use crate::directory::import::options::SyncGuard;
use crate::directory::import::plan_types::{GuardTrip, PlanCounts};

/// The guards `counts` trips, out of `managed` import-managed Active users.
pub(super) fn held(counts: PlanCounts, managed: u64, guard: SyncGuard) -> Vec<GuardTrip> {
    let mut held = Vec::new();
    for (what, count, max, percent) in [
        (
            "deactivate",
            counts.deactivated,
            guard.max_deactivate,
            guard.max_deactivate_percent,
        ),
        (
            "update",
            counts.updated,
            guard.max_update,
            guard.max_update_percent,
        ),
    ] {
        if let Some(max) = max.filter(|m| count > *m) {
            held.push(GuardTrip {
                what,
                count,
                of: managed,
                limit: max.to_string(),
            });
        } else if let Some(p) =
            percent.filter(|p| count > 0 && count * 100 > u64::from(*p) * managed)
        {
            held.push(GuardTrip {
                what,
                count,
                of: managed,
                limit: format!("{p}%"),
            });
        }
    }
    held
}
