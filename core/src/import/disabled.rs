//! The refusal of a format whose reader this build leaves out (the `xlsx` or `zip` feature is
//! off), and the stand-ins that give it where the reader would be.

#[cfg(not(feature = "xlsx"))]
use std::io::{Read, Seek};

#[cfg(not(feature = "xlsx"))]
use super::data::ImportData;
use super::format::Format;
use super::issue::{ImportIssue, IssueCode, ReadError};
#[cfg(not(feature = "xlsx"))]
use super::options::ReadOptions;

/// The error for a `format` this build cannot read: `format_not_enabled`, naming the feature.
pub(crate) fn not_enabled(format: Format, file: &str) -> ReadError {
    let (what, feature) = match format {
        Format::Xlsx => ("an Excel workbook (.xlsx)", "xlsx"),
        _ => ("a zip archive", "zip"),
    };
    ImportIssue::error(
        IssueCode::FormatNotEnabled,
        file,
        format!(
            "this is {what}, which this installation cannot read (Homeroom was built without its `{feature}` feature); upload the users as a CSV file instead"
        ),
    )
    .into()
}

/// Reads an Excel workbook: in this build (the `xlsx` feature is off), refuses it with
/// [`IssueCode::FormatNotEnabled`].
///
/// ```
/// use std::io::Cursor;
/// use homeroom::import::{IssueCode, ReadOptions, read_xlsx};
/// let err = read_xlsx(Cursor::new(b"PK\x03\x04"), "staff.xlsx", &ReadOptions::default()).unwrap_err();
/// assert_eq!(err.code(), &IssueCode::FormatNotEnabled);
/// ```
#[cfg(not(feature = "xlsx"))]
pub fn read_xlsx<RS: Read + Seek>(
    _reader: RS,
    file_name: &str,
    _options: &ReadOptions,
) -> Result<ImportData, ReadError> {
    Err(not_enabled(Format::Xlsx, file_name))
}

#[cfg(test)]
mod tests {
    use crate::import::{IssueCode, ReadOptions, read};

    fn refusal(file: &str) -> IssueCode {
        match read(b"PK\x03\x04", file, &ReadOptions::default()) {
            Ok(_) => IssueCode::UnsupportedFormat,
            Err(err) => err.code().clone(),
        }
    }

    #[cfg(not(feature = "xlsx"))]
    #[test]
    fn a_workbook_is_refused_by_name() {
        assert_eq!(refusal("staff.xlsx"), IssueCode::FormatNotEnabled);
    }

    #[cfg(not(feature = "zip"))]
    #[test]
    fn a_zip_is_refused_by_name() {
        assert_eq!(refusal("roster.zip"), IssueCode::FormatNotEnabled);
    }
}
