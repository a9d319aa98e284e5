//! The activity log: an append-only record of who changed what, when, field by field.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ActivityId, DistrictId, ImportBatchId, ItemId, OrgUnitId, RoleId, UserId};
use crate::records::RecordKind;

/// Who did something, as recorded in the log (the actor's name is copied so the entry still
/// reads right after the actor is renamed or removed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRef {
    /// The acting user, or `None` for a system actor (nightly sync, a maintenance script).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// A name for people to read: the user's name or the system task's label.
    pub name: String,
    /// Whom the user is acting as, in an impersonation. Never stored in an entry's `actor`:
    /// a log entry carries it as [`ActivityEntry::on_behalf_of`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting_as: Option<Box<ActorRef>>,
}

impl ActorRef {
    /// A user or system task named `name`, acting as themselves.
    ///
    /// ```
    /// use homeroom::ActorRef;
    /// assert_eq!(ActorRef::new(None, "nightly sync").to_string(), "nightly sync");
    /// ```
    pub fn new(user: Option<UserId>, name: impl Into<String>) -> Self {
        Self {
            user,
            name: name.into(),
            acting_as: None,
        }
    }
}

impl fmt::Display for ActorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(other) = &self.acting_as {
            write!(f, " acting as {other}")?;
        }
        Ok(())
    }
}

/// What an entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Subject {
    /// The district itself (settings).
    District,
    /// An org unit.
    OrgUnit(OrgUnitId),
    /// A user.
    User(UserId),
    /// A role.
    Role(RoleId),
    /// Who opened a student's profile: the disclosure record, kept apart from the changes.
    ProfileViews(UserId),
    /// An applied import or sync, with its tallies.
    ImportBatch(ImportBatchId),
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ActivityAction {
    /// The subject was created.
    Created,
    /// Fields of the subject changed.
    Updated,
    /// A user's record status changed.
    StatusChanged,
    /// A user's access changed.
    AccessChanged,
    /// An org unit moved to another parent.
    Moved,
    /// The subject was deleted.
    Deleted,
    /// A user was granted a role.
    Granted,
    /// A user's grant was revoked.
    Revoked,
    /// A user's profile was opened.
    Viewed,
    /// A user's password was set or changed (the log never holds the password).
    PasswordSet,
    /// Records moved to or from the user by a data transfer.
    DataTransferred,
    /// A message (by its template's purpose) was queued to the user.
    MessageQueued,
    /// One user started acting as another (logged on both).
    ImpersonationStarted,
    /// An impersonation was ended (logged on both).
    ImpersonationEnded,
}

impl fmt::Display for ActivityAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::StatusChanged => "status changed",
            Self::AccessChanged => "access changed",
            Self::Moved => "moved",
            Self::Deleted => "deleted",
            Self::Granted => "granted a role",
            Self::Revoked => "grant revoked",
            Self::Viewed => "viewed the profile",
            Self::PasswordSet => "password set",
            Self::DataTransferred => "data transferred",
            Self::MessageQueued => "message queued",
            Self::ImpersonationStarted => "started acting as another user",
            Self::ImpersonationEnded => "stopped acting as another user",
        })
    }
}

/// One field's change: `old → new`. `None` means empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field's path (`email`, `name.last`, `status`, ...); most are fixed names, held
    /// without an allocation.
    pub field: Cow<'static, str>,
    /// The value before. (Absent from the JSON when empty: an import logs a hundred thousand
    /// of these, most of them with no old value.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The value after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

impl fmt::Display for FieldChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(empty)".into());
        write!(
            f,
            "{}: {} → {}",
            self.field,
            show(&self.old),
            show(&self.new)
        )
    }
}

