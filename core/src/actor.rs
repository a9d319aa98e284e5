//! The acting party of every command.

use serde::{Deserialize, Serialize};

use crate::activity::ActorRef;

/// Who is asking. Every [`Directory`](crate::Directory) method takes one, so authorization and
/// the activity log always know who acted.
///
/// Today there is the system actor, for tasks that act for the district as a whole (nightly sync,
/// maintenance, setting a district up). It sees and may do everything and is recorded under its
/// label in the activity log.
///
/// ```
/// use homeroom::Actor;
/// let sync = Actor::system("nightly SIS sync");
/// assert!(sync.is_system());
/// assert_eq!(sync.audit_ref().name, "nightly SIS sync");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    kind: ActorKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum ActorKind {
    System { label: String },
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

    /// True for a system actor.
    pub fn is_system(&self) -> bool {
        matches!(self.kind, ActorKind::System { .. })
    }

    /// How the actor is recorded in the activity log.
    pub fn audit_ref(&self) -> ActorRef {
        match &self.kind {
            ActorKind::System { label } => ActorRef {
                user: None,
                name: label.clone(),
            },
        }
    }
}
