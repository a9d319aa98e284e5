//! Creating, reading and changing users, and reading their activity log.

use std::borrow::Cow;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::activity::{ActivityAction, ActorRef, FieldChange, Subject, diff_fields};
use crate::actor::Actor;
use crate::authz::{Permission, PermissionSet};
use crate::error::Error;
use crate::ids::{DistrictId, OrgUnitId, UserId, Version};
use crate::messaging::{MessagePurpose, Welcome};
use crate::model::{Access, OrgTree, RecordStatus, User, UserDetails};
use crate::query::{ActivityCursor, ActivityQuery, Page};
use crate::storage::{ChangeSet, Entity, Op, Storage};
use crate::validation::{InvalidValue, ValidationCode};

use super::Directory;
use super::acting::require_over_units;
use super::districts::check_version;
use super::profile::TabKind;
use super::user_validation::{check_unique, missing_identity, normalize_details};

impl<S: Storage + ?Sized> Directory<S> {
    /// Creates a user: Active and Allowed, at version 1. Needs Manage Users over every org unit
    /// the user is placed in (a building-scoped actor must place them in their buildings).
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
        self.create_user_with(actor, district, details, Welcome::Never)
            .await
    }

    /// [`Directory::create_user`], and a welcome e-mail queued in the same write when `welcome`
    /// asks for one (now, or at a time). A welcome needs Send Messages over the new user and an
    /// e-mail address (else [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) on `email`, and
    /// nobody is created).
    #[tracing::instrument(level = "info", name = "directory::create_user", skip_all, fields(command = "create_user", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn create_user_with(
        &self,
        actor: &Actor,
        district: DistrictId,
        details: UserDetails,
        welcome: Welcome,
    ) -> Result<User, Error> {
        let result: Result<User, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let details = normalize_details(details, &district_row, &tree)
                .map_err(|e| Error::invalid(Entity::User, e))?;
            let missing = missing_identity(&details, &district_row);
            if !missing.is_empty() {
                let mut errors = crate::validation::ValidationErrors::new();
                for problem in missing {
                    errors.push(problem);
                }
                return Err(Error::invalid(Entity::User, errors));
            }
            require_over_units(&acting, Permission::ManageUsers, &details.org_units)?;
            check_unique(&*self.storage, &acting, district, None, &details).await?;

            let user = User::new(
                UserId::from_uuid(self.ids.next_uuid()),
                district,
                details,
                now,
            );
            let changes = crate::activity::created_fields(logged_fields(&user.details, &tree));
            let entry = self.log_entry(
                &acting.who,
                district,
                Subject::User(user.id),
                ActivityAction::Created,
                changes,
                now,
            );
            let mut changes = ChangeSet::new()
                .with(Op::InsertUser(Box::new(user.clone())))
                .with(Op::AppendActivity(entry));
            let due = match welcome {
                Welcome::Never => None,
                Welcome::Now => Some(now),
                Welcome::At(at) => Some(at),
            };
            if let Some(due) = due {
                acting.require(Permission::SendMessages, &user)?;
                let queued = self
                    .queue_message(&district_row, &user, MessagePurpose::Welcome, None, due)
                    .await?;
                let Some(op) = queued else {
                    return Err(Error::invalid_field(
                        Entity::User,
                        InvalidValue::new(
                            ValidationCode::Required,
                            "a welcome e-mail needs an e-mail address",
                        )
                        .at("email"),
                    ));
                };
                changes.push(op);
            }
            self.commit(changes).await?;
            Ok(user)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The user with this id. Outside the actor's View Users reach the user is `NotFound`.
    /// Reading a student is recorded in the disclosure log, as opening their profile is.
    #[tracing::instrument(level = "info", name = "directory::user", skip_all, fields(command = "user", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn user(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: UserId,
    ) -> Result<User, Error> {
        let result: Result<User, Error> = async move {
            let now = self.now();
            let (district_row, acting, _) = self.acting_in(actor, district, now).await?;
            let user = acting.see(self.load_user(district, id).await?)?;
            self.record_view(&acting, &district_row, &user, "user details", now)
                .await?;
            Ok(user)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// What the actor may do to this user: the permissions a UI turns into buttons.
    #[tracing::instrument(level = "info", name = "directory::allowed_actions", skip_all, fields(command = "allowed_actions", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn allowed_actions(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: UserId,
    ) -> Result<PermissionSet, Error> {
        let result: Result<PermissionSet, Error> = async move {
            let (acting, _) = self.acting(actor, district, self.now()).await?;
            let user = acting.see(self.load_user(district, id).await?)?;
            Ok(acting.authority.allowed_actions(&user))
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Replaces a user's details (needs Edit Users over the user, and over every org unit added
    /// or removed). `expected` is the version the caller read; if the user has changed since,
    /// nothing is written and the error is a [`Conflict`](crate::ErrorKind::Conflict).
    /// Unchanged details write nothing.
    #[tracing::instrument(level = "info", name = "directory::update_user", skip_all, fields(command = "update_user", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn update_user(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: UserId,
        expected: Version,
        details: UserDetails,
    ) -> Result<User, Error> {
        let result: Result<User, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let current = acting.see(self.load_user(district, id).await?)?;
            acting.require(Permission::EditUsers, &current)?;
            check_version(Entity::User, id, expected, current.version)?;
            let (user, write) = self
                .edit_ops(&acting, &district_row, &tree, current, details, now)
                .await?;
            if !write.is_empty() {
                self.commit(write).await?;
            }
            Ok(user)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The write of an edit of `current`'s details, checked as [`update_user`](Self::update_user)
    /// checks it once the actor may edit the user: normalized, org units moved only where the
    /// actor may, account fields only over someone they cover, unique keys free. Returns the
    /// user as edited and the ops (none when nothing changes), stamped `now`.
    pub(super) async fn edit_ops(
        &self,
        acting: &super::acting::Acting,
        district_row: &crate::model::District,
        tree: &OrgTree,
        current: User,
        details: UserDetails,
        now: DateTime<Utc>,
    ) -> Result<(User, ChangeSet), Error> {
        let id = current.id;
        let district = district_row.id;
        let details = normalize_details(details, district_row, tree)
            .map_err(|e| Error::invalid(Entity::User, e))?;
        let moved: BTreeSet<OrgUnitId> = current
            .details
            .org_units
            .symmetric_difference(&details.org_units)
            .copied()
            .collect();
        if !moved.is_empty() {
            require_over_units(acting, Permission::EditUsers, &moved)?;
        }
        if touches_account(&current.details, &details) {
            acting.refuse_if_impersonating()?;
            self.require_covers(acting, &current, tree).await?;
        }
        check_unique(&*self.storage, acting, district, Some(id), &details).await?;

        let changes = diff_fields(
            &logged_fields(&current.details, tree),
            &logged_fields(&details, tree),
        );
        Ok(self.user_write(
            &acting.who,
            current,
            ActivityAction::Updated,
            changes,
            ChangeSet::new(),
            |user| {
                user.details = details;
            },
            now,
        ))
    }

    /// Sets a user's record status (Active, Inactive, Archived); needs Manage Users. The last
    /// active System Administrator of a district cannot be made inactive.
    #[tracing::instrument(level = "info", name = "directory::set_status", skip_all, fields(command = "set_status", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn set_status(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: UserId,
        expected: Version,
        status: RecordStatus,
    ) -> Result<User, Error> {
        let result: Result<User, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let current = acting.see(self.load_user(district, id).await?)?;
            acting.require(Permission::ManageUsers, &current)?;
            check_version(Entity::User, id, expected, current.version)?;
            self.require_covers(&acting, &current, &tree).await?;
            let guard = if status == RecordStatus::Active {
                ChangeSet::new()
            } else {
                self.guard_last_system_administrator(&district_row, id, None, now)
                    .await?
            };
            let changes = vec![FieldChange {
                field: "status".into(),
                old: Some(current.status.to_string()),
                new: Some(status.to_string()),
            }];
            self.write_user(
                &acting.who,
                current,
                ActivityAction::StatusChanged,
                changes,
                guard,
                |user| {
                    user.status = status;
                },
                now,
            )
            .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Sets whether a user may sign in (Allowed, Suspended, Locked); needs Manage Users. The
    /// last active System Administrator of a district cannot be suspended or locked.
    #[tracing::instrument(level = "info", name = "directory::set_access", skip_all, fields(command = "set_access", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn set_access(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: UserId,
        expected: Version,
        access: Access,
    ) -> Result<User, Error> {
        let result: Result<User, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let current = acting.see(self.load_user(district, id).await?)?;
            acting.require(Permission::ManageUsers, &current)?;
            check_version(Entity::User, id, expected, current.version)?;
            self.require_covers(&acting, &current, &tree).await?;
            let guard = if access == Access::Allowed {
                ChangeSet::new()
            } else {
                self.guard_last_system_administrator(&district_row, id, None, now)
                    .await?
            };
            let changes = vec![FieldChange {
                field: "access".into(),
                old: Some(current.access.to_string()),
                new: Some(access.to_string()),
            }];
            self.write_user(
                &acting.who,
                current,
                ActivityAction::AccessChanged,
                changes,
                guard,
                |user| {
                    user.access = access;
                },
                now,
            )
            .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// One page of a user's activity log, newest first; needs View Activity Log.
    ///
    /// An entry about a record (an incident, an invoice, ...) keeps its details only for a
    /// reader who may see that record's tab (its permission over the user, its module on);
    /// others see that a change happened, by whom and when
    /// ([`details_hidden`](crate::ActivityEntry::details_hidden)).
    #[tracing::instrument(level = "info", name = "directory::user_activity", skip_all, fields(command = "user_activity", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn user_activity(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: UserId,
        after: Option<ActivityCursor>,
        limit: u32,
    ) -> Result<Page<crate::ActivityEntry, ActivityCursor>, Error> {
        let result: Result<Page<crate::ActivityEntry, ActivityCursor>, Error> = async move {
            let (district_row, acting, _) = self.acting_in(actor, district, self.now()).await?;
            let user = acting.see(self.load_user(district, id).await?)?;
            acting.require(Permission::ViewActivityLog, &user)?;
            let query = ActivityQuery {
                subject: Subject::User(id),
                after,
                limit,
            };
            let mut page = self.storage.activity(district, &query).await?;
            self.resolve_import_rows(district, &mut page.items).await?;
            let actions = acting.authority.allowed_actions(&user);
            let modules = district_row.settings.modules;
            for entry in &mut page.items {
                if let Some(kind) = entry.record
                    && !TabKind::for_record(kind).visible(actions, modules, true)
                {
                    entry.hide_details();
                }
            }
            Ok(page)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    pub(super) async fn load_user(&self, district: DistrictId, id: UserId) -> Result<User, Error> {
        self.storage
            .user(district, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::User, id))
    }

    /// Writes `current` changed by `edit` with its activity entry and the `also` ops (a
    /// guard's version bump), unless nothing changed, stamped `now`.
    #[allow(clippy::too_many_arguments)] // each is one part of the one write; a struct would only rename them
    async fn write_user(
        &self,
        actor: &ActorRef,
        current: User,
        action: ActivityAction,
        changes: Vec<FieldChange>,
        also: ChangeSet,
        edit: impl FnOnce(&mut User),
        now: DateTime<Utc>,
    ) -> Result<User, Error> {
        let (user, write) = self.user_write(actor, current, action, changes, also, edit, now);
        if !write.is_empty() {
            self.commit(write).await?;
        }
        Ok(user)
    }

    /// [`write_user`](Self::write_user)'s user and ops, unwritten (no ops when nothing changed).
    #[allow(clippy::too_many_arguments)] // as write_user
    fn user_write(
        &self,
        actor: &ActorRef,
        current: User,
        action: ActivityAction,
        changes: Vec<FieldChange>,
        also: ChangeSet,
        edit: impl FnOnce(&mut User),
        now: DateTime<Utc>,
    ) -> (User, ChangeSet) {
        let changes: Vec<FieldChange> = changes.into_iter().filter(|c| c.old != c.new).collect();
        if changes.is_empty() {
            return (current, ChangeSet::new());
        }
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
        let mut write = also;
        write.push(Op::UpdateUser {
            user: Box::new(user.clone()),
            expected,
        });
        write.push(Op::AppendActivity(entry));
        (user, write)
    }
}

/// True when an edit changes what signs in as the user or where they belong: username, e-mail,
/// SSO subject or org units. Such edits need the actor to hold everything the user holds.
fn touches_account(before: &UserDetails, after: &UserDetails) -> bool {
    before.username != after.username
        || before.email != after.email
        || before.sso_subject != after.sso_subject
        || before.org_units != after.org_units
}

/// The user's fields as the activity log records them: org units by name, not by id, so the
/// log reads right for people.
pub(super) fn logged_fields(
    details: &UserDetails,
    tree: &OrgTree,
) -> Vec<(Cow<'static, str>, Option<String>)> {
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
