//! The nightly sync's fast path: deciding a row changes nothing without planning it in full.

use super::Map;
use super::cells::parse_kind;
use super::credentials::same_ignoring_case;
use crate::ids::OrgUnitId;
use crate::import::{ImportField, ImportRow, split_list};
use crate::model::{Grade, User};

/// True when planning `row` against `user` in full would certainly find nothing to change,
/// warn about or grant: every cell equals what is stored (org units by names already
/// resolved). Anything it cannot decide cheaply answers `false`, and the row is planned in
/// full; so a `true` is always right, a `false` only costs time.
pub(super) fn row_matches(
    row: &ImportRow,
    user: &User,
    resolved_units: &Map<&str, OrgUnitId>,
) -> bool {
    if !user.import_managed || row.roster().is_some() {
        return false;
    }
    let d = &user.details;
    let same_opt = |value: &str, stored: &Option<String>| {
        value.trim() == stored.as_deref().unwrap_or_default()
    };
    let same_custom = |value: &str, name: &str| {
        value.trim() == d.custom_fields.get(name).map_or("", String::as_str)
    };
    for (_, field, value) in row.cells() {
        let Some(field) = field else { continue };
        let blank = value.trim().is_empty();
        let same = match field {
            ImportField::LocalId | ImportField::Building | ImportField::AuthorizedOrganizations => {
                true
            }
            ImportField::FirstName => value.trim() == d.name.first,
            ImportField::LastName => value.trim() == d.name.last,
            ImportField::MiddleName => same_opt(value, &d.name.middle),
            ImportField::PreferredName => same_opt(value, &d.name.preferred),
            ImportField::Prefix => same_opt(value, &d.name.prefix),
            ImportField::Suffix => same_opt(value, &d.name.suffix),
            ImportField::JobTitle => same_opt(value, &d.job_title),
            ImportField::StateEducatorId => same_opt(value, &d.state_educator_id),
            ImportField::HomePhone => same_opt(value, &d.phones.home),
            ImportField::MobilePhone => same_opt(value, &d.phones.mobile),
            ImportField::Fax => same_opt(value, &d.phones.fax),
            ImportField::Pager => same_opt(value, &d.phones.pager),
            ImportField::TimeZone => same_opt(value, &d.time_zone),
            ImportField::GradeLevels => same_custom(value, "Grade Levels"),
            ImportField::ContentAreas => same_custom(value, "Content Areas"),
            ImportField::Email => {
                blank
                    || d.email
                        .as_ref()
                        .is_some_and(|e| same_ignoring_case(e.as_str(), value.trim()))
            }
            ImportField::Username => {
                blank
                    || d.username
                        .as_ref()
                        .is_some_and(|u| same_ignoring_case(u.as_str(), value.trim()))
            }
            ImportField::Grade if blank => d.grade.is_none(),
            ImportField::Grade => Grade::parse(value).is_ok_and(|g| Some(g) == d.grade),
            ImportField::Kind => blank || parse_kind(value) == Some(d.kind),
            // Roles, groups, a status, a password: planned in full when given.
            _ => blank,
        };
        if !same {
            return false;
        }
    }
    let columns = [ImportField::Building, ImportField::AuthorizedOrganizations];
    if columns.iter().any(|f| row.get(*f).is_some()) {
        // The same set both ways, without collecting the names (a row names a unit or two).
        let names = || {
            columns
                .iter()
                .filter_map(|f| row.get(*f))
                .flat_map(split_list)
                .map(|name| resolved_units.get(name).copied())
        };
        let all_held = names().all(|id| id.is_some_and(|id| d.org_units.contains(&id)));
        if !all_held || !d.org_units.iter().all(|u| names().any(|id| id == Some(*u))) {
            return false;
        }
    }
    true
}
