//! Excel workbooks (`.xlsx`), read with calamine: one worksheet, as text.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx};

use super::archive;
use super::cells::Cells;
use super::data::ImportData;
use super::format::Format;
use super::input::table_too_large;
use super::issue::{ImportIssue, IssueCode, Issues, ReadError};
use super::options::{ReadLimits, ReadOptions};
use super::raw::{
    CellNote, RawRow, RawTable, check_cells, check_headers, column_letter, is_blank, too_many_rows,
    warn_unnamed_columns,
};
use super::table::template_rows;
use super::xlsx_guard;

/// Reads an Excel workbook (`.xlsx`) in the Homeroom template's columns.
///
/// Reads the worksheet named in [`ReadOptions::sheet`], else the first visible worksheet. The
/// header row is the first non-empty row. Every cell becomes text the way the admin sees it:
/// text cells as typed (leading zeros kept: `00123` stays `00123`), whole numbers without a
/// decimal point (`1234`, not `1234.0`; `00123` when the cell's number format is `00000`),
/// other numbers with up to 15 significant digits, dates
/// as ISO dates (`2026-08-31`), `TRUE`/`FALSE`. Row numbers are the sheet's own.
///
/// ```
/// use std::io::Cursor;
/// use homeroom::import::{ImportField, ReadOptions, read_xlsx};
/// # let mut book = rust_xlsxwriter::Workbook::new();
/// # let sheet = book.add_worksheet();
/// # for (c, h) in ["Local ID", "First Name", "Last Name"].iter().enumerate() {
/// #     sheet.write_string(0, c as u16, *h).unwrap();
/// # }
/// # sheet.write_number(1, 0, 1234.0).unwrap();
/// # sheet.write_string(1, 1, "Ada").unwrap();
/// # sheet.write_string(1, 2, "Lovelace").unwrap();
/// # let bytes = book.save_to_buffer().unwrap();
/// // `bytes` holds a workbook whose row 2 has the number 1234 as Local ID.
/// let data = read_xlsx(Cursor::new(bytes), "staff.xlsx", &ReadOptions::default()).unwrap();
/// assert_eq!(data.users[0].get(ImportField::LocalId), Some("1234"));
/// ```
pub fn read_xlsx<RS: Read + Seek>(
    reader: RS,
    file_name: &str,
    options: &ReadOptions,
) -> Result<ImportData, ReadError> {
    let mut issues = Issues::new(options.limits.max_issues);
    let table = read_sheet(reader, file_name, options, &mut issues)?;
    let (info, users) = template_rows(table, options, &mut issues)?;
    Ok(ImportData::new(Format::Xlsx, vec![info], users, issues))
}

struct XCell {
    col: u32,
    text: String,
    note: Option<CellNote>,
}

fn invalid(file: &str, detail: impl std::fmt::Display) -> ReadError {
    ImportIssue::error(
        IssueCode::InvalidSpreadsheet,
        file,
        format!(
            "the workbook could not be read ({detail}); open it in Excel and save it again as .xlsx, or save the sheet as \"CSV UTF-8\""
        ),
    )
    .into()
}

fn read_sheet<RS: Read + Seek>(
    reader: RS,
    file: &str,
    options: &ReadOptions,
    issues: &mut Issues,
) -> Result<RawTable, ReadError> {
    let limits = &options.limits;
    // Opening the zip first checks the sizes the archive declares, which bound what calamine
    // can unpack; the guard then checks what the parts hold before calamine parses them.
    let mut archive = archive::open(
        reader,
        file,
        limits,
        IssueCode::InvalidSpreadsheet,
        "an Excel workbook",
    )?;
    xlsx_guard::check(&mut archive, file, limits)?;
    let mut reader = archive.into_inner();
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| invalid(file, e))?;
    let mut workbook: Xlsx<RS> = Xlsx::new(reader).map_err(|e| invalid(file, e))?;
    let sheet = choose_sheet(&workbook, file, options.sheet.as_deref())?;

    let mut rows: BTreeMap<u32, Vec<XCell>> = BTreeMap::new();
    let mut budget = TextBudget::new(limits.max_bytes);
    {
        let mut cells = workbook
            .worksheet_cells_reader(&sheet)
            .map_err(|e| invalid(file, e))?;
        while let Some((cell, style)) = cells
            .next_cell_with_style_id()
            .map_err(|e| invalid(file, e))?
        {
            let (row, col) = cell.get_position();
            // Charged before the text is copied: one long shared string in many cells is
            // refused, not copied into each of them.
            if matches!(cell.get_value(), DataRef::Empty) {
                continue;
            }
            if !budget.charge(text_len(cell.get_value())) {
                return Err(sheet_too_large(file, limits));
            }
            let Some((mut text, note)) = cell_text(cell.get_value()) else {
                continue;
            };
            if let DataRef::Float(_) | DataRef::Int(_) = cell.get_value() {
                let code = cells
                    .styles()
                    .get(style)
                    .and_then(|s| s.number_format.as_ref())
                    .map(|f| f.format_code.as_str());
                if let Some(width) = code.and_then(zero_padded_width) {
                    pad_with_zeros(&mut text, width);
                }
            }
            if col as usize >= limits.max_columns {
                return Err(ImportIssue::error(
                    IssueCode::TooManyColumns,
                    file,
                    format!(
                        "the sheet has values in column {}, past the {} columns one import accepts; delete the columns that are not needed",
                        column_letter(col as usize),
                        limits.max_columns
                    ),
                )
                .at_row(row.saturating_add(1))
                .into());
            }
            let cells_of_row = rows.entry(row).or_default();
            cells_of_row.push(XCell { col, text, note });
            // The header row plus the data rows.
            if rows.len() > limits.max_rows.saturating_add(1) {
                return Err(too_many_rows(file, limits));
            }
        }
    }
    build_table(rows, file, &sheet, limits, issues)
}

