//! Sign-in keys and passwords: e-mail and username are protected once set and must be free;
//! a temporary password is set only for a new user.

use super::{Map, Planner};
use crate::ids::UserId;
use crate::import::{ImportField, ImportRow, IssueCode};
use crate::model::{Email, User, UserDetails, Username};
use crate::password::Password;
use crate::validation::{InvalidValue, ValidationCode};

impl<'a> Planner<'a> {
    /// E-mail and username are set only when a user is created.
    pub(super) fn protected(
        &mut self,
        row: &ImportRow,
        existing: Option<&User>,
        field: ImportField,
        details: &mut UserDetails,
    ) {
        let Some(value) = row.value(field).map(str::trim).filter(|v| !v.is_empty()) else {
            return;
        };
        match existing {
            None => match field {
                ImportField::Email => match Email::parse(value) {
                    Ok(email) => details.email = Some(email),
                    Err(problem) => self.invalid(row, field, problem),
                },
                _ => match Username::parse(value) {
                    Ok(name) => details.username = Some(name),
                    Err(problem) => self.invalid(row, field, problem),
                },
            },
            Some(user) => {
                let current = match field {
                    ImportField::Email => user.details.email.as_ref().map(Email::key),
                    _ => user.details.username.as_ref().map(Username::key),
                };
                if !current
                    .as_deref()
                    .is_some_and(|c| same_ignoring_case(c, value))
                {
                    let message = format!(
                        "{} is protected: import never changes it for an existing user (kept '{}')",
                        field.header(),
                        current.unwrap_or_default()
                    );
                    self.issue(row, Some(field), IssueCode::ProtectedField, message, false);
                }
            }
        }
    }

    /// E-mail and username must be free: not held by another user, not on an earlier row. An
    /// existing user keeps both (they are protected), so only new users are checked.
    pub(super) fn check_unique(
        &mut self,
        row: &ImportRow,
        this: Option<UserId>,
        details: &UserDetails,
    ) {
        if this.is_some() {
            return;
        }
        let checks = [
            (ImportField::Email, details.email.as_ref().map(Email::key)),
            (
                ImportField::Username,
                details.username.as_ref().map(Username::key),
            ),
        ];
        let users = self.current.users;
        for (field, key) in checks {
            let Some(key) = key else { continue };
            let held = self
                .key_holders
                .get_or_insert_with(|| KeyHolders::of(users));
            // A sign-in accepts a username or an e-mail, so each must be free as the other
            // kind of login too: no username may shadow someone's e-mail.
            let (existing, shadowed, in_file, other_in_file) = match field {
                ImportField::Email => (
                    &held.emails,
                    &held.usernames,
                    &mut self.file_emails,
                    &self.file_usernames,
                ),
                _ => (
                    &held.usernames,
                    &held.emails,
                    &mut self.file_usernames,
                    &self.file_emails,
                ),
            };
            let taken_by_other = existing.contains_key(&key) || shadowed.contains_key(&key);
            let earlier = in_file.get(&key).or_else(|| other_in_file.get(&key));
            in_file.insert_if_absent(&key, row.source.row);
            if taken_by_other {
                let message = format!("{} '{key}' already belongs to another user", field.header());
                self.invalid(
                    row,
                    field,
                    InvalidValue::new(ValidationCode::Taken, message),
                );
            } else if let Some(first) = earlier.filter(|r| *r != row.source.row) {
                let message = format!("{} '{key}' is also on row {first}", field.header());
                self.invalid(
                    row,
                    field,
                    InvalidValue::new(ValidationCode::Taken, message),
                );
            }
        }
    }

    /// The Temporary Password cell: set only on a user the import creates (passwords are
    /// protected), and not at all where the district signs in through SSO only.
    pub(super) fn temporary_password(
        &mut self,
        row: &ImportRow,
        existing: Option<&User>,
    ) -> Option<Password> {
        let value = row
            .get(ImportField::TemporaryPassword)
            .filter(|v| !v.trim().is_empty())?;
        let ignored = if existing.is_some() {
            Some(
                "a temporary password is set only when the import creates the user; this user exists, so their password was kept",
            )
        } else if self.current.district.settings.sso_only {
            Some(
                "this district signs in through single sign-on only, so the temporary password was not set",
            )
        } else {
            None
        };
        if let Some(message) = ignored {
            let field = Some(ImportField::TemporaryPassword);
            self.issue(
                row,
                field,
                IssueCode::PasswordIgnored,
                message.into(),
                false,
            );
            return None;
        }
        match Password::new(value) {
            Ok(password) => Some(password),
            Err(problem) => {
                self.invalid(row, ImportField::TemporaryPassword, problem);
                None
            }
        }
    }
}

/// True when `a` and `b` are the same text once lower-cased (as e-mail and username keys are).
pub(super) fn same_ignoring_case(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// The users holding each e-mail and username key.
pub(super) struct KeyHolders {
    emails: Map<String, UserId>,
    usernames: Map<String, UserId>,
}

impl KeyHolders {
    fn of(users: &[std::sync::Arc<User>]) -> Self {
        let mut emails = Map::with_capacity_and_hasher(users.len(), Default::default());
        let mut usernames = Map::with_capacity_and_hasher(users.len(), Default::default());
        for user in users {
            if let Some(email) = &user.details.email {
                emails.insert(email.key(), user.id);
            }
            if let Some(username) = &user.details.username {
                usernames.insert(username.key(), user.id);
            }
        }
        Self { emails, usernames }
    }
}
