//! CSV files: decode, sniff the delimiter, read the rows, check their shape.

use std::io::Read;
use std::sync::Arc;

use super::cells::Cells;
use super::csv_parse::{Records, sniff_delimiter};
use super::data::ImportData;
use super::decode::decode;
use super::format::Format;
use super::input::{file_too_large, read_bounded, table_too_large};
use super::issue::{ImportIssue, IssueCode, Issues, ReadError};
use super::options::{ReadLimits, ReadOptions};
use super::raw::{
    RawRow, RawTable, check_cells, check_headers, too_many_rows, warn_unnamed_columns,
};
use super::table::template_rows;

/// Reads a Homeroom CSV file (the [template](super::template_csv)'s columns, in any order).
///
/// The encoding (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252) and the
/// delimiter (`,`, `;` or tab) are detected. Problems in single rows are all collected in
/// [`ImportData::issues`]; problems with the file as a whole (too large, no header row, a
/// required column missing, two columns for the same field) stop reading with a [`ReadError`].
///
/// ```
/// use homeroom::import::{ImportField, ReadOptions, read_csv};
/// let file = "Local ID;First Name;Last Name;Grade\r\n00123;Ada;Lovelace;6\r\n";
/// let data = read_csv(file.as_bytes(), "students.csv", &ReadOptions::default()).unwrap();
/// assert_eq!(data.users.len(), 1);
/// let row = &data.users[0];
/// assert_eq!(row.source.row, 2);
/// assert_eq!(row.get(ImportField::LocalId), Some("00123"));
/// assert!(!data.has_errors());
/// ```
pub fn read_csv(
    reader: impl Read,
    file_name: &str,
    options: &ReadOptions,
) -> Result<ImportData, ReadError> {
    let bytes = read_bounded(reader, file_name, &options.limits)?;
    read_csv_bytes(&bytes, file_name, options)
}

/// [`read_csv`] on bytes already in memory.
pub(crate) fn read_csv_bytes(
    bytes: &[u8],
    file_name: &str,
    options: &ReadOptions,
) -> Result<ImportData, ReadError> {
    let mut issues = Issues::new(options.limits.max_issues);
    let table = read_table(bytes, file_name, &options.limits, &mut issues)?;
    let (info, users) = template_rows(table, options, &mut issues)?;
    Ok(ImportData::new(Format::Csv, vec![info], users, issues))
}

/// Decodes and splits a CSV file into its header and data rows. Every CSV reader (the template
/// and each OneRoster file) starts here.
pub(crate) fn read_table(
    bytes: &[u8],
    file: &str,
    limits: &ReadLimits,
    issues: &mut Issues,
) -> Result<RawTable, ReadError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(file_too_large(file, limits));
    }
    let decoded = decode(bytes, file)?;
    let text = decoded.text.as_ref();
    let (delimiter, text) = match excel_separator_line(text) {
        Some((delimiter, rest)) => (delimiter, rest),
        None => (sniff_delimiter(text), text),
    };
    let mut records = Records::new(text, delimiter);
    // Room for the whole text and a cell per four bytes, so the buffers never grow and copy.
    let mut cells = Cells::with_capacity(text.len(), text.len() / 4);

    // The header: the first record that is not blank.
    let header = loop {
        let Some(scan) = records.next_into(&mut cells) else {
            return Err(ImportIssue::error(
                IssueCode::EmptyFile,
                file,
                "the file is empty; it needs a header row (see the template) and one row per user",
            )
            .into());
        };
        if cells.text_from(0).trim().is_empty() {
            cells.truncate(0);
        } else {
            break scan;
        }
    };
    let header_row = header.row;
    let mut headers = cells.split_off(0);
    if header.unterminated {
        return Err(ImportIssue::error(
            IssueCode::UnterminatedQuote,
            file,
            "the header row opens a quoted value (\") that is never closed; fix the quotes in the first row",
        )
        .at_row(header_row)
        .into());
    }
    check_headers(&mut headers, file, header_row, limits)?;
    let width = headers.len();
    // A header row ending in delimiters (`a,b,c,`) has empty trailing cells that real exports'
    // rows often leave out: such rows are padded, not ragged.
    let trailing = headers.iter().rev().take_while(|h| h.is_empty()).count();
    let mut padded = Padded::default();

    // Room for every row, judged by the header line's length; pages never touched cost nothing.
    let mut rows = Vec::with_capacity(text.len() / text.find('\n').unwrap_or(text.len()).max(8));
    loop {
        let first = cells.len();
        let Some(record) = records.next_into(&mut cells) else {
            break;
        };
        let row = record.row;
        // Cells concatenated are blank exactly when each cell is.
        if cells.text_from(first).trim().is_empty() {
            cells.truncate(first);
            continue;
        }
        if rows.len() >= limits.max_rows {
            return Err(too_many_rows(file, limits));
        }
        if record.unterminated {
            cells.truncate(first);
            issues.push(
                ImportIssue::error(
                    IssueCode::UnterminatedQuote,
                    file,
                    "a quoted value (starting with \") in this row is never closed, so the rest of the file ran into it; add the closing quote",
                )
                .at_row(row),
            );
            continue;
        }
        let mut fields = record.fields;
        if fields > width && cells.text_from(first + width).trim().is_empty() {
            cells.truncate(first + width);
            fields = width;
        }
        if fields < width && fields >= width - trailing {
            for _ in fields..width {
                cells.push("");
            }
            padded.note(row);
            fields = width;
        }
        if fields != width {
            cells.truncate(first);
            issues.push(ragged(
                file,
                row,
                fields,
                width - trailing,
                width,
                delimiter,
            ));
            continue;
        }
        if record.has_nul || record.longest > limits.max_field_len {
            // The rare row to fix: out of the buffer, checked cell by cell, and back.
            let mut values = cells.split_off(first);
            check_cells(&mut values, file, row, &headers, limits, issues);
            cells.push_row(&values);
        }
        rows.push(RawRow {
            row,
            first,
            notes: None,
        });
    }
    if cells.overflowed() {
        return Err(table_too_large(file));
    }
    cells.shrink_to_fit();
    if let Some(warning) = padded.warning(file, header_row, trailing) {
        issues.push(warning);
    }

    let table = RawTable {
        file: Arc::from(file),
        headers,
        header_row,
        rows,
        cells,
        encoding: Some(decoded.encoding),
        delimiter: Some(char::from(delimiter)),
        sheet: None,
    };
    warn_unnamed_columns(&table, issues);
    Ok(table)
}

