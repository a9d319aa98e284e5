//! Bulk actions on a selection of users: first a preview (how many are touched, how many are
//! skipped and why), then an apply of exactly that preview, in one atomic write recorded as one
//! bulk operation that every touched user's activity entry references.
//!
//! A preview is not trusted when it comes back: the apply plans the action again from fresh data
//! with the actor's authority of the moment and compares the result's fingerprint (the touched
//! users and their versions, the skip counts) with the preview's. Anything moved in between (a
//! user edited, archived by someone else, moved out of reach, a grant changed) and nothing is
//! written ([`Error::SelectionChanged`](crate::Error::SelectionChanged)); a change that lands
//! between the second plan and the write is caught by the write's own version checks
//! ([`Conflict`](crate::ErrorKind::Conflict)).

mod apply;
mod plan;
mod record;

pub use record::{BulkDelivery, BulkOperation, BulkOperationView};

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::search::UserSearch;
use crate::authz::Permission;
use crate::ids::{ItemId, OrgUnitId, UserId};
use crate::messaging::{MessagePurpose, RenderedMessage};
use crate::model::RecordStatus;

/// Which users a bulk action is about.
///
/// ```
/// use homeroom::{Grade, Selection, UserSearch};
/// let seniors = Selection::Matching(UserSearch::default().grade(Grade::Numbered(12)));
/// assert!(matches!(seniors, Selection::Matching(_)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// Made once per bulk command and never stored in bulk: boxing the search would only cost callers.
#[allow(clippy::large_enum_variant)]
pub enum Selection {
    /// These users. Ids the actor cannot see (or that do not exist) are counted as
    /// [`SkipReason::OutOfReach`], never named.
    Users(BTreeSet<UserId>),
    /// Every user this search finds in the actor's reach (its paging is ignored).
    Matching(UserSearch),
}

/// How a bulk action changes org-unit membership.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrgUnitChange {
    /// Adds these units to each user's.
    Add(BTreeSet<OrgUnitId>),
    /// Takes these units out of each user's.
    Remove(BTreeSet<OrgUnitId>),
    /// Replaces each user's units with these ("move to a new building").
    Replace(BTreeSet<OrgUnitId>),
}

impl OrgUnitChange {
    /// The units the change names.
    pub(crate) fn units(&self) -> &BTreeSet<OrgUnitId> {
        match self {
            Self::Add(units) | Self::Remove(units) | Self::Replace(units) => units,
        }
    }

    /// `current` after the change.
    pub(crate) fn applied_to(&self, current: &BTreeSet<OrgUnitId>) -> BTreeSet<OrgUnitId> {
        match self {
            Self::Add(units) => current.union(units).copied().collect(),
            Self::Remove(units) => current.difference(units).copied().collect(),
            Self::Replace(units) => units.clone(),
        }
    }
}

/// What a bulk action does to each user it touches.
///
/// ```
/// use homeroom::{BulkAction, RecordStatus};
/// assert_eq!(BulkAction::Archive.status(), Some(RecordStatus::Archived));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkAction {
    /// Record status Archived (needs Manage Users).
    Archive,
    /// Archived users back to Active (needs Manage Users).
    Unarchive,
    /// This record status (needs Manage Users).
    SetStatus(RecordStatus),
    /// Access Suspended (needs Manage Users).
    Suspend,
    /// Suspended users back to Allowed; locked users are left as they are (needs Manage Users).
    Unsuspend,
    /// Org-unit membership (needs Edit Users over the user and over every unit added or
    /// removed).
    ChangeOrgUnits(OrgUnitChange),
    /// Sends (or, with `at`, schedules) each user's invitation (needs Manage Invitations).
    Invite {
        /// When to send; now when `None`.
        at: Option<DateTime<Utc>>,
    },
    /// Queues a message from the district's template for `purpose` to each user through the
    /// outbox (needs Send Messages). Users who turned message e-mails off are skipped.
    SendMessage {
        /// Which template: a welcome or a district's own; invitations and resets are sent
        /// by their own commands.
        purpose: MessagePurpose,
        /// When to send; now when `None`.
        due: Option<DateTime<Utc>>,
    },
}

impl BulkAction {
    /// The record status the action sets, if it sets one.
    pub fn status(&self) -> Option<RecordStatus> {
        match self {
            Self::Archive => Some(RecordStatus::Archived),
            Self::Unarchive => Some(RecordStatus::Active),
            Self::SetStatus(status) => Some(*status),
            _ => None,
        }
    }

    /// The permission the actor needs over each user.
    pub(crate) fn permission(&self) -> Permission {
        match self {
            Self::ChangeOrgUnits(_) => Permission::EditUsers,
            Self::Invite { .. } => Permission::ManageInvitations,
            Self::SendMessage { .. } => Permission::SendMessages,
            _ => Permission::ManageUsers,
        }
    }

    /// True when the action changes the user's account (status, access, org units, invitation
    /// link): the actor must then hold everything the user holds.
    pub(crate) fn needs_cover(&self) -> bool {
        !matches!(self, Self::SendMessage { .. })
    }

    /// True when the action can take a user out of action (not Active, or not allowed to sign
    /// in): the last System Administrator rule applies.
    pub(crate) fn takes_out_of_action(&self) -> bool {
        matches!(self, Self::Suspend) || self.status().is_some_and(|s| s != RecordStatus::Active)
    }

    /// A short name for the activity log and the stored operation.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Archive => "archive",
            Self::Unarchive => "unarchive",
            Self::SetStatus(_) => "set status",
            Self::Suspend => "suspend",
            Self::Unsuspend => "unsuspend",
            Self::ChangeOrgUnits(_) => "change org units",
            Self::Invite { .. } => "invite",
            Self::SendMessage { .. } => "send message",
        }
    }
}

/// Why a selected user is left as they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// Not visible to the actor (or no such user): counted, never named.
    OutOfReach,
    /// Visible, but the actor lacks the action's permission over them (or over a unit the
    /// change adds or removes).
    NotPermitted,
    /// Already in the state the action sets (already archived, already a member, invitation
    /// already sent or accepted).
    AlreadyInState,
    /// Holds something the actor does not: nobody acts on someone more powerful.
    MorePowerful,
    /// Would take the district's last active System Administrator out of action.
    LastSystemAdministrator,
    /// Has no e-mail address to send to.
    NoEmail,
    /// Turned message e-mails off in their notification preferences.
    OptedOut,
}

/// What a bulk action would do, for an admin to confirm; pass it back to
/// [`Directory::apply_bulk`](crate::Directory::apply_bulk) to do exactly that.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkPreview {
    /// The selection previewed.
    pub selection: Selection,
    /// The action previewed.
    pub action: BulkAction,
    /// How many users the action changes.
    pub touched: u64,
    /// How many selected users it leaves alone, by reason (reasons with none are absent).
    pub skipped: BTreeMap<SkipReason, u64>,
    /// For a message, the message as the first recipient will read it.
    pub sample: Option<RenderedMessage>,
    /// What the preview saw (touched users and their versions, skip counts), as a SHA-256
    /// hex digest: the apply refuses unless it sees the same.
    pub fingerprint: String,
}

impl BulkPreview {
    /// How many selected users are skipped, all reasons together.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// What [`Directory::apply_bulk`](crate::Directory::apply_bulk) did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// The stored bulk operation every touched user's activity entry references; `None` when
    /// nobody was touched (nothing is written then).
    pub operation: Option<ItemId>,
    /// How many users were changed.
    pub touched: u64,
    /// How many were skipped, by reason (the preview's counts).
    pub skipped: BTreeMap<SkipReason, u64>,
}
