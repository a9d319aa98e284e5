//! Searching and filtering users.

use std::collections::BTreeSet;

use crate::actor::Actor;
use crate::authz::{AnyPermission, Checkable, Needed, Reach};
use crate::error::Error;
use crate::ids::{DistrictId, OrgUnitId};
use crate::model::OrgTree;
use crate::model::{AccessKind, Grade, RecordStatus, User, UserKind};
use crate::onboarding::InvitationStatus;
use crate::query::{Page, UserCursor, UserQuery};
use crate::storage::{Entity, Storage};

use super::Directory;
use super::acting::Acting;
use super::invitation_filter::CoreFilter;

/// What an admin searches users by. Every condition set must hold.
///
/// ```
/// use homeroom::{Grade, RecordStatus, UserSearch};
/// let sixth_graders = UserSearch::default().grade(Grade::Numbered(6)).status(RecordStatus::Active);
/// assert_eq!(sixth_graders.limit, 50);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserSearch {
    /// Prefix of a first, last, preferred or full name, e-mail, Local ID or username; any case.
    pub text: Option<String>,
    /// Students or staff.
    pub kind: Option<UserKind>,
    /// One grade.
    pub grade: Option<Grade>,
    /// Members of any of these org units or the units below them.
    pub org_units: BTreeSet<OrgUnitId>,
    /// Record statuses to include. `None` means Active and Inactive: archived users are hidden
    /// from default lists.
    pub statuses: Option<BTreeSet<RecordStatus>>,
    /// One kind of access.
    pub access: Option<AccessKind>,
    /// One invitation status (users never invited are [`InvitationStatus::NotSent`]). Costs
    /// more than the other filters: see [`Directory::search_users`].
    pub invitation: Option<InvitationStatus>,
    /// Only users an import or sync manages (`true`) or only those it does not (`false`).
    /// Filtered in core, like the invitation filter, at the same cost.
    #[serde(default)]
    pub import_managed: Option<bool>,
    /// Only users the actor holds this permission over (a host application's or Homeroom's):
    /// "users this actor may assign tickets to". Scoped as the storage query: users who are
    /// members of an org unit where the actor holds both View Users and the permission (or
    /// anyone they see, when they hold it district-wide).
    /// Not serialized: an application permission is known only to the host that registered it.
    #[serde(skip)]
    pub allowed_to: Option<AnyPermission>,
    /// Continue after this user (from the previous page's `next`).
    pub after: Option<UserCursor>,
    /// Page size, 1 to [`MAX_PAGE_SIZE`](crate::query::MAX_PAGE_SIZE).
    pub limit: u32,
}

impl Default for UserSearch {
    fn default() -> Self {
        Self {
            text: None,
            kind: None,
            grade: None,
            org_units: BTreeSet::new(),
            statuses: None,
            access: None,
            invitation: None,
            import_managed: None,
            allowed_to: None,
            after: None,
            limit: 50,
        }
    }
}

impl UserSearch {
    /// A search by text prefix.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// Only this grade.
    #[must_use]
    pub fn grade(mut self, grade: Grade) -> Self {
        self.grade = Some(grade);
        self
    }

