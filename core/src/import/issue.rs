//! Problems found while reading an import: where, a stable code, a message for the admin.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::validation::ValidationCode;

/// How serious a problem is.
///
/// Any [`Severity::Error`] halts the import: nothing is written until the file is fixed.
/// A [`Severity::Warning`] is reported and the import goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; the import goes on.
    Warning,
    /// The import cannot go on until this is fixed.
    Error,
}

impl Severity {
    /// `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong, as a stable snake_case code that programs match and hosts translate.
///
/// The codes are part of the public contract (they appear in import reports); new ones may be
/// added, existing ones are never renamed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IssueCode {
    // --- the file as a whole (reading stops) ---
    /// `file_too_large`: the file is over [`ReadLimits::max_bytes`](super::ReadLimits).
    FileTooLarge,
    /// `empty_file`: the file holds no header row.
    EmptyFile,
    /// `unsupported_format`: not a CSV, an `.xlsx` workbook or a OneRoster zip.
    UnsupportedFormat,
    /// `format_not_enabled`: a format Homeroom reads, but not this build of it (the `xlsx` or
    /// `zip` feature of the `homeroom` crate is off).
    FormatNotEnabled,
    /// `invalid_encoding`: the text says it is UTF-8 or UTF-16 but is not.
    InvalidEncoding,
    /// `not_text`: the file holds binary data where text was expected.
    NotText,
    /// `invalid_spreadsheet`: the workbook could not be opened or read.
    InvalidSpreadsheet,
    /// `sheet_not_found`: the worksheet asked for is not in the workbook.
    SheetNotFound,
    /// `invalid_zip`: the zip archive could not be opened or read.
    InvalidZip,
    /// `too_many_rows`: more data rows than [`ReadLimits::max_rows`](super::ReadLimits).
    TooManyRows,
    /// `too_many_columns`: more columns than [`ReadLimits::max_columns`](super::ReadLimits).
    TooManyColumns,
    /// `too_many_issues`: so many problems that the rest were not listed.
    TooManyIssues,

    // --- the header row ---
    /// `missing_column`: a required column is not in the header row.
    MissingColumn,
    /// `duplicate_column`: two columns of the header row mean the same thing.
    DuplicateColumn,
    /// `unknown_column`: a header that is not an import column; the column is ignored.
    UnknownColumn,
    /// `unnamed_column`: values in a column that has no header; they are ignored.
    UnnamedColumn,
    /// `trailing_empty_header`: the header row ends in empty cells (a trailing delimiter) that
    /// rows leave out; those rows are read as if the cells were blank.
    TrailingEmptyHeader,

    // --- one row or one cell ---
    /// `ragged_row`: the row has a different number of values than the header row.
    RaggedRow,
    /// `unterminated_quote`: a quoted value is never closed, so the rest of the file would be
    /// swallowed into one cell.
    UnterminatedQuote,
    /// `nul_byte`: a value holds a NUL character.
    NulByte,
    /// `field_too_long`: a value is over [`ReadLimits::max_field_len`](super::ReadLimits).
    FieldTooLong,
    /// `local_id_scientific_notation`: a Local ID that Excel turned into a number like
    /// `1.23457E+11`; the real ID is lost.
    LocalIdScientificNotation,
    /// `local_id_precision_lost`: a Local ID stored as a number with more digits than Excel
    /// keeps (15); the last digits are lost.
    LocalIdPrecisionLost,
    /// `spreadsheet_cell_error`: the cell holds a spreadsheet error such as `#N/A` or `#REF!`.
    SpreadsheetCellError,

    // --- OneRoster packages ---
    /// `oneroster_missing_file`: a file the package needs (manifest, orgs, users, roles) is absent.
    OneRosterMissingFile,
    /// `oneroster_duplicate_file`: the package holds two files with the same name.
    OneRosterDuplicateFile,
    /// `oneroster_invalid_manifest`: `manifest.csv` cannot be understood.
    OneRosterInvalidManifest,
    /// `oneroster_unsupported_version`: a OneRoster version other than 1.0, 1.1 or 1.2.
    OneRosterUnsupportedVersion,
    /// `oneroster_delta_unsupported`: the package is a delta export; only bulk exports are read.
    OneRosterDeltaUnsupported,
    /// `oneroster_missing_value`: a value OneRoster requires is blank.
    OneRosterMissingValue,
    /// `oneroster_invalid_value`: a value is not one OneRoster allows (an org type, a role, ...).
    OneRosterInvalidValue,
    /// `oneroster_duplicate_sourced_id`: two rows of one file have the same `sourcedId`.
    OneRosterDuplicateSourcedId,
    /// `oneroster_unknown_org`: a row refers to an org that is not in `orgs.csv`.
    OneRosterUnknownOrg,
    /// `oneroster_unknown_user`: `roles.csv` refers to a user that is not in `users.csv`.
    OneRosterUnknownUser,
    /// `oneroster_multiple_districts`: `orgs.csv` holds more than one district.
    OneRosterMultipleDistricts,
    /// `oneroster_users_skipped`: users who are guardians, parents or relatives are not imported.
    OneRosterUsersSkipped,
    /// `oneroster_local_id_from_sourced_id`: users with no `identifier` get their `sourcedId` as
    /// Local ID.
    OneRosterLocalIdFromSourcedId,