/// The text of a sheet's cells, counted as it would be in a CSV file (each value and its
/// delimiter), may not exceed [`ReadLimits::max_bytes`]: the same bound a CSV import has, and
/// one that keeps a workbook that repeats cells or long shared strings from filling memory.
struct TextBudget {
    left: u64,
}

impl TextBudget {
    fn new(max_bytes: u64) -> Self {
        Self { left: max_bytes }
    }

    /// Takes `len` bytes of text and a delimiter from the budget; false when it runs out.
    fn charge(&mut self, len: usize) -> bool {
        let cost = (len as u64).saturating_add(1);
        match self.left.checked_sub(cost) {
            Some(left) => {
                self.left = left;
                true
            }
            None => false,
        }
    }
}

/// About how many bytes of text a cell's value becomes (exactly, for text; numbers, dates and
/// booleans are short).
fn text_len(value: &DataRef<'_>) -> usize {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
        DataRef::SharedString(s) => s.len(),
        _ => 24,
    }
}

fn sheet_too_large(file: &str, limits: &ReadLimits) -> ReadError {
    ImportIssue::error(
        IssueCode::FileTooLarge,
        file,
        format!(
            "the sheet's cells hold more than {} bytes of text, the most one import accepts (as for a CSV file); split it into smaller files",
            limits.max_bytes
        ),
    )
    .into()
}

fn choose_sheet<RS: Read + Seek>(
    workbook: &Xlsx<RS>,
    file: &str,
    wanted: Option<&str>,
) -> Result<String, ReadError> {
    let sheets = workbook.sheets_metadata();
    if let Some(wanted) = wanted {
        let wanted_key = wanted.trim().to_lowercase();
        return sheets
            .iter()
            .find(|s| s.name.trim().to_lowercase() == wanted_key)
            .map(|s| s.name.clone())
            .ok_or_else(|| {
                let names: Vec<String> = sheets.iter().map(|s| format!("\"{}\"", s.name)).collect();
                ImportIssue::error(
                    IssueCode::SheetNotFound,
                    file,
                    format!(
                        "the workbook has no sheet named \"{wanted}\"; its sheets are {}",
                        names.join(", ")
                    ),
                )
                .into()
            });
    }
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    worksheets()
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| worksheets().next())
        .map(|s| s.name.clone())
        .ok_or_else(|| {
            ImportIssue::error(
                IssueCode::SheetNotFound,
                file,
                "the workbook has no worksheet; put the users on a worksheet and save again",
            )
            .into()
        })
}

