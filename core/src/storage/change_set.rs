//! The one write a storage accepts: a set of row writes applied all together or not at all.

use crate::activity::ActivityEntry;
use crate::authz::{Grant, Role};
use crate::ids::{DistrictId, GrantId, ItemId, RecordId, UserId, Version};
use crate::model::{District, OrgUnit, User};
use crate::password::PasswordCredential;
use crate::records::Record;
use crate::storage::Item;

/// One row write.
///
/// Inserts must not collide with an existing id or unique key. Updates and deletes name the
/// version they expect; the row carried by an update already holds its new version (core sets
/// it to `expected.next()`), and the backend stores it as given.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Insert a new district.
    InsertDistrict(District),
    /// Replace a district stored at `expected`.
    UpdateDistrict {
        /// The new row.
        district: District,
        /// The version it must be stored at now.
        expected: Version,
    },
    /// Insert a new org unit.
    InsertOrgUnit(OrgUnit),
    /// Replace an org unit stored at `expected`.
    UpdateOrgUnit {
        /// The new row.
        org_unit: OrgUnit,
        /// The version it must be stored at now.
        expected: Version,
    },
    /// Insert a new user. (Users are boxed: a user is several hundred bytes, and an import's
    /// change set holds a hundred thousand ops, most of them small.)
    InsertUser(Box<User>),
    /// Replace a user stored at `expected`.
    UpdateUser {
        /// The new row.
        user: Box<User>,
        /// The version it must be stored at now.
        expected: Version,
    },
    /// Delete a user stored at `expected`, with their password. Fails with a conflict when
    /// records still belong to the user: the check runs inside the write, so a record added
    /// after the caller counted them cannot be orphaned.
    DeleteUser {
        /// The user's district.
        district: DistrictId,
        /// The user.
        id: UserId,
        /// The version it must be stored at now.
        expected: Version,
    },
    /// Append an entry to the activity log.
    AppendActivity(ActivityEntry),
    /// Insert a new role.
    InsertRole(Role),
    /// Replace a role stored at `expected`.
    UpdateRole {
        /// The new row.
        role: Role,
        /// The version it must be stored at now.
        expected: Version,
    },
    /// Insert a new grant. Its holder and role must exist in its district.
    InsertGrant(Grant),
    /// Insert a new record. Its user must exist in its district.
    InsertRecord(Record),
    /// Replace a record stored at `expected`. The new row may name another user of the
    /// district (a data transfer moves records this way); that user must exist, and stays
    /// locked against deletion until the set commits, as for an insert.
    UpdateRecord {
        /// The new row.
        record: Record,
        /// The version it must be stored at now.
        expected: Version,
    },
    /// Delete a record stored at `expected` (a staff note taken back). Nothing else refers to
    /// a record in the storage, so nothing else goes with it.
    DeleteRecord {
        /// The record's district.
        district: DistrictId,
        /// The record.
        id: RecordId,
        /// The version it must be stored at now.
        expected: Version,
    },
    /// Set (insert or replace) a user's password credential. The user must exist in the
    /// district; deleting the user deletes it.
    SetPassword {
        /// The user's district.
        district: DistrictId,
        /// The user.
        user: UserId,
        /// The new credential.
        credential: PasswordCredential,
    },
    /// Delete a grant stored at `expected`.
    DeleteGrant {
        /// The grant's district.
        district: DistrictId,
        /// The grant.
        id: GrantId,
        /// The version it must be stored at now.
        expected: Version,
    },
    /// Insert a new [`Item`]. Its owner, if any, must exist in its district; its key, if any,
    /// must be free among the district's items of its kind.
    InsertItem(Item),
    /// Replace an item stored at `expected` (its kind stays what it was stored as).
    UpdateItem {
        /// The new row.
        item: Item,
        /// The version it must be stored at now.
        expected: Version,
    },
    /// Delete an item stored at `expected`.
    DeleteItem {
        /// The item's district.
        district: DistrictId,
        /// The item.
        id: ItemId,
        /// The version it must be stored at now.
        expected: Version,
    },
}

impl Op {
    /// The district the op writes into (`None` for inserting a district, which creates one).
    pub fn district(&self) -> Option<DistrictId> {
        match self {
            Self::InsertDistrict(_) => None,
            Self::UpdateDistrict { district, .. } => Some(district.id),
            Self::InsertOrgUnit(o) | Self::UpdateOrgUnit { org_unit: o, .. } => Some(o.district),
            Self::InsertUser(u) | Self::UpdateUser { user: u, .. } => Some(u.district),
            Self::DeleteUser { district, .. } => Some(*district),
            Self::AppendActivity(entry) => Some(entry.district),
            Self::InsertRole(r) | Self::UpdateRole { role: r, .. } => Some(r.district),
            Self::InsertGrant(g) => Some(g.district),
            Self::InsertRecord(r) | Self::UpdateRecord { record: r, .. } => Some(r.district),
            Self::InsertItem(i) | Self::UpdateItem { item: i, .. } => Some(i.district),
            Self::DeleteGrant { district, .. }
            | Self::DeleteRecord { district, .. }
            | Self::SetPassword { district, .. }
            | Self::DeleteItem { district, .. } => Some(*district),
        }
    }
}

/// An ordered set of row writes that a [`Storage`](crate::Storage) applies atomically.
///
/// Ops apply in order, so a later op sees the effect of an earlier one (an org unit inserted first
/// may be referenced by a user inserted after it; a user may give up an e-mail that a later op in
/// the same set takes).
///
/// ```
/// use homeroom::ChangeSet;
/// let set = ChangeSet::new();
/// assert!(set.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    ops: Vec<Op>,
}

impl ChangeSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set with room for `ops` ops (a large import knows its size up front, and an
    /// op is several hundred bytes: growing the list would copy them all again).
    pub fn with_capacity(ops: usize) -> Self {
        Self {
            ops: Vec::with_capacity(ops),
        }
    }

    /// Adds an op.
    pub fn push(&mut self, op: Op) {
        self.ops.push(op);
    }

    /// Adds an op, builder style.
    #[must_use]
    pub fn with(mut self, op: Op) -> Self {
        self.ops.push(op);
        self
    }

    /// The ops, in order.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Takes the ops out.
    pub fn into_ops(self) -> Vec<Op> {
        self.ops
    }

    /// Number of ops.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Adds every op of `other` after these.
    pub fn extend(&mut self, other: ChangeSet) {
        self.ops.extend(other.ops);
    }
}

impl FromIterator<Op> for ChangeSet {
    fn from_iter<I: IntoIterator<Item = Op>>(iter: I) -> Self {
        Self {
            ops: iter.into_iter().collect(),
        }
    }
}
