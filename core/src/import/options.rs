//! What a reader accepts: size limits and choices the caller makes.

use serde::Serialize;

use super::field::ImportField;
use super::format::Format;

/// Upper bounds on what a reader accepts, so that a wrong or hostile file is refused with a
/// clear message instead of filling memory.
///
/// ```
/// use homeroom::import::ReadLimits;
/// let limits = ReadLimits::default().with_max_rows(5_000).with_max_field_len(200);
/// assert_eq!(limits.max_rows, 5_000);
/// assert_eq!(limits.max_bytes, ReadLimits::default().max_bytes);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReadLimits {
    /// Largest file accepted, in bytes (for a zip: the archive itself). Default 100 MiB.
    pub max_bytes: u64,
    /// Largest total size of the entries of a zip or `.xlsx` once unpacked, in bytes, as the
    /// archive declares them. Default 1 GiB. Guards against zip bombs.
    pub max_unpacked_bytes: u64,
    /// Most data rows in one file (header and blank rows not counted). Default 1,000,000.
    pub max_rows: usize,
    /// Most columns in one file. Default 256.
    pub max_columns: usize,
    /// Longest value of one cell, in characters. Default 1,000.
    pub max_field_len: usize,
    /// Most problems listed for one import; the rest are counted in one last issue.
    /// Default 10,000.
    pub max_issues: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            max_bytes: 100 * 1024 * 1024,
            max_unpacked_bytes: 1024 * 1024 * 1024,
            max_rows: 1_000_000,
            max_columns: 256,
            max_field_len: 1_000,
            max_issues: 10_000,
        }
    }
}

impl ReadLimits {
    /// Sets [`max_bytes`](Self::max_bytes).
    pub fn with_max_bytes(mut self, max: u64) -> Self {
        self.max_bytes = max;
        self
    }

    /// Sets [`max_unpacked_bytes`](Self::max_unpacked_bytes).
    pub fn with_max_unpacked_bytes(mut self, max: u64) -> Self {
        self.max_unpacked_bytes = max;
        self
    }

    /// Sets [`max_rows`](Self::max_rows).
    pub fn with_max_rows(mut self, max: usize) -> Self {
        self.max_rows = max;
        self
    }

    /// Sets [`max_columns`](Self::max_columns).
    pub fn with_max_columns(mut self, max: usize) -> Self {
        self.max_columns = max;
        self
    }

    /// Sets [`max_field_len`](Self::max_field_len).
    pub fn with_max_field_len(mut self, max: usize) -> Self {
        self.max_field_len = max;
        self
    }

    /// Sets [`max_issues`](Self::max_issues).
    pub fn with_max_issues(mut self, max: usize) -> Self {
        self.max_issues = max;
        self
    }
}

/// Where a OneRoster user's Local ID comes from.
///
/// OneRoster has two keys for a person: `sourcedId`, the export's stable unique key (often a
/// GUID), and `identifier`, the human-readable ID the SIS shows (the student number or employee
/// ID). Districts know the second as the Local ID, and the Homeroom CSV template carries the same
/// number, so the default takes `identifier` and falls back to `sourcedId` for users who have
/// none (with a warning naming them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OneRosterLocalId {
    /// `identifier`, or `sourcedId` when `identifier` is blank.
    #[default]
    IdentifierOrSourcedId,
    /// Always `identifier`; a blank one is an error.
    Identifier,
    /// Always `sourcedId`.
    SourcedId,
}

/// How to read an import.
///
/// ```
/// use homeroom::import::{Format, ImportField, ReadOptions};
/// let options = ReadOptions::default()
///     .with_format(Format::Csv)
///     .with_required(vec![ImportField::LocalId]);
/// assert_eq!(options.required, vec![ImportField::LocalId]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Size limits.
    pub limits: ReadLimits,
    /// The format, when the caller knows it; `None` detects it from the bytes and file name.
    pub format: Option<Format>,
    /// The worksheet of a workbook to read; `None` reads the first visible worksheet.
    pub sheet: Option<String>,
    /// Columns a Homeroom CSV or workbook must have. Default: Local ID, First Name, Last Name.
    pub required: Vec<ImportField>,
    /// Where OneRoster Local IDs come from.
    pub oneroster_local_id: OneRosterLocalId,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            limits: ReadLimits::default(),
            format: None,
            sheet: None,
            required: vec![
                ImportField::LocalId,
                ImportField::FirstName,
                ImportField::LastName,
            ],
            oneroster_local_id: OneRosterLocalId::default(),
        }
    }
}

impl ReadOptions {
    /// Sets the limits.
    pub fn with_limits(mut self, limits: ReadLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads the input as `format` instead of detecting it.
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Reads the worksheet named `sheet` (matched case-insensitively).
    pub fn with_sheet(mut self, sheet: impl Into<String>) -> Self {
        self.sheet = Some(sheet.into());
        self
    }

    /// Sets the columns a Homeroom CSV or workbook must have.
    pub fn with_required(mut self, required: Vec<ImportField>) -> Self {
        self.required = required;
        self
    }

    /// Sets where OneRoster Local IDs come from.
    pub fn with_oneroster_local_id(mut self, source: OneRosterLocalId) -> Self {
        self.oneroster_local_id = source;
        self
    }
}
