//! Access per host application: a user is enabled or disabled for each application, with who
//! changed it and when. Disabled (the default) means the application's permissions do not
//! apply to them, and the host refuses them sign-in to it
//! ([`HostAuthority::is_enabled`](crate::HostAuthority::is_enabled)).
//!
//! Stored as items of kind `app_access` (one per user and application, key
//! `<application>/<user>`, owned by the user, so deleting the user deletes them).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Directory;
use super::acting::Acting;
use crate::activity::{ActivityAction, ActivityEntry, ActorRef, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::{AppSet, ApplicationSpec, Authority, Permission, Role};
use crate::clock::IdGen;
use crate::error::Error;
use crate::ids::{DistrictId, ItemId, UserId};
use crate::model::{OrgTree, User};
use crate::storage::{ChangeSet, Entity, Item, ItemBody, ItemKind, ItemQuery, Op, Storage};
use crate::validation::{InvalidValue, ValidationCode};

/// One user's access to one application, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppAccess {
    /// The application's key.
    pub application: String,
    /// True when the user may use the application (its permissions apply to them).
    pub enabled: bool,
    /// Who last changed it.
    pub changed_by: ActorRef,
    /// When.
    pub changed_at: DateTime<Utc>,
}

impl ItemBody for AppAccess {
    const KIND: ItemKind = ItemKind::from_static("app_access");
}

/// A line of a profile's Access tab: one registered application, whether the user is enabled
/// there (and who said so, when), and the roles they hold that carry its permissions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplicationAccess {
    /// The application's key.
    pub application: &'static str,
    /// Its name.
    pub name: &'static str,
    /// True when enabled.
    pub enabled: bool,
    /// Who last enabled or disabled it (`None`: never set, so disabled).
    pub changed_by: Option<ActorRef>,
    /// When.
    pub changed_at: Option<DateTime<Utc>>,
    /// The names of the roles the user holds that carry this application's permissions.
    pub roles: Vec<String>,
}

fn access_key(application: &str, user: UserId) -> String {
    format!("{application}/{user}")
}

/// The stored access rows of `user`, by application key.
pub(crate) type AccessRows = Vec<(Item, AppAccess)>;

impl<S: Storage + ?Sized> Directory<S> {
    /// The application `key`, or `Invalid` (`unknown_application`).
    pub(super) fn application(&self, key: &str) -> Result<ApplicationSpec, Error> {
        self.apps.get(key).ok_or_else(|| {
            Error::invalid_field(
                Entity::User,
                InvalidValue::new(
                    ValidationCode::UnknownApplication,
                    format!("no application '{key}' is registered"),
                )
                .at("application"),
            )
        })
    }

