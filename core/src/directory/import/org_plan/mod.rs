//! Planning the org units an import creates or changes: OneRoster `orgs.csv` rows, and new
//! buildings named in cells when the caller lets an import create them.
//!
//! Reshaping the tree is authorized exactly as the org-unit commands are
//! ([`may_manage_at`]): creating a unit needs Manage Org Units at its parent (district-wide for
//! a unit directly under the district), renaming at the unit, moving at the unit and at its new
//! parent. A move may not make a unit its own ancestor. Everything is hashed and the planned
//! tree grows unit by unit, so planning is linear in the number of org units.

use std::collections::{BTreeSet, HashMap};

use uuid::Uuid;

use super::plan_types::PlannedOrgUnit;
use crate::authz::{Authority, Permission};
use crate::directory::org_units::may_manage_at;
use crate::ids::{OrgUnitId, Version};
use crate::import::{ImportIssue, ImportOrg, IssueCode, OrgType};
use crate::model::{District, OrgTree, OrgUnit, OrgUnitKind};
use crate::validation::ValidationCode;

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// How a cell's org-unit name resolved.
pub(super) enum Lookup {
    /// One unit, existing or planned.
    One(OrgUnitId),
    /// Several existing units share the name.
    Ambiguous,
    /// No unit has that name or code.
    Unknown,
}

/// The org units of a plan, as they are planned.
pub(super) struct OrgPlanner<'a> {
    district: &'a District,
    current: &'a OrgTree,
    authority: &'a Authority,
    /// Existing units by name key and by code key (a cell may give either).
    by_key: Map<String, Vec<OrgUnitId>>,
    /// Existing units by code key only (`orgs.csv` matches on `sourcedId` = code).
    by_code: Map<String, OrgUnitId>,
    /// `orgs.csv` `sourcedId` → the unit it is.
    roster: Map<String, OrgUnitId>,
    /// New units by name key (the first unit planned with a name keeps it).
    new_by_name: Map<String, OrgUnitId>,
    /// The parents of new units.
    new_parent: Map<OrgUnitId, Option<OrgUnitId>>,
    /// Where each new unit hangs, for permissions at a unit that does not exist yet.
    anchors: Map<OrgUnitId, Option<OrgUnitId>>,
    planned: Vec<PlannedOrgUnit>,
    /// The district's tree with the planned units in it, for validating rows.
    tree: OrgTree,
}

impl<'a> OrgPlanner<'a> {
    pub(super) fn new(
        district: &'a District,
        current: &'a OrgTree,
        authority: &'a Authority,
    ) -> Self {
        let mut by_key: Map<String, Vec<OrgUnitId>> = Map::default();
        let mut by_code: Map<String, OrgUnitId> = Map::default();
        for unit in current.units() {
            by_key
                .entry(unit.name.trim().to_lowercase())
                .or_default()
                .push(unit.id);
            if let Some(code) = &unit.code {
                let key = OrgUnit::code_key(code);
                by_code.entry(key.clone()).or_insert(unit.id);
                let ids = by_key.entry(key).or_default();
                if !ids.contains(&unit.id) {
                    ids.push(unit.id);
                }
            }
        }
        Self {
            district,
            current,
            authority,
            by_key,
            by_code,
            roster: Map::default(),
            new_by_name: Map::default(),
            new_parent: Map::default(),
            anchors: Map::default(),
            planned: Vec::new(),
            tree: current.clone(),
        }
    }

    /// The tree with every planned unit in it.
    pub(super) fn tree(&self) -> &OrgTree {
        &self.tree
    }

    /// The unit an `orgs.csv` `sourcedId` names.
    pub(super) fn roster_unit(&self, sourced_id: &str) -> Option<OrgUnitId> {
        self.roster.get(sourced_id).copied()
    }

    /// The units planned, new ones before their children.
    pub(super) fn finish(self) -> Vec<PlannedOrgUnit> {
        self.planned
    }

    /// True when the importer holds `permission` over members of `unit`, a unit that exists
    /// or one this plan creates (then: where it will hang).
    pub(super) fn holds(&self, permission: Permission, unit: OrgUnitId) -> bool {
        holds_at(
            self.authority,
            permission,
            anchor(self.current, &self.anchors, unit),
        )
    }

