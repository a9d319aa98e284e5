//! What users managers do with requests: list them (New / Done / All, newest first, paged,
//! with counts), mark them done (perhaps applying them through the normal edit), restore them.
//! Neither marking nor restoring notifies the user.

use std::collections::HashMap;

use super::{open_key, view};
use crate::activity::{ActivityAction, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::{Permission, Reach};
use crate::directory::Directory;
use crate::directory::acting::Acting;
use crate::directory::districts::check_version;
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, ItemId, Version};
use crate::model::User;
use crate::query::MAX_PAGE_SIZE;
use crate::requests::{
    REQUEST, RequestCounts, RequestCursor, RequestFilter, RequestList, RequestStatus, RequestView,
    UpdateRequest,
};
use crate::storage::{ChangeSet, Entity, Item, ItemQuery, Op, Storage};

/// A request with its body and the user who sent it.
pub(super) type Loaded = (Item, UpdateRequest, User);

impl<S: Storage + ?Sized> Directory<S> {
    /// One page of the requests the actor handles (Manage Profile-Update Requests over the
    /// user: district-wide staff see the district's, building staff their buildings'), newest
    /// first, with the count of each tab. Each shows every field asked for, current against
    /// requested. `Forbidden` for an actor who holds the permission nowhere. When the district
    /// does not take requests the list says so (`enabled: false`).
    #[tracing::instrument(level = "info", name = "directory::profile_update_requests", skip_all, fields(command = "profile_update_requests", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn profile_update_requests(
        &self,
        actor: &Actor,
        district: DistrictId,
        filter: RequestFilter,
        after: Option<RequestCursor>,
        limit: u32,
    ) -> Result<RequestList, Error> {
        let result: Result<RequestList, Error> = async move {
            let now = self.now();
            let (district_row, acting, _) = self.acting_in(actor, district, now).await?;
            if acting
                .authority
                .reach(Permission::ManageProfileUpdateRequests)
                == Reach::Nowhere
            {
                return Err(Error::forbidden(
                    Permission::ManageProfileUpdateRequests,
                    "anywhere",
                ));
            }
            let mut all = self.requests_handled_by(&acting, district).await?;
            let mut counts = RequestCounts::default();
            for (item, _, _) in &all {
                counts.all += 1;
                match RequestStatus::from_stored(item.status.as_deref()) {
                    Some(RequestStatus::Done) => counts.done += 1,
                    _ => counts.new += 1,
                }
            }
            all.retain(|(item, _, _)| {
                filter.admits(
                    RequestStatus::from_stored(item.status.as_deref())
                        .unwrap_or(RequestStatus::New),
                )
            });
            all.sort_by(|(a, ab, _), (b, bb, _)| {
                (bb.submitted_at, b.id).cmp(&(ab.submitted_at, a.id))
            });
            let size = limit.clamp(1, MAX_PAGE_SIZE) as usize;
            let mut page: Vec<RequestView> = all
                .iter()
                .filter(|(item, body, _)| {
                    after.is_none_or(|c| (body.submitted_at, item.id) < (c.submitted_at, c.id))
                })
                .take(size + 1)
                .map(|(item, body, user)| view(item, body, user))
                .collect();
            let next = (page.len() > size).then(|| {
                page.truncate(size);
                page.last().map(|last| RequestCursor {
                    submitted_at: last.submitted_at,
                    id: last.id,
                })
            });
            Ok(RequestList {
                enabled: district_row.settings.profile_update_requests,
                items: page,
                counts,
                next: next.flatten(),
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Marks a request done ("Mark as Done"); with `apply`, also writes the requested details
    /// through the normal edit, with its checks (Edit Users over the user, org units, covering
    /// the user for account fields, unique keys), in the same write. A request whose user's
    /// details changed since it was sent is not applied ([`Refusal::RequestTransition`]): review
    /// it against what is there now. `expected` is the request's version as listed. The user
    /// is not notified.
    #[tracing::instrument(level = "info", name = "directory::mark_request_done", skip_all, fields(command = "mark_request_done", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn mark_request_done(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: ItemId,
        expected: Version,
        apply: bool,
    ) -> Result<RequestView, Error> {
        let result: Result<RequestView, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let (mut item, mut body, user) = self.request_to_handle(&acting, district, id, expected).await?;
            if item.status.as_deref() != Some(RequestStatus::New.as_str()) {
                return Err(transition("this request is already marked as done"));
            }
            let mut changes = ChangeSet::new();
            let mut user = user;
            if apply {
                acting.require(Permission::EditUsers, &user)?;
                if user.details != body.base {
                    return Err(transition(
                        "the user's details changed since they sent this request; compare them and edit the user instead",
                    ));
                }
                let (edited, write) = self
                    .edit_ops(&acting, &district_row, &tree, user, body.requested.clone(), now)
                    .await?;
                user = edited;
                changes.extend(write);
            }
            body.done_at = Some(now);
            body.done_by = Some(acting.who.clone());
            body.applied = apply;
            let outcome = if apply { "done (applied)" } else { "done" };
            self.request_write(&acting, &mut item, &body, RequestStatus::Done, &user, outcome, &mut changes, now)?;
            self.commit(changes).await?;
            Ok(view(&item, &body, &user))
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Restores a request marked done to New ("Restore Request"). Refused
    /// ([`Refusal::RequestTransition`]) when it is new already, or when the user has sent
    /// another request since (amend that one instead). The user is not notified.
    #[tracing::instrument(level = "info", name = "directory::restore_request", skip_all, fields(command = "restore_request", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn restore_request(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: ItemId,
        expected: Version,
    ) -> Result<RequestView, Error> {
        let result: Result<RequestView, Error> = async move {
            let now = self.now();
            let (acting, _) = self.acting(actor, district, now).await?;
            let (mut item, mut body, user) = self
                .request_to_handle(&acting, district, id, expected)
                .await?;
            if item.status.as_deref() != Some(RequestStatus::Done.as_str()) {
                return Err(transition("this request is new already"));
            }
            if self
                .storage
                .item_by_key(district, &REQUEST, &open_key(user.id))
                .await?
                .is_some()
            {
                return Err(transition(
                    "the user has sent another request since; that one is open",
                ));
            }
            body.done_at = None;
            body.done_by = None;
            body.applied = false;
            let mut changes = ChangeSet::new();
            self.request_write(
                &acting,
                &mut item,
                &body,
                RequestStatus::New,
                &user,
                "new",
                &mut changes,
                now,
            )?;
            self.commit(changes).await?;
            Ok(view(&item, &body, &user))
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Every request whose user the actor handles requests for.
    pub(super) async fn requests_handled_by(
        &self,
        acting: &Acting,
        district: DistrictId,
    ) -> Result<Vec<Loaded>, Error> {
        let mut all = self.all_requests(district).await?;
        all.retain(|(_, _, user)| handles(&acting.authority, user));
        Ok(all)
    }

    /// Every request of the district, with its user.
    pub(super) async fn all_requests(&self, district: DistrictId) -> Result<Vec<Loaded>, Error> {
        let items = self.all_items(district, ItemQuery::of(REQUEST)).await?;
        let owners: Vec<_> = items.iter().filter_map(|i| i.owner).collect();
        let users: HashMap<_, _> = self
            .storage
            .users(district, &owners)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let mut all = Vec::new();
        for item in items {
            if let Some(user) = item.owner.and_then(|o| users.get(&o)) {
                let body: UpdateRequest = item.decode()?;
                all.push((item, body, user.clone()));
            }
        }
        Ok(all)
    }

    /// A request the actor may handle, at the version they read: `NotFound` when it does not
    /// exist or its user is out of reach, `Forbidden` without Manage Profile-Update Requests
    /// over them, `Conflict` when it changed.
    async fn request_to_handle(
        &self,
        acting: &Acting,
        district: DistrictId,
        id: ItemId,
        expected: Version,
    ) -> Result<Loaded, Error> {
        let missing = || Error::not_found(Entity::Item, id);
        let item = self
            .storage
            .item(district, id)
            .await?
            .filter(|i| i.kind == REQUEST)
            .ok_or_else(missing)?;
        let owner = item.owner.ok_or_else(missing)?;
        let user = self
            .storage
            .user(district, owner)
            .await?
            .ok_or_else(missing)?;
        let user = acting.see(user).map_err(|_| missing())?;
        acting.require(Permission::ManageProfileUpdateRequests, &user)?;
        check_version(Entity::Item, id, expected, item.version)?;
        let body: UpdateRequest = item.decode()?;
        Ok((item, body, user))
    }

    /// Adds to `changes` the request's new state and its log entry on the user.
    #[allow(clippy::too_many_arguments)] // each is one part of the one write
    fn request_write(
        &self,
        acting: &Acting,
        item: &mut Item,
        body: &UpdateRequest,
        status: RequestStatus,
        user: &User,
        outcome: &str,
        changes: &mut ChangeSet,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), Error> {
        let expected = item.version;
        let was = item.status.clone();
        item.set_body(body)?;
        item.version = expected.next();
        item.status = Some(status.as_str().to_owned());
        item.key = (status == RequestStatus::New).then(|| open_key(user.id));
        changes.push(Op::UpdateItem {
            item: item.clone(),
            expected,
        });
        let entry = self.log_entry(
            &acting.who,
            item.district,
            Subject::User(user.id),
            ActivityAction::Updated,
            vec![FieldChange {
                field: "profile update request".into(),
                old: was,
                new: Some(outcome.to_owned()),
            }],
            now,
        );
        changes.push(Op::AppendActivity(entry));
        Ok(())
    }
}

/// True when `authority` handles `user`'s requests: sees them and holds Manage
/// Profile-Update Requests over them.
pub(super) fn handles(authority: &crate::authz::Authority, user: &User) -> bool {
    authority.check(Permission::ViewUsers, user)
        && authority.check(Permission::ManageProfileUpdateRequests, user)
}

fn transition(message: &str) -> Error {
    Error::refused(Refusal::RequestTransition, message)
}
