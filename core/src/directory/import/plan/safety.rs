//! The safety rules on changing existing users: nobody changes someone more powerful, and the
//! district keeps an active System Administrator.

use std::collections::BTreeSet;

use super::{Current, Map, Planner};
use crate::authz::{Authority, Grant, Role, RoleRights};
use crate::directory::last_admin;
use crate::ids::{RoleId, UserId};
use crate::import::IssueCode;
use crate::model::{RecordStatus, User};
use crate::validation::ValidationCode;

impl<'a> Planner<'a> {
    /// Why the importer may not change `user` (in their reach) and give them `status`: the
    /// user holds rights the importer does not hold (nobody acts on someone more powerful), or
    /// the change takes the district's last active System Administrator out of action. `None`
    /// when the change may go ahead; it is then counted as taking the user out of action if
    /// `status` is not Active.
    pub(super) fn refuse_change(
        &mut self,
        user: &User,
        status: RecordStatus,
    ) -> Option<(IssueCode, &'static str)> {
        let current = self.current;
        let powers = self.powers.get_or_insert_with(|| Powers::of(current));
        if !current.authority.is_unlimited() {
            let held = powers.grants.get(&user.id).map_or(&[][..], Vec::as_slice);
            // Every application's permissions count, enabled or not: an import may enable them.
            let theirs = Authority::compile_rights(held, &powers.roles, current.tree);
            if !current.authority.covers(&theirs) {
                return Some((
                    IssueCode::NotPermitted,
                    "they hold rights you do not hold, and only someone who holds all of them may change them; ask an administrator who does",
                ));
            }
        }
        if status != RecordStatus::Active && powers.admins.contains(&user.id) {
            let mut leaving = self.leaving.clone();
            leaving.insert(user.id);
            let admins = &powers.admin_users;
            if last_admin::refuse_leaving_no_system_administrator(
                current.roles,
                current.grants,
                |id| admins.get(&id).copied(),
                current.now,
                None,
                &leaving,
            )
            .is_err()
            {
                return Some((
                    IssueCode::Invalid(ValidationCode::LastSystemAdministrator),
                    "they are the district's last active System Administrator; grant the role to someone else first, or keep them Active",
                ));
            }
            self.leaving = leaving;
        }
        None
    }
}

/// The roles, grants and System Administrators the planner compares an importer with, built
/// once when the first existing user changes.
pub(super) struct Powers<'a> {
    roles: std::collections::HashMap<RoleId, RoleRights>,
    grants: Map<UserId, Vec<Grant>>,
    admins: BTreeSet<UserId>,
    admin_users: Map<UserId, &'a User>,
}

impl<'a> Powers<'a> {
    fn of(current: &Current<'a>) -> Self {
        let roles = Role::rights_by_id(current.roles, current.apps);
        let mut grants: Map<UserId, Vec<Grant>> = Map::default();
        for grant in current.grants {
            grants.entry(grant.holder).or_default().push(grant.clone());
        }
        let admins = last_admin::system_administrator_holders(current.roles, current.grants);
        let admin_users = if admins.is_empty() {
            Map::default()
        } else {
            current
                .users
                .iter()
                .filter(|u| admins.contains(&u.id))
                .map(|u| (u.id, &**u))
                .collect()
        };
        Self {
            roles,
            grants,
            admins,
            admin_users,
        }
    }
}
