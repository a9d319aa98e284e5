//! Data transfer between users: what a plan says will move, what stays, and how a host adds
//! its own kinds of data.
//!
//! A transfer is planned first ([`Directory::plan_transfer`](crate::Directory::plan_transfer)):
//! the plan counts what moves by kind, lists the conflicts that keep a record where it is, and
//! counts (without describing) what the actor may not see. Applying it
//! ([`Directory::apply_transfer`](crate::Directory::apply_transfer)) moves exactly what was
//! planned in one write, checked against the versions the plan read.

mod host;

pub use host::TransferableKind;

use std::fmt;

use crate::authz::Scope;
use crate::ids::{DistrictId, OrgUnitId, RoleId, UserId, Version};
use crate::records::{Record, RecordKind};
use crate::storage::{Item, ItemKind};

/// A kind of data a transfer moves: a built-in record kind, or a host's item kind.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TransferKind {
    /// Checkouts, incidents, invoices, tickets, notes, insurance.
    Record(RecordKind),
    /// A kind a host registered ([`TransferableKind`]).
    Host(ItemKind),
    /// Records of this kind the source wrote about other users: their authorship moves.
    Authored(RecordKind),
    /// The source's org-unit memberships, given to the target.
    OrgUnits,
    /// The source's grants, given to the target.
    Grants,
}

impl fmt::Display for TransferKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Record(kind) => f.write_str(kind.as_str()),
            Self::Host(kind) => f.write_str(kind.as_str()),
            Self::Authored(kind) => write!(f, "authored {kind}"),
            Self::OrgUnits => f.write_str("org units"),
            Self::Grants => f.write_str("grants"),
        }
    }
}

/// What to do besides moving the data.
///
/// ```
/// use homeroom::transfer::TransferOptions;
/// let options = TransferOptions { delete_source: true, ..TransferOptions::default() };
/// assert!(!options.org_units && !options.grants);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransferOptions {
    /// Delete the source user in the same write, once nothing is left with them (needs Delete
    /// Users over them, and that they hold no more than the actor).
    pub delete_source: bool,
    /// Give the target the source's org-unit memberships (each only where the actor holds
    /// Edit Users over the unit; the others are conflicts). The source keeps theirs.
    pub org_units: bool,
    /// Give the target the source's grants (each only when the actor holds Manage Roles and
    /// everything the role gives over its whole scope: nobody grants more than they hold; the
    /// others are conflicts). The source keeps theirs unless deleted.
    pub grants: bool,
}

/// Why a record stays with the source instead of moving.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConflictReason {
    /// A device still out to the source, when the target already has a device out.
    TargetHasDeviceOut,
    /// An insurance enrolment, when the target is already enrolled.
    TargetAlreadyInsured,
    /// A host's kind said so ([`TransferableKind::conflict`]).
    Host,
    /// An org unit the actor may not add users to (no Edit Users over it).
    OrgUnitOutOfReach,
    /// A grant the actor could not give themselves: they lack Manage Roles or a permission of
    /// the role over its whole scope, or they act as someone else.
    GrantEscalates,
}

/// One record that will not move, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferConflict {
    /// Its kind.
    pub kind: TransferKind,
    /// Why it stays.
    pub reason: ConflictReason,
    /// For the admin. Says nothing about the record when the actor may not see its kind.
    pub message: String,
}

/// What a transfer does with one kind of data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferGroup {
    /// Which kind.
    pub kind: TransferKind,
    /// Its plural as people read it ("checkouts", "transcripts").
    pub title: String,
    /// How many move.
    pub moving: u64,
    /// How many stay with the source (conflicts).
    pub staying: u64,
    /// False when the actor may not see this kind over both users: it is counted, not
    /// described, and `lines` is empty.
    pub described: bool,
    /// One line per record that moves, when described.
    pub lines: Vec<String>,
}

/// A planned transfer: everything the source owns, by kind, and where it goes. Made by
/// [`Directory::plan_transfer`](crate::Directory::plan_transfer) and applied, exactly as
/// planned, by [`Directory::apply_transfer`](crate::Directory::apply_transfer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferPlan {
    /// The district.
    pub district: DistrictId,
    /// The user the data comes from.
    pub from: UserId,
    /// The user it goes to.
    pub to: UserId,
    /// What moves and stays, one group per kind the source has.
    pub groups: Vec<TransferGroup>,
    /// Records the source wrote about other users, one group per kind
    /// ([`TransferKind::Authored`]): their authorship moves to the target. Records about users
    /// the actor may not see (or whose tab they may not see) are counted, not described.
    pub authored: Vec<TransferGroup>,
    /// With the `org_units` or `grants` options: what the target is given
    /// ([`TransferKind::OrgUnits`], [`TransferKind::Grants`]); refused ones are `staying` and
    /// listed in `conflicts`.
    pub access: Vec<TransferGroup>,
    /// The records that stay, and why.
    pub conflicts: Vec<TransferConflict>,
    /// The options it was planned with.
    pub options: TransferOptions,
    pub(crate) from_version: Version,
    pub(crate) to_version: Version,
    pub(crate) moves: Vec<Move>,
}

/// One row a plan moves, as it was read (its version is the one the write expects).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Move {
    Record(Box<Record>),
    Item(Box<Item>),
    /// An `authored_record` index item of the source, and the record it names (`None` when
    /// the record is gone: the stale index item is deleted).
    Authored {
        index: Box<Item>,
        record: Option<Box<Record>>,
    },
    OrgUnit(OrgUnitId),
    Grant {
        role: RoleId,
        scope: Scope,
    },
}

impl TransferPlan {
    /// How many rows the source owns that move (records and host rows).
    pub fn moving(&self) -> u64 {
        self.groups.iter().map(|g| g.moving).sum()
    }

    /// How many records the source wrote about others whose authorship moves.
    pub fn authored_moving(&self) -> u64 {
        self.authored.iter().map(|g| g.moving).sum()
    }

    /// How many org units and grants the target is given.
    pub fn access_given(&self) -> u64 {
        self.access.iter().map(|g| g.moving).sum()
    }

    /// How many rows the source owns that stay with them. Refused org units and grants are
    /// not counted: they are the source's rights, deleted with them.
    pub fn staying(&self) -> u64 {
        self.groups.iter().map(|g| g.staying).sum()
    }

    /// True when the source can be deleted afterwards: nothing stays with them.
    pub fn leaves_nothing(&self) -> bool {
        self.staying() == 0
    }
}

/// What an applied transfer did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferReport {
    /// Rows the source owned that moved (records and host rows).
    pub moved: u64,
    /// Records the source wrote about others whose authorship moved to the target.
    pub authored: u64,
    /// Org units and grants the target was given.
    pub access: u64,
    /// Whether the source user was deleted.
    pub source_deleted: bool,
}