    /// OneRoster orgs become org units keyed by `sourcedId` (kept as the unit's code); the
    /// `district` org is the district itself. Issues go to `issues`.
    pub(super) fn plan_orgs(&mut self, orgs: &[ImportOrg], issues: &mut Vec<ImportIssue>) {
        let district_ids: BTreeSet<&str> = orgs
            .iter()
            .filter(|o| o.org_type == OrgType::District)
            .map(|o| o.sourced_id.as_str())
            .collect();
        let units: Vec<&ImportOrg> = orgs
            .iter()
            .filter(|o| o.org_type != OrgType::District)
            .collect();
        for org in &units {
            let id = self
                .by_code
                .get(&OrgUnit::code_key(&org.sourced_id))
                .copied()
                .unwrap_or_else(|| derived_unit_id(self.district, &org.sourced_id));
            self.roster.insert(org.sourced_id.clone(), id);
        }
        // Every row's wanted unit, then the parents of the new ones (a parent may come later in
        // the file), then permissions and cycles against the whole picture.
        let mut wanted: Vec<(&ImportOrg, PlannedOrgUnit)> = Vec::with_capacity(units.len());
        for org in units {
            let Some(id) = self.roster_unit(&org.sourced_id) else {
                continue;
            };
            let parent = org
                .parent_sourced_id
                .as_deref()
                .filter(|p| !district_ids.contains(p))
                .and_then(|p| self.roster_unit(p));
            let kind = match org.org_type {
                OrgType::School => OrgUnitKind::School,
                OrgType::Department => OrgUnitKind::Department,
                OrgType::Local | OrgType::State | OrgType::National => OrgUnitKind::Local,
                OrgType::District => OrgUnitKind::Other,
            };
            let unit = match self.current.get(id) {
                Some(existing)
                    if existing.name == org.name
                        && existing.parent == parent
                        && existing.kind == kind =>
                {
                    continue;
                }
                Some(existing) => PlannedOrgUnit {
                    id,
                    expected: Some(existing.version),
                    name: org.name.clone(),
                    code: existing.code.clone(),
                    kind,
                    parent,
                },
                None => PlannedOrgUnit {
                    id,
                    expected: None,
                    name: org.name.clone(),
                    code: Some(org.sourced_id.clone()),
                    kind,
                    parent,
                },
            };
            if unit.expected.is_none() {
                self.new_parent.insert(unit.id, unit.parent);
            }
            wanted.push((org, unit));
        }
        self.anchors = resolve_anchors(self.current, &self.new_parent);
        let changed_parent: Map<OrgUnitId, Option<OrgUnitId>> =
            wanted.iter().map(|(_, u)| (u.id, u.parent)).collect();
        let on_cycle = cycles(self.current, &changed_parent);
        let mut refused: BTreeSet<OrgUnitId> = BTreeSet::new();
        for (org, unit) in &wanted {
            let problem = if on_cycle.contains(&unit.id) {
                Some((
                    IssueCode::Invalid(ValidationCode::Cycle),
                    "parentSourcedId",
                    format!(
                        "'{}' cannot go under '{}': that org is inside it, so the unit would be its own ancestor; fix parentSourcedId",
                        unit.name,
                        org.parent_sourced_id.as_deref().unwrap_or_default()
                    ),
                ))
            } else {
                self.refusal(unit)
                    .map(|(column, message)| (IssueCode::NotPermitted, column, message))
            };
            if let Some((code, column, message)) = problem {
                refused.insert(unit.id);
                issues.push(
                    ImportIssue::error(code, org.source.file.to_string(), message)
                        .at_row(org.source.row)
                        .in_column(column),
                );
            }
        }
        for (_, unit) in wanted {
            if refused.contains(&unit.id) {
                self.new_parent.remove(&unit.id);
                continue;
            }
            self.place(unit);
        }
        self.planned = order_parents_first(std::mem::take(&mut self.planned));
    }

