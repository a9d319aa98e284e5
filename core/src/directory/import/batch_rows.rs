//! What an import batch created, kept once: the normalized details of every user it created,
//! in items of [`ROWS_PER_ITEM`] rows (kind `import_rows`, keyed `<batch>/<n>`), instead of a
//! copy of every value in each new user's activity entry.
//!
//! A created user's entry is tiny: `Created`, the batch, and an [`ImportRowRef`] (the row's
//! position in the plan and its row number). Reading the log resolves the values back from the
//! batch ([`Directory::resolve_import_rows`]), so a reader sees the same field list as when
//! every entry carried it; entries stored in that older form are read as they are.
//!
//! An item keeps its rows deflated ([`super::packed_rows`]); items written before that keep
//! them as plain JSON and read as they are.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::activity::{ActivityAction, ActivityEntry, ImportRowRef, created_fields};
use crate::clock::IdGen;
use crate::error::Error;
use crate::ids::{DistrictId, ImportBatchId, ItemId};
use crate::import::RowRef;
use crate::model::UserDetails;
use crate::storage::{Item, ItemBody, ItemKind, Op, Storage};

use super::super::Directory;
use super::packed_details::PackedDetails;
use super::packed_rows::{self, PackedRowsWriter};

/// Rows per stored item: reading one user's history decodes one item of this many rows.
pub(crate) const ROWS_PER_ITEM: u32 = 1000;

/// One item of a batch's created rows.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct BatchRows {
    /// The files the rows came from (each row names one by position).
    pub(crate) files: Vec<String>,
    /// The rows, by position in the plan, as items written before packing kept them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    rows: Vec<BatchRow>,
    /// The rows, packed ([`packed_rows`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    packed: Option<String>,
}

impl BatchRows {
    /// The item with its rows in [`BatchRows::rows`], whichever way they were stored.
    fn unpacked(self) -> Result<Self, Error> {
        let rows = match &self.packed {
            Some(packed) => packed_rows::unpack(packed)?,
            None => self.rows,
        };
        Ok(Self {
            files: self.files,
            rows,
            packed: None,
        })
    }
}

/// One created row: where it came from and the details it created the user with.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct BatchRow<D = UserDetails> {
    /// The row's position in the plan.
    pub(crate) index: u32,
    /// Which of [`BatchRows::files`].
    #[serde(default)]
    pub(crate) file: u32,
    /// The row number in its file.
    pub(crate) row: u32,
    /// What the user was created with.
    pub(crate) details: D,
}

/// An item being filled: which one (position / [`ROWS_PER_ITEM`]), its files and its rows.
struct Filling {
    chunk: u32,
    files: Vec<String>,
    rows: PackedRowsWriter,
}

impl ItemBody for BatchRows {
    const KIND: ItemKind = ItemKind::from_static("import_rows");
}

/// The key of the item holding row `index` of `batch`.
fn key(batch: ImportBatchId, index: u32) -> String {
    format!("{batch}/{}", index / ROWS_PER_ITEM)
}

/// Collects the rows an apply creates and hands them out as items, one per
/// [`ROWS_PER_ITEM`] positions.
pub(crate) struct BatchRowsWriter {
    district: DistrictId,
    batch: ImportBatchId,
    current: Option<Filling>,
}

impl BatchRowsWriter {
    /// A writer for `batch` of `district`.
    pub(crate) fn new(district: DistrictId, batch: ImportBatchId) -> Self {
        Self {
            district,
            batch,
            current: None,
        }
    }

    /// Keeps the row at `index` (from `source`) that created a user with `details`, and
    /// returns the reference its log entry carries. Returns the op of a full item when the
    /// row starts the next one.
    pub(crate) fn push(
        &mut self,
        index: usize,
        source: &RowRef,
        details: &PackedDetails,
        ids: &dyn IdGen,
    ) -> Result<(ImportRowRef, Option<Op>), Error> {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let chunk = index / ROWS_PER_ITEM;
        let full = match &self.current {
            Some(filling) if filling.chunk != chunk => self.flush(ids)?,
            _ => None,
        };
        let filling = self.current.get_or_insert_with(|| Filling {
            chunk,
            files: Vec::new(),
            rows: PackedRowsWriter::new(),
        });
        let file = match filling.files.iter().position(|f| **f == *source.file) {
            Some(at) => at,
            None => {
                filling.files.push(source.file.to_string());
                filling.files.len() - 1
            }
        };
        filling.rows.push(&BatchRow {
            index,
            file: u32::try_from(file).unwrap_or(0),
            row: source.row,
            details: details.json(),
        })?;
        let reference = ImportRowRef {
            index,
            row: source.row,
            file: None,
        };
        Ok((reference, full))
    }

