//! Planning one row: matching it to a user by Local ID, then deciding create / update /
//! unchanged / error.

use std::collections::hash_map::Entry;

use super::Planner;
use super::cells::field_for_path;
use super::fingerprint;
use super::unchanged::row_matches;
use crate::activity::{FieldChange, diff_fields};
use crate::authz::Permission;
use crate::directory::import::options::ImportMode;
use crate::directory::import::packed_details::PackedDetails;
use crate::directory::import::plan_types::*;
use crate::directory::user_validation::{missing_identity, normalize_details};
use crate::error::Error;
use crate::import::{ImportField, ImportRow, IssueCode};
use crate::model::{LocalId, RecordStatus, User, UserDetails};
use crate::validation::{InvalidValue, ValidationCode};

impl<'a> Planner<'a> {
    pub(super) fn plan_row(&mut self, row: &'a ImportRow) -> Result<RowAction, Error> {
        let errors_before = self.error_count();
        let Some((local_id, existing)) = self.local_id(row) else {
            return Ok(RowAction::Error);
        };
        // Out of the importer's reach a user does not exist: the answers below are those for a
        // Local ID nobody holds, except that a held Local ID cannot be created again (the store
        // refuses it), so that is said, but never who holds it.
        let in_reach = existing.is_some_and(|user| {
            let units = || user.details.org_units.iter().copied();
            let authority = self.current.authority;
            authority.check_units(Permission::ViewUsers, units())
                && authority.check_units(Permission::ImportUsers, units())
        });
        let refusal = match (self.options.mode, existing) {
            (ImportMode::CreateOnly, Some(user)) => Some((
                IssueCode::UserExists,
                format!(
                    "Local ID {local_id} already belongs to {}; this import only creates users",
                    if in_reach {
                        user.details.name.display()
                    } else {
                        "another user".into()
                    }
                ),
            )),
            (ImportMode::UpdateOnly, None) | (ImportMode::UpdateOnly, Some(_)) if !in_reach => {
                Some((
                    IssueCode::UserNotFound,
                    format!("no user has Local ID {local_id}; this import only updates users"),
                ))
            }
            (ImportMode::Upsert, Some(_)) if !in_reach => Some((
                IssueCode::Invalid(ValidationCode::Taken),
                format!(
                    "Local ID '{local_id}' already belongs to another user; each person's Local ID must be unique in the district"
                ),
            )),
            _ => None,
        };
        if let Some((code, message)) = refusal {
            self.issue(row, Some(ImportField::LocalId), code, message, true);
            return Ok(RowAction::Error);
        }

        let context = self.current.context;
        if let Some(context) = context
            && fingerprint::eligible(row)
        {
            let print = self.row_hasher.hash(row);
            self.row_print = Some(print);
            if let Some(user) = existing
                && !self.options.full_compare
                && user.import_managed
                && fingerprint::matches(
                    user.import_fingerprint.as_ref(),
                    print,
                    context,
                    user.version,
                )
            {
                // The row that last wrote this user, under the same options and tree, and
                // nobody has changed the user since.
                return Ok(RowAction::Unchanged { user: user.id });
            }
        }
        if let Some(user) = existing
            && row_matches(row, user, &self.resolved_units)
        {
            // The nightly sync's common row, decided without building the user again.
            return Ok(RowAction::Unchanged { user: user.id });
        }

        let mut details = existing.map_or_else(
            || UserDetails::new(self.options.default_kind, "", ""),
            |u| u.details.clone(),
        );
        let mut status = existing.map_or(RecordStatus::Active, |u| u.status);
        details.local_id = Some(LocalId::from_checked(local_id));
        self.apply_cells(row, existing, &mut details, &mut status);

        let details = match normalize_details(details, self.current.district, self.orgs.tree()) {
            Ok(details) => details,
            Err(errors) => {
                for e in errors.errors() {
                    let field = field_for_path(&e.field);
                    self.invalid(
                        row,
                        field,
                        InvalidValue::new(e.code.clone(), e.message.clone()),
                    );
                }
                return Ok(RowAction::Error);
            }
        };
        if existing.is_none() {
            for missing in missing_identity(&details, self.current.district) {
                let field = field_for_path(&missing.field);
                self.invalid(row, field, InvalidValue::new(missing.code, missing.message));
            }
        }
        self.check_unique(row, existing.map(|u| u.id), &details);
        self.check_units_permitted(row, existing, &details);
        if existing.is_none() {
            self.check_welcome(row, &details);
        }
        let grants = self.grants_for(row, existing, &details);
        if self.error_count() > errors_before {
            return Ok(RowAction::Error);
        }
        let temporary_password = self.temporary_password(row, existing);
        if self.error_count() > errors_before {
            return Ok(RowAction::Error);
        }
        let action = match existing {
            None => RowAction::Create {
                details: PackedDetails::pack(&details)?,
                status,
                grants,
                temporary_password,
            },
            Some(user) => {
                // Equal details (the common case of a nightly sync) need no field listing.
                let mut changes = if details == user.details {
                    Vec::new()
                } else {
                    diff_fields(&user.details.field_values(), &details.field_values())
                };
                if status != user.status {
                    changes.push(FieldChange {
                        field: "status".into(),
                        old: Some(user.status.to_string()),
                        new: Some(status.to_string()),
                    });
                }
                if changes.is_empty()
                    && grants.is_empty()
                    && self.row_apps.is_empty()
                    && user.import_managed
                {
                    RowAction::Unchanged { user: user.id }
                } else if let Some((code, reason)) = self.refuse_change(user, status) {
                    let message = format!(
                        "you cannot change {}: {reason}",
                        user.details.name.display()
                    );
                    self.issue(row, Some(ImportField::LocalId), code, message, true);
                    RowAction::Error
                } else {
                    RowAction::Update {
                        user: user.id,
                        expected: user.version,
                        details: PackedDetails::pack(&details)?,
                        status,
                        changes,
                        grants,
                    }
                }
            }
        };
        Ok(action)
    }

    /// The row's Local ID (checked, trimmed) and the current user holding it, unless the ID
    /// is bad or already on another row.
    pub(super) fn local_id(&mut self, row: &'a ImportRow) -> Option<(&'a str, Option<&'a User>)> {
        let raw = row.get(ImportField::LocalId).unwrap_or("");
        let local_id = match LocalId::check(raw) {
            Ok(id) => id,
            Err(problem) => {
                self.invalid(row, ImportField::LocalId, problem);
                return None;
            }
        };
        let at = row.source.row.max(1);
        let (first, existing) = match self.by_local_id.get(local_id) {
            Some(&i) => {
                let listed = self.listed.get_mut(i)?;
                let first = *listed;
                if first == 0 {
                    *listed = at;
                }
                (first, self.current.users.get(i).map(|u| &**u))
            }
            None => match self.new_local_ids.entry(local_id) {
                Entry::Occupied(listed) => (*listed.get(), None),
                Entry::Vacant(slot) => {
                    slot.insert(at);
                    (0, None)
                }
            },
        };
        if first != 0 {
            let message =
                format!("Local ID {local_id} is also on row {first}; each person may appear once");
            self.issue(
                row,
                Some(ImportField::LocalId),
                IssueCode::DuplicateLocalId,
                message,
                true,
            );
            return None;
        }
        Some((local_id, existing))
    }
}
