//! Resolving who acts on which user's record, and whether they may.

use chrono::{DateTime, Utc};

use super::{Context, Module};
use crate::actor::Actor;
use crate::authz::Permission;
use crate::directory::Directory;
use crate::directory::districts::check_version;
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, RecordId, UserId, Version};
use crate::model::RecordStatus;
use crate::records::Record;
use crate::storage::{Entity, Storage};

/// What a command needs before it may touch a user's records.
#[derive(Clone, Copy)]
pub(super) struct Need {
    /// The permission over the user; `None` when the user acts on their own record.
    pub permission: Option<Permission>,
    /// The district module the command belongs to, if any.
    pub module: Option<Module>,
    /// A new record: the user must be Active.
    pub creates: bool,
}

impl Need {
    /// A new record of `module`, needing `permission`.
    pub fn create(permission: Permission, module: Module) -> Self {
        Self {
            permission: Some(permission),
            module: Some(module),
            creates: true,
        }
    }

    /// An edit of an existing record of `module`, needing `permission`.
    pub fn edit(permission: Permission, module: Module) -> Self {
        Self {
            permission: Some(permission),
            module: Some(module),
            creates: false,
        }
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Resolves the actor and the user, and checks visibility, the permission, the module and
    /// (for new records) that the user is Active.
    pub(super) async fn record_context(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        need: Need,
        now: DateTime<Utc>,
    ) -> Result<Context, Error> {
        let (district_row, acting, _) = self.acting_in(actor, district, now).await?;
        let loaded = self.load_user(district, user).await?;
        let user = match need.permission {
            Some(permission) => {
                let user = acting.see(loaded)?;
                acting.require(permission, &user)?;
                user
            }
            None => {
                // The user acting on their own record, who must be allowed to act at all.
                self.refuse_if_blocked(&loaded, now)?;
                loaded
            }
        };
        if let Some(module) = need.module {
            module.require(&district_row)?;
        }
        if need.creates && user.status != RecordStatus::Active {
            return Err(Error::refused(
                Refusal::UserNotActive,
                format!(
                    "{} is {}; inactive and archived users get no new checkouts or actions",
                    user.details.name.display(),
                    user.status
                ),
            ));
        }
        Ok(Context {
            district: district_row,
            acting,
            user,
        })
    }

    /// Loads a record to edit and resolves its context. The caller's `expected` version must
    /// be the stored one (a stale edit is a conflict, as for users); it is checked only once
    /// the actor may see the record, so a conflict never confirms one they may not.
    pub(super) async fn existing_record(
        &self,
        actor: &Actor,
        district: DistrictId,
        id: RecordId,
        expected: Version,
        need: Need,
        now: DateTime<Utc>,
    ) -> Result<(Context, Record), Error> {
        let record = self
            .storage
            .record(district, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Record, id))?;
        let ctx = self
            .record_context(actor, district, record.user, need, now)
            .await
            .map_err(|e| match e.kind() {
                crate::ErrorKind::NotFound => Error::not_found(Entity::Record, id),
                _ => e,
            })?;
        check_version(Entity::Record, id, expected, record.version)?;
        Ok((ctx, record))
    }
}
