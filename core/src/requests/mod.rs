//! Profile-update requests: a user asks for changes to their own details; a users manager in
//! scope sees them (New, Done, All), marks them done (perhaps applying them through the normal
//! edit) or restores them; a daily digest tells managers what is new. Stored as items of the
//! generic item store ([`UpdateRequest`]).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::activity::{ActorRef, FieldChange};
use crate::ids::{ItemId, UserId, Version};
use crate::model::UserDetails;
use crate::storage::{ItemBody, ItemKind};

/// The item kind requests are stored as.
pub(crate) const REQUEST: ItemKind = ItemKind::from_static("profile_update_request");

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RequestStatus {
    /// Waiting for a users manager.
    New,
    /// Handled ("Marked as Done").
    Done,
}

impl RequestStatus {
    /// The status as the item store keeps it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Done => "done",
        }
    }

    /// The status a stored one names, if any.
    pub fn from_stored(stored: Option<&str>) -> Option<Self> {
        match stored {
            Some("new") => Some(Self::New),
            Some("done") => Some(Self::Done),
            _ => None,
        }
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which requests a list shows: the tabs of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestFilter {
    /// Not yet handled.
    New,
    /// Marked as done.
    Done,
    /// Both.
    All,
}

impl RequestFilter {
    /// True when a request with `status` belongs in the list.
    pub fn admits(self, status: RequestStatus) -> bool {
        match self {
            Self::New => status == RequestStatus::New,
            Self::Done => status == RequestStatus::Done,
            Self::All => true,
        }
    }
}

/// A stored request: the details as the user asked for them, and the details they asked from
/// (a request is applied only while the user's details are still those).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateRequest {
    /// The user's details when they asked.
    pub base: UserDetails,
    /// The details they asked for (validated as an edit would be).
    pub requested: UserDetails,
    /// When the request was sent, or last amended.
    pub submitted_at: DateTime<Utc>,
    /// When it was marked done, while it is.
    pub done_at: Option<DateTime<Utc>>,
    /// Who marked it done, while it is.
    pub done_by: Option<ActorRef>,
    /// Whether marking it done applied the requested details.
    pub applied: bool,
}

impl ItemBody for UpdateRequest {
    const KIND: ItemKind = REQUEST;
}

/// A request as a users manager sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestView {
    /// The request's id.
    pub id: ItemId,
    /// Its version, to pass back when marking it done or restoring it.
    pub version: Version,
    /// Who asked.
    pub user: UserId,
    /// Their name.
    pub name: String,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it was sent or last amended.
    pub submitted_at: DateTime<Utc>,
    /// When it was marked done.
    pub done_at: Option<DateTime<Utc>>,
    /// Each field asked for: `old` is its current value, `new` the requested one.
    pub changes: Vec<FieldChange>,
}

/// How many requests each tab holds, in the actor's scope.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestCounts {
    /// New.
    pub new: u64,
    /// Marked as done.
    pub done: u64,
    /// All.
    pub all: u64,
}

/// One page of a request list, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestList {
    /// False when the district does not take requests (the setting is off): nothing new can
    /// arrive; requests sent before it was turned off are still listed.
    pub enabled: bool,
    /// The page.
    pub items: Vec<RequestView>,
    /// Counts per tab.
    pub counts: RequestCounts,
    /// Where the next page starts, if there is one.
    pub next: Option<RequestCursor>,
}

/// Where a page of requests continues: after this request in newest-first order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestCursor {
    /// The last request's time.
    pub submitted_at: DateTime<Utc>,
    /// The last request's id.
    pub id: ItemId,
}

/// What a digest run queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DigestReport {
    /// Digests written to the outbox.
    pub queued: u32,
    /// Managers whose digest for the day was already queued.
    pub already_queued: u32,
    /// Managers with nothing new in their scope.
    pub nothing_new: u32,
    /// Managers who turned digests off, or have no address.
    pub not_wanted: u32,
}

/// Fields no request may change: who the user is and what they may do. An administrator
/// changes them.
pub(crate) fn protected_field(field: &str) -> bool {
    matches!(
        field,
        "kind" | "local_id" | "username" | "sso_subject" | "aup_signed" | "fee_paid" | "org_units"
    )
}

/// Fields the SIS sync writes for a user it manages: their legal name, state ID and grade.
pub(crate) fn sis_owned_field(field: &str) -> bool {
    matches!(
        field,
        "name.prefix"
            | "name.first"
            | "name.middle"
            | "name.last"
            | "name.suffix"
            | "state_educator_id"
            | "grade"
    )
}
