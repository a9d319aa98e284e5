//! Taking in a whole file within the size limit, and the errors for one over it.

use std::io::Read;

use super::issue::{ImportIssue, IssueCode, ReadError};
use super::options::ReadLimits;

/// Reads everything from `reader`, refusing more than `limits.max_bytes`.
pub(crate) fn read_bounded(
    reader: impl Read,
    file: &str,
    limits: &ReadLimits,
) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| {
            ImportIssue::error(
                IssueCode::NotText,
                file,
                format!("the file could not be read: {e}"),
            )
        })?;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(file_too_large(file, limits));
    }
    Ok(bytes)
}

pub(crate) fn file_too_large(file: &str, limits: &ReadLimits) -> ReadError {
    ImportIssue::error(
        IssueCode::FileTooLarge,
        file,
        format!(
            "the file is larger than {}, the most one import accepts; split it into smaller files",
            human_size(limits.max_bytes)
        ),
    )
    .into()
}

/// The error for a table whose cells hold more text than one table can (4 GiB, however high
/// `max_bytes` is set).
pub(crate) fn table_too_large(file: &str) -> ReadError {
    ImportIssue::error(
        IssueCode::FileTooLarge,
        file,
        "the file's values come to more than 4 GB of text, the most one table holds; split it into smaller files",
    )
    .into()
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}
