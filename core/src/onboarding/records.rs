//! What the item store keeps for an invitation and a password reset.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::state::InvitationState;
use crate::ids::{ItemId, UserId};
use crate::storage::{ItemBody, ItemKind};

/// The item kind of invitations.
pub(crate) const INVITATION: ItemKind = ItemKind::from_static("invitation");
/// The item kind of password resets.
pub(crate) const PASSWORD_RESET: ItemKind = ItemKind::from_static("password_reset");

/// An invitation's body: its state, how often it was sent, and the outbox message carrying its
/// current link (so clearing it can withdraw a message not yet sent). Never the token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct InvitationBody {
    pub(crate) state: InvitationState,
    pub(crate) sends: u32,
    pub(crate) message: Option<ItemId>,
}

impl ItemBody for InvitationBody {
    const KIND: ItemKind = INVITATION;
}

/// A user's invitation, as a command returns it: its state as it reads now.
///
/// ```
/// use homeroom::onboarding::{Invitation, InvitationState, InvitationStatus};
/// # let user = homeroom::UserId::from_uuid(uuid::Uuid::nil());
/// let never = Invitation { user, state: InvitationState::NotSent, sends: 0 };
/// assert_eq!(never.status(), InvitationStatus::NotSent);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// Whose.
    pub user: UserId,
    /// Where it stands (time taken into account).
    pub state: InvitationState,
    /// How many times it was sent or scheduled with a new link.
    pub sends: u32,
}

impl Invitation {
    /// Its status, without times.
    pub fn status(&self) -> super::InvitationStatus {
        self.state.status()
    }
}

/// Whether a reset's link still works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResetStatus {
    Open,
    Used,
}

impl ResetStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Used => "used",
        }
    }
}

/// A password reset's body: when it was asked for. Its expiry is the item's due time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ResetBody {
    pub(crate) requested_at: DateTime<Utc>,
}

impl ItemBody for ResetBody {
    const KIND: ItemKind = PASSWORD_RESET;
}
