//! Creating, reading and changing users, and reading their activity log.

use crate::activity::{ActivityAction, FieldChange, Subject, diff_fields};
use crate::actor::Actor;
use crate::error::Error;
use crate::ids::{DistrictId, UserId, Version};
use crate::model::{Access, OrgTree, RecordStatus, User, UserDetails};
use crate::query::{ActivityCursor, ActivityQuery, Page};
use crate::storage::{ChangeSet, Entity, Op, Storage};

use super::Directory;
use super::districts::check_version;
use super::user_validation::{check_unique, normalize_details};

impl<S: Storage + ?Sized> Directory<S> {
    /// Creates a user: Active and Allowed, at version 1.
    ///
    /// Fails with [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) listing every problem
    /// (missing names, a grade the district does not use, an unknown org unit, a Local ID, e-mail
    /// or username another user has, ...).
    pub async fn create_user(
        &self,
        actor: &Actor,
        district: DistrictId,
        details: UserDetails,
    ) -> Result<User, Error> {
        let district_row = self.load_district(district).await?;
        let tree = self.load_tree(district).await?;
        let details = normalize_details(details, &district_row, &tree)
            .map_err(|e| Error::invalid(Entity::User, e))?;
        check_unique(&*self.storage, district, None, &details).await?;

        let now = self.now();
        let user = User {
            id: UserId::from_uuid(self.ids.next_uuid()),
            district,
            details,
            status: RecordStatus::Active,
            access: Access::Allowed,
            created_at: now,
            updated_at: now,
            version: Version::FIRST,
        };
        let changes = diff_fields(&[], &logged_fields(&user.details, &tree));
        let entry = self.log_entry(
            actor,
            district,
            Subject::User(user.id),
            ActivityAction::Created,
            changes,
            now,
        );
        self.commit(
            ChangeSet::new()
                .with(Op::InsertUser(user.clone()))
                .with(Op::AppendActivity(entry)),
        )
        .await?;
        Ok(user)
    }

    /// The user with this id.
    pub async fn user(
        &self,
        _actor: &Actor,
        district: DistrictId,
        id: UserId,
    ) -> Result<User, Error> {
        self.load_user(district, id).await
    }

    /// Replaces a user's details. `expected` is the version the caller read; if the user has
    /// changed since, nothing is written and the error is a
    /// [`Conflict`](crate::ErrorKind::Conflict). Unchanged details write nothing.
    pub async fn update_user(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: UserId,
        expected: Version,
        details: UserDetails,
    ) -> Result<User, Error> {
        let current = self.load_user(district, id).await?;
        check_version(Entity::User, id, expected, current.version)?;
        let district_row = self.load_district(district).await?;
        let tree = self.load_tree(district).await?;
        let details = normalize_details(details, &district_row, &tree)
            .map_err(|e| Error::invalid(Entity::User, e))?;
        check_unique(&*self.storage, district, Some(id), &details).await?;

        let changes = diff_fields(
            &logged_fields(&current.details, &tree),
            &logged_fields(&details, &tree),
        );
        self.write_user(actor, current, ActivityAction::Updated, changes, |user| {
            user.details = details;
        })
        .await
    }

    /// Sets a user's record status (Active, Inactive, Archived).
    pub async fn set_status(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: UserId,
        expected: Version,
        status: RecordStatus,
    ) -> Result<User, Error> {
        let current = self.load_user(district, id).await?;
        check_version(Entity::User, id, expected, current.version)?;
        let changes = vec![FieldChange {
            field: "status".into(),
            old: Some(current.status.to_string()),
            new: Some(status.to_string()),
        }];
        self.write_user(
            actor,
            current,
            ActivityAction::StatusChanged,
            changes,
            |user| {
                user.status = status;
            },
        )
        .await
    }

    /// Sets whether a user may sign in (Allowed, Suspended, Locked).
    pub async fn set_access(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: UserId,
        expected: Version,
        access: Access,
    ) -> Result<User, Error> {
        let current = self.load_user(district, id).await?;
        check_version(Entity::User, id, expected, current.version)?;
        let changes = vec![FieldChange {
            field: "access".into(),
            old: Some(current.access.to_string()),
            new: Some(access.to_string()),
        }];
        self.write_user(
            actor,
            current,
            ActivityAction::AccessChanged,
            changes,
            |user| {
                user.access = access;
            },
        )
        .await
    }

    /// One page of a user's activity log, newest first.
    pub async fn user_activity(
        &self,
        _actor: &Actor,
        district: DistrictId,
        id: UserId,
        after: Option<ActivityCursor>,
        limit: u32,
    ) -> Result<Page<crate::ActivityEntry, ActivityCursor>, Error> {
        self.load_user(district, id).await?;
        let query = ActivityQuery {
            subject: Subject::User(id),
            after,
            limit,
        };
        Ok(self.storage.activity(district, &query).await?)
    }

    async fn load_user(&self, district: DistrictId, id: UserId) -> Result<User, Error> {
        self.storage
            .user(district, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::User, id))
    }

    /// Writes `current` changed by `edit` with its activity entry, unless nothing changed.
    async fn write_user(
        &self,
        actor: &Actor,
        current: User,
        action: ActivityAction,
        changes: Vec<FieldChange>,
        edit: impl FnOnce(&mut User),
    ) -> Result<User, Error> {
        let changes: Vec<FieldChange> = changes.into_iter().filter(|c| c.old != c.new).collect();
        if changes.is_empty() {
            return Ok(current);
        }
        let now = self.now();
        let expected = current.version;
        let mut user = current;
        edit(&mut user);
        user.version = expected.next();
        user.updated_at = now;
        let entry = self.log_entry(
            actor,
            user.district,
            Subject::User(user.id),
            action,
            changes,
            now,
        );
        self.commit(
            ChangeSet::new()
                .with(Op::UpdateUser {
                    user: user.clone(),
                    expected,
                })
                .with(Op::AppendActivity(entry)),
        )
        .await?;
        Ok(user)
    }
}

/// The user's fields as the activity log records them: org units by name, not by id, so the
/// log reads right for people.
fn logged_fields(details: &UserDetails, tree: &OrgTree) -> Vec<(String, Option<String>)> {
    let mut fields = details.field_values();
    let names: Vec<String> = details
        .org_units
        .iter()
        .map(|id| {
            tree.get(*id)
                .map_or_else(|| id.to_string(), |u| u.name.clone())
        })
        .collect();
    if let Some((_, value)) = fields.iter_mut().find(|(field, _)| field == "org_units") {
        *value = (!names.is_empty()).then(|| names.join(", "));
    }
    fields
}
