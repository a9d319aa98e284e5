//! An activity entry's `data` column: the entry without what the row's own columns hold (its
//! id, district, subject and time), which is about half of its JSON. A million-user import
//! writes an entry per user, so those bytes are a tenth of the database it leaves.
//!
//! Rows written before this form still read: their JSON repeats those fields, and reading
//! ignores them in favour of the columns (which always held the same values).

use chrono::{DateTime, Utc};
use homeroom::activity::ImportRowRef;
use homeroom::records::RecordKind;
use homeroom::{
    ActivityAction, ActivityEntry, ActivityId, ActorRef, DistrictId, FieldChange, ImportBatchId,
    ItemId, StorageError, Subject,
};
use serde::{Deserialize, Serialize};

/// What `data` holds, borrowed from the entry being written.
#[derive(Serialize)]
struct StoredRef<'a> {
    actor: &'a ActorRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_behalf_of: Option<&'a ActorRef>,
    action: &'a ActivityAction,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    changes: &'a [FieldChange],
    #[serde(skip_serializing_if = "Option::is_none")]
    import_batch: Option<ImportBatchId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    import_row: Option<&'a ImportRowRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bulk_operation: Option<ItemId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<RecordKind>,
}

/// What `data` holds, read back.
#[derive(Deserialize)]
struct Stored {
    actor: ActorRef,
    #[serde(default)]
    on_behalf_of: Option<ActorRef>,
    action: ActivityAction,
    #[serde(default)]
    changes: Vec<FieldChange>,
    #[serde(default)]
    import_batch: Option<ImportBatchId>,
    #[serde(default)]
    import_row: Option<ImportRowRef>,
    #[serde(default)]
    bulk_operation: Option<ItemId>,
    #[serde(default)]
    record: Option<RecordKind>,
}

/// The `data` of `entry`'s row.
pub(crate) fn entry_data(entry: &ActivityEntry) -> Result<String, StorageError> {
    // Every field named, so a field added to the entry does not compile until it is stored
    // (or said to be a column's, or never stored).
    let ActivityEntry {
        id: _,
        district: _,
        subject: _,
        at: _,
        actor,
        on_behalf_of,
        action,
        changes,
        import_batch,
        import_row,
        bulk_operation,
        record,
        details_hidden: _,
    } = entry;
    crate::codec::to_json(&StoredRef {
        actor,
        on_behalf_of: on_behalf_of.as_ref(),
        action,
        changes,
        import_batch: *import_batch,
        import_row: import_row.as_ref(),
        bulk_operation: *bulk_operation,
        record: *record,
    })
}

/// The columns of an entry's row that its `data` leaves out.
pub(crate) struct EntryColumns {
    pub(crate) id: uuid::Uuid,
    pub(crate) district: DistrictId,
    pub(crate) subject: Subject,
    pub(crate) at_secs: i64,
    pub(crate) at_nanos: i64,
}

/// The entry of a row: its `data` with its columns.
pub(crate) fn entry_of_row(
    columns: EntryColumns,
    data: &str,
) -> Result<ActivityEntry, StorageError> {
    let Stored {
        actor,
        on_behalf_of,
        action,
        changes,
        import_batch,
        import_row,
        bulk_operation,
        record,
    } = crate::codec::from_json(data)?;
    let at = u32::try_from(columns.at_nanos)
        .ok()
        .and_then(|nanos| DateTime::<Utc>::from_timestamp(columns.at_secs, nanos))
        .ok_or_else(|| StorageError::Backend {
            message: format!("activity entry {} has a time out of range", columns.id),
            source: None,
        })?;
    Ok(ActivityEntry {
        id: ActivityId::from_uuid(columns.id),
        district: columns.district,
        subject: columns.subject,
        at,
        actor,
        on_behalf_of,
        action,
        changes,
        import_batch,
        import_row,
        bulk_operation,
        record,
        details_hidden: false,
    })
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use homeroom::UserId;

    use super::*;

    fn id(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    /// An entry with every field set, so a field the stored form dropped would show.
    fn full_entry() -> ActivityEntry {
        ActivityEntry {
            id: ActivityId::from_uuid(id(1)),
            district: DistrictId::from_uuid(id(2)),
            subject: Subject::User(UserId::from_uuid(id(3))),
            at: DateTime::from_timestamp(1_785_000_000, 123_456_789).unwrap_or_default(),
            actor: ActorRef::new(Some(UserId::from_uuid(id(4))), "Ada Admin"),
            on_behalf_of: Some(ActorRef::new(
                Some(UserId::from_uuid(id(5))),
                "Tess Teacher",
            )),
            action: ActivityAction::Updated,
            changes: vec![FieldChange {
                field: Cow::Borrowed("email"),
                old: Some("old@maple.example".into()),
                new: Some("new@maple.example".into()),
            }],
            import_batch: Some(ImportBatchId::from_uuid(id(6))),
            import_row: Some(ImportRowRef {
                index: 7,
                row: 9,
                file: None,
            }),
            bulk_operation: Some(ItemId::from_uuid(id(8))),
            record: Some(RecordKind::Incident),
            details_hidden: false,
        }
    }

    fn columns(entry: &ActivityEntry) -> EntryColumns {
        EntryColumns {
            id: entry.id.as_uuid(),
            district: entry.district,
            subject: entry.subject,
            at_secs: entry.at.timestamp(),
            at_nanos: i64::from(entry.at.timestamp_subsec_nanos()),
        }
    }

    #[test]
    fn an_entry_reads_back_whole_from_its_columns_and_its_shorter_data() {
        let entry = full_entry();
        let data = entry_data(&entry).unwrap();
        let whole = crate::codec::to_json(&entry).unwrap();
        for column_only in ["\"id\"", "\"district\"", "\"subject\"", "\"at\""] {
            assert!(!data.contains(column_only), "{column_only} in {data}");
        }
        assert!(data.len() < whole.len() / 2 + 150, "{data}");
        assert_eq!(entry_of_row(columns(&entry), &data).unwrap(), entry);
    }

    #[test]
    fn an_entry_without_optional_fields_stores_only_actor_and_action() {
        let entry = ActivityEntry {
            on_behalf_of: None,
            changes: Vec::new(),
            import_batch: None,
            import_row: None,
            bulk_operation: None,
            record: None,
            ..full_entry()
        };
        let data = entry_data(&entry).unwrap();
        assert_eq!(
            data,
            r#"{"actor":{"user":"00000000-0000-0000-0000-000000000004","name":"Ada Admin"},"action":"Updated"}"#
        );
        assert_eq!(entry_of_row(columns(&entry), &data).unwrap(), entry);
    }

    #[test]
    fn a_row_written_with_the_whole_entry_still_reads() {
        let entry = full_entry();
        let old_form = crate::codec::to_json(&entry).unwrap();
        assert_eq!(entry_of_row(columns(&entry), &old_form).unwrap(), entry);
    }

    #[test]
    fn a_time_out_of_range_is_an_error_not_a_panic() {
        let entry = full_entry();
        let data = entry_data(&entry).unwrap();
        let bad = EntryColumns {
            at_nanos: -1,
            ..columns(&entry)
        };
        assert!(entry_of_row(bad, &data).is_err());
    }
}
