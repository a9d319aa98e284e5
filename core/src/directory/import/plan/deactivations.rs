//! A sync's deactivations: import-managed users the file no longer lists.

use super::Planner;
use crate::directory::import::plan_types::*;
use crate::ids::UserId;
use crate::import::ImportIssue;
use crate::model::{LocalId, RecordStatus, User};

impl<'a> Planner<'a> {
    /// Import-managed Active users the file no longer lists become Inactive.
    pub(super) fn plan_deactivations(&mut self) {
        let current = self.current;
        let mut gone: Vec<&User> = current
            .users
            .iter()
            .zip(&self.listed)
            .filter(|(u, listed)| {
                **listed == 0 && u.import_managed && u.status == RecordStatus::Active
            })
            .map(|(u, _)| &**u)
            .collect();
        gone.sort_by(|a, b| deactivation_order(a).cmp(&deactivation_order(b)));
        let mut deactivations = Vec::with_capacity(gone.len());
        for user in gone {
            let name = user.details.name.display();
            let local_id = user
                .details
                .local_id
                .as_ref()
                .map(|l| l.as_str().to_owned());
            if let Some((code, reason)) = self.refuse_change(user, RecordStatus::Inactive) {
                let message = format!(
                    "the file no longer lists {name} (Local ID {}), but this sync cannot make them Inactive: {reason}",
                    local_id.as_deref().unwrap_or("none")
                );
                let issue = ImportIssue::error(code, self.users_file.clone(), message);
                self.errors += 1;
                self.issues.push(issue);
                continue;
            }
            deactivations.push(Deactivation {
                user: user.id,
                expected: user.version,
                name,
                local_id,
            });
        }
        self.deactivations = deactivations;
    }
}

/// Deactivations are listed by Local ID (users without one first), then id.
pub(super) fn deactivation_order(user: &User) -> (Option<&str>, UserId) {
    (user.details.local_id.as_ref().map(LocalId::as_str), user.id)
}
