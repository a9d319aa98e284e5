//! Creating and configuring districts.

use std::borrow::Cow;

use crate::activity::ActorRef;
use crate::activity::{ActivityAction, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::{Permission, Preset, Role};
use crate::error::Error;
use crate::ids::{DistrictId, RoleId, Version};
use crate::model::{District, DistrictSettings, Grade};
use crate::storage::{ChangeSet, Entity, Op, Storage};
use crate::validation::{InvalidValue, ValidationCode, ValidationErrors, clean_text, limits};

use super::Directory;

impl<S: Storage + ?Sized> Directory<S> {
    /// Creates a district with default settings and the preset roles (System Administrator,
    /// Building Administrator, ...). Its name must be unique (case-insensitively). Only a system
    /// actor creates districts.
    #[tracing::instrument(level = "info", name = "directory::create_district", skip_all, fields(command = "create_district", actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn create_district(&self, actor: &Actor, name: &str) -> Result<District, Error> {
        let result: Result<District, Error> = async move {
            if !actor.is_system() {
                return Err(Error::forbidden(
                    Permission::ManageSettings,
                    "for the installation",
                ));
            }
            let name = required_name(name)
                .map_err(|e| Error::invalid_field(Entity::District, e.at("name")))?;
            if self
                .storage
                .district_by_name(&District::name_key(&name))
                .await?
                .is_some()
            {
                return Err(Error::invalid_field(
                    Entity::District,
                    InvalidValue::new(
                        ValidationCode::Taken,
                        format!("a district named '{name}' already exists"),
                    )
                    .at("name"),
                ));
            }
            let now = self.now();
            let district = District {
                id: DistrictId::from_uuid(self.ids.next_uuid()),
                name,
                settings: DistrictSettings::default(),
                created_at: now,
                version: Version::FIRST,
            };
            let created = self.log_entry(
                &actor_ref(actor),
                district.id,
                Subject::District,
                ActivityAction::Created,
                vec![FieldChange {
                    field: "name".into(),
                    old: None,
                    new: Some(district.name.clone()),
                }],
                now,
            );
            let mut changes = ChangeSet::new()
                .with(Op::InsertDistrict(district.clone()))
                .with(Op::AppendActivity(created));
            for preset in Preset::ALL {
                changes.push(Op::InsertRole(Role {
                    id: RoleId::from_uuid(self.ids.next_uuid()),
                    district: district.id,
                    name: preset.name().into(),
                    permissions: preset.permissions(),
                    app_permissions: crate::authz::AppPermissions::new(),
                    preset: Some(preset),
                    created_at: now,
                    version: Version::FIRST,
                }));
            }
            self.commit(changes).await?;
            Ok(district)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The district with this id. A user sees only their own district.
    #[tracing::instrument(level = "info", name = "directory::district", skip_all, fields(command = "district", actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn district(&self, actor: &Actor, id: DistrictId) -> Result<District, Error> {
        let result: Result<District, Error> = async move {
            let district = self.load_district(id).await?;
            self.acting(actor, id, self.now()).await?;
            Ok(district)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The district with this name (case-insensitive). A user sees only their own district.
    #[tracing::instrument(level = "info", name = "directory::district_by_name", skip_all, fields(command = "district_by_name", actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn district_by_name(&self, actor: &Actor, name: &str) -> Result<District, Error> {
        let result: Result<District, Error> = async move {
            let district = self
                .storage
                .district_by_name(&District::name_key(name))
                .await?
                .ok_or_else(|| Error::not_found(Entity::District, name))?;
            self.acting(actor, district.id, self.now())
                .await
                .map_err(|_| Error::not_found(Entity::District, name))?;
            Ok(district)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Replaces a district's settings (needs Manage Settings district-wide). `expected` is the
    /// version the caller read.
    #[tracing::instrument(level = "info", name = "directory::update_district_settings", skip_all, fields(command = "update_district_settings", actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn update_district_settings(
        &self,
        actor: &Actor,
        id: DistrictId,
        expected: Version,
        settings: DistrictSettings,
    ) -> Result<District, Error> {
        let result: Result<District, Error> = async move {
            let now = self.now();
            let current = self.load_district(id).await?;
            let (acting, _) = self.acting(actor, id, now).await?;
            acting.require_district(Permission::ManageSettings)?;
            check_version(Entity::District, id, expected, current.version)?;
            let settings = validate_settings(settings)?;
            let changes = crate::activity::diff_fields(
                &settings_fields(&current.settings),
                &settings_fields(&settings),
            );
            if settings == current.settings {
                return Ok(current);
            }
            let updated = District {
                settings,
                version: expected.next(),
                ..current
            };
            let entry = self.log_entry(
                &acting.who,
                id,
                Subject::District,
                ActivityAction::Updated,
                changes,
                now,
            );
            self.commit(
                ChangeSet::new()
                    .with(Op::UpdateDistrict {
                        district: updated.clone(),
                        expected,
                    })
                    .with(Op::AppendActivity(entry)),
            )
            .await?;
            Ok(updated)
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}

pub(super) fn required_name(name: &str) -> Result<String, InvalidValue> {
    clean_text(name, limits::NAME)?
        .ok_or_else(|| InvalidValue::new(ValidationCode::Required, "a name is required"))
}

fn validate_settings(mut settings: DistrictSettings) -> Result<DistrictSettings, Error> {
    let mut errors = ValidationErrors::new();
    let mut grades = std::collections::BTreeSet::new();
    for code in &settings.custom_grades {
        match Grade::parse(code) {
            Ok(Grade::Other(code)) => {
                grades.insert(code);
            }
            Ok(standard) => errors.push(
                InvalidValue::new(
                    ValidationCode::InvalidGrade,
                    format!("'{code}' is the standard grade {standard}; list only the district's own codes"),
                )
                .at("custom_grades"),
            ),
            Err(problem) => errors.push(problem.at("custom_grades")),
        }
    }
    settings.custom_grades = grades;
    errors
        .into_result()
        .map_err(|e| Error::invalid(Entity::District, e))?;
    Ok(settings)
}

fn settings_fields(settings: &DistrictSettings) -> Vec<(Cow<'static, str>, Option<String>)> {
    let grades: Vec<&str> = settings.custom_grades.iter().map(String::as_str).collect();
    let flag = |name: &str, on: bool| (format!("settings.{name}").into(), Some(on.to_string()));
    let m = settings.modules;
    vec![
        (
            "settings.custom_grades".into(),
            (!grades.is_empty()).then(|| grades.join(",")),
        ),
        flag("modules.checkouts", m.checkouts),
        flag("modules.incidents", m.incidents),
        flag("modules.billing", m.billing),
        flag("modules.tickets", m.tickets),
        flag("modules.insurance", m.insurance),
        flag(
            "checkout_policy.require_aup",
            settings.checkout_policy.require_aup,
        ),
        flag(
            "checkout_policy.require_fee",
            settings.checkout_policy.require_fee,
        ),
        flag("audit_profile_views", settings.audit_profile_views),
        flag("sso_only", settings.sso_only),
        (
            "onboarding.invitation_valid_days".into(),
            Some(settings.onboarding.invitation_valid_days.to_string()),
        ),
        (
            "onboarding.invitation_link".into(),
            Some(settings.onboarding.invitation_link.clone()).filter(|l| !l.is_empty()),
        ),
        (
            "onboarding.reset_link".into(),
            Some(settings.onboarding.reset_link.clone()).filter(|l| !l.is_empty()),
        ),
    ]
}

/// Fails with a conflict when the caller's version is not the stored one.
pub(super) fn check_version(
    entity: Entity,
    id: impl ToString,
    expected: Version,
    found: Version,
) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::Conflict {
            entity,
            id: id.to_string(),
            expected: expected.get(),
            found: found.get(),
        })
    }
}

/// How a system actor is named in the log (districts are created before any user exists).
fn actor_ref(actor: &Actor) -> ActorRef {
    ActorRef {
        user: actor.user_id(),
        name: actor.system_label().unwrap_or("system").into(),
        acting_as: None,
    }
}