    // --- later steps ---
    /// A value failed validation (the plan step); the code is the validation code's.
    Invalid(ValidationCode),
    /// The same Local ID is on an earlier row of the file.
    DuplicateLocalId,
    /// A create-only import met a Local ID that exists.
    UserExists,
    /// An update-only import met a Local ID that does not exist.
    UserNotFound,
    /// The importer may not import this row (a building outside their grants, a role they
    /// cannot grant).
    NotPermitted,
    /// The row names an org unit that does not exist.
    UnknownOrgUnit,
    /// The row names an org unit by a name several units share.
    AmbiguousOrgUnit,
    /// The row names a role that does not exist (or, in an application's column, a role that
    /// holds none of that application's permissions).
    UnknownRole,
    /// A `<Application> Group Name` or `<Application> Role` column names an application the
    /// directory does not know.
    UnknownApplication,
    /// A protected field (e-mail, username) of an existing user differs in the file; it was kept.
    ProtectedField,
    /// A temporary password was ignored: the user exists already (passwords are protected) or
    /// the district signs in through SSO only.
    PasswordIgnored,
    /// The import sends welcome e-mails, but this new user has no e-mail address: they get none.
    NoEmailForWelcome,
}

impl IssueCode {
    /// The code's stable snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::FileTooLarge => "file_too_large",
            Self::EmptyFile => "empty_file",
            Self::UnsupportedFormat => "unsupported_format",
            Self::FormatNotEnabled => "format_not_enabled",
            Self::InvalidEncoding => "invalid_encoding",
            Self::NotText => "not_text",
            Self::InvalidSpreadsheet => "invalid_spreadsheet",
            Self::SheetNotFound => "sheet_not_found",
            Self::InvalidZip => "invalid_zip",
            Self::TooManyRows => "too_many_rows",
            Self::TooManyColumns => "too_many_columns",
            Self::TooManyIssues => "too_many_issues",
            Self::MissingColumn => "missing_column",
            Self::DuplicateColumn => "duplicate_column",
            Self::UnknownColumn => "unknown_column",
            Self::UnnamedColumn => "unnamed_column",
            Self::TrailingEmptyHeader => "trailing_empty_header",
            Self::RaggedRow => "ragged_row",
            Self::UnterminatedQuote => "unterminated_quote",
            Self::NulByte => "nul_byte",
            Self::FieldTooLong => "field_too_long",
            Self::LocalIdScientificNotation => "local_id_scientific_notation",
            Self::LocalIdPrecisionLost => "local_id_precision_lost",
            Self::SpreadsheetCellError => "spreadsheet_cell_error",
            Self::OneRosterMissingFile => "oneroster_missing_file",
            Self::OneRosterDuplicateFile => "oneroster_duplicate_file",
            Self::OneRosterInvalidManifest => "oneroster_invalid_manifest",
            Self::OneRosterUnsupportedVersion => "oneroster_unsupported_version",
            Self::OneRosterDeltaUnsupported => "oneroster_delta_unsupported",
            Self::OneRosterMissingValue => "oneroster_missing_value",
            Self::OneRosterInvalidValue => "oneroster_invalid_value",
            Self::OneRosterDuplicateSourcedId => "oneroster_duplicate_sourced_id",
            Self::OneRosterUnknownOrg => "oneroster_unknown_org",
            Self::OneRosterUnknownUser => "oneroster_unknown_user",
            Self::OneRosterMultipleDistricts => "oneroster_multiple_districts",
            Self::OneRosterUsersSkipped => "oneroster_users_skipped",
            Self::OneRosterLocalIdFromSourcedId => "oneroster_local_id_from_sourced_id",
            Self::Invalid(code) => code.as_str(),
            Self::DuplicateLocalId => "duplicate_local_id",
            Self::UserExists => "user_exists",
            Self::UserNotFound => "user_not_found",
            Self::NotPermitted => "not_permitted",
            Self::UnknownOrgUnit => "unknown_org_unit",
            Self::AmbiguousOrgUnit => "ambiguous_org_unit",
            Self::UnknownRole => "unknown_role",
            Self::UnknownApplication => "unknown_application",
            Self::ProtectedField => "protected_field",
            Self::PasswordIgnored => "password_ignored",
            Self::NoEmailForWelcome => "no_email_for_welcome",
        }
    }
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for IssueCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl From<ValidationCode> for IssueCode {
    fn from(code: ValidationCode) -> Self {
        Self::Invalid(code)
    }
}

