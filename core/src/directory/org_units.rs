//! Building and reshaping a district's org tree.

use chrono::{DateTime, Utc};

use crate::activity::{ActivityAction, ActorRef, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::{Authority, Permission};
use crate::error::Error;
use crate::ids::{DistrictId, OrgUnitId, Version};
use crate::model::{District, OrgTree, OrgUnit, OrgUnitKind};
use crate::storage::{Entity, Op, Storage};
use crate::validation::{InvalidValue, ValidationCode, ValidationErrors, clean_text, limits};

use super::Directory;
use super::acting::Acting;
use super::districts::{check_version, required_name};
use super::grants::serialize_authz_change;

/// What it takes to add an org unit.
///
/// ```
/// use homeroom::{NewOrgUnit, OrgUnitKind};
/// let school = NewOrgUnit::school("Lincoln Middle School").with_code("LMS");
/// assert_eq!(school.kind, OrgUnitKind::School);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrgUnit {
    /// Display name, required.
    pub name: String,
    /// Optional short code, unique in the district regardless of case.
    pub code: Option<String>,
    /// School, department, ...
    pub kind: OrgUnitKind,
    /// The unit above; `None` hangs it directly under the district.
    pub parent: Option<OrgUnitId>,
}

impl NewOrgUnit {
    /// A school (building) directly under the district.
    pub fn school(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            code: None,
            kind: OrgUnitKind::School,
            parent: None,
        }
    }

    /// A department under `parent`.
    pub fn department(name: impl Into<String>, parent: OrgUnitId) -> Self {
        Self {
            name: name.into(),
            code: None,
            kind: OrgUnitKind::Department,
            parent: Some(parent),
        }
    }

    /// A room inside the building (or other unit) `parent`.
    ///
    /// ```
    /// use homeroom::{NewOrgUnit, OrgUnitId, OrgUnitKind};
    /// let lab = NewOrgUnit::room("Room 101", OrgUnitId::from_uuid(uuid::Uuid::nil()));
    /// assert_eq!(lab.kind, OrgUnitKind::Room);
    /// ```
    pub fn room(name: impl Into<String>, parent: OrgUnitId) -> Self {
        Self {
            name: name.into(),
            code: None,
            kind: OrgUnitKind::Room,
            parent: Some(parent),
        }
    }

    /// Sets the code.
    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Adds an org unit to a district's tree.
    #[tracing::instrument(level = "info", name = "directory::create_org_unit", skip_all, fields(command = "create_org_unit", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn create_org_unit(
        &self,
        actor: &Actor,
        district: DistrictId,
        new: NewOrgUnit,
    ) -> Result<OrgUnit, Error> {
        let result: Result<OrgUnit, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            require_manage_at(&acting, new.parent)?;
            let mut errors = ValidationErrors::new();
            let name = errors.check("name", required_name(&new.name));
            let code = match &new.code {
                Some(code) => errors.check("code", unit_code(code, &tree)).flatten(),
                None => None,
            };
            if let Some(parent) = new.parent
                && !tree.contains(parent)
            {
                errors.push(unknown_parent(parent));
            }
            if new.kind == OrgUnitKind::Room && new.parent.is_none() {
                errors.push(
                    InvalidValue::new(ValidationCode::Required, "a room sits inside a building")
                        .at("parent"),
                );
            }
            let Some(name) = name else {
                return Err(Error::invalid(Entity::OrgUnit, errors));
            };
            errors
                .into_result()
                .map_err(|e| Error::invalid(Entity::OrgUnit, e))?;

            let unit = OrgUnit {
                id: OrgUnitId::from_uuid(self.ids.next_uuid()),
                district,
                parent: new.parent,
                name,
                code,
                kind: new.kind,
                created_at: now,
                version: Version::FIRST,
            };
            let fields = vec![
                change("name", None, Some(unit.name.clone())),
                change("code", None, unit.code.clone()),
                change("kind", None, Some(unit.kind.to_string())),
                change("parent", None, unit.parent.map(|p| tree.path(p))),
            ];
            let fields = fields.into_iter().filter(|c| c.new.is_some()).collect();
            let entry = self.log_entry(
                &acting.who,
                district,
                Subject::OrgUnit(unit.id),
                ActivityAction::Created,
                fields,
                now,
            );
            self.commit(
                serialize_authz_change(&district_row)
                    .with(Op::InsertOrgUnit(unit.clone()))
                    .with(Op::AppendActivity(entry)),
            )
            .await?;
            Ok(unit)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Every org unit of a district, as a tree. Any user of the district may read it.
    #[tracing::instrument(level = "info", name = "directory::org_tree", skip_all, fields(command = "org_tree", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn org_tree(&self, actor: &Actor, district: DistrictId) -> Result<OrgTree, Error> {
        let result: Result<OrgTree, Error> = async move {
            let (_, _, tree) = self.acting_in(actor, district, self.now()).await?;
            Ok(std::sync::Arc::unwrap_or_clone(tree))
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Renames an org unit. `expected` is the version the caller read.
    #[tracing::instrument(level = "info", name = "directory::rename_org_unit", skip_all, fields(command = "rename_org_unit", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn rename_org_unit(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: OrgUnitId,
        expected: Version,
        name: &str,
    ) -> Result<OrgUnit, Error> {
        let result: Result<OrgUnit, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let current = load_unit(&tree, id)?;
            require_manage_at(&acting, Some(id))?;
            check_version(Entity::OrgUnit, id, expected, current.version)?;
            let name = required_name(name)
                .map_err(|e| Error::invalid_field(Entity::OrgUnit, e.at("name")))?;
            if name == current.name {
                return Ok(current);
            }
            let field = change("name", Some(current.name.clone()), Some(name.clone()));
            let updated = OrgUnit {
                name,
                version: expected.next(),
                ..current
            };
            self.write_unit(
                &district_row,
                &acting.who,
                updated,
                expected,
                ActivityAction::Updated,
                field,
                now,
            )
            .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Moves an org unit (and everything below it) under `new_parent`, or directly under the
    /// district with `None`. A unit cannot move under itself or its own descendants.
    #[tracing::instrument(level = "info", name = "directory::move_org_unit", skip_all, fields(command = "move_org_unit", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn move_org_unit(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: OrgUnitId,
        expected: Version,
        new_parent: Option<OrgUnitId>,
    ) -> Result<OrgUnit, Error> {
        let result: Result<OrgUnit, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let current = load_unit(&tree, id)?;
            require_manage_at(&acting, Some(id))?;
            require_manage_at(&acting, new_parent)?;
            check_version(Entity::OrgUnit, id, expected, current.version)?;
            if let Some(parent) = new_parent {
                if !tree.contains(parent) {
                    return Err(Error::invalid_field(
                        Entity::OrgUnit,
                        unknown_parent(parent),
                    ));
                }
                if tree.is_within(parent, id) {
                    return Err(Error::invalid_field(
                        Entity::OrgUnit,
                        InvalidValue::new(
                            ValidationCode::Cycle,
                            format!(
                                "'{}' cannot move under '{}', which is inside it",
                                current.name,
                                tree.path(parent)
                            ),
                        )
                        .at("parent"),
                    ));
                }
            }
            if new_parent == current.parent {
                return Ok(current);
            }
            let path = |p: Option<OrgUnitId>| {
                Some(p.map_or_else(|| "(district)".into(), |p| tree.path(p)))
            };
            let field = change("parent", path(current.parent), path(new_parent));
            let updated = OrgUnit {
                parent: new_parent,
                version: expected.next(),
                ..current
            };
            self.write_unit(
                &district_row,
                &acting.who,
                updated,
                expected,
                ActivityAction::Moved,
                field,
                now,
            )
            .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Writes a changed unit. Like role and grant changes, it moves the district's version: a
    /// reshaped tree changes who may act where, so a plan made before it (an import) is stale.
    #[allow(clippy::too_many_arguments)] // each is one part of the one write; a struct would only rename them
    async fn write_unit(
        &self,
        district: &District,
        actor: &ActorRef,
        unit: OrgUnit,
        expected: Version,
        action: ActivityAction,
        field: FieldChange,
        now: DateTime<Utc>,
    ) -> Result<OrgUnit, Error> {
        let entry = self.log_entry(
            actor,
            unit.district,
            Subject::OrgUnit(unit.id),
            action,
            vec![field],
            now,
        );
        self.commit(
            serialize_authz_change(district)
                .with(Op::UpdateOrgUnit {
                    org_unit: unit.clone(),
                    expected,
                })
                .with(Op::AppendActivity(entry)),
        )
        .await?;
        Ok(unit)
    }
}

/// Org units are managed where the actor holds Manage Org Units: at (or above) `unit`, or
/// district-wide for units directly under the district.
fn require_manage_at(acting: &Acting, unit: Option<OrgUnitId>) -> Result<(), Error> {
    match unit {
        _ if may_manage_at(&acting.authority, unit) => Ok(()),
        Some(_) => Err(Error::forbidden(
            Permission::ManageOrgUnits,
            "over this org unit",
        )),
        None => acting.require_district(Permission::ManageOrgUnits),
    }
}

/// True when `authority` may create, rename or move org units at `unit` (`None`: directly under
/// the district): Manage Org Units over `unit` (directly or from above), or district-wide for
/// the top of the tree. Creating a unit needs this at its parent; renaming at the unit; moving
/// at the unit and at its new parent. Import applies the same rule.
pub(crate) fn may_manage_at(authority: &Authority, unit: Option<OrgUnitId>) -> bool {
    match unit {
        Some(unit) => authority.check_units(Permission::ManageOrgUnits, [unit]),
        None => authority.check_district(Permission::ManageOrgUnits),
    }
}

fn load_unit(tree: &OrgTree, id: OrgUnitId) -> Result<OrgUnit, Error> {
    tree.get(id)
        .cloned()
        .ok_or_else(|| Error::not_found(Entity::OrgUnit, id))
}

fn unknown_parent(parent: OrgUnitId) -> crate::FieldError {
    InvalidValue::new(
        ValidationCode::UnknownOrgUnit,
        format!("the parent org unit {parent} does not exist in this district"),
    )
    .at("parent")
}

/// Checks a code's syntax and that no other unit of the tree has it.
fn unit_code(code: &str, tree: &OrgTree) -> Result<Option<String>, InvalidValue> {
    let Some(code) = clean_text(code, limits::IDENTIFIER)? else {
        return Ok(None);
    };
    let key = OrgUnit::code_key(&code);
    let taken = tree.units().find(|u| {
        u.code
            .as_deref()
            .is_some_and(|c| OrgUnit::code_key(c) == key)
    });
    if let Some(other) = taken {
        return Err(InvalidValue::new(
            ValidationCode::Taken,
            format!("the code '{code}' is already used by '{}'", other.name),
        ));
    }
    Ok(Some(code))
}

fn change(field: &'static str, old: Option<String>, new: Option<String>) -> FieldChange {
    FieldChange {
        field: field.into(),
        old,
        new,
    }
}
