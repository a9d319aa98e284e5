//! The filters of a user search that core checks itself: the invitation status and whether an
//! import manages the user.
//!
//! Invitations live in the item store, not in the users' rows, so a backend's user query
//! cannot filter by them. The filter reads every invitation of the district (a page of 1000
//! items at a time), then reads every user that matches the rest of the (scoped) search and
//! keeps those whose invitation, as it reads now, has the status asked for; the total and the
//! page are cut from that. Cost: O(invitations + matching users) rows read per search, against
//! one page for a search without it. Fine for a district's admin lists (thousands); a host
//! with far larger lists should filter on narrower searches first.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Directory;
use crate::error::Error;
use crate::ids::{DistrictId, UserId};
use crate::model::{DisabledUsers, User};
use crate::onboarding::{INVITATION, InvitationBody, InvitationStatus};
use crate::query::{Page, UserCursor, UserQuery};
use crate::storage::{ItemQuery, Storage};

/// The conditions of a search core checks itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct CoreFilter {
    /// The invitation status, as it reads now.
    pub(super) invitation: Option<InvitationStatus>,
    /// Whether an import manages the user.
    pub(super) import_managed: Option<bool>,
    /// Only the users this rule counts as disabled (`true`), or only the others.
    pub(super) disabled: Option<(DisabledUsers, bool)>,
}

impl CoreFilter {
    /// True when there is nothing for core to check.
    pub(super) fn is_empty(&self) -> bool {
        self.invitation.is_none() && self.import_managed.is_none() && self.disabled.is_none()
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// The status at `now` of every invitation of the district, by user (users without one
    /// are absent: not sent).
    pub(super) async fn invitation_statuses(
        &self,
        district: DistrictId,
        now: DateTime<Utc>,
    ) -> Result<HashMap<UserId, InvitationStatus>, Error> {
        let mut statuses = HashMap::new();
        let mut query = ItemQuery::of(INVITATION);
        loop {
            let page = self.storage.items(district, &query).await?;
            for item in &page.items {
                if let Some(owner) = item.owner {
                    let body: InvitationBody = item.decode()?;
                    statuses.insert(owner, body.state.observe(now).status());
                }
            }
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(statuses),
            }
        }
    }

    /// Every user matching `query` (the cursor and the limit ignored), in listing order.
    pub(super) async fn all_matching(
        &self,
        district: DistrictId,
        query: &UserQuery,
    ) -> Result<Vec<User>, Error> {
        Ok(self.storage.matching_users(district, query).await?)
    }

    /// Every user matching `query` and `filter` (invitations as they read at `now`), in
    /// listing order.
    pub(super) async fn filtered_matching(
        &self,
        district: DistrictId,
        query: &UserQuery,
        filter: CoreFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<User>, Error> {
        let mut found = self.all_matching(district, query).await?;
        if let Some(managed) = filter.import_managed {
            found.retain(|user| user.import_managed == managed);
        }
        if let Some((rule, wanted)) = filter.disabled {
            found.retain(|user| rule.reason(user, now).is_some() == wanted);
        }
        if let Some(status) = filter.invitation {
            let statuses = self.invitation_statuses(district, now).await?;
            found.retain(|user| status_of(&statuses, user.id) == status);
        }
        Ok(found)
    }

    /// One page of `query`'s users that pass `filter` at `now`, with their total.
    pub(super) async fn search_filtered(
        &self,
        district: DistrictId,
        query: UserQuery,
        filter: CoreFilter,
        now: DateTime<Utc>,
    ) -> Result<Page<User, UserCursor>, Error> {
        let matching = self
            .filtered_matching(district, &query, filter, now)
            .await?;
        let total = matching.len() as u64;
        let size = query.page_size();
        let mut items: Vec<User> = matching
            .into_iter()
            .filter(|user| query.is_after_cursor(user))
            .take(size + 1)
            .collect();
        let next = if items.len() > size {
            items.truncate(size);
            items.last().map(UserCursor::after)
        } else {
            None
        };
        Ok(Page { items, total, next })
    }
}

/// `user`'s invitation status in `statuses` (never invited: not sent).
pub(super) fn status_of(
    statuses: &HashMap<UserId, InvitationStatus>,
    user: UserId,
) -> InvitationStatus {
    statuses
        .get(&user)
        .copied()
        .unwrap_or(InvitationStatus::NotSent)
}
