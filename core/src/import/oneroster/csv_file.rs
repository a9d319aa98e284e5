//! One CSV file of a OneRoster package, its columns matched against the file's known columns.

use std::sync::Arc;

use crate::import::csv_reader::read_table;
use crate::import::data::FileInfo;
use crate::import::field::normalize_header;
use crate::import::headers::{Schema, map_headers};
use crate::import::issue::{Issues, ReadError};
use crate::import::options::ReadLimits;
use crate::import::raw::{RawRow, RawTable};
use crate::import::source::RowRef;

/// A OneRoster CSV file, read.
pub(crate) struct RosterFile {
    pub(crate) table: RawTable,
    keys: Vec<Option<&'static str>>,
}

impl RosterFile {
    /// Reads `bytes` as a OneRoster file whose columns are `known` (camelCase, as in the
    /// specification), `required` among them. Extension columns (`metadata.*`, and the `ext_*`
    /// some SIS exports use) are ignored without a warning.
    pub(crate) fn read(
        bytes: &[u8],
        name: &str,
        known: &'static [&'static str],
        required: &[&'static str],
        limits: &ReadLimits,
        issues: &mut Issues,
    ) -> Result<Self, ReadError> {
        let table = read_table(bytes, name, limits, issues)?;
        let lookup = |header: &str| -> Option<&'static str> {
            let key = normalize_header(header);
            known.iter().find(|k| normalize_header(k) == key).copied()
        };
        let ignored = |header: &str| is_extension_column(header);
        let label = |k: &'static str| k;
        let schema = Schema {
            lookup: &lookup,
            label: &label,
            required,
            ignored: &ignored,
            missing_hint: "see the OneRoster CSV specification for the file's columns, or export the package again",
        };
        let keys = map_headers(&table, &schema, issues)?;
        Ok(Self { table, keys })
    }

    /// The file's name.
    pub(crate) fn name(&self) -> &Arc<str> {
        &self.table.file
    }

    /// How the file was read.
    pub(crate) fn info(&self) -> FileInfo {
        FileInfo::of(&self.table)
    }

    /// The position of a known column.
    pub(crate) fn position(&self, column: &str) -> Option<usize> {
        self.keys.iter().position(|k| *k == Some(column))
    }

    /// The header of a known column as written in the file, or the column's own name.
    pub(crate) fn header(&self, column: &'static str) -> String {
        self.position(column)
            .and_then(|i| self.table.headers.get(i))
            .cloned()
            .unwrap_or_else(|| column.to_owned())
    }

    /// A row's value in a known column, trimmed; blank when absent.
    pub(crate) fn get(&self, row: &RawRow, column: &str) -> &str {
        self.position(column)
            .map_or("", |i| self.table.value(row, i).trim())
    }

    /// A row's value in a known column, trimmed, `None` when blank or absent.
    pub(crate) fn opt(&self, row: &RawRow, column: &str) -> Option<String> {
        let value = self.get(row, column);
        (!value.is_empty()).then(|| value.to_owned())
    }

    /// Where a row is.
    pub(crate) fn source(&self, row: &RawRow) -> RowRef {
        RowRef {
            file: Arc::clone(&self.table.file),
            row: row.row,
        }
    }
}

/// Splits a OneRoster list (`orgSourcedIds`, `grades`): comma-separated, trimmed, non-blank.
pub(crate) fn split_ids(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// OneRoster's extension points: `metadata.*` columns (the specification's) and `ext_*` ones
/// (common in real SIS exports). They carry vendor data the import does not use.
fn is_extension_column(header: &str) -> bool {
    let header = header.trim().to_ascii_lowercase();
    header.starts_with("metadata.") || header.starts_with("ext_")
}

#[cfg(test)]
mod extension_tests {
    use super::is_extension_column;

    #[test]
    fn metadata_and_ext_columns_are_extensions_and_nothing_else_is() {
        for header in [
            "metadata.district.ssid",
            "Metadata.x",
            " ext_sis_id",
            "EXT_Grade_Level",
        ] {
            assert!(is_extension_column(header), "{header}");
        }
        for header in [
            "givenName",
            "extension",
            "ext",
            "metadata",
            "text_field",
            "my_ext_id",
        ] {
            assert!(!is_extension_column(header), "{header}");
        }
    }
}
