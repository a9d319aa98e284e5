//! Inviting every user a search finds, and the preview that counts them first.
//!
//! Both go through the actor's scoped search (users out of View Users reach are never read),
//! and then the same test per user: Manage Invitations over them, coverage (they hold nothing
//! the actor does not), an e-mail address, and an invitation state that may be sent. So the
//! preview's count is exactly the number the bulk command touches, if nothing changes between.
//! Cost: every matching user is read, and each one's grants for the coverage check.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Directory;
use super::acting::Acting;
use super::invitations::Stored;
use super::search::{UserSearch, scoped_query};
use crate::actor::Actor;
use crate::authz::{Permission, Reach};
use crate::error::Error;
use crate::ids::DistrictId;
use crate::model::{District, OrgTree, User};
use crate::onboarding::InvitationState;
use crate::storage::{ChangeSet, Storage};

/// What [`Directory::invite_all`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BulkInvitations {
    /// Users invited (or scheduled).
    pub invited: u64,
    /// Users the search found who were left as they were: out of the actor's Manage
    /// Invitations or coverage, without an e-mail address, already sent a working link, or
    /// accepted.
    pub skipped: u64,
}

/// How many users' invitations are written in one change set.
const BATCH: usize = 100;

impl<S: Storage + ?Sized> Directory<S> {
    /// Invites every user `search` finds within the actor's reach whose invitation may be sent
    /// (not sent, scheduled or expired), now or, with `at`, scheduled for then. Each user is
    /// checked as [`invite_user`](Self::invite_user) checks one, and skipped when a check
    /// fails; a user out of View Users reach is never even read. Written a hundred users per
    /// change set (each invitation with its message). The search's paging (`after`, `limit`)
    /// is ignored: every match counts. `Forbidden` when the actor holds Manage Invitations
    /// nowhere.
    #[tracing::instrument(level = "info", name = "directory::invite_all", skip_all, fields(command = "invite_all", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn invite_all(
        &self,
        actor: &Actor,
        district: DistrictId,
        search: &UserSearch,
        at: Option<DateTime<Utc>>,
    ) -> Result<BulkInvitations, Error> {
        let result: Result<BulkInvitations, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let (found, invitable) = self
                .invitable(&acting, &tree, &district_row, search, now)
                .await?;
            let valid = district_row.settings.onboarding.invitation_validity();
            let mut outcome = BulkInvitations {
                invited: 0,
                skipped: found - invitable.len() as u64,
            };
            for batch in invitable.chunks(BATCH) {
                let mut changes = ChangeSet::new();
                for (user, stored) in batch {
                    let next = match at {
                        Some(at) => stored.state().schedule(now, at, valid),
                        None => stored.state().send(now, valid),
                    }?;
                    let (write, _) = self
                        .invitation_write(&acting, &district_row, user, stored.clone(), next, now)
                        .await?;
                    changes.extend(write);
                }
                self.commit(changes).await?;
                outcome.invited += batch.len() as u64;
            }
            Ok(outcome)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// How many users [`invite_all`](Self::invite_all) with the same search would invite now:
    /// the preview an admin confirms. Writes nothing.
    #[tracing::instrument(level = "info", name = "directory::count_invitable", skip_all, fields(command = "count_invitable", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn count_invitable(
        &self,
        actor: &Actor,
        district: DistrictId,
        search: &UserSearch,
    ) -> Result<u64, Error> {
        let result: Result<u64, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let (_, invitable) = self
                .invitable(&acting, &tree, &district_row, search, now)
                .await?;
            Ok(invitable.len() as u64)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// How many users the scoped search finds, and those of them the actor may invite now,
    /// with their stored invitations.
    async fn invitable(
        &self,
        acting: &Acting,
        tree: &OrgTree,
        district: &District,
        search: &UserSearch,
        now: DateTime<Utc>,
    ) -> Result<(u64, Vec<(User, Stored)>), Error> {
        if matches!(
            acting.authority.reach(Permission::ManageInvitations),
            Reach::Nowhere
        ) {
            return Err(Error::forbidden(
                Permission::ManageInvitations,
                "over some users",
            ));
        }
        let Some(query) = scoped_query(acting, tree, search)? else {
            return Ok((0, Vec::new()));
        };
        let found = self
            .filtered_matching(district.id, &query, search.core_filter(), now)
            .await?;
        let count = found.len() as u64;
        let valid = district.settings.onboarding.invitation_validity();
        let mut invitable = Vec::new();
        for user in found {
            if user.details.email.is_none() || self.may_invite(acting, &user, tree).await.is_err() {
                continue;
            }
            let stored = self.stored_invitation(district.id, user.id).await?;
            if sendable(stored.state(), now, valid) {
                invitable.push((user, stored));
            }
        }
        Ok((count, invitable))
    }
}

/// True when an invitation in `state` may be sent now.
fn sendable(state: InvitationState, now: DateTime<Utc>, valid: chrono::Duration) -> bool {
    state.send(now, valid).is_ok()
}
