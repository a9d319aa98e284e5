//! Data transfer between users: [`Directory::plan_transfer`] reads what the source owns and
//! decides, kind by kind, what moves and what stays (`plan.rs`, pure); [`Directory::apply_transfer`]
//! writes exactly that plan in one change set (`apply.rs`).

mod access;
mod apply;
mod authored;
mod plan;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Directory;
use super::acting::Acting;
use super::districts::check_version;
use crate::actor::Actor;
use crate::authz::Permission;
use crate::error::Error;
use crate::ids::{DistrictId, UserId};
use crate::model::{District, OrgTree, User};
use crate::storage::{Entity, Item, ItemKind, ItemQuery, Storage};
use crate::transfer::{TransferOptions, TransferableKind};
use crate::validation::{InvalidValue, ValidationCode};

/// The directory's own item kinds: never moved, even if a host registers one of them.
fn reserved(kind: &ItemKind) -> bool {
    matches!(
        kind.as_str(),
        "invitation"
            | "password_reset"
            | "outbox_message"
            | "message_template"
            | "profile_update_request"
            | "profile_update_digest_mark"
            | "authored_record"
            | "bulk_operation"
            | "app_access"
            | "impersonation"
    )
}

/// Both users of a transfer, resolved and checked for the actor.
struct Parties {
    district: District,
    acting: Acting,
    tree: Arc<OrgTree>,
    from: User,
    to: User,
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Registers a host's kind of per-user data for transfers to move (see
    /// [`TransferableKind`]).
    #[must_use]
    pub fn with_transferable(mut self, kind: Arc<dyn TransferableKind>) -> Self {
        let mut kinds = self.transferables.as_ref().clone();
        kinds.push(kind);
        self.transferables = Arc::new(kinds);
        self
    }

    /// Resolves the actor and both users and checks, in order: both in reach (else
    /// `NotFound`), two different users, Transfer Data over both (`Forbidden`), that the actor
    /// holds everything each holds, and for a deleting transfer Delete Users over the source.
    async fn parties(
        &self,
        actor: &Actor,
        district: DistrictId,
        from: UserId,
        to: UserId,
        options: TransferOptions,
        now: DateTime<Utc>,
    ) -> Result<Parties, Error> {
        let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
        let source = acting.see(self.load_user(district, from).await?)?;
        let target = acting.see(self.load_user(district, to).await?)?;
        if from == to {
            return Err(Error::invalid_field(
                Entity::User,
                InvalidValue::new(
                    ValidationCode::OutOfRange,
                    "choose another user to receive the data",
                )
                .at("to"),
            ));
        }
        acting.require(Permission::TransferData, &source)?;
        acting.require(Permission::TransferData, &target)?;
        self.require_covers(&acting, &source, &tree).await?;
        self.require_covers(&acting, &target, &tree).await?;
        if options.delete_source {
            acting.require(Permission::DeleteUsers, &source)?;
        }
        Ok(Parties {
            district: district_row,
            acting,
            tree,
            from: source,
            to: target,
        })
    }

    /// Every item of `kind` that `owner` owns.
    async fn owned_items(
        &self,
        district: DistrictId,
        kind: ItemKind,
        owner: UserId,
    ) -> Result<Vec<Item>, Error> {
        self.all_items(district, ItemQuery::of(kind).with_owner(owner))
            .await
    }

    /// The host kinds a transfer moves: those registered, less the directory's own.
    fn host_kinds(&self) -> Vec<Arc<dyn TransferableKind>> {
        self.transferables
            .iter()
            .filter(|k| !reserved(&k.kind()))
            .cloned()
            .collect()
    }
}

/// `Conflict` unless `user` is still at the version the plan read.
fn unchanged(user: &User, planned: crate::ids::Version) -> Result<(), Error> {
    check_version(Entity::User, user.id, planned, user.version)
}
