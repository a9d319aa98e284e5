//! The formats an import can be in, by name.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// The format of an import file.
///
/// ```
/// use homeroom::import::{Format, detect};
/// assert_eq!(detect(b"Local ID,First Name\n1,Ada\n", "users.csv"), Format::Csv);
/// assert_eq!(detect(b"%PDF-1.7 ...", "users.csv"), Format::Unsupported);
/// assert_eq!("oneroster".parse::<Format>(), Ok(Format::OneRoster));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Format {
    /// A delimited text file in the Homeroom template's columns.
    Csv,
    /// An Excel workbook (`.xlsx`) in the template's columns.
    Xlsx,
    /// A OneRoster 1.1 or 1.2 CSV package: a zip (or folder) with `manifest.csv`.
    OneRoster,
    /// An older Excel workbook (`.xls`), or a workbook protected by a password.
    LegacyExcel,
    /// Anything else: another zip, a PDF, an image, a Word document, ...
    Unsupported,
}

impl Format {
    /// `csv`, `xlsx`, `oneroster`, `legacy_excel`, `unsupported`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::OneRoster => "oneroster",
            Self::LegacyExcel => "legacy_excel",
            Self::Unsupported => "unsupported",
        }
    }

    /// True for the formats that can be read.
    pub fn is_supported(self) -> bool {
        matches!(self, Self::Csv | Self::Xlsx | Self::OneRoster)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not `csv`, `xlsx` or `oneroster`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown format '{0}': use csv, xlsx or oneroster")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses `csv`, `xlsx` (or `excel`) and `oneroster`, ignoring case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "xlsx" | "excel" => Ok(Self::Xlsx),
            "oneroster" | "one-roster" | "one_roster" => Ok(Self::OneRoster),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }
}
