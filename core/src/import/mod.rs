//! Reading bulk imports: the Homeroom CSV template, Excel workbooks and OneRoster packages, all
//! into one row model.
//!
//! This is the first stage of the import pipeline (DESIGN.md §5): bytes in, [`ImportData`] out.
//! Readers decode (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252), sniff the
//! delimiter (`,` `;` tab), match headers (ignoring case, spaces and underscores, with the
//! product documents' names as aliases) and keep every cell as raw text in an [`ImportRow`].
//! They report what only they can see, with file, row (spreadsheet numbering: header = row 1),
//! column, a stable [`IssueCode`] and a message for the admin: ragged rows, NUL bytes, values
//! over the length limit, Local IDs that Excel turned into `1.23457E+11`, too many rows.
//! Parsing cells into a [`UserDetails`](crate::UserDetails) and planning the changes is the
//! next stage's work.
//!
//! Problems with single rows are collected (all of them, up to
//! [`ReadLimits::max_issues`]); problems with a file as a whole (too large, not a table, no
//! header row, a required column missing, two columns for the same field, a OneRoster delta
//! export) stop reading with a [`ReadError`].
//!
//! The module is pure: input arrives as bytes or as a [`std::io::Read`] (+ [`std::io::Seek`] for
//! workbooks and zips); a folder is read by the caller and given as
//! [`OneRosterPackage::from_files`].
//!
//! ```
//! use homeroom::import::{Format, ImportField, ReadOptions, read};
//! let bytes = "\u{feff}Local ID,First Name,Last Name,Grade\r\n00123,Ada,Lovelace,6\r\n,,,\r\n1.23457E+11,Grace,Hopper,7\r\n";
//! let data = read(bytes.as_bytes(), "students.csv", &ReadOptions::default()).unwrap();
//! assert_eq!(data.format, Format::Csv);
//! assert_eq!(data.users.len(), 2);
//! assert_eq!(data.users[1].source.row, 4);
//! let issue = data.errors().next().unwrap();
//! assert_eq!(issue.code.as_str(), "local_id_scientific_notation");
//! assert_eq!((issue.row, issue.column.as_deref()), (Some(4), Some("Local ID")));
//! ```

mod app_columns;
#[cfg(any(feature = "xlsx", feature = "zip"))]
mod archive;
mod cells;
mod csv_parse;
mod csv_reader;
mod data;
mod decode;
mod detect;
#[cfg(not(all(feature = "xlsx", feature = "zip")))]
mod disabled;
mod field;
mod format;
mod headers;
mod input;
mod issue;
pub mod oneroster;
mod options;
mod raw;
mod roster;
mod row;
mod source;
mod table;
mod template;
#[cfg(feature = "xlsx")]
mod xlsx;
#[cfg(feature = "xlsx")]
mod xlsx_guard;

use std::io::{Cursor, Read};

pub use app_columns::{AppColumn, application_column};
pub use csv_reader::read_csv;
pub use data::{FileInfo, ImportData};
pub use decode::TextEncoding;
pub use detect::detect;
#[cfg(not(feature = "xlsx"))]
pub use disabled::read_xlsx;
pub use field::ImportField;
pub use format::{Format, UnknownFormat};
pub use issue::{ImportIssue, IssueCode, ReadError, Severity};
pub use oneroster::{ImportOrg, OneRosterPackage, OrgType, RosterRole, RosterUser};
pub use options::{OneRosterLocalId, ReadLimits, ReadOptions};
pub use row::{Columns, HIDDEN, ImportRow, split_list};
pub use source::RowRef;
pub use template::{TEMPLATE_COLUMNS, template_csv, template_csv_with_examples};
#[cfg(feature = "xlsx")]
pub use xlsx::read_xlsx;

/// Reads an import file of any supported format: the format is
/// [`ReadOptions::format`] if set, else [`detect`]ed from the bytes and the file name.
///
/// A zip is read as a OneRoster package (see [`OneRosterPackage`]); for a folder, use
/// [`OneRosterPackage::from_files`].
pub fn read(bytes: &[u8], file_name: &str, options: &ReadOptions) -> Result<ImportData, ReadError> {
    if bytes.len() as u64 > options.limits.max_bytes {
        return Err(input::file_too_large(file_name, &options.limits));
    }
    let format = options.format.unwrap_or_else(|| detect(bytes, file_name));
    match format {
        Format::Csv => csv_reader::read_csv_bytes(bytes, file_name, options),
        Format::Xlsx => read_xlsx(Cursor::new(bytes), file_name, options),
        Format::OneRoster => {
            OneRosterPackage::from_zip_named(Cursor::new(bytes), file_name, &options.limits)?
                .read(options)
        }
        Format::LegacyExcel => Err(ImportIssue::error(
            IssueCode::UnsupportedFormat,
            file_name,
            "this is an older Excel workbook (.xls) or a workbook protected by a password; open it in Excel and save it as \"Excel Workbook (.xlsx)\" without a password, or as \"CSV UTF-8\"",
        )
        .into()),
        Format::Unsupported => Err(ImportIssue::error(
            IssueCode::UnsupportedFormat,
            file_name,
            "this is not a CSV file, an Excel workbook (.xlsx) or a OneRoster zip; export the users as CSV or .xlsx (the template shows the columns) and upload that file",
        )
        .into()),
    }
}

/// Reads an import from a reader (at most [`ReadLimits::max_bytes`]), as [`read`] does.
pub fn read_from(
    reader: impl Read,
    file_name: &str,
    options: &ReadOptions,
) -> Result<ImportData, ReadError> {
    let bytes = input::read_bounded(reader, file_name, &options.limits)?;
    read(&bytes, file_name, options)
}
