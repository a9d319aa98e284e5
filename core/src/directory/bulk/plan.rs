//! Planning a bulk action: which selected users it changes, and why each other one is skipped.
//! The same function serves the preview and the apply, so what applies is what was previewed.
//!
//! Cost: the selection is read once (a search reads every match, page by page), the district's
//! grants and roles once (for the coverage and last-administrator rules), and, for an
//! invitation, each selected user's invitation. No per-user grant read.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{BulkAction, Selection, SkipReason};
use crate::authz::{Authority, Grant, Permission, Reach, Role};
use crate::directory::Directory;
use crate::directory::acting::{Acting, require_over_units};
use crate::directory::invitations::Stored;
use crate::directory::last_admin::{
    refuse_leaving_no_system_administrator, system_administrator_holders,
};
use crate::directory::search::scoped_query;
use crate::error::Error;
use crate::ids::UserId;
use crate::messaging::MessagePurpose;
use crate::model::{Access, District, OrgTree, RecordStatus, User};
use crate::storage::{Entity, Storage};
use crate::validation::{InvalidValue, ValidationCode};

/// What a bulk action would do.
pub(super) struct Plan {
    /// The users it changes, in listing order (or id order for an explicit list).
    pub(super) targets: Vec<Target>,
    /// The users it leaves alone, by reason.
    pub(super) skipped: BTreeMap<SkipReason, u64>,
    /// True when a touched user holds System Administrator district-wide: the write then also
    /// moves the district's version, as single status changes do.
    pub(super) touches_admin: bool,
}

/// One user the action changes.
pub(super) struct Target {
    /// The user as read.
    pub(super) user: User,
    /// What happens to them.
    pub(super) change: Change,
}

/// What happens to one user.
pub(super) enum Change {
    /// The user row becomes this one (version and time not yet moved).
    Edit(Box<User>),
    /// Their invitation, stored as this, is sent or scheduled.
    Invite(Box<Stored>),
    /// A message is queued to them.
    Message,
}

impl Plan {
    /// The SHA-256 (hex) of what the plan saw: each touched user's id and version (and their
    /// invitation's version), then the skip counts.
    pub(super) fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        for target in &self.targets {
            hash.update(target.user.id.as_uuid().as_bytes());
            hash.update(target.user.version.get().to_le_bytes());
            let invitation = match &target.change {
                Change::Invite(stored) => stored.item.as_ref().map_or(0, |i| i.version.get()),
                _ => 0,
            };
            hash.update(invitation.to_le_bytes());
        }
        for (reason, count) in &self.skipped {
            hash.update([*reason as u8]);
            hash.update(count.to_le_bytes());
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn skip(&mut self, reason: SkipReason) {
        *self.skipped.entry(reason).or_default() += 1;
    }
}

/// `Invalid` or `NotFound` when the action itself cannot be run, whoever it is about.
pub(super) fn check_action(action: &BulkAction, tree: &OrgTree) -> Result<(), Error> {
    match action {
        BulkAction::ChangeOrgUnits(change) => {
            if let Some(unknown) = change.units().iter().find(|u| !tree.contains(**u)) {
                return Err(Error::not_found(Entity::OrgUnit, unknown));
            }
            if change.units().is_empty() {
                return Err(invalid(
                    "org_units",
                    ValidationCode::Required,
                    "name at least one org unit",
                ));
            }
            Ok(())
        }
        BulkAction::SendMessage {
            purpose: MessagePurpose::Invitation | MessagePurpose::PasswordReset,
            ..
        } => Err(invalid(
            "purpose",
            ValidationCode::Protected,
            "invitations and password resets are sent by the commands that make their link",
        )),
        _ => Ok(()),
    }
}

fn invalid(field: &str, code: ValidationCode, message: &str) -> Error {
    Error::invalid_field(Entity::User, InvalidValue::new(code, message).at(field))
}

/// The user row `action` makes of `user` (equal to it when the action changes nothing).
pub(super) fn edited(user: &User, action: &BulkAction) -> User {
    let mut next = user.clone();
    match action {
        BulkAction::Archive | BulkAction::SetStatus(_) => {
            next.status = action.status().unwrap_or(next.status);
        }
        BulkAction::Unarchive => {
            if next.status == RecordStatus::Archived {
                next.status = RecordStatus::Active;
            }
        }
        BulkAction::Suspend => next.access = Access::Suspended,
        BulkAction::Unsuspend => {
            if next.access == Access::Suspended {
                next.access = Access::Allowed;
            }
        }
        BulkAction::ChangeOrgUnits(change) => {
            next.details.org_units = change.applied_to(&user.details.org_units);
        }
        BulkAction::Invite { .. } | BulkAction::SendMessage { .. } => {}
    }
    next
}

/// What the district's grants say about the selected users: what each holds (for the rule
/// that nobody acts on someone more powerful) and who the System Administrators are.
struct Holdings {
    /// What each user with a grant holds; users without grants hold nothing.
    held: HashMap<UserId, Authority>,
    roles: Vec<Role>,
    grants: Vec<Grant>,
    /// The System Administrators, as stored.
    admins: HashMap<UserId, User>,
    /// The System Administrators the plan already takes out of action.
    leaving: BTreeSet<UserId>,
}

impl Holdings {
    /// True when the actor holds everything `user` holds.
    fn covered_by(&self, acting: &Acting, user: UserId) -> bool {
        acting.authority.is_unlimited()
            || self
                .held
                .get(&user)
                .is_none_or(|held| acting.authority.covers(held))
    }