/// A cell as the text the admin sees, and what the text no longer shows; `None` for an empty
/// cell.
fn cell_text(value: &DataRef<'_>) -> Option<(String, Option<CellNote>)> {
    Some(match value {
        DataRef::Empty => return None,
        DataRef::String(s) => (s.clone(), None),
        DataRef::SharedString(s) => ((*s).to_owned(), None),
        DataRef::Int(i) => (
            i.to_string(),
            (i.unsigned_abs() >= 1_000_000_000_000_000).then_some(CellNote::LargeNumber),
        ),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => ((if *b { "TRUE" } else { "FALSE" }).to_owned(), None),
        DataRef::DateTime(dt) => {
            let text = match dt.as_datetime() {
                Some(d) if dt.is_datetime() => {
                    if d.time() == chrono::NaiveTime::MIN {
                        d.format("%Y-%m-%d").to_string()
                    } else {
                        d.format("%Y-%m-%dT%H:%M:%S").to_string()
                    }
                }
                _ => number_text(dt.as_f64()).0,
            };
            (text, None)
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => (s.clone(), None),
        DataRef::Error(e) => (e.to_string(), Some(CellNote::ErrorValue)),
    })
}

/// The width of a number format made only of zeros (`00000`, `"000000"`), which Excel uses to
/// show IDs with their leading zeros: the cell holds 123 and shows `00123`.
fn zero_padded_width(code: &str) -> Option<usize> {
    let code = code.trim_matches('"');
    (!code.is_empty() && code.len() <= 30 && code.bytes().all(|b| b == b'0')).then_some(code.len())
}

/// Pads a whole, non-negative number to `width` digits.
fn pad_with_zeros(text: &mut String, width: usize) {
    if text.bytes().all(|b| b.is_ascii_digit()) && text.len() < width {
        *text = format!("{}{text}", "0".repeat(width - text.len()));
    }
}

/// A number as Excel shows it in a General cell: whole numbers without decimals, others with
/// at most 15 significant digits, never in scientific notation.
fn number_text(f: f64) -> (String, Option<CellNote>) {
    if !f.is_finite() {
        return (f.to_string(), None);
    }
    if f.fract() == 0.0 {
        let large = f.abs() >= 1e15;
        let text = format!("{f:.0}");
        let text = if text == "-0" { "0".to_owned() } else { text };
        return (text, large.then_some(CellNote::LargeNumber));
    }
    let magnitude = f.abs().log10().floor();
    let before_point = if magnitude >= 0.0 {
        magnitude as usize + 1
    } else {
        0
    };
    let precision = 15usize.saturating_sub(before_point);
    let mut text = format!("{f:.precision$}");
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    if text == "-0" {
        text = "0".to_owned();
    }
    (text, None)
}

fn build_table(
    rows: BTreeMap<u32, Vec<XCell>>,
    file: &str,
    sheet: &str,
    limits: &ReadLimits,
    issues: &mut Issues,
) -> Result<RawTable, ReadError> {
    let mut rows = rows
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.text.trim().is_empty()));
    let Some((header_index, header_cells)) = rows.next() else {
        return Err(ImportIssue::error(
            IssueCode::EmptyFile,
            file,
            format!(
                "the sheet \"{sheet}\" is empty; it needs a header row (see the template) and one row per user"
            ),
        )
        .into());
    };
    let header_row = header_index.saturating_add(1);
    let width = header_cells
        .iter()
        .map(|c| c.col as usize + 1)
        .max()
        .unwrap_or(0);
    let mut headers = vec![String::new(); width];
    for cell in header_cells {
        if let Some(slot) = headers.get_mut(cell.col as usize) {
            *slot = cell.text;
        }
    }
    check_headers(&mut headers, file, header_row, limits)?;

    let mut data = Vec::new();
    let mut table_cells = Cells::default();
    let mut beyond: BTreeMap<u32, u32> = BTreeMap::new();
    for (index, cells) in rows {
        let row = index.saturating_add(1);
        let mut values = vec![String::new(); width];
        let mut notes = Vec::new();
        for cell in cells {
            let col = cell.col as usize;
            match values.get_mut(col) {
                Some(slot) => {
                    *slot = cell.text;
                    if let Some(note) = cell.note {
                        notes.push((col, note));
                    }
                }
                None => {
                    if !cell.text.trim().is_empty() {
                        beyond.entry(cell.col).or_insert(row);
                    }
                }
            }
        }
        if is_blank(&values) {
            continue;
        }
        check_cells(&mut values, file, row, &headers, limits, issues);
        data.push(RawRow {
            row,
            first: table_cells.len(),
            notes: (!notes.is_empty()).then(|| notes.into_boxed_slice()),
        });
        table_cells.push_row(&values);
    }
    for (col, first_row) in beyond {
        let letter = column_letter(col as usize);
        issues.push(
            ImportIssue::warning(
                IssueCode::UnnamedColumn,
                file,
                format!(
                    "column {letter} has values (the first in row {first_row}) but no header, so they are ignored; give the column a header from the template if it should be imported"
                ),
            )
            .in_column(format!("column {letter}")),
        );
    }
    if table_cells.overflowed() {
        return Err(table_too_large(file));
    }
    let table = RawTable {
        file: Arc::from(file),
        headers,
        header_row,
        rows: data,
        cells: table_cells,
        encoding: None,
        delimiter: None,
        sheet: Some(sheet.to_owned()),
    };
    warn_unnamed_columns(&table, issues);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_excel_shows_them() {
        assert_eq!(number_text(1234.0).0, "1234");
        assert_eq!(number_text(-0.0).0, "0");
        assert_eq!(number_text(0.1 + 0.2).0, "0.3");
        assert_eq!(number_text(12.5).0, "12.5");
        assert_eq!(number_text(123456789012.0).0, "123456789012");
        assert_eq!(
            number_text(1234567890123456789.0),
            (
                "1234567890123456768".to_owned(),
                Some(CellNote::LargeNumber)
            )
        );
        assert_eq!(number_text(0.000123).0, "0.000123");
    }

    #[test]
    fn zero_padded_formats() {
        assert_eq!(zero_padded_width("00000"), Some(5));
        assert_eq!(zero_padded_width("0"), Some(1));
        assert_eq!(zero_padded_width("0.00"), None);
        assert_eq!(zero_padded_width("General"), None);
        let mut text = "123".to_owned();
        pad_with_zeros(&mut text, 5);
        assert_eq!(text, "00123");
        let mut text = "12.5".to_owned();
        pad_with_zeros(&mut text, 5);
        assert_eq!(text, "12.5");
    }

    #[test]
    fn error_cells() {
        let (text, note) = cell_text(&DataRef::Error(calamine::CellErrorType::NA)).unwrap();
        assert_eq!((text.as_str(), note), ("#N/A", Some(CellNote::ErrorValue)));
        assert!(cell_text(&DataRef::Empty).is_none());
        assert_eq!(cell_text(&DataRef::Bool(false)).unwrap().0, "FALSE");
    }
}
