//! The org-unit tree: district > schools/buildings > departments.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{DistrictId, OrgUnitId, Version};

/// What an org unit is. Follows OneRoster's org types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum OrgUnitKind {
    /// A school or building: what the product documents call a "building".
    School,
    /// A department inside a school or the district office.
    Department,
    /// A grouping above schools (a region, a local education agency).
    Local,
    /// A room inside a building (a lab, a library, a closet of devices); it always has a
    /// parent.
    Room,
    /// Anything else.
    Other,
}

impl fmt::Display for OrgUnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::School => "school",
            Self::Department => "department",
            Self::Local => "local",
            Self::Room => "room",
            Self::Other => "other",
        })
    }
}

/// One node of a district's org tree. A unit with no parent hangs directly under the district.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    /// The unit's id.
    pub id: OrgUnitId,
    /// The district it belongs to.
    pub district: DistrictId,
    /// The unit above it; `None` directly under the district.
    pub parent: Option<OrgUnitId>,
    /// Display name ("Lincoln Middle School").
    pub name: String,
    /// Short code from the SIS ("LMS", "042"), unique in the district regardless of case.
    pub code: Option<String>,
    /// School, department, ...
    pub kind: OrgUnitKind,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The optimistic-concurrency version.
    pub version: Version,
}

impl OrgUnit {
    /// The key code uniqueness is checked on: trimmed, lower case.
    pub fn code_key(code: &str) -> String {
        code.trim().to_lowercase()
    }
}

/// A district's org units arranged as a tree, for the questions core asks of it: what lies
/// below a unit, and would a move make a cycle.
///
/// ```
/// # use homeroom::*;
/// # use chrono::DateTime;
/// # let district = DistrictId::from_uuid(uuid::Uuid::from_u128(1));
/// # let unit = |n: u128, parent: Option<u128>| OrgUnit { id: OrgUnitId::from_uuid(uuid::Uuid::from_u128(n)),
/// #     district, parent: parent.map(|p| OrgUnitId::from_uuid(uuid::Uuid::from_u128(p))), name: format!("unit {n}"),
/// #     code: None, kind: OrgUnitKind::School, created_at: DateTime::UNIX_EPOCH, version: Version::FIRST };
/// let tree = OrgTree::new(vec![unit(10, None), unit(11, Some(10)), unit(12, Some(11)), unit(20, None)]);
/// let top = OrgUnitId::from_uuid(uuid::Uuid::from_u128(10));
/// assert_eq!(tree.with_descendants([top]).len(), 3);
/// ```
#[derive(Clone, Debug, Default)]
pub struct OrgTree {
    units: BTreeMap<OrgUnitId, OrgUnit>,
    children: BTreeMap<OrgUnitId, Vec<OrgUnitId>>,
}

impl OrgTree {
    /// Builds the tree from one district's units.
    pub fn new(units: impl IntoIterator<Item = OrgUnit>) -> Self {
        let units: BTreeMap<OrgUnitId, OrgUnit> = units.into_iter().map(|u| (u.id, u)).collect();
        let mut children: BTreeMap<OrgUnitId, Vec<OrgUnitId>> = BTreeMap::new();
        for unit in units.values() {
            if let Some(parent) = unit.parent {
                children.entry(parent).or_default().push(unit.id);
            }
        }
        Self { units, children }
    }

    /// Adds `unit`, or replaces the unit with its id (moving it under its new parent), without
    /// rebuilding the tree: what a planner needs to grow a tree unit by unit in linear time.
    pub(crate) fn insert(&mut self, unit: OrgUnit) {
        let id = unit.id;
        let parent = unit.parent;
        let old_parent = self.units.insert(id, unit).map(|old| old.parent);
        if old_parent == Some(parent) {
            return;
        }
        if let Some(Some(old)) = old_parent
            && let Some(siblings) = self.children.get_mut(&old)
        {
            siblings.retain(|s| *s != id);
        }
        if let Some(parent) = parent {
            self.children.entry(parent).or_default().push(id);
        }
    }

    /// The unit with this id.
    pub fn get(&self, id: OrgUnitId) -> Option<&OrgUnit> {
        self.units.get(&id)
    }

    /// True when the unit exists in this district.
    pub fn contains(&self, id: OrgUnitId) -> bool {
        self.units.contains_key(&id)
    }

    /// Every unit, by id.
    pub fn units(&self) -> impl Iterator<Item = &OrgUnit> {
        self.units.values()
    }

    /// The units directly below `id`.
    pub fn children(&self, id: OrgUnitId) -> &[OrgUnitId] {
        self.children.get(&id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The given units and everything below them. Unknown ids are kept as they are (they match
    /// nothing), so a filter on a deleted unit finds no one rather than everyone.
    pub fn with_descendants(
        &self,
        roots: impl IntoIterator<Item = OrgUnitId>,
    ) -> BTreeSet<OrgUnitId> {
        let mut found = BTreeSet::new();
        let mut stack: Vec<OrgUnitId> = roots.into_iter().collect();
        while let Some(id) = stack.pop() {
            if found.insert(id) {
                stack.extend_from_slice(self.children(id));
            }
        }
        found
    }

    /// The given units and every unit above them (unknown ids kept as they are).
    ///
    /// ```
    /// # use homeroom::*;
    /// # use chrono::DateTime;
    /// # let district = DistrictId::from_uuid(uuid::Uuid::from_u128(1));
    /// # let unit = |n: u128, parent: Option<OrgUnitId>| OrgUnit { id: OrgUnitId::from_uuid(uuid::Uuid::from_u128(n)),
    /// #     district, parent, name: format!("unit {n}"),
    /// #     code: None, kind: OrgUnitKind::School, created_at: DateTime::UNIX_EPOCH, version: Version::FIRST };
    /// let top = unit(1, None);
    /// let school = unit(2, Some(top.id));
    /// let (top_id, school_id) = (top.id, school.id);
    /// let tree = OrgTree::new([top, school]);
    /// assert_eq!(tree.with_ancestors([school_id]).len(), 2);
    /// assert!(tree.with_ancestors([school_id]).contains(&top_id));
    /// ```
    pub fn with_ancestors(
        &self,
        units: impl IntoIterator<Item = OrgUnitId>,
    ) -> BTreeSet<OrgUnitId> {
        let mut found = BTreeSet::new();
        for id in units {
            let mut current = Some(id);
            while let Some(at) = current {
                if !found.insert(at) {
                    break; // seen already, and so everything above it (or a cycle)
                }
                current = self.units.get(&at).and_then(|u| u.parent);
            }
        }
        found
    }

    /// True when `ancestor` is `id` or lies above it.
    pub fn is_within(&self, id: OrgUnitId, ancestor: OrgUnitId) -> bool {
        let mut current = Some(id);
        let mut steps = 0;
        while let Some(at) = current {
            if at == ancestor {
                return true;
            }
            steps += 1;
            if steps > self.units.len() {
                return false; // a corrupt, cyclic tree: stop rather than loop
            }
            current = self.units.get(&at).and_then(|u| u.parent);
        }
        false
    }

    /// The path from the top of the tree down to `id`, names joined by " > ".
    pub fn path(&self, id: OrgUnitId) -> String {
        let mut names = Vec::new();
        let mut current = self.units.get(&id);
        while let Some(unit) = current {
            names.push(unit.name.as_str());
            if names.len() > self.units.len() {
                break;
            }
            current = unit.parent.and_then(|p| self.units.get(&p));
        }
        names.reverse();
        names.join(" > ")
    }
}
