//! The default user list, which leaves out the users the district counts as disabled, and the
//! "view disabled" list, which shows only them, each with why and since when.
//!
//! Both filter in core (a backend's query knows statuses and one access kind, not the
//! district's rule), so, like the invitation filter, they read every user matching the rest of
//! the scoped search; the "since" date costs one activity read per user on the page.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Directory;
use super::search::{UserSearch, scoped_query};
use crate::activity::{ActivityAction, Subject};
use crate::actor::Actor;
use crate::error::Error;
use crate::ids::DistrictId;
use crate::model::{DisabledReason, DisabledUsers, User};
use crate::query::{ActivityQuery, Page, UserCursor};
use crate::storage::Storage;

/// A disabled user, as the "view disabled" list shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisabledUser {
    /// The user.
    pub user: User,
    /// Why they count as disabled.
    pub reason: DisabledReason,
    /// When their status or access last changed (when they were disabled), or, with no such
    /// entry in their log, when their row last changed.
    pub since: DateTime<Utc>,
}

/// How far back in a user's log the "since" date is looked for.
const SINCE_LOOKBACK: u32 = 50;

impl<S: Storage + ?Sized> Directory<S> {
    /// The default user list: [`search_users`](Self::search_users) without the users the
    /// district counts as disabled ([`DistrictSettings::disabled`](crate::DistrictSettings)).
    #[tracing::instrument(level = "info", name = "directory::user_list", skip_all, fields(command = "user_list", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn user_list(
        &self,
        actor: &Actor,
        district: DistrictId,
        search: &UserSearch,
    ) -> Result<Page<User, UserCursor>, Error> {
        let result = self.listed(actor, district, search, false).await;
        crate::directory::traced::outcome(result.map(|(page, _, _)| page))
    }

    /// The "view disabled" list: only the users the district counts as disabled that `search`
    /// finds in the actor's reach, each with the reason and since when.
    #[tracing::instrument(level = "info", name = "directory::disabled_users", skip_all, fields(command = "disabled_users", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn disabled_users(
        &self,
        actor: &Actor,
        district: DistrictId,
        search: &UserSearch,
    ) -> Result<Page<DisabledUser, UserCursor>, Error> {
        let result: Result<Page<DisabledUser, UserCursor>, Error> = async move {
            let (page, now, rule) = self.listed(actor, district, search, true).await?;
            let mut items = Vec::with_capacity(page.items.len());
            for user in page.items {
                let Some(reason) = rule.reason(&user, now) else {
                    continue;
                };
                let since = self.disabled_since(&user).await?;
                items.push(DisabledUser {
                    user,
                    reason,
                    since,
                });
            }
            Ok(Page {
                items,
                total: page.total,
                next: page.next,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// One page of `search` keeping only the disabled users (`wanted`) or only the others,
    /// with the command's time and the district's rule.
    async fn listed(
        &self,
        actor: &Actor,
        district: DistrictId,
        search: &UserSearch,
        wanted: bool,
    ) -> Result<(Page<User, UserCursor>, DateTime<Utc>, DisabledUsers), Error> {
        let now = self.now();
        let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
        let rule = district_row.settings.disabled;
        let Some(query) = scoped_query(&acting, &tree, search)? else {
            return Ok((Page::empty(), now, rule));
        };
        let mut filter = search.core_filter();
        filter.disabled = Some((rule, wanted));
        let page = self.search_filtered(district, query, filter, now).await?;
        Ok((page, now, rule))
    }

    /// When `user`'s status or access last changed, from their log.
    async fn disabled_since(&self, user: &User) -> Result<DateTime<Utc>, Error> {
        let query = ActivityQuery {
            subject: Subject::User(user.id),
            after: None,
            limit: SINCE_LOOKBACK,
        };
        let log = self.storage.activity(user.district, &query).await?;
        Ok(log
            .items
            .iter()
            .find(|e| {
                matches!(
                    e.action,
                    ActivityAction::StatusChanged | ActivityAction::AccessChanged
                )
            })
            .map_or(user.updated_at, |e| e.at))
    }
}
