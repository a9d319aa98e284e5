//! The host's checks: its own application permissions (or Homeroom's) over a user or an org
//! unit, with the scope semantics of Homeroom's commands.

use super::Directory;
use crate::actor::{Actor, ActorKind};
use crate::authz::{Checkable, HostAuthority};
use crate::error::Error;
use crate::ids::{DistrictId, OrgUnitId, UserId};
use crate::model::User;
use crate::storage::{Entity, Storage};

impl<S: Storage + ?Sized> Directory<S> {
    /// `actor`'s compiled authority in `district`, for a host that checks many things at once
    /// (a page of tickets): [`HostAuthority::allows`], [`authorize`](HostAuthority::authorize),
    /// [`is_enabled`](HostAuthority::is_enabled) are then lookups, no storage reads. It holds
    /// what the actor held when compiled: compile it again per request.
    #[tracing::instrument(level = "info", name = "directory::authority", skip_all, fields(command = "authority", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn authority(
        &self,
        actor: &Actor,
        district: DistrictId,
    ) -> Result<HostAuthority, Error> {
        let result: Result<HostAuthority, Error> = async move {
            let (acting, _) = self.acting(actor, district, self.now()).await?;
            let enabled = match actor.kind() {
                ActorKind::System { .. } => None,
                // An impersonation holds what the impersonated user holds, so their applications.
                ActorKind::User { user, .. } | ActorKind::Impersonating { user, .. } => {
                    Some(self.enabled_applications(district, *user).await?)
                }
            };
            Ok(HostAuthority::new(
                acting.authority,
                std::sync::Arc::clone(&self.apps),
                enabled,
            ))
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Authorizes the host's own command over one user in one call: the user back when
    /// `actor` holds `permission` (an application permission or one of Homeroom's) over
    /// them; `NotFound` when the user is outside the actor's View Users reach (exactly as if
    /// they did not exist), `Forbidden` when inside it without the permission. Application
    /// permissions count only while the actor is enabled for their application.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// # use homeroom::authz::*;
    /// # use homeroom_memory::MemoryStorage;
    /// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    /// enum HelpDesk { AssignTickets }
    /// impl AppPermission for HelpDesk {
    ///     const APPLICATION: ApplicationSpec = ApplicationSpec { key: "helpdesk", name: "Help Desk" };
    ///     const ALL: &'static [Self] = &[Self::AssignTickets];
    ///     fn key(self) -> &'static str { "assign_tickets" }
    ///     fn label(self) -> &'static str { "Assign Tickets" }
    ///     fn ordinal(self) -> usize { self as usize }
    /// }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap()));
    /// let directory = Directory::new(Arc::new(MemoryStorage::new()), clock, Arc::new(SequentialIds::new(1)))
    ///     .with_applications(Applications::new().register::<HelpDesk>()?);
    /// let setup = Actor::system("setup");
    /// let district = directory.create_district(&setup, "Maple Valley USD").await?;
    /// let ada = directory.create_user(&setup, district.id, UserDetails::new(UserKind::Student, "Ada", "Lovelace")).await?;
    /// let found = directory.authorize(&setup, district.id, HelpDesk::AssignTickets, ada.id).await?;
    /// assert_eq!(found.id, ada.id);
    /// # Ok(())
    /// # }
    /// ```
    #[tracing::instrument(level = "info", name = "directory::authorize", skip_all, fields(command = "authorize", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn authorize(
        &self,
        actor: &Actor,
        district: DistrictId,
        permission: impl Checkable,
        user: UserId,
    ) -> Result<User, Error> {
        let result: Result<User, Error> = async move {
            let (acting, _) = self.acting(actor, district, self.now()).await?;
            let target = self.load_user(district, user).await?;
            HostAuthority::new(acting.authority, std::sync::Arc::clone(&self.apps), None)
                .authorize(permission, target)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Authorizes the host's own command over an org unit (its members) in one call: `Ok` when
    /// `actor` holds `permission` there; `NotFound` when the unit does not exist or the actor
    /// sees no one in it, `Forbidden` when they do but lack the permission.
    #[tracing::instrument(level = "info", name = "directory::authorize_unit", skip_all, fields(command = "authorize_unit", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn authorize_unit(
        &self,
        actor: &Actor,
        district: DistrictId,
        permission: impl Checkable,
        unit: OrgUnitId,
    ) -> Result<(), Error> {
        let result: Result<(), Error> = async move {
            let (acting, tree) = self.acting(actor, district, self.now()).await?;
            if !tree.contains(unit) {
                return Err(Error::not_found(Entity::OrgUnit, unit));
            }
            HostAuthority::new(acting.authority, std::sync::Arc::clone(&self.apps), None)
                .authorize_unit(permission, unit)
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}
