//! "Import users from another service": enabling existing directory users for a host
//! application by selection or by search, with a preview that counts exactly what the command
//! would change.

use serde::Serialize;

use super::Directory;
use super::bulk::Selection;
use super::search::scoped_query;
use crate::actor::Actor;
use crate::error::Error;
use crate::ids::{DistrictId, UserId};
use crate::model::User;
use crate::storage::{ChangeSet, Storage};

/// What [`Directory::enable_application`] did, or (as a preview) would do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BulkAccess {
    /// Users enabled (or, in a preview, who would be).
    pub enabled: Vec<UserId>,
    /// Users already enabled: left as they were.
    pub already: u64,
    /// Users selected or found who may not be changed by the actor (without Manage Users over
    /// them, or holding more than the actor). Users out of the actor's reach are not counted:
    /// for the actor they do not exist.
    pub skipped: u64,
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Enables every selected user for `application`, each checked as
    /// [`set_application_access`](Self::set_application_access) checks one and skipped when a
    /// check fails; with `preview`, writes nothing and reports what it would do. The selection is
    /// a bulk action's [`Selection`] (ids, or everything a search finds); every change is one
    /// atomic write. Unknown application: `Invalid`.
    #[tracing::instrument(level = "info", name = "directory::enable_application", skip_all, fields(command = "enable_application", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn enable_application(
        &self,
        actor: &Actor,
        district: DistrictId,
        application: &str,
        selection: &Selection,
        preview: bool,
    ) -> Result<BulkAccess, Error> {
        let result: Result<BulkAccess, Error> = async move {
            let now = self.now();
            let (acting, tree) = self.acting(actor, district, now).await?;
            let application = self.application(application)?;
            let users = self
                .selected_for_access(&acting, &tree, district, selection)
                .await?;
            let mut outcome = BulkAccess::default();
            let mut pending = ChangeSet::new();
            for user in users {
                let Ok(user) = self.require_access_change(&acting, user, &tree).await else {
                    outcome.skipped += 1;
                    continue;
                };
                let rows = self.access_rows(district, user.id).await?;
                let stored = rows.iter().find(|(_, a)| a.application == application.key);
                match self.access_write(&acting.who, &user, application, true, stored, now)? {
                    None => outcome.already += 1,
                    Some((changes, _)) => {
                        outcome.enabled.push(user.id);
                        pending.extend(changes);
                    }
                }
            }
            if !preview && !pending.is_empty() {
                self.commit(pending).await?;
            }
            Ok(outcome)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The users of `selection` the actor may see.
    async fn selected_for_access(
        &self,
        acting: &super::acting::Acting,
        tree: &crate::model::OrgTree,
        district: DistrictId,
        selection: &Selection,
    ) -> Result<Vec<User>, Error> {
        match selection {
            Selection::Users(ids) => Ok(self
                .storage
                .users(district, &ids.iter().copied().collect::<Vec<_>>())
                .await?
                .into_iter()
                .filter(|u| acting.may_see(u))
                .collect()),
            Selection::Matching(search) => {
                let mut found = Vec::new();
                let mut search = search.clone().limit(crate::query::MAX_PAGE_SIZE);
                search.after = None;
                loop {
                    let Some(query) = scoped_query(acting, tree, &search)? else {
                        return Ok(found);
                    };
                    let page = self.storage.search_users(district, &query).await?;
                    found.extend(page.items);
                    match page.next {
                        Some(next) => search.after = Some(next),
                        None => return Ok(found),
                    }
                }
            }
        }
    }
}
