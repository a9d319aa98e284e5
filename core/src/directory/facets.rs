//! Facet counts for a user search: for each filter, how many users in the actor's reach fall
//! in each of its values, so a page can show "Suspended (12)" beside the filter.
//!
//! Each facet counts the users matching every *other* condition of the search (its own
//! condition left out), which is how many the list would show if that value were picked.
//! Scoped by construction: the users counted come from the actor's scoped query, so nobody out
//! of reach is ever counted. Cost: every user matching the text (in reach) is read once, and,
//! for the invitation facet, every invitation of the district.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Directory;
use super::invitation_filter::status_of;
use super::search::{UserSearch, scoped_query};
use crate::actor::Actor;
use crate::error::Error;
use crate::ids::{DistrictId, OrgUnitId};
use crate::model::{AccessKind, Grade, OrgTree, RecordStatus, User, UserKind};
use crate::onboarding::InvitationStatus;
use crate::storage::Storage;

/// How many users fall in each value of each filter (values with none are absent).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFacets {
    /// How many users match the whole search.
    pub total: u64,
    /// By kind.
    pub kind: BTreeMap<UserKind, u64>,
    /// By grade.
    pub grade: BTreeMap<Grade, u64>,
    /// By org unit, each unit counting its members and the members of the units below it
    /// (a user is counted once per unit).
    pub org_units: BTreeMap<OrgUnitId, u64>,
    /// By record status.
    pub status: BTreeMap<RecordStatus, u64>,
    /// By access (allowed, suspended, locked).
    pub access: BTreeMap<AccessKind, u64>,
    /// By invitation status.
    pub invitation: BTreeMap<InvitationStatus, u64>,
    /// Managed by an import (`true`) or not.
    pub import_managed: BTreeMap<bool, u64>,
}

/// Which conditions of the search one user meets.
struct Meets {
    kind: bool,
    grade: bool,
    org_units: bool,
    status: bool,
    access: bool,
    invitation: bool,
    import_managed: bool,
}

impl Meets {
    fn all(&self) -> bool {
        self.all_but(None)
    }

    /// True when every condition but `skip` holds.
    fn all_but(&self, skip: Option<Facet>) -> bool {
        [
            (Facet::Kind, self.kind),
            (Facet::Grade, self.grade),
            (Facet::OrgUnits, self.org_units),
            (Facet::Status, self.status),
            (Facet::Access, self.access),
            (Facet::Invitation, self.invitation),
            (Facet::ImportManaged, self.import_managed),
        ]
        .into_iter()
        .all(|(facet, holds)| holds || Some(facet) == skip)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Facet {
    Kind,
    Grade,
    OrgUnits,
    Status,
    Access,
    Invitation,
    ImportManaged,
}

fn bump<K: Ord>(map: &mut BTreeMap<K, u64>, key: K) {
    *map.entry(key).or_default() += 1;
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Facet counts for `search` over the users the actor may see (its paging is ignored).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let directory = Directory::new(
    /// #     Arc::new(homeroom_memory::MemoryStorage::new()),
    /// #     Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap())),
    /// #     Arc::new(SequentialIds::new(1)),
    /// # );
    /// # let admin = Actor::system("setup");
    /// # let district = directory.create_district(&admin, "Maple Valley USD").await?.id;
    /// directory.create_user(&admin, district, UserDetails::new(UserKind::Staff, "Ada", "Lovelace")).await?;
    /// let facets = directory.user_facets(&admin, district, &UserSearch::default()).await?;
    /// assert_eq!(facets.kind.get(&UserKind::Staff), Some(&1));
    /// assert_eq!(facets.access.get(&AccessKind::Allowed), Some(&1));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    #[tracing::instrument(level = "info", name = "directory::user_facets", skip_all, fields(command = "user_facets", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn user_facets(
        &self,
        actor: &Actor,
        district: DistrictId,
        search: &UserSearch,
    ) -> Result<UserFacets, Error> {
        let result: Result<UserFacets, Error> = async move {
            let now = self.now();
            let (_, acting, tree) = self.acting_in(actor, district, now).await?;
            // The widest search the facets need: the text and the actor's scope only.
            let widest = UserSearch {
                text: search.text.clone(),
                ..UserSearch::default()
            }
            .any_status();
            let Some(query) = scoped_query(&acting, &tree, &widest)? else {
                return Ok(UserFacets::default());
            };
            // Checks the search's org units exist, as the search itself does.
            let wanted = scoped_query(&acting, &tree, search)?.and_then(|q| q.org_units);
            let users = self.all_matching(district, &query).await?;
            let invitations = self.invitation_statuses(district, now).await?;
            let mut facets = UserFacets::default();
            for user in &users {
                let invitation = status_of(&invitations, user.id);
                let meets = meets(search, wanted.as_ref(), user, invitation);
                count(&mut facets, &meets, user, invitation, &tree);
            }
            Ok(facets)
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}

fn meets(
    search: &UserSearch,
    wanted_units: Option<&std::collections::BTreeSet<OrgUnitId>>,
    user: &User,
    invitation: InvitationStatus,
) -> Meets {
    let details = &user.details;
    let statuses = search
        .statuses
        .clone()
        .unwrap_or_else(|| [RecordStatus::Active, RecordStatus::Inactive].into());
    Meets {
        kind: search.kind.is_none_or(|k| details.kind == k),
        grade: search
            .grade
            .as_ref()
            .is_none_or(|g| details.grade.as_ref() == Some(g)),
        org_units: wanted_units.is_none_or(|set| details.org_units.iter().any(|o| set.contains(o))),
        status: statuses.contains(&user.status),
        access: search.access.is_none_or(|a| user.access.kind() == a),
        invitation: search.invitation.is_none_or(|i| invitation == i),
        import_managed: search
            .import_managed
            .is_none_or(|m| user.import_managed == m),
    }
}

fn count(
    facets: &mut UserFacets,
    meets: &Meets,
    user: &User,
    invitation: InvitationStatus,
    tree: &OrgTree,
) {
    if meets.all() {
        facets.total += 1;
    }
    if meets.all_but(Some(Facet::Kind)) {
        bump(&mut facets.kind, user.details.kind);
    }
    if meets.all_but(Some(Facet::Grade))
        && let Some(grade) = &user.details.grade
    {
        bump(&mut facets.grade, grade.clone());
    }
    if meets.all_but(Some(Facet::OrgUnits)) {
        for unit in tree.with_ancestors(user.details.org_units.iter().copied()) {
            bump(&mut facets.org_units, unit);
        }
    }
    if meets.all_but(Some(Facet::Status)) {
        bump(&mut facets.status, user.status);
    }
    if meets.all_but(Some(Facet::Access)) {
        bump(&mut facets.access, user.access.kind());
    }
    if meets.all_but(Some(Facet::Invitation)) {
        bump(&mut facets.invitation, invitation);
    }
    if meets.all_but(Some(Facet::ImportManaged)) {
        bump(&mut facets.import_managed, user.import_managed);
    }
}