    /// Why the importer may not make this change to the tree, as (column, message).
    fn refusal(&self, unit: &PlannedOrgUnit) -> Option<(&'static str, String)> {
        let at_parent = || {
            may_manage_at(
                self.authority,
                unit.parent
                    .and_then(|p| anchor(self.current, &self.anchors, p)),
            )
        };
        let where_ = |p: Option<OrgUnitId>| {
            p.and_then(|p| self.current.get(p).map(|u| format!("'{}'", u.name)))
                .unwrap_or_else(|| "the district".into())
        };
        match self.current.get(unit.id) {
            None if !at_parent() => Some((
                "parentSourcedId",
                format!(
                    "you cannot create org unit '{}' under {}: that needs the Manage Org Units permission there; ask an administrator who holds it",
                    unit.name,
                    where_(
                        unit.parent
                            .and_then(|p| anchor(self.current, &self.anchors, p))
                    )
                ),
            )),
            None => None,
            Some(existing) if !may_manage_at(self.authority, Some(existing.id)) => Some((
                "name",
                format!(
                    "you cannot change org unit '{}': renaming or moving it needs the Manage Org Units permission over it; ask an administrator who holds it",
                    existing.name
                ),
            )),
            Some(existing) if existing.parent != unit.parent && !at_parent() => Some((
                "parentSourcedId",
                format!(
                    "you cannot move org unit '{}' under {}: that needs the Manage Org Units permission there; ask an administrator who holds it",
                    existing.name,
                    where_(
                        unit.parent
                            .and_then(|p| anchor(self.current, &self.anchors, p))
                    )
                ),
            )),
            Some(_) => None,
        }
    }

    /// Adds a planned unit to the plan and the planned tree.
    fn place(&mut self, unit: PlannedOrgUnit) {
        if unit.expected.is_none() {
            self.new_by_name
                .entry(unit.name.trim().to_lowercase())
                .or_insert(unit.id);
        }
        let created_at = self
            .current
            .get(unit.id)
            .map_or(chrono::DateTime::UNIX_EPOCH, |u| u.created_at);
        self.tree.insert(OrgUnit {
            id: unit.id,
            district: self.district.id,
            parent: unit.parent,
            name: unit.name.clone(),
            code: unit.code.clone(),
            kind: unit.kind,
            created_at,
            version: unit.expected.unwrap_or(Version::FIRST),
        });
        self.planned.push(unit);
    }

    /// The unit a cell names (its name or code, as a lower-case key).
    pub(super) fn lookup(&self, key: &str) -> Lookup {
        if let Some(id) = self.new_by_name.get(key) {
            return Lookup::One(*id);
        }
        match self.by_key.get(key).map(Vec::as_slice) {
            None => Lookup::Unknown,
            Some([one]) => Lookup::One(*one),
            // Every key was entered with a unit, so the others name two or more.
            Some(_) => Lookup::Ambiguous,
        }
    }

    /// Plans a new school directly under the district for a name no unit has, when the
    /// importer may create one there (Manage Org Units district-wide); otherwise `None`.
    pub(super) fn create_school(&mut self, name: &str, key: &str) -> Option<OrgUnitId> {
        if !may_manage_at(self.authority, None) {
            return None;
        }
        let id = derived_unit_id(self.district, key);
        self.new_parent.insert(id, None);
        self.anchors.insert(id, None);
        self.place(PlannedOrgUnit {
            id,
            expected: None,
            name: name.trim().to_owned(),
            code: None,
            kind: OrgUnitKind::School,
            parent: None,
        });
        Some(id)
    }
}

/// Where a unit hangs for permission checks: the unit itself when it exists, otherwise the
/// nearest existing unit above a unit the plan creates (`None`: directly under the district),
/// as [`resolve_anchors`] worked out. O(1).
pub(super) fn anchor(
    tree: &OrgTree,
    anchors: &Map<OrgUnitId, Option<OrgUnitId>>,
    unit: OrgUnitId,
) -> Option<OrgUnitId> {
    if tree.contains(unit) {
        return Some(unit);
    }
    // Unknown: matches no grant but a district-wide one.
    anchors.get(&unit).copied().unwrap_or(Some(unit))
}