/// The changes that create a record with these field values: every set field, from nothing.
/// The same list as `diff_fields(&[], &values)`, without copying the values.
pub(crate) fn created_fields(values: Vec<(Cow<'static, str>, Option<String>)>) -> Vec<FieldChange> {
    // Sized exactly: an import logs one of these per user created.
    let mut fields = Vec::with_capacity(values.iter().filter(|(_, v)| v.is_some()).count());
    for (field, value) in values {
        if let Some(new) = value {
            fields.push(FieldChange {
                field,
                old: None,
                new: Some(new),
            });
        }
    }
    fields
}

/// Computes the field changes between two lists of `(field, value)`, in the order of `new`,
/// then fields that only `old` had.
pub fn diff_fields(
    old: &[(Cow<'static, str>, Option<String>)],
    new: &[(Cow<'static, str>, Option<String>)],
) -> Vec<FieldChange> {
    let lookup = |list: &[(Cow<'static, str>, Option<String>)], field: &str| {
        list.iter()
            .find(|(f, _)| f == field)
            .and_then(|(_, v)| v.clone())
    };
    let mut changes: Vec<FieldChange> = new
        .iter()
        .filter_map(|(field, value)| {
            let before = lookup(old, field);
            (before != *value).then(|| FieldChange {
                field: field.clone(),
                old: before,
                new: value.clone(),
            })
        })
        .collect();
    for (field, value) in old {
        if value.is_some() && !new.iter().any(|(f, _)| f == field) {
            changes.push(FieldChange {
                field: field.clone(),
                old: value.clone(),
                new: None,
            });
        }
    }
    changes
}

/// One entry of the activity log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    /// The entry's id.
    pub id: ActivityId,
    /// The district it belongs to.
    pub district: DistrictId,
    /// What it is about.
    pub subject: Subject,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: ActorRef,
    /// Whom the actor was impersonating, if anyone ("A acting as B").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<ActorRef>,
    /// What happened.
    pub action: ActivityAction,
    /// The fields that changed.
    pub changes: Vec<FieldChange>,
    /// The import or sync that made the change, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_batch: Option<ImportBatchId>,
    /// The row of [`import_batch`](Self::import_batch) that created the subject, when an import
    /// created it. The batch keeps the values it applied once; such an entry is stored without
    /// its field list, and reading the log fills [`changes`](Self::changes) back from the batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_row: Option<ImportRowRef>,
    /// The bulk operation that made the change, if one did: the id of its stored record,
    /// which [`Directory::bulk_operation`](crate::Directory::bulk_operation) reads back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_operation: Option<ItemId>,
    /// The kind of record (incident, invoice, ...) the entry is about, when it is about one:
    /// its details are shown only to readers who may see that kind of record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordKind>,
    /// True when the reader may not see what the entry said (its record kind is outside their
    /// tabs, or its module is off): `changes` is then empty, and only that a change happened,
    /// who made it and when is shown. Never stored; set when the log is read.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub details_hidden: bool,
}

/// Which row of an import batch an entry's values live in: "created by import B, file F, row N".
///
/// ```
/// use homeroom::activity::ImportRowRef;
/// let row = ImportRowRef { index: 0, row: 2, file: Some("students.csv".into()) };
/// assert_eq!(row.to_string(), "students.csv, row 2");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowRef {
    /// The row's position among the rows of the batch's plan (where the batch keeps it).
    pub index: u32,
    /// The row number in the file (spreadsheet numbering).
    pub row: u32,
    /// The file's name: not stored with the entry, filled in from the batch when the log is
    /// read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl fmt::Display for ImportRowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}, row {}", self.row),
            None => write!(f, "row {}", self.row),
        }
    }
}

impl ActivityEntry {
    /// Leaves what a reader without the right to the entry's details may see: who, when and
    /// what kind of change, without the values.
    pub fn hide_details(&mut self) {
        self.changes.clear();
        self.details_hidden = true;
    }
}

impl fmt::Display for ActivityEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.at.format("%Y-%m-%d %H:%M:%S"), self.actor)?;
        if let Some(on_behalf_of) = &self.on_behalf_of {
            write!(f, " acting as {on_behalf_of}")?;
        }
        write!(f, " {}", self.action)?;
        for (i, change) in self.changes.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            write!(f, "{change}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_left_out_of_the_json_and_read_back_either_way() {
        let change = FieldChange {
            field: "email".into(),
            old: None,
            new: Some("ada@example.org".into()),
        };
        let json = serde_json::to_string(&change).unwrap_or_default();
        assert_eq!(json, r#"{"field":"email","new":"ada@example.org"}"#);
        // Entries stored before empty values were left out still read.
        let stored = r#"{"field":"email","old":null,"new":"ada@example.org"}"#;
        assert_eq!(
            serde_json::from_str::<FieldChange>(stored).ok(),
            Some(change)
        );
        let actor: Result<ActorRef, _> = serde_json::from_str(r#"{"name":"nightly sync"}"#);
        assert_eq!(actor.ok().and_then(|a| a.user), None);
    }
}
