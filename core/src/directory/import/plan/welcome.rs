//! Welcome e-mails on import: a new user the import welcomes needs an address, and the importer
//! needs Send Messages over them (as [`Directory::create_user_with`](crate::Directory::create_user_with)
//! asks of one user created by hand).

use super::Planner;
use crate::authz::Permission;
use crate::import::{ImportField, ImportRow, IssueCode};
use crate::messaging::Welcome;
use crate::model::UserDetails;

impl Planner<'_> {
    /// Flags a new user the import is asked to welcome: a warning when they have no e-mail
    /// address (they get no welcome), an error when the importer may not message them.
    pub(super) fn check_welcome(&mut self, row: &ImportRow, details: &UserDetails) {
        if self.options.welcome == Welcome::Never {
            return;
        }
        if details.email.is_none() {
            self.issue(
                row,
                Some(ImportField::Email),
                IssueCode::NoEmailForWelcome,
                "this import sends welcome e-mails, but this new user has no e-mail address, so they get none".into(),
                false,
            );
        } else if !may_welcome(self, details) {
            self.issue(
                row,
                Some(ImportField::Email),
                IssueCode::NotPermitted,
                "this import sends welcome e-mails, and you may not send messages to users in this row's buildings (Send Messages); import without welcome e-mails or ask an administrator".into(),
                true,
            );
        }
    }
}

/// True when the importer holds Send Messages over the new user: district-wide, or over one of
/// their units (existing, or created by this plan), as for any user.
fn may_welcome(planner: &Planner<'_>, details: &UserDetails) -> bool {
    planner
        .current
        .authority
        .check_district(Permission::SendMessages)
        || details
            .org_units
            .iter()
            .any(|unit| planner.orgs.holds(Permission::SendMessages, *unit))
}
