//! The acting party of every command.

use serde::{Deserialize, Serialize};

use crate::ids::{DistrictId, ItemId, UserId};

/// Who is asking. Every [`Directory`](crate::Directory) method takes one, so authorization and
/// the activity log always know who acted.
///
/// - [`Actor::user`]: a signed-in user of a district. What they may see and do comes from their
///   grants, loaded fresh at the start of every command, so a revoked grant stops working at
///   once. A user who is not Active, or whose access is suspended or locked, may do nothing.
/// - [`Actor::system`]: a task acting for the installation (nightly sync, setting a district
///   up). It sees and may do everything, and is recorded under its label. It is the only
///   unscoped entry point; hand it only to trusted jobs.
///
/// ```
/// use homeroom::{Actor, DistrictId, UserId};
/// let sync = Actor::system("nightly SIS sync");
/// assert!(sync.is_system());
/// let principal = Actor::user(DistrictId::from_uuid(uuid::Uuid::nil()), UserId::from_uuid(uuid::Uuid::nil()));
/// assert!(!principal.is_system());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    kind: ActorKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ActorKind {
    System {
        label: String,
    },
    User {
        district: DistrictId,
        user: UserId,
    },
    /// `by` acting as `user` within the impersonation `session` (checked on every command).
    Impersonating {
        district: DistrictId,
        by: UserId,
        user: UserId,
        session: ItemId,
    },
}

impl Actor {
    /// A system actor with a label that names the task in the activity log.
    pub fn system(label: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::System {
                label: label.into(),
            },
        }
    }

    /// The user `user` of `district`, acting with their own grants.
    pub fn user(district: DistrictId, user: UserId) -> Self {
        Self {
            kind: ActorKind::User { district, user },
        }
    }

    /// `by` acting as `user` in an impersonation session: what
    /// [`Directory::start_impersonation`](crate::Directory::start_impersonation) hands back.
    /// Every command checks the session again (still open, not past its end, `by` still
    /// allowed), so a copy kept after it ends, or forged, acts as nobody.
    pub(crate) fn impersonating(
        district: DistrictId,
        by: UserId,
        user: UserId,
        session: ItemId,
    ) -> Self {
        Self {
            kind: ActorKind::Impersonating {
                district,
                by,
                user,
                session,
            },
        }
    }

    /// Who this is, for a trace: `system:<label>`, `user:<id>` or `user:<id>:as:<id>` (never
    /// a name or a login).
    pub(crate) fn trace_label(&self) -> String {
        match &self.kind {
            ActorKind::System { label } => format!("system:{label}"),
            ActorKind::User { user, .. } => format!("user:{user}"),
            ActorKind::Impersonating { by, user, .. } => format!("user:{by}:as:{user}"),
        }
    }

    /// The user doing the impersonating, when this actor is one user acting as another.
    ///
    /// ```
    /// use homeroom::{Actor, DistrictId, UserId};
    /// let me = Actor::user(DistrictId::from_uuid(uuid::Uuid::nil()), UserId::from_uuid(uuid::Uuid::nil()));
    /// assert_eq!(me.impersonator(), None);
    /// ```
    pub fn impersonator(&self) -> Option<UserId> {
        match self.kind {
            ActorKind::Impersonating { by, .. } => Some(by),
            _ => None,
        }
    }

    /// True for a system actor.
    pub fn is_system(&self) -> bool {
        matches!(self.kind, ActorKind::System { .. })
    }

    /// The acting user, if this is a user actor (for an impersonation, the user acted as:
    /// whose view it is).
    pub fn user_id(&self) -> Option<UserId> {
        match self.kind {
            ActorKind::User { user, .. } | ActorKind::Impersonating { user, .. } => Some(user),
            ActorKind::System { .. } => None,
        }
    }

    /// The district of a user actor.
    pub fn district(&self) -> Option<DistrictId> {
        match self.kind {
            ActorKind::User { district, .. } | ActorKind::Impersonating { district, .. } => {
                Some(district)
            }
            ActorKind::System { .. } => None,
        }
    }

    /// The label of a system actor.
    pub(crate) fn system_label(&self) -> Option<&str> {
        match &self.kind {
            ActorKind::System { label } => Some(label),
            ActorKind::User { .. } | ActorKind::Impersonating { .. } => None,
        }
    }

    pub(crate) fn kind(&self) -> &ActorKind {
        &self.kind
    }
}