    /// True when taking `user` out of action leaves an active System Administrator (or they
    /// are not one); such an administrator is then counted as leaving.
    fn may_leave(&mut self, user: UserId, now: DateTime<Utc>) -> bool {
        if !self.admins.contains_key(&user) {
            return true;
        }
        let mut leaving = self.leaving.clone();
        leaving.insert(user);
        let admins = &self.admins;
        let allowed = refuse_leaving_no_system_administrator(
            &self.roles,
            &self.grants,
            |id| admins.get(&id),
            now,
            None,
            &leaving,
        )
        .is_ok();
        if allowed {
            self.leaving = leaving;
        }
        allowed
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Plans `action` on `selection` as `acting` may run it at `now`.
    pub(super) async fn plan_bulk(
        &self,
        acting: &Acting,
        tree: &OrgTree,
        district: &District,
        selection: &Selection,
        action: &BulkAction,
        now: DateTime<Utc>,
    ) -> Result<Plan, Error> {
        check_action(action, tree)?;
        let mut plan = Plan {
            targets: Vec::new(),
            skipped: BTreeMap::new(),
            touches_admin: false,
        };
        let selected = self
            .selected(acting, tree, district, selection, now, &mut plan)
            .await?;
        let mut holdings = self.holdings(district, tree).await?;
        let valid = district.settings.onboarding.invitation_validity();
        for user in selected {
            match self
                .decide(acting, &mut holdings, &user, action, now, valid)
                .await?
            {
                Ok(change) => plan.targets.push(Target { user, change }),
                Err(reason) => plan.skip(reason),
            }
        }
        plan.touches_admin = !holdings.leaving.is_empty();
        Ok(plan)
    }

    /// The selected users the actor sees; the rest of an explicit list is counted as out of
    /// reach.
    async fn selected(
        &self,
        acting: &Acting,
        tree: &OrgTree,
        district: &District,
        selection: &Selection,
        now: DateTime<Utc>,
        plan: &mut Plan,
    ) -> Result<Vec<User>, Error> {
        match selection {
            Selection::Users(ids) => {
                let wanted: Vec<UserId> = ids.iter().copied().collect();
                let mut found: Vec<User> = self
                    .storage
                    .users(district.id, &wanted)
                    .await?
                    .into_iter()
                    .filter(|u| ids.contains(&u.id) && acting.may_see(u))
                    .collect();
                found.sort_by_key(|u| u.id);
                found.dedup_by_key(|u| u.id);
                let unseen = ids.len() - found.len();
                if unseen > 0 {
                    *plan.skipped.entry(SkipReason::OutOfReach).or_default() += unseen as u64;
                }
                Ok(found)
            }
            Selection::Matching(search) => {
                if matches!(acting.visible_units(), Reach::Nowhere) {
                    return Ok(Vec::new());
                }
                match scoped_query(acting, tree, search)? {
                    None => Ok(Vec::new()),
                    Some(query) => {
                        self.filtered_matching(district.id, &query, search.core_filter(), now)
                            .await
                    }
                }
            }
        }
    }

    /// The district's grants, compiled per holder, and its System Administrators.
    async fn holdings(&self, district: &District, tree: &OrgTree) -> Result<Holdings, Error> {
        let roles = self.storage.roles(district.id).await?;
        let grants = self.storage.grants(district.id, None).await?;
        let permissions = Role::permissions_by_id(&roles);
        let mut by_holder: HashMap<UserId, Vec<Grant>> = HashMap::new();
        for grant in &grants {
            by_holder
                .entry(grant.holder)
                .or_default()
                .push(grant.clone());
        }
        let held = by_holder
            .into_iter()
            .map(|(holder, grants)| (holder, Authority::compile(&grants, &permissions, tree)))
            .collect();
        let holders: Vec<UserId> = system_administrator_holders(&roles, &grants)
            .into_iter()
            .collect();
        let admins = self
            .storage
            .users(district.id, &holders)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        Ok(Holdings {
            held,
            roles,
            grants,
            admins,
            leaving: BTreeSet::new(),
        })
    }

    /// What `action` does to `user`, or why it leaves them alone. The outer error is a
    /// failure to read; the inner one a skip.
    async fn decide(
        &self,
        acting: &Acting,
        holdings: &mut Holdings,
        user: &User,
        action: &BulkAction,
        now: DateTime<Utc>,
        valid: chrono::Duration,
    ) -> Result<Result<Change, SkipReason>, Error> {
        if !acting.authority.check(action.permission(), user) {
            return Ok(Err(SkipReason::NotPermitted));
        }
        let change = match action {
            BulkAction::Invite { .. } => {
                if user.details.email.is_none() {
                    return Ok(Err(SkipReason::NoEmail));
                }
                let stored = self.stored_invitation(user.district, user.id).await?;
                if stored.state().send(now, valid).is_err() {
                    return Ok(Err(SkipReason::AlreadyInState));
                }
                Change::Invite(Box::new(stored))
            }
            BulkAction::SendMessage { .. } => {
                if user.details.email.is_none() {
                    return Ok(Err(SkipReason::NoEmail));
                }
                if !user.details.notifications.message_emails {
                    return Ok(Err(SkipReason::OptedOut));
                }
                Change::Message
            }
            _ => {
                let next = edited(user, action);
                if next == *user {
                    return Ok(Err(SkipReason::AlreadyInState));
                }
                let moved: BTreeSet<_> = user
                    .details
                    .org_units
                    .symmetric_difference(&next.details.org_units)
                    .copied()
                    .collect();
                if !moved.is_empty()
                    && require_over_units(acting, Permission::EditUsers, &moved).is_err()
                {
                    return Ok(Err(SkipReason::NotPermitted));
                }
                Change::Edit(Box::new(next))
            }
        };
        if action.needs_cover() && !holdings.covered_by(acting, user.id) {
            return Ok(Err(SkipReason::MorePowerful));
        }
        if action.takes_out_of_action() && !holdings.may_leave(user.id, now) {
            return Ok(Err(SkipReason::LastSystemAdministrator));
        }
        Ok(Ok(change))
    }
}
