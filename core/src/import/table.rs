//! A raw table read as the Homeroom template: columns to fields, rows to [`ImportRow`]s, and
//! the checks only a reader can make (Local IDs that Excel damaged).

use std::sync::Arc;

use super::data::FileInfo;
use super::field::ImportField;
use super::headers::{Schema, map_headers};
use super::issue::{ImportIssue, IssueCode, Issues, ReadError};
use super::options::ReadOptions;
use super::raw::{CellNote, RawTable};
use super::row::{Columns, ImportRow};
use super::source::RowRef;

/// Maps the table's headers to [`ImportField`]s and turns its rows into [`ImportRow`]s.
pub(crate) fn template_rows(
    table: RawTable,
    options: &ReadOptions,
    issues: &mut Issues,
) -> Result<(FileInfo, Vec<ImportRow>), ReadError> {
    let schema = Schema {
        lookup: &ImportField::from_header,
        label: &ImportField::header,
        required: &options.required,
        // Application columns: the planner resolves them against the registry.
        ignored: &|h| {
            ImportField::from_header(h).is_none() && super::application_column(h).is_some()
        },
        missing_hint: "the template's header row shows every column and its spelling",
    };
    let fields = map_headers(&table, &schema, issues)?;
    let columns = Arc::new(Columns::new(
        table.headers.iter().cloned().zip(fields.iter().copied()),
    ));
    let info = FileInfo::of(&table);
    let RawTable {
        file, rows, cells, ..
    } = table;
    let cells = Arc::new(cells);
    let local_id = columns.position(ImportField::LocalId);
    let mut users = Vec::with_capacity(rows.len());
    for raw in &rows {
        let source = RowRef {
            file: Arc::clone(&file),
            row: raw.row,
        };
        if let Some(i) = local_id {
            let value = cells.get(raw.first + i).unwrap_or_default();
            check_local_id(value, &source, &columns, i, issues);
        }
        for &(i, note) in raw.notes.iter().flatten() {
            if fields.get(i).copied().flatten().is_some() {
                note_issue(note, &source, &columns, i, Some(i) == local_id, issues);
            }
        }
        users.push(ImportRow::in_table(
            source,
            Arc::clone(&columns),
            Arc::clone(&cells),
            raw.first,
        ));
    }
    Ok((info, users))
}

/// True for text like `1.23457E+11` or `1E+07`: how Excel shows a long number, and what it
/// saves to CSV when a Local ID column was read as numbers.
pub(crate) fn is_scientific_notation(value: &str) -> bool {
    let v = value.trim().as_bytes();
    let Some(e) = v.iter().position(|&b| b == b'E' || b == b'e') else {
        return false;
    };
    let (mantissa, exponent) = (&v[..e], &v[e + 1..]);
    let mantissa_ok = match mantissa {
        [d] => d.is_ascii_digit(),
        [d, b'.', rest @ ..] => {
            d.is_ascii_digit() && !rest.is_empty() && rest.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    };
    let exponent_ok = match exponent {
        [b'+' | b'-', digits @ ..] => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    mantissa_ok && exponent_ok
}

pub(crate) fn check_local_id(
    value: &str,
    source: &RowRef,
    columns: &Columns,
    column: usize,
    issues: &mut Issues,
) {
    if is_scientific_notation(value) {
        issues.push(
            ImportIssue::error(
                IssueCode::LocalIdScientificNotation,
                &*source.file,
                format!(
                    "the Local ID \"{}\" is in scientific notation: Excel turned the ID into a number and the real digits are lost. Re-export the file from the SIS, or format the column as Text in Excel before pasting the IDs",
                    value.trim()
                ),
            )
            .at_row(source.row)
            .in_column(columns.name(column).unwrap_or_default()),
        );
    }
}

fn note_issue(
    note: CellNote,
    source: &RowRef,
    columns: &Columns,
    column: usize,
    is_local_id: bool,
    issues: &mut Issues,
) {
    let name = columns.name(column).unwrap_or_default();
    let issue = match note {
        CellNote::LargeNumber if is_local_id => ImportIssue::error(
            IssueCode::LocalIdPrecisionLost,
            &*source.file,
            "this Local ID is stored as a number with more than 15 digits, so Excel has already rounded its last digits; format the column as Text and type or paste the IDs again",
        ),
        CellNote::LargeNumber => return,
        CellNote::ErrorValue => ImportIssue::error(
            IssueCode::SpreadsheetCellError,
            &*source.file,
            "this cell holds a spreadsheet error (such as #N/A or #REF!) instead of a value; fix the formula or type the value",
        ),
    };
    issues.push(issue.at_row(source.row).in_column(name));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scientific_notation() {
        for damaged in ["1.2E+07", "1.23457E+11", "1E+11", " 9.9e-05 "] {
            assert!(is_scientific_notation(damaged), "{damaged}");
        }
        for fine in [
            "00123", "1E5", "E+07", "1.E+07", "12E+07", "S1E+07", "1.2E+", "",
        ] {
            assert!(!is_scientific_notation(fine), "{fine}");
        }
    }
}
