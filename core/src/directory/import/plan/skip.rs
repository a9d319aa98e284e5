//! A whole plan of unchanged rows from fingerprints alone: the nightly sync that changes
//! nothing, decided from [`ImportStamp`]s without reading a single user.
//!
//! It answers only when every row is skipped by fingerprint (see `fingerprint`) and nothing
//! else could be planned: no org units, no reader errors or row issues, no users a sync would
//! deactivate, and an importer who reaches every user. Otherwise it answers `None` and the
//! caller plans in full; a `Some` is the plan the full planner makes for the same input.

use super::fingerprint;
use super::guards;
use super::{Map, sort_issues};
use crate::directory::import::options::{ImportMode, ImportOptions};
use crate::directory::import::plan_types::*;
use crate::import::{ImportData, ImportField};
use crate::model::{District, FingerprintHash, LocalId, RecordStatus};
use crate::storage::ImportStamp;

/// The plan of `data` when every row is unchanged by fingerprint, or `None`. The caller has
/// checked that the importer reaches (views and imports) every user of the district.
pub(crate) fn unchanged_plan(
    data: &ImportData,
    stamps: &[ImportStamp],
    district: &District,
    context: FingerprintHash,
    options: &ImportOptions,
) -> Option<ImportPlan> {
    if options.full_compare
        || options.mode == ImportMode::CreateOnly
        || !data.orgs.is_empty()
        || data.issues.iter().any(|i| i.is_error() || i.row.is_some())
    {
        return None;
    }
    let mut by_local_id: Map<&str, usize> =
        Map::with_capacity_and_hasher(stamps.len(), Default::default());
    for (i, stamp) in stamps.iter().enumerate() {
        if let Some(id) = &stamp.local_id {
            by_local_id.insert(id.as_str(), i);
        }
    }
    let mut listed = vec![false; stamps.len()];
    let mut hasher = fingerprint::RowHasher::default();
    let mut rows = Vec::with_capacity(data.users.len());
    for row in &data.users {
        let local_id = LocalId::check(row.get(ImportField::LocalId).unwrap_or("")).ok()?;
        let at = *by_local_id.get(local_id)?;
        let (stamp, seen) = (stamps.get(at)?, listed.get_mut(at)?);
        // A Local ID on two rows is an error the full plan reports.
        if *seen || !fingerprint::eligible(row) {
            return None;
        }
        *seen = true;
        let print = hasher.hash(row);
        if !fingerprint::matches(stamp.fingerprint.as_ref(), print, context, stamp.version) {
            return None;
        }
        rows.push(RowPlan {
            source: row.source.clone(),
            local_id: row.value(ImportField::LocalId).map(Into::into),
            action: RowAction::Unchanged { user: stamp.id },
            applications: Vec::new(),
            fingerprint: None,
        });
    }
    let deactivates =
        |(stamp, seen): (&ImportStamp, &bool)| !seen && stamp.status == RecordStatus::Active;
    if options.sync && stamps.iter().zip(&listed).any(deactivates) {
        return None;
    }
    let counts = PlanCounts {
        unchanged: rows.len() as u64,
        ..PlanCounts::default()
    };
    let mut issues = data.issues.clone();
    sort_issues(&mut issues);
    Some(ImportPlan {
        district: district.id,
        district_version: district.version,
        sync: options.sync,
        temporary_passwords_must_change: options.temporary_passwords_must_change,
        welcome: options.welcome,
        rows,
        org_units: Vec::new(),
        deactivations: Vec::new(),
        issues,
        held: guards::held(counts, 0, options.guard),
        counts,
        context: Some(context),
    })
}