/// For every new unit (with its parent in `new_parent`), the nearest existing unit above it
/// (`None`: the district). Linear: each unit is walked once. A unit on a cycle among new units
/// (refused elsewhere) anchors at itself, as strict as an unknown unit.
pub(super) fn resolve_anchors(
    tree: &OrgTree,
    new_parent: &Map<OrgUnitId, Option<OrgUnitId>>,
) -> Map<OrgUnitId, Option<OrgUnitId>> {
    let mut anchors: Map<OrgUnitId, Option<OrgUnitId>> =
        Map::with_capacity_and_hasher(new_parent.len(), Default::default());
    for start in new_parent.keys() {
        let mut at = *start;
        let mut path: Vec<OrgUnitId> = Vec::new();
        let mut seen: BTreeSet<OrgUnitId> = BTreeSet::new();
        let found: Option<Option<OrgUnitId>> = loop {
            if tree.contains(at) {
                break Some(Some(at));
            }
            if let Some(known) = anchors.get(&at) {
                break Some(*known);
            }
            let Some(parent) = new_parent.get(&at) else {
                break Some(Some(at));
            };
            if !seen.insert(at) {
                break None;
            }
            path.push(at);
            match parent {
                Some(parent) => at = *parent,
                None => break Some(None),
            }
        };
        for unit in path {
            anchors.insert(unit, found.unwrap_or(Some(unit)));
        }
    }
    anchors
}

/// True when `authority` holds `permission` at `anchor` (see [`anchor`]).
pub(super) fn holds_at(
    authority: &Authority,
    permission: Permission,
    anchor: Option<OrgUnitId>,
) -> bool {
    match anchor {
        Some(unit) => authority.check_units(permission, [unit]),
        None => authority.check_district(permission),
    }
}

/// The parents new units will have, from planned units.
pub(super) fn new_parents(units: &[PlannedOrgUnit]) -> Map<OrgUnitId, Option<OrgUnitId>> {
    units
        .iter()
        .filter(|u| u.expected.is_none())
        .map(|u| (u.id, u.parent))
        .collect()
}

/// The planned units that would be their own ancestor once `changed` parents replace the
/// tree's: every unit on a cycle of the resulting parent links. Linear: each unit is walked
/// once.
pub(super) fn cycles(
    tree: &OrgTree,
    changed: &Map<OrgUnitId, Option<OrgUnitId>>,
) -> BTreeSet<OrgUnitId> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        OnPath,
        Done,
    }
    let parent = |id: OrgUnitId| match changed.get(&id) {
        Some(p) => *p,
        None => tree.get(id).and_then(|u| u.parent),
    };
    let mut state: Map<OrgUnitId, State> = Map::default();
    let mut on_cycle = BTreeSet::new();
    for start in changed.keys() {
        let mut path: Vec<OrgUnitId> = Vec::new();
        let mut at = Some(*start);
        while let Some(id) = at {
            match state.get(&id) {
                Some(State::Done) => break,
                Some(State::OnPath) => {
                    if let Some(from) = path.iter().position(|p| *p == id) {
                        on_cycle.extend(path[from..].iter().copied());
                    }
                    break;
                }
                None => {
                    state.insert(id, State::OnPath);
                    path.push(id);
                    at = parent(id);
                }
            }
        }
        for id in path {
            state.insert(id, State::Done);
        }
    }
    on_cycle
}

/// `units` in an order where every new parent comes before its children, in linear time.
pub(super) fn order_parents_first(units: Vec<PlannedOrgUnit>) -> Vec<PlannedOrgUnit> {
    let position: Map<OrgUnitId, usize> =
        units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    let mut children: Map<usize, Vec<usize>> = Map::default();
    let mut roots: Vec<usize> = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        match unit
            .parent
            .and_then(|p| position.get(&p))
            .filter(|p| **p != i)
        {
            Some(parent) => children.entry(*parent).or_default().push(i),
            None => roots.push(i),
        }
    }
    let mut order: Vec<usize> = Vec::with_capacity(units.len());
    let mut placed = vec![false; units.len()];
    let mut stack: Vec<usize> = roots.into_iter().rev().collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut placed[i], true) {
            continue;
        }
        order.push(i);
        if let Some(below) = children.get(&i) {
            stack.extend(below.iter().rev().copied());
        }
    }
    // Units on a cycle among themselves are never reached from a root: keep them, in file
    // order, for the storage to refuse.
    order.extend((0..units.len()).filter(|i| !placed[*i]));
    let mut slots: Vec<Option<PlannedOrgUnit>> = units.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

/// The id of an org unit an import creates: derived from the district and the unit's key, so
/// planning the same file twice gives the same plan.
pub(super) fn derived_unit_id(district: &District, key: &str) -> OrgUnitId {
    let name = format!("homeroom:org-unit:{}", key.trim().to_lowercase());
    OrgUnitId::from_uuid(Uuid::new_v5(&district.id.as_uuid(), name.as_bytes()))
}

#[cfg(test)]
mod tests;