    /// `user`'s stored access rows (one read).
    pub(crate) async fn access_rows(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<AccessRows, Error> {
        let page = self
            .storage
            .items(district, &ItemQuery::of(AppAccess::KIND).with_owner(user))
            .await?;
        page.items
            .into_iter()
            .map(|item| {
                let body = item.decode::<AppAccess>()?;
                Ok((item, body))
            })
            .collect()
    }

    /// The keys of the applications `user` is enabled for.
    pub(super) async fn enabled_applications(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<BTreeSet<String>, Error> {
        Ok(self
            .access_rows(district, user)
            .await?
            .into_iter()
            .filter(|(_, a)| a.enabled)
            .map(|(_, a)| a.application)
            .collect())
    }

    /// The applications each user of the district is enabled for (every enabled row, a page
    /// at a time): what an import with application columns plans against.
    pub(crate) async fn enabled_by_user(
        &self,
        district: DistrictId,
    ) -> Result<std::collections::HashMap<UserId, BTreeSet<String>>, Error> {
        let mut enabled: std::collections::HashMap<UserId, BTreeSet<String>> =
            std::collections::HashMap::new();
        let mut query = ItemQuery::of(AppAccess::KIND).with_status("enabled");
        loop {
            let page = self.storage.items(district, &query).await?;
            for item in &page.items {
                let body = item.decode::<AppAccess>()?;
                if let Some(owner) = item.owner {
                    enabled.entry(owner).or_default().insert(body.application);
                }
            }
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(enabled),
            }
        }
    }

    /// Every permission of the applications in `enabled`, as bits.
    pub(super) fn mask_of(&self, enabled: &BTreeSet<String>) -> AppSet {
        enabled
            .iter()
            .flat_map(|app| self.apps.indexes(app))
            .collect()
    }

    /// The write that sets `user`'s access to `application` (none when it already is so) and
    /// its activity-log entry.
    pub(super) fn access_write(
        &self,
        who: &ActorRef,
        user: &User,
        application: ApplicationSpec,
        enabled: bool,
        stored: Option<&(Item, AppAccess)>,
        now: DateTime<Utc>,
    ) -> Result<Option<(ChangeSet, AppAccess)>, Error> {
        let change = AccessChange {
            who,
            district: user.district,
            user: user.id,
            application,
            enabled,
        };
        Ok(
            access_ops(&*self.ids, &change, stored, now)?.map(|(op, entry, body)| {
                (
                    ChangeSet::new().with(op).with(Op::AppendActivity(entry)),
                    body,
                )
            }),
        )
    }

    /// Checks `acting` may change `target`'s access: sees them (`NotFound`), holds Manage
    /// Users over them (`Forbidden`), and covers what they hold once every application is
    /// enabled for them (`Forbidden`): enabling someone turns their application roles on.
    pub(super) async fn require_access_change(
        &self,
        acting: &Acting,
        target: User,
        tree: &OrgTree,
    ) -> Result<User, Error> {
        let target = acting.see(target)?;
        acting.require(Permission::ManageUsers, &target)?;
        self.require_covers_potential(acting, &target, tree).await?;
        Ok(target)
    }

    /// Enables or disables `user` for the host application `application`. The actor must see
    /// the user (else `NotFound`), hold Manage Users over them, and hold everything the user
    /// would hold with the application enabled (else `Forbidden`). Unknown application:
    /// `Invalid` (`unknown_application`). Setting what is already set writes nothing.
    #[tracing::instrument(level = "info", name = "directory::set_application_access", skip_all, fields(command = "set_application_access", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn set_application_access(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        application: &str,
        enabled: bool,
    ) -> Result<bool, Error> {
        let result: Result<bool, Error> = async move {
            let now = self.now();
            let (acting, tree) = self.acting(actor, district, now).await?;
            let target = self.load_user(district, user).await?;
            let target = self.require_access_change(&acting, target, &tree).await?;
            let application = self.application(application)?;
            let rows = self.access_rows(district, target.id).await?;
            let stored = rows.iter().find(|(_, a)| a.application == application.key);
            match self.access_write(&acting.who, &target, application, enabled, stored, now)? {
                Some((changes, _)) => {
                    self.commit(changes).await?;
                    Ok(true)
                }
                None => Ok(false),
            }
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The Access tab of `user`'s profile: every registered application, whether the user is
    /// enabled there (who and when), and the roles they hold that carry its permissions. For an
    /// actor who may see the user (else `NotFound`).
    #[tracing::instrument(level = "info", name = "directory::application_access", skip_all, fields(command = "application_access", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn application_access(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
    ) -> Result<Vec<ApplicationAccess>, Error> {
        let result: Result<Vec<ApplicationAccess>, Error> = async move {
            let (acting, _) = self.acting(actor, district, self.now()).await?;
            let target = acting.see(self.load_user(district, user).await?)?;
            self.access_lines(&target).await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The Access tab's lines for `target` (who the caller may see).
    pub(super) async fn access_lines(
        &self,
        target: &User,
    ) -> Result<Vec<ApplicationAccess>, Error> {
        let district = target.district;
        let rows = self.access_rows(district, target.id).await?;
        let grants = self.storage.grants(district, Some(target.id)).await?;
        let roles = self.storage.roles(district).await?;
        let held: Vec<&Role> = roles
            .iter()
            .filter(|r| grants.iter().any(|g| g.role == r.id))
            .collect();
        Ok(self
            .apps
            .iter()
            .map(|app| {
                let row = rows.iter().find(|(_, a)| a.application == app.key);
                let mut names: Vec<String> = held
                    .iter()
                    .filter(|r| r.app_permissions.applications().any(|k| k == app.key))
                    .map(|r| r.name.clone())
                    .collect();
                names.sort();
                ApplicationAccess {
                    application: app.key,
                    name: app.name,
                    enabled: row.is_some_and(|(_, a)| a.enabled),
                    changed_by: row.map(|(_, a)| a.changed_by.clone()),
                    changed_at: row.map(|(_, a)| a.changed_at),
                    roles: names,
                }
            })
            .collect())
    }

    /// The profile's Access tab (when the directory knows host applications): the lines of
    /// [`application_access`](Self::application_access) as a custom tab keyed `access`.
    pub(super) async fn access_tab(
        &self,
        target: &User,
    ) -> Result<Option<super::profile::Tab>, Error> {
        if self.apps.is_empty() {
            return Ok(None);
        }
        let lines = self.access_lines(target).await?;
        let content = serde_json::to_value(&lines).map_err(|e| {
            Error::from(crate::storage::StorageError::backend(
                "the Access tab cannot be written",
                e,
            ))
        })?;
        Ok(Some(super::profile::Tab::Custom {
            key: "access".into(),
            title: "Access".into(),
            content,
        }))
    }

    /// The authority `user`'s grants give them, with only the permissions of the applications
    /// they are enabled for (or, with `every_application`, of every application).
    pub(super) async fn app_aware_authority(
        &self,
        district: DistrictId,
        user: UserId,
        tree: &OrgTree,
        every_application: bool,
    ) -> Result<Authority, Error> {
        let grants = self.storage.grants(district, Some(user)).await?;
        let roles = Role::rights_by_id(&self.storage.roles(district).await?, &self.apps);
        let authority = Authority::compile_rights(&grants, &roles, tree);
        if every_application {
            return Ok(authority);
        }
        self.enabled_only(district, user, authority).await
    }

    /// `authority` (what `user`'s grants give) keeping application permissions only for the
    /// applications `user` is enabled for: one read of their access rows, and none when it
    /// holds no application permission.
    pub(super) async fn enabled_only(
        &self,
        district: DistrictId,
        user: UserId,
        authority: Authority,
    ) -> Result<Authority, Error> {
        if !authority.has_app_permissions() {
            return Ok(authority);
        }
        let enabled = self.enabled_applications(district, user).await?;
        Ok(authority.retain_apps(&self.mask_of(&enabled)))
    }
}

/// One change of a user's access to an application.
pub(crate) struct AccessChange<'a> {
    pub(crate) who: &'a ActorRef,
    pub(crate) district: DistrictId,
    pub(crate) user: UserId,
    pub(crate) application: ApplicationSpec,
    pub(crate) enabled: bool,
}

/// The op that makes `change` over what is `stored` (none when it already holds), its
/// activity-log entry and the new body: the one place access rows are written, for commands
/// and for imports.
pub(crate) fn access_ops(
    ids: &dyn IdGen,
    change: &AccessChange<'_>,
    stored: Option<&(Item, AppAccess)>,
    now: DateTime<Utc>,
) -> Result<Option<(Op, ActivityEntry, AppAccess)>, Error> {
    let enabled = change.enabled;
    if stored.is_some_and(|(_, a)| a.enabled == enabled) || (stored.is_none() && !enabled) {
        return Ok(None);
    }
    let body = AppAccess {
        application: change.application.key.to_owned(),
        enabled,
        changed_by: change.who.clone(),
        changed_at: now,
    };
    let status = if enabled { "enabled" } else { "disabled" };
    let op = match stored {
        Some((item, _)) => {
            let mut next = item.clone().with_status(status);
            next.set_body(&body)?;
            next.version = item.version.next();
            Op::UpdateItem {
                item: next,
                expected: item.version,
            }
        }
        None => Op::InsertItem(
            Item::new(ItemId::from_uuid(ids.next_uuid()), change.district, &body)?
                .with_owner(change.user)
                .with_status(status)
                .with_key(access_key(change.application.key, change.user)),
        ),
    };
    let label = |on: bool| if on { "enabled" } else { "disabled" }.to_owned();
    let entry = super::new_entry(
        ids,
        change.who,
        change.district,
        Subject::User(change.user),
        ActivityAction::AccessChanged,
        vec![FieldChange {
            field: format!("access to {}", change.application.name).into(),
            old: Some(label(!enabled)),
            new: Some(label(enabled)),
        }],
        now,
    );
    Ok(Some((op, entry, body)))
}