    /// Only this kind of user.
    #[must_use]
    pub fn kind(mut self, kind: UserKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Only members of this org unit or the units below it (may be called more than once).
    #[must_use]
    pub fn in_org_unit(mut self, org_unit: OrgUnitId) -> Self {
        self.org_units.insert(org_unit);
        self
    }

    /// Only this status (may be called more than once).
    #[must_use]
    pub fn status(mut self, status: RecordStatus) -> Self {
        self.statuses
            .get_or_insert_with(BTreeSet::new)
            .insert(status);
        self
    }

    /// Every status, archived included.
    #[must_use]
    pub fn any_status(mut self) -> Self {
        self.statuses = Some(RecordStatus::ALL.into_iter().collect());
        self
    }

    /// Only this kind of access.
    #[must_use]
    pub fn access(mut self, access: AccessKind) -> Self {
        self.access = Some(access);
        self
    }

    /// Only users whose invitation is in this status.
    ///
    /// ```
    /// use homeroom::UserSearch;
    /// use homeroom::onboarding::InvitationStatus;
    /// let waiting = UserSearch::default().invitation(InvitationStatus::Sent);
    /// assert_eq!(waiting.invitation, Some(InvitationStatus::Sent));
    /// ```
    #[must_use]
    pub fn invitation(mut self, status: InvitationStatus) -> Self {
        self.invitation = Some(status);
        self
    }

    /// Only users an import manages (`true`), or only those it does not (`false`).
    ///
    /// ```
    /// use homeroom::UserSearch;
    /// let by_hand = UserSearch::default().import_managed(false);
    /// assert_eq!(by_hand.import_managed, Some(false));
    /// ```
    #[must_use]
    pub fn import_managed(mut self, managed: bool) -> Self {
        self.import_managed = Some(managed);
        self
    }

    /// The conditions core checks itself (the storage query cannot): invitation status and
    /// import management.
    pub(super) fn core_filter(&self) -> CoreFilter {
        CoreFilter {
            invitation: self.invitation,
            import_managed: self.import_managed,
            disabled: None,
        }
    }

    /// Only users the actor holds `permission` over.
    #[must_use]
    pub fn allowed_to(mut self, permission: impl Checkable) -> Self {
        self.allowed_to = Some(permission.permission());
        self
    }

    /// This many per page.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// The same search, continuing after `cursor`.
    #[must_use]
    pub fn after(mut self, cursor: Option<UserCursor>) -> Self {
        self.after = cursor;
        self
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// One page of the users that match, in name order, with the total count — only users the
    /// actor may see (View Users): the scope is part of the storage query, so totals and pages
    /// count only what the actor sees.
    ///
    /// Pass the page's `next` back as [`UserSearch::after`] for the next page; users added in
    /// between never make a page repeat or skip someone.
    ///
    /// With an [invitation filter](UserSearch::invitation) or an
    /// [import filter](UserSearch::import_managed) the search costs more: every user matching
    /// the other conditions is read to be counted, and for the invitation filter every
    /// invitation of the district (see `invitation_filter.rs`).
    #[tracing::instrument(level = "info", name = "directory::search_users", skip_all, fields(command = "search_users", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn search_users(
        &self,
        actor: &Actor,
        district: DistrictId,
        search: &UserSearch,
    ) -> Result<Page<User, UserCursor>, Error> {
        let result: Result<Page<User, UserCursor>, Error> = async move {
            let now = self.now();
            // The district row comes with the authority (one stamp read with the cache).
            let (_, acting, tree) = self.acting_in(actor, district, now).await?;
            let Some(mut query) = scoped_query(&acting, &tree, search)? else {
                return Ok(Page::empty());
            };
            if let Some(permission) = search.allowed_to {
                let reach = match permission.needed(&self.apps) {
                    Needed::Homeroom(p) => acting.authority.reach(p),
                    Needed::App(index) => acting.authority.app_reach(index),
                    Needed::Unregistered => Reach::Nowhere,
                };
                query.scope = match (query.scope.take(), reach) {
                    (_, Reach::Nowhere) => return Ok(Page::empty()),
                    (seen, Reach::District) => seen,
                    (None, Reach::Units(units)) => Some(units),
                    (Some(seen), Reach::Units(units)) => {
                        let both: BTreeSet<OrgUnitId> =
                            seen.intersection(&units).copied().collect();
                        if both.is_empty() {
                            return Ok(Page::empty());
                        }
                        Some(both)
                    }
                };
            }
            let filter = search.core_filter();
            if filter.is_empty() {
                Ok(self.storage.search_users(district, &query).await?)
            } else {
                self.search_filtered(district, query, filter, now).await
            }
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}

/// The storage query for `search` as `acting` may run it: `None` when the actor sees nobody.
pub(super) fn scoped_query(
    acting: &Acting,
    tree: &OrgTree,
    search: &UserSearch,
) -> Result<Option<UserQuery>, Error> {
    let scope = match acting.visible_units() {
        Reach::District => None,
        Reach::Units(units) => Some(units),
        Reach::Nowhere => return Ok(None),
    };
    let org_units = if search.org_units.is_empty() {
        None
    } else {
        if let Some(unknown) = search.org_units.iter().find(|id| !tree.contains(**id)) {
            return Err(Error::not_found(Entity::OrgUnit, unknown));
        }
        Some(tree.with_descendants(search.org_units.iter().copied()))
    };
    let text = search
        .text
        .as_deref()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty());
    let statuses = search
        .statuses
        .clone()
        .unwrap_or_else(|| [RecordStatus::Active, RecordStatus::Inactive].into());
    Ok(Some(UserQuery {
        text,
        kind: search.kind,
        grade: search.grade.clone(),
        org_units,
        scope,
        statuses: Some(statuses),
        access: search.access,
        after: search.after.clone(),
        limit: search.limit,
    }))
}
