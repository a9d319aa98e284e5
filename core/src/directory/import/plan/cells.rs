//! Copying a row's cells onto a user's details: names, phones, grade, kind, status.

use super::Planner;
use crate::import::{ImportField, ImportRow};
use crate::model::{Grade, RecordStatus, User, UserDetails, UserKind};
use crate::validation::{InvalidValue, ValidationCode};

impl<'a> Planner<'a> {
    /// Copies every cell of a present column onto `details`. A blank cell clears an optional
    /// field; protected fields of existing users are left alone, with a warning if the file
    /// differs.
    pub(super) fn apply_cells(
        &mut self,
        row: &'a ImportRow,
        existing: Option<&User>,
        details: &mut UserDetails,
        status: &mut RecordStatus,
    ) {
        let text = |f: ImportField| row.get(f).map(str::trim);
        let opt = |f: ImportField| text(f).map(|v| (!v.is_empty()).then(|| v.to_owned()));
        // Assigned only when different: an existing user's values are kept, not copied again.
        for (field, slot) in [
            (ImportField::FirstName, &mut details.name.first),
            (ImportField::LastName, &mut details.name.last),
        ] {
            if let Some(v) = text(field)
                && slot.as_str() != v
            {
                v.clone_into(slot);
            }
        }
        for (field, slot) in [
            (ImportField::MiddleName, &mut details.name.middle),
            (ImportField::PreferredName, &mut details.name.preferred),
            (ImportField::Prefix, &mut details.name.prefix),
            (ImportField::Suffix, &mut details.name.suffix),
            (ImportField::JobTitle, &mut details.job_title),
            (ImportField::StateEducatorId, &mut details.state_educator_id),
            (ImportField::HomePhone, &mut details.phones.home),
            (ImportField::MobilePhone, &mut details.phones.mobile),
            (ImportField::Fax, &mut details.phones.fax),
            (ImportField::Pager, &mut details.phones.pager),
            (ImportField::TimeZone, &mut details.time_zone),
        ] {
            if let Some(v) = text(field)
                && slot.as_deref().unwrap_or_default() != v
            {
                *slot = (!v.is_empty()).then(|| v.to_owned());
            }
        }
        for (field, name) in [
            (ImportField::GradeLevels, "Grade Levels"),
            (ImportField::ContentAreas, "Content Areas"),
        ] {
            match opt(field) {
                Some(Some(v)) => {
                    details.custom_fields.insert(name.into(), v);
                }
                Some(None) => {
                    details.custom_fields.remove(name);
                }
                None => {}
            }
        }
        if let Some(v) = text(ImportField::Grade) {
            details.grade = match (!v.is_empty()).then(|| Grade::parse(v)).transpose() {
                Ok(grade) => grade,
                Err(problem) => {
                    self.invalid(row, ImportField::Grade, problem);
                    details.grade.clone()
                }
            };
        }
        if let Some(kind) = self.kind(row) {
            details.kind = kind;
        }
        self.protected(row, existing, ImportField::Email, details);
        self.protected(row, existing, ImportField::Username, details);
        if let Some(units) = self.units(row) {
            details.org_units = units;
        }
        if let Some(v) = opt(ImportField::Status).flatten() {
            match v.to_lowercase().as_str() {
                "active" => *status = RecordStatus::Active,
                "inactive" | "tobedeleted" => *status = RecordStatus::Inactive,
                "archived" => *status = RecordStatus::Archived,
                _ => {
                    let message =
                        format!("'{v}' is not a status; use Active, Inactive or Archived");
                    self.invalid(
                        row,
                        ImportField::Status,
                        InvalidValue::new(ValidationCode::InvalidCharacters, message),
                    );
                }
            }
        }
        // A package that carries guardians is the source of its students' contacts.
        if let Some(guardians) = row.roster().and_then(|r| r.guardians.as_ref())
            && details.kind == UserKind::Student
            && details.guardians != *guardians
        {
            details.guardians.clone_from(guardians);
        }
        if let Some(roster) = row.roster()
            && roster
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("tobedeleted"))
        {
            *status = RecordStatus::Inactive;
        }
    }

    pub(super) fn kind(&mut self, row: &ImportRow) -> Option<UserKind> {
        if let Some(roster) = row.roster() {
            return Some(if roster.primary_role.eq_ignore_ascii_case("student") {
                UserKind::Student
            } else {
                UserKind::Staff
            });
        }
        let value = row.value(ImportField::Kind)?;
        match parse_kind(value) {
            Some(kind) => Some(kind),
            None => {
                let message = format!("'{value}' is not a kind of user; use Student or Staff");
                self.invalid(
                    row,
                    ImportField::Kind,
                    InvalidValue::new(ValidationCode::InvalidCharacters, message),
                );
                None
            }
        }
    }
}

/// The kind a Kind cell names (any case), if it names one.
pub(super) fn parse_kind(value: &str) -> Option<UserKind> {
    match value.trim().to_lowercase().as_str() {
        "student" | "students" | "learner" => Some(UserKind::Student),
        "staff" | "teacher" | "administrator" | "aide" | "employee" => Some(UserKind::Staff),
        _ => None,
    }
}

/// The column a validation error on a `UserDetails` field path belongs to.
pub(super) fn field_for_path(path: &str) -> ImportField {
    match path {
        "name.first" => ImportField::FirstName,
        "name.last" => ImportField::LastName,
        "name.middle" => ImportField::MiddleName,
        "name.preferred" => ImportField::PreferredName,
        "name.prefix" => ImportField::Prefix,
        "name.suffix" => ImportField::Suffix,
        "job_title" => ImportField::JobTitle,
        "email" => ImportField::Email,
        "username" => ImportField::Username,
        "grade" => ImportField::Grade,
        "state_educator_id" => ImportField::StateEducatorId,
        "org_units" => ImportField::Building,
        "phones.home" => ImportField::HomePhone,
        "phones.mobile" => ImportField::MobilePhone,
        "phones.fax" => ImportField::Fax,
        "phones.pager" => ImportField::Pager,
        "time_zone" => ImportField::TimeZone,
        "custom.Grade Levels" => ImportField::GradeLevels,
        "custom.Content Areas" => ImportField::ContentAreas,
        _ => ImportField::LocalId,
    }
}
