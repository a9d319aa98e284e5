//! A table as read, before its headers are given meaning: the header row, the data rows with
//! their spreadsheet row numbers, and the checks every cell gets (NUL, length).

use std::collections::BTreeSet;
use std::sync::Arc;

use super::cells::Cells;
use super::decode::TextEncoding;
use super::issue::{ImportIssue, IssueCode, Issues, ReadError};
use super::options::ReadLimits;

/// Something a spreadsheet reader saw in a cell that the text alone no longer shows.
/// Only the workbook reader makes them (a build without `xlsx` never does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "xlsx"), allow(dead_code))]
pub(crate) enum CellNote {
    /// A number with more than 15 significant digits: Excel has rounded it.
    LargeNumber,
    /// A spreadsheet error value such as `#N/A`.
    ErrorValue,
}

/// One data row: its number and where its values (one per header column) start in the
/// table's [`Cells`].
#[derive(Debug)]
pub(crate) struct RawRow {
    pub(crate) row: u32,
    pub(crate) first: usize,
    /// What a workbook said about some cells (boxed: CSV rows never have any, and a row is
    /// kept small for files of many rows).
    pub(crate) notes: Option<Box<[(usize, CellNote)]>>,
}

/// A table as read from a CSV file or a worksheet.
#[derive(Debug)]
pub(crate) struct RawTable {
    pub(crate) file: Arc<str>,
    pub(crate) headers: Vec<String>,
    pub(crate) header_row: u32,
    pub(crate) rows: Vec<RawRow>,
    /// Every row's values, `headers.len()` per row.
    pub(crate) cells: Cells,
    pub(crate) encoding: Option<TextEncoding>,
    pub(crate) delimiter: Option<char>,
    pub(crate) sheet: Option<String>,
}

impl RawTable {
    /// `row`'s value in column `column` (empty past the last column).
    pub(crate) fn value(&self, row: &RawRow, column: usize) -> &str {
        if column >= self.headers.len() {
            return "";
        }
        self.cells.get(row.first + column).unwrap_or_default()
    }
}

/// `A`, `B`, ..., `Z`, `AA`, ...: the spreadsheet letter of column `index` (0-based).
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// How a column is named in messages: its header, or its letter when the header is blank.
pub(crate) fn column_label(headers: &[String], index: usize) -> String {
    match headers.get(index) {
        Some(h) if !h.trim().is_empty() => h.clone(),
        _ => format!("column {}", column_letter(index)),
    }
}

/// True when every value is blank (spaces count as blank).
#[cfg(feature = "xlsx")]
pub(crate) fn is_blank(values: &[String]) -> bool {
    values.iter().all(|v| v.trim().is_empty())
}

/// Checks the header row: not binary, not too wide, no absurdly long header. Trims headers.
pub(crate) fn check_headers(
    headers: &mut [String],
    file: &str,
    row: u32,
    limits: &ReadLimits,
) -> Result<(), ReadError> {
    if headers.len() > limits.max_columns {
        return Err(ImportIssue::error(
            IssueCode::TooManyColumns,
            file,
            format!(
                "the header row has {} columns; the limit is {}. Remove the columns that are not needed for the import",
                headers.len(),
                limits.max_columns
            ),
        )
        .at_row(row)
        .into());
    }
    // Headers are names, but a tight limit on values must not refuse a normal header.
    let max_header = limits.max_field_len.max(1000);
    for (i, header) in headers.iter_mut().enumerate() {
        if header.contains('\0') {
            return Err(ImportIssue::error(
                IssueCode::NotText,
                file,
                "the header row holds binary data (NUL bytes): this is not a text CSV file. Open it in Excel and save it as \"CSV UTF-8\"",
            )
            .at_row(row)
            .into());
        }
        if header.chars().count() > max_header {
            return Err(ImportIssue::error(
                IssueCode::FieldTooLong,
                file,
                format!(
                    "header {} is longer than {} characters; is the first row really the header row?",
                    column_letter(i),
                    max_header
                ),
            )
            .at_row(row)
            .into());
        }
        let trimmed = header.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if trimmed.len() != header.len() {
            *header = trimmed.to_owned();
        }
    }
    Ok(())
}

/// Checks every cell of a row (see [`check_cell`]), naming each by its header.
pub(crate) fn check_cells(
    values: &mut [String],
    file: &str,
    row: u32,
    headers: &[String],
    limits: &ReadLimits,
    issues: &mut Issues,
) {
    for (i, value) in values.iter_mut().enumerate() {
        check_cell(
            value,
            file,
            row,
            || column_label(headers, i),
            limits,
            issues,
        );
    }
}

/// Checks one cell: removes NUL characters and cuts over-long values, reporting each.
fn check_cell(
    value: &mut String,
    file: &str,
    row: u32,
    column: impl FnOnce() -> String,
    limits: &ReadLimits,
    issues: &mut Issues,
) {
    let has_nul = value.contains('\0');
    let too_long =
        value.len() > limits.max_field_len && value.chars().count() > limits.max_field_len;
    if !has_nul && !too_long {
        return;
    }
    let column = column();
    if has_nul {
        value.retain(|c| c != '\0');
        issues.push(
            ImportIssue::error(
                IssueCode::NulByte,
                file,
                "this value holds a NUL character (binary data); retype the value or save the file again from a spreadsheet program",
            )
            .at_row(row)
            .in_column(column.clone()),
        );
    }
    if too_long {
        let len = value.chars().count();
        if let Some((cut, _)) = value.char_indices().nth(limits.max_field_len) {
            value.truncate(cut);
        }
        issues.push(
            ImportIssue::error(
                IssueCode::FieldTooLong,
                file,
                format!(
                    "this value is {len} characters long; the limit is {}. Shorten it, or check for a missing closing quote that joined several values",
                    limits.max_field_len
                ),
            )
            .at_row(row)
            .in_column(column),
        );
    }
}

/// The error for a file with more data rows than allowed.
pub(crate) fn too_many_rows(file: &str, limits: &ReadLimits) -> ReadError {
    ImportIssue::error(
        IssueCode::TooManyRows,
        file,
        format!(
            "the file has more than {} data rows, the most one import accepts; split it into smaller files",
            limits.max_rows
        ),
    )
    .into()
}

/// Warns once for each column that has values but no header.
pub(crate) fn warn_unnamed_columns(table: &RawTable, issues: &mut Issues) {
    let blank: BTreeSet<usize> = table
        .headers
        .iter()
        .enumerate()
        .filter(|(_, h)| h.is_empty())
        .map(|(i, _)| i)
        .collect();
    for i in blank {
        let first = table
            .rows
            .iter()
            .find(|r| !table.value(r, i).trim().is_empty());
        if let Some(first) = first {
            issues.push(
                ImportIssue::warning(
                    IssueCode::UnnamedColumn,
                    &*table.file,
                    format!(
                        "column {} has values (the first in row {}) but no header, so they are ignored; give the column a header from the template if it should be imported",
                        column_letter(i),
                        first.row
                    ),
                )
                .in_column(format!("column {}", column_letter(i))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
