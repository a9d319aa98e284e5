//! The envelope every record shares: whose it is, what kind, when, and its version.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Checkout, Device, DeviceKey, Incident, Insurance, Invoice, Note, Ticket};
use crate::activity::ActorRef;
use crate::ids::{DistrictId, RecordId, UserId, Version};

/// The kinds of record a user's profile holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RecordKind {
    /// A device checkout.
    Checkout,
    /// An incident.
    Incident,
    /// An invoice with its payments.
    Invoice,
    /// A help-desk ticket.
    Ticket,
    /// A staff note.
    Note,
    /// An insurance enrolment with its claims.
    Insurance,
}

impl RecordKind {
    /// Every kind.
    pub const ALL: [RecordKind; 6] = [
        Self::Checkout,
        Self::Incident,
        Self::Invoice,
        Self::Ticket,
        Self::Note,
        Self::Insurance,
    ];

    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Checkout => "checkout",
            Self::Incident => "incident",
            Self::Invoice => "invoice",
            Self::Ticket => "ticket",
            Self::Note => "note",
            Self::Insurance => "insurance",
        }
    }

    /// The plural as people read it ("checkouts").
    pub fn plural(self) -> &'static str {
        match self {
            Self::Checkout => "checkouts",
            Self::Incident => "incidents",
            Self::Invoice => "invoices",
            Self::Ticket => "tickets",
            Self::Note => "notes",
            Self::Insurance => "insurance enrolments",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a record says, by kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordBody {
    /// A device checkout.
    Checkout(Checkout),
    /// An incident.
    Incident(Incident),
    /// An invoice.
    Invoice(Invoice),
    /// A ticket.
    Ticket(Ticket),
    /// A staff note.
    Note(Note),
    /// An insurance enrolment.
    Insurance(Insurance),
}

/// One record on one user's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The record's id.
    pub id: RecordId,
    /// The district it belongs to.
    pub district: DistrictId,
    /// The user it belongs to.
    pub user: UserId,
    /// What it says.
    pub body: RecordBody,
    /// The optimistic-concurrency version.
    pub version: Version,
    /// Where the record came from when it was moved between users, oldest move first (empty
    /// for a record that never moved).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provenance: Vec<Provenance>,
}

/// What a data transfer moved of a record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moved {
    /// The record itself: it belongs to another user now.
    #[default]
    Owner,
    /// Only its authorship: the record stays on its user's profile, written by someone else now.
    Author,
}

impl Moved {
    fn is_owner(&self) -> bool {
        *self == Self::Owner
    }
}

/// One move of a record from one user to another by a data transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// What moved: the record (its owner) or its authorship.
    #[serde(default, skip_serializing_if = "Moved::is_owner")]
    pub moved: Moved,
    /// The user it belonged to (or who wrote it) before.
    pub from: UserId,
    /// Their name then, as people read it.
    pub from_name: String,
    /// The user it went to (or who is its author now).
    pub to: UserId,
    /// Who moved it.
    pub by: ActorRef,
    /// When.
    pub at: DateTime<Utc>,
}

impl Record {
    /// Its kind.
    pub fn kind(&self) -> RecordKind {
        match &self.body {
            RecordBody::Checkout(_) => RecordKind::Checkout,
            RecordBody::Incident(_) => RecordKind::Incident,
            RecordBody::Invoice(_) => RecordKind::Invoice,
            RecordBody::Ticket(_) => RecordKind::Ticket,
            RecordBody::Note(_) => RecordKind::Note,
            RecordBody::Insurance(_) => RecordKind::Insurance,
        }
    }

    /// The time it is listed by (newest first): checked out, reported, issued, opened, written,
    /// enrolled.
    pub fn at(&self) -> DateTime<Utc> {
        match &self.body {
            RecordBody::Checkout(c) => c.checked_out_at,
            RecordBody::Incident(i) => i.reported_at,
            RecordBody::Invoice(i) => i.issued_at,
            RecordBody::Ticket(t) => t.opened_at,
            RecordBody::Note(n) => n.written_at,
            RecordBody::Insurance(i) => i.enrolled_at,
        }
    }

    /// The device the record is about: a checkout's, or an incident's or ticket's if it names
    /// one.
    pub fn device(&self) -> Option<&Device> {
        match &self.body {
            RecordBody::Checkout(c) => Some(&c.device),
            RecordBody::Incident(i) => i.device.as_ref(),
            RecordBody::Ticket(t) => t.device.as_ref(),
            RecordBody::Invoice(_) | RecordBody::Note(_) | RecordBody::Insurance(_) => None,
        }
    }

    /// True when the record is about the device `key` names.
    pub fn names_device(&self, key: &DeviceKey) -> bool {
        self.device().is_some_and(|d| key.names(d))
    }

    /// For a checkout still out, the device key no other open checkout of the district may
    /// hold (a device cannot be out twice).
    pub fn open_device_key(&self) -> Option<String> {
        match &self.body {
            RecordBody::Checkout(c) if c.is_out() => Some(c.device.key()),
            _ => None,
        }
    }
}

/// How many records of each kind a user has. Kinds with none are absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts(pub BTreeMap<RecordKind, u64>);

impl RecordCounts {
    /// The count for one kind.
    pub fn of(&self, kind: RecordKind) -> u64 {
        self.0.get(&kind).copied().unwrap_or(0)
    }

    /// True when there are no records at all.
    pub fn is_empty(&self) -> bool {
        self.0.values().all(|n| *n == 0)
    }
}

impl fmt::Display for RecordCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(kind, n)| format!("{n} {}", kind.plural()))
            .collect();
        f.write_str(&parts.join(", "))
    }
}