/// One problem with an import: the file, the row and column when known, a stable code and a
/// message for the admin.
///
/// Rows use spreadsheet numbering: the header is row 1 (when it is the first line), so the
/// number is the one the admin sees in Excel.
///
/// ```
/// use homeroom::import::{ImportIssue, IssueCode, Severity};
/// let issue = ImportIssue::error(IssueCode::RaggedRow, "staff.csv", "row 7 has 4 values; the header has 5")
///     .at_row(7);
/// assert_eq!(issue.severity, Severity::Error);
/// assert_eq!(issue.code.as_str(), "ragged_row");
/// assert_eq!(issue.to_string(), "staff.csv, row 7: row 7 has 4 values; the header has 5");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportIssue {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, as a stable code.
    pub code: IssueCode,
    /// The file's name as given by the caller (inside a zip: the entry's name).
    pub file: String,
    /// The row, in spreadsheet numbering (header = 1), when the problem is in one row.
    pub row: Option<u32>,
    /// The column's header as written in the file, when the problem is in one column.
    pub column: Option<String>,
    /// What is wrong and what to do, for the admin.
    pub message: String,
}

impl ImportIssue {
    /// An error in `file`.
    pub fn error(code: IssueCode, file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, file, message)
    }

    /// A warning about `file`.
    pub fn warning(code: IssueCode, file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, file, message)
    }

    fn new(
        severity: Severity,
        code: IssueCode,
        file: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            code,
            file: file.into(),
            row: None,
            column: None,
            message: message.into(),
        }
    }

    /// Places the problem in a row (spreadsheet numbering).
    pub fn at_row(mut self, row: u32) -> Self {
        self.row = Some(row);
        self
    }

    /// Places the problem in a column (its header as written in the file).
    pub fn in_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for ImportIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column \"{column}\"")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A file could not be read at all: it is not a table, is too large, has no usable header, ...
///
/// Holds every problem found before reading stopped (at least one error, and the warnings
/// found until then). Problems in single rows do not stop reading; they are in
/// [`ImportData::issues`](super::ImportData::issues).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", display_first(.issues))]
pub struct ReadError {
    issues: Vec<ImportIssue>,
}

fn display_first(issues: &[ImportIssue]) -> String {
    let first = issues.iter().find(|i| i.is_error()).or(issues.first());
    let Some(first) = first else {
        return "the file could not be read".to_owned();
    };
    let errors = issues.iter().filter(|i| i.is_error()).count();
    if errors > 1 {
        format!("{first} (and {} more problems)", errors - 1)
    } else {
        first.to_string()
    }
}

impl ReadError {
    /// A failure with one problem.
    pub fn new(issue: ImportIssue) -> Self {
        Self {
            issues: vec![issue],
        }
    }

    /// A failure with several problems. An empty list gets a generic error naming `file`.
    pub fn from_issues(file: &str, issues: Vec<ImportIssue>) -> Self {
        if issues.iter().any(ImportIssue::is_error) {
            Self { issues }
        } else {
            let mut issues = issues;
            issues.push(ImportIssue::error(
                IssueCode::UnsupportedFormat,
                file,
                "the file could not be read",
            ));
            Self { issues }
        }
    }

    /// Every problem found, errors and warnings, in the order found.
    pub fn issues(&self) -> &[ImportIssue] {
        &self.issues
    }

    /// The first error's code.
    pub fn code(&self) -> &IssueCode {
        self.issues
            .iter()
            .find(|i| i.is_error())
            .map_or(&IssueCode::UnsupportedFormat, |i| &i.code)
    }

    /// The problems, by value.
    pub fn into_issues(self) -> Vec<ImportIssue> {
        self.issues
    }
}

impl From<ImportIssue> for ReadError {
    fn from(issue: ImportIssue) -> Self {
        Self::new(issue)
    }
}

/// Collects row-level problems up to a cap, so a hopeless file cannot fill memory with them.
#[derive(Debug)]
pub(crate) struct Issues {
    list: Vec<ImportIssue>,
    max: usize,
    dropped: usize,
    file: String,
}

impl Issues {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            list: Vec::new(),
            max: max.max(1),
            dropped: 0,
            file: String::new(),
        }
    }

    pub(crate) fn push(&mut self, issue: ImportIssue) {
        if self.list.len() < self.max {
            self.list.push(issue);
        } else {
            if self.dropped == 0 {
                self.file.clone_from(&issue.file);
            }
            self.dropped += 1;
        }
    }

    pub(crate) fn extend(&mut self, issues: impl IntoIterator<Item = ImportIssue>) {
        for issue in issues {
            self.push(issue);
        }
    }

    /// Takes every problem so far (as [`Issues::into_vec`]), leaving the collector empty.
    pub(crate) fn take_all(&mut self) -> Vec<ImportIssue> {
        let max = self.max;
        std::mem::replace(self, Self::new(max)).into_vec()
    }

    /// The problems, with one more saying how many were left out, if any were.
    pub(crate) fn into_vec(mut self) -> Vec<ImportIssue> {
        if self.dropped > 0 {
            self.list.push(ImportIssue::error(
                IssueCode::TooManyIssues,
                self.file,
                format!(
                    "{} more problems were found and not listed; fix the ones above and import the file again",
                    self.dropped
                ),
            ));
        }
        self.list
    }
}