    /// The op that stores the item being filled, if any.
    pub(crate) fn flush(&mut self, ids: &dyn IdGen) -> Result<Option<Op>, Error> {
        let Some(filling) = self.current.take() else {
            return Ok(None);
        };
        let body = BatchRows {
            files: filling.files,
            rows: Vec::new(),
            packed: Some(filling.rows.finish()?),
        };
        let id = ItemId::from_uuid(ids.next_uuid());
        let item = Item::new(id, self.district, &body)?
            .with_key(key(self.batch, filling.chunk * ROWS_PER_ITEM));
        Ok(Some(Op::InsertItem(item)))
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Fills in the field list of every entry that an import created its subject with, from
    /// the rows its batch kept (one item read per [`ROWS_PER_ITEM`] rows met). Entries stored
    /// with their field list, and entries whose batch rows are gone, are left as they are.
    pub(crate) async fn resolve_import_rows(
        &self,
        district: DistrictId,
        entries: &mut [ActivityEntry],
    ) -> Result<(), Error> {
        let mut loaded: HashMap<String, Option<BatchRows>> = HashMap::new();
        for entry in entries.iter_mut() {
            let (Some(batch), Some(reference)) = (entry.import_batch, entry.import_row.as_mut())
            else {
                continue;
            };
            if entry.action != ActivityAction::Created || !entry.changes.is_empty() {
                continue;
            }
            let key = key(batch, reference.index);
            if !loaded.contains_key(&key) {
                let item = self
                    .storage
                    .item_by_key(district, &BatchRows::KIND, &key)
                    .await?;
                let body = match item {
                    Some(item) => Some(item.decode::<BatchRows>()?.unpacked()?),
                    None => None,
                };
                loaded.insert(key.clone(), body);
            }
            let Some(Some(rows)) = loaded.get(&key) else {
                continue;
            };
            let Some(row) = rows.rows.iter().find(|r| r.index == reference.index) else {
                continue;
            };
            reference.file = usize::try_from(row.file)
                .ok()
                .and_then(|f| rows.files.get(f))
                .cloned();
            entry.changes = created_fields(row.details.field_values());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserKind;

    fn details(last: &str) -> UserDetails {
        UserDetails::new(UserKind::Student, "Ada", last)
    }

    #[test]
    fn packed_rows_read_back_with_their_files() {
        let mut writer = PackedRowsWriter::new();
        for (index, last) in [(7u32, "Hopper"), (8, "Lovelace")] {
            writer
                .push(&BatchRow {
                    index,
                    file: index - 7,
                    row: index + 1,
                    details: &details(last),
                })
                .unwrap();
        }
        let body = BatchRows {
            files: vec!["a.csv".into(), "b.csv".into()],
            rows: Vec::new(),
            packed: Some(writer.finish().unwrap()),
        };
        let stored = serde_json::to_string(&body).unwrap();
        assert!(!stored.contains("Lovelace"), "rows are stored packed");
        let BatchRows { files, rows, .. } = serde_json::from_str::<BatchRows>(&stored)
            .unwrap()
            .unpacked()
            .unwrap();
        assert_eq!(files, ["a.csv", "b.csv"]);
        let read: Vec<_> = rows
            .iter()
            .map(|r| (r.index, r.file, r.row, r.details.clone()))
            .collect();
        assert_eq!(
            read,
            [(7, 0, 8, details("Hopper")), (8, 1, 9, details("Lovelace"))]
        );
    }

    #[test]
    fn items_stored_before_packing_read_as_they_are() {
        let stored = serde_json::json!({
            "files": ["roster.csv"],
            "rows": [{"index": 3, "file": 0, "row": 4, "details": details("Hopper")}],
        })
        .to_string();
        let BatchRows { files, rows, .. } = serde_json::from_str::<BatchRows>(&stored)
            .unwrap()
            .unpacked()
            .unwrap();
        assert_eq!(files, ["roster.csv"]);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].index, rows[0].row), (3, 4));
        assert_eq!(rows[0].details, details("Hopper"));
    }
}
