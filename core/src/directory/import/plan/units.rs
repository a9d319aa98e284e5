//! Resolving the org units a row names, and keeping a scoped importer inside their buildings.

use std::collections::BTreeSet;

use super::Planner;
use crate::authz::Permission;
use crate::directory::import::org_plan::Lookup;
use crate::ids::OrgUnitId;
use crate::import::{ImportField, ImportRow, IssueCode, split_list};
use crate::model::{User, UserDetails};

impl<'a> Planner<'a> {
    /// The org units a row names, or `None` when it names none (no column, or a OneRoster row
    /// without orgs).
    pub(super) fn units(&mut self, row: &'a ImportRow) -> Option<BTreeSet<OrgUnitId>> {
        if let Some(roster) = row.roster() {
            let units: BTreeSet<OrgUnitId> = roster
                .org_sourced_ids
                .iter()
                .filter_map(|s| self.orgs.roster_unit(s))
                .collect();
            return Some(units);
        }
        let columns = [ImportField::Building, ImportField::AuthorizedOrganizations];
        if !columns.iter().any(|f| row.get(*f).is_some()) {
            return None;
        }
        let mut units = BTreeSet::new();
        for field in columns {
            for name in row.get(field).map(split_list).into_iter().flatten() {
                if let Some(id) = self.resolve_unit(row, field, name) {
                    units.insert(id);
                }
            }
        }
        Some(units)
    }

    /// The unit a cell names, by name or code (case-insensitive); a name resolved once is
    /// remembered, as a roster names the same few buildings on every row.
    pub(super) fn resolve_unit(
        &mut self,
        row: &ImportRow,
        field: ImportField,
        name: &'a str,
    ) -> Option<OrgUnitId> {
        if let Some(id) = self.resolved_units.get(name) {
            return Some(*id);
        }
        let key = name.trim().to_lowercase();
        if key.is_empty() {
            return None;
        }
        let id = self.resolve_unit_key(row, field, name, key)?;
        self.resolved_units.insert(name, id);
        Some(id)
    }

    pub(super) fn resolve_unit_key(
        &mut self,
        row: &ImportRow,
        field: ImportField,
        name: &str,
        key: String,
    ) -> Option<OrgUnitId> {
        match self.orgs.lookup(&key) {
            Lookup::One(id) => Some(id),
            Lookup::Ambiguous => {
                let message =
                    format!("more than one org unit is called '{name}'; use its code instead");
                self.issue(row, Some(field), IssueCode::AmbiguousOrgUnit, message, true);
                None
            }
            Lookup::Unknown if self.options.create_org_units => {
                let created = self.orgs.create_school(name, &key);
                if created.is_none() {
                    let message = format!(
                        "no org unit in {} is named or coded '{name}', and creating one needs the Manage Org Units permission district-wide; ask an administrator to create it first",
                        self.current.district.name
                    );
                    self.issue(row, Some(field), IssueCode::NotPermitted, message, true);
                }
                created
            }
            Lookup::Unknown => {
                let message = format!(
                    "no org unit in {} is named or coded '{name}'; fix the name, create it first, or import with the option to create org units",
                    self.current.district.name
                );
                self.issue(row, Some(field), IssueCode::UnknownOrgUnit, message, true);
                None
            }
        }
    }

    /// A scoped importer may place users only in units where they hold Import Users.
    pub(super) fn check_units_permitted(
        &mut self,
        row: &ImportRow,
        existing: Option<&User>,
        details: &UserDetails,
    ) {
        let authority = self.current.authority;
        if authority.check_district(Permission::ImportUsers) {
            return;
        }
        let before = existing
            .map(|u| u.details.org_units.clone())
            .unwrap_or_default();
        let touched: Vec<OrgUnitId> = details
            .org_units
            .symmetric_difference(&before)
            .copied()
            .collect();
        let outside = touched
            .iter()
            .any(|u| !self.orgs.holds(Permission::ImportUsers, *u));
        if outside || details.org_units.is_empty() {
            let message =
                "this row places the user outside the buildings you may import into".to_string();
            self.issue(
                row,
                Some(ImportField::Building),
                IssueCode::NotPermitted,
                message,
                true,
            );
        }
    }
}
