//! Deleting a user, which any record of their history blocks.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::activity::{ActivityAction, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::Permission;
use crate::directory::Directory;
use crate::directory::acting::Acting;
use crate::directory::districts::check_version;
use crate::error::Error;
use crate::ids::{DistrictId, ItemId, UserId, Version};
use crate::model::{District, User};
use crate::storage::{ChangeSet, Entity, Op, Storage};

impl<S: Storage + ?Sized> Directory<S> {
    /// Deletes a user who has no history. With any record (checkouts, incidents, invoices,
    /// tickets, notes, insurance) the answer is [`Error::HasHistory`], listing them by kind and
    /// count; set the user Inactive or Archived instead, or move their records to another user
    /// first with [`plan_transfer`](Self::plan_transfer) and
    /// [`apply_transfer`](Self::apply_transfer) (which can delete the user in the same write).
    /// A user who wrote records about others (notes, incidents, tickets, checkouts handed out)
    /// is [`Error::AuthoredRecords`], listing what they wrote: their work keeps its author.
    #[tracing::instrument(level = "info", name = "directory::delete_user", skip_all, fields(command = "delete_user", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn delete_user(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: UserId,
        expected: Version,
    ) -> Result<(), Error> {
        let result: Result<(), Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let user = acting.see(self.load_user(district, id).await?)?;
            acting.require(Permission::DeleteUsers, &user)?;
            check_version(Entity::User, id, expected, user.version)?;
            self.require_covers(&acting, &user, &tree).await?;
            let records = self.storage.record_counts(district, id).await?;
            if !records.is_empty() {
                return Err(Error::HasHistory { user: id, records });
            }
            let changes = self
                .deletion_ops(&acting, &district_row, &user, &BTreeSet::new(), now)
                .await?;
            self.commit_deletion(changes, district, id).await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The ops that delete `user` (checked by the caller: in reach, Delete Users, covered):
    /// the last-administrator guard, their grants, the row, and the log entry, stamped `now`.
    /// `re_pointed` are the `authored_record` items the same write gives another author (a
    /// transfer's); any other authored record refuses the deletion.
    pub(in crate::directory) async fn deletion_ops(
        &self,
        acting: &Acting,
        district: &District,
        user: &User,
        re_pointed: &BTreeSet<ItemId>,
        now: DateTime<Utc>,
    ) -> Result<ChangeSet, Error> {
        let written = self
            .authored_counts(district.id, user.id, re_pointed)
            .await?;
        if !written.is_empty() {
            return Err(Error::AuthoredRecords {
                user: user.id,
                written,
            });
        }
        let mut changes = self
            .guard_last_system_administrator(district, user.id, None, now)
            .await?;
        for grant in self.storage.grants(district.id, Some(user.id)).await? {
            changes.push(Op::DeleteGrant {
                district: district.id,
                id: grant.id,
                expected: grant.version,
            });
        }
        let entry = self.log_entry(
            &acting.who,
            district.id,
            Subject::User(user.id),
            ActivityAction::Deleted,
            vec![FieldChange {
                field: "user".into(),
                old: Some(user.details.name.display()),
                new: None,
            }],
            now,
        );
        changes.push(Op::DeleteUser {
            district: district.id,
            id: user.id,
            expected: user.version,
        });
        changes.push(Op::AppendActivity(entry));
        Ok(changes)
    }

    /// Writes a change set that deletes user `id`; a conflict because records belong to them
    /// (added since the caller counted) is reported as [`Error::HasHistory`].
    pub(in crate::directory) async fn commit_deletion(
        &self,
        changes: ChangeSet,
        district: DistrictId,
        id: UserId,
    ) -> Result<(), Error> {
        match self.commit(changes).await {
            // A record added since the count above: the write refused, say why.
            Err(conflict @ Error::Conflict { .. }) => {
                let records = self.storage.record_counts(district, id).await?;
                if records.is_empty() {
                    Err(conflict)
                } else {
                    Err(Error::HasHistory { user: id, records })
                }
            }
            other => other,
        }
    }
}
