//! The access rows an import writes: each row's user enabled for the applications its
//! `<Application> Group Name` / `<Application> Role` columns granted roles of.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::activity::{ActivityEntry, ActorRef};
use crate::authz::Applications;
use crate::clock::IdGen;
use crate::directory::app_access::{AccessChange, AccessRows, access_ops};
use crate::error::Error;
use crate::ids::{DistrictId, ImportBatchId, UserId};
use crate::storage::ChangeSet;

/// What the access writes of one apply need.
pub(crate) struct AccessWrites<'a> {
    pub(crate) apps: &'a Applications,
    /// The stored access rows of every existing user a row enables for an application.
    pub(crate) stored: HashMap<UserId, AccessRows>,
    pub(crate) who: &'a ActorRef,
    pub(crate) district: DistrictId,
    pub(crate) batch: ImportBatchId,
    pub(crate) now: DateTime<Utc>,
}

impl AccessWrites<'_> {
    /// Enables `user` for each of `applications` (skipping those it already is, and keys the
    /// registry no longer knows), each with its log entry in the batch.
    pub(crate) fn push(
        &self,
        changes: &mut ChangeSet,
        entries: &mut Vec<ActivityEntry>,
        user: UserId,
        applications: &[String],
        ids: &dyn IdGen,
    ) -> Result<(), Error> {
        for key in applications {
            let Some(application) = self.apps.get(key) else {
                continue;
            };
            let stored = self
                .stored
                .get(&user)
                .and_then(|rows| rows.iter().find(|(_, a)| a.application == *key));
            let change = AccessChange {
                who: self.who,
                district: self.district,
                user,
                application,
                enabled: true,
            };
            if let Some((op, mut entry, _)) = access_ops(ids, &change, stored, self.now)? {
                entry.import_batch = Some(self.batch);
                changes.push(op);
                entries.push(entry);
            }
        }
        Ok(())
    }
}