/// Rows that left out the header row's empty trailing cells: how many, and the first.
#[derive(Default)]
struct Padded {
    rows: u64,
    first: Option<u32>,
}

impl Padded {
    fn note(&mut self, row: u32) {
        self.rows += 1;
        self.first.get_or_insert(row);
    }

    /// One warning for the whole file, on the header row.
    fn warning(&self, file: &str, header_row: u32, trailing: usize) -> Option<ImportIssue> {
        let first = self.first?;
        let cells = if trailing == 1 { "cell" } else { "cells" };
        Some(
            ImportIssue::warning(
                IssueCode::TrailingEmptyHeader,
                file,
                format!(
                    "the header row ends with {trailing} empty {cells} (a trailing delimiter) that {} rows leave out, the first at row {first}; they were read as blank. Remove the trailing delimiter from the header row to silence this",
                    self.rows
                ),
            )
            .at_row(header_row),
        )
    }
}

/// Excel's `sep=;` first line, which names the delimiter and is not a row of the sheet.
fn excel_separator_line(text: &str) -> Option<(u8, &str)> {
    let rest = text.strip_prefix("sep=")?;
    let (&delimiter, _) = rest.as_bytes().split_first()?;
    if !matches!(delimiter, b',' | b';' | b'\t' | b'|') {
        return None;
    }
    let after = rest.get(1..)?;
    let after = after
        .strip_prefix("\r\n")
        .or_else(|| after.strip_prefix('\n'))
        .or_else(|| after.strip_prefix('\r'))
        .or_else(|| after.is_empty().then_some(after))?;
    Some((delimiter, after))
}

fn ragged(
    file: &str,
    row: u32,
    found: usize,
    named: usize,
    width: usize,
    delimiter: u8,
) -> ImportIssue {
    let delimiter = match delimiter {
        b'\t' => "tab".to_owned(),
        d => format!("'{}'", char::from(d)),
    };
    let hint = if found > width {
        format!(
            "a value probably contains a {delimiter} without being in quotes; put that value in double quotes (\"...\") or remove the extra {delimiter}"
        )
    } else {
        format!(
            "a {delimiter} is probably missing; every row needs one value per column, even if blank"
        )
    };
    ImportIssue::error(
        IssueCode::RaggedRow,
        file,
        if named < width {
            format!(
                "this row has {found} values but the header row has {width} ({named} with a name): {hint}"
            )
        } else {
            format!("this row has {found} values but the header row has {width}: {hint}")
        },
    )
    .at_row(row)
}
