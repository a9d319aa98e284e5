//! What a reader returns: the rows, the orgs of a OneRoster package, and every problem found.

use serde::Serialize;

use super::decode::TextEncoding;
use super::format::Format;
use super::issue::{ImportIssue, Issues, Severity};
use super::raw::RawTable;
use super::roster::{ImportOrg, OneRosterVersion, OrgType};
use super::row::ImportRow;
use super::source::RowRef;

/// How one file of an import was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    /// The file's name.
    pub name: String,
    /// The text encoding, for CSV files.
    pub encoding: Option<TextEncoding>,
    /// The delimiter, for CSV files.
    pub delimiter: Option<char>,
    /// The worksheet, for workbooks.
    pub sheet: Option<String>,
    /// The header row as written, one entry per column.
    pub headers: Vec<String>,
    /// The header's row number (1 unless blank rows come first).
    pub header_row: u32,
    /// Data rows read (blank rows and rows too damaged to read not counted).
    pub rows: usize,
}

impl FileInfo {
    pub(crate) fn of(table: &RawTable) -> Self {
        Self {
            name: table.file.to_string(),
            encoding: table.encoding,
            delimiter: table.delimiter,
            sheet: table.sheet.clone(),
            headers: table.headers.clone(),
            header_row: table.header_row,
            rows: table.rows.len(),
        }
    }
}

/// Everything read from one import: a CSV file, a workbook, or a OneRoster package.
///
/// Reading does not stop at a bad row: every row problem is in [`issues`](Self::issues), and
/// the import must not be applied while any of them is an error. Rows that could not be placed
/// in columns at all (a ragged row, an unclosed quote) are left out of
/// [`users`](Self::users); the others are there, damaged cells included, so a report can show
/// them.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct ImportData {
    /// The format read.
    pub format: Format,
    /// The files read, in the order read.
    pub files: Vec<FileInfo>,
    /// One row per person, in file order.
    pub users: Vec<ImportRow>,
    /// The orgs of a OneRoster package (the district itself included), in file order; empty
    /// for other formats.
    pub orgs: Vec<ImportOrg>,
    /// Every problem found, in the order found.
    pub issues: Vec<ImportIssue>,
    /// The OneRoster version of a package; `None` for other formats.
    pub oneroster_version: Option<OneRosterVersion>,
}

impl ImportData {
    pub(crate) fn new(
        format: Format,
        files: Vec<FileInfo>,
        users: Vec<ImportRow>,
        issues: Issues,
    ) -> Self {
        Self {
            format,
            files,
            users,
            orgs: Vec::new(),
            issues: issues.into_vec(),
            oneroster_version: None,
        }
    }

    /// True when any problem is an error: the import must not be applied.
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(ImportIssue::is_error)
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &ImportIssue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &ImportIssue> {
        self.issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
    }

    /// The problems found in one row.
    pub fn issues_for<'a>(&'a self, row: &'a RowRef) -> impl Iterator<Item = &'a ImportIssue> {
        self.issues
            .iter()
            .filter(move |i| i.row == Some(row.row) && i.file == *row.file)
    }

    /// The OneRoster org of type `district`, which is the district itself.
    pub fn district(&self) -> Option<&ImportOrg> {
        self.orgs.iter().find(|o| o.org_type == OrgType::District)
    }
}
