//! Giving a header row meaning: which column holds which field, with duplicate, missing and
//! unknown columns reported.

use super::issue::{ImportIssue, IssueCode, Issues, ReadError};
use super::raw::{RawTable, column_letter};

/// What a file's columns can mean: a lookup from header text to a key, the keys' display
/// names, and the keys that must be present.
pub(crate) struct Schema<'a, K> {
    pub(crate) lookup: &'a dyn Fn(&str) -> Option<K>,
    pub(crate) label: &'a dyn Fn(K) -> &'static str,
    pub(crate) required: &'a [K],
    /// Headers to ignore without a warning (extension columns).
    pub(crate) ignored: &'a dyn Fn(&str) -> bool,
    /// A sentence for a missing column: where the admin finds the right header.
    pub(crate) missing_hint: &'a str,
}

/// Maps each column of `table` to a key. Unknown headers become warnings in `issues`; a
/// duplicate or missing column stops reading.
pub(crate) fn map_headers<K: Copy + Eq>(
    table: &RawTable,
    schema: &Schema<'_, K>,
    issues: &mut Issues,
) -> Result<Vec<Option<K>>, ReadError> {
    let file = &*table.file;
    let mut keys: Vec<Option<K>> = Vec::with_capacity(table.headers.len());
    let mut fatal = Vec::new();
    for (i, header) in table.headers.iter().enumerate() {
        if header.is_empty() || (schema.ignored)(header) {
            keys.push(None);
            continue;
        }
        match (schema.lookup)(header) {
            Some(key) => {
                if let Some(j) = keys.iter().position(|k| *k == Some(key)) {
                    let first = &table.headers[j];
                    let message = if first == header {
                        format!(
                            "the header \"{header}\" appears twice (columns {} and {}); remove or rename one of them",
                            column_letter(j),
                            column_letter(i)
                        )
                    } else {
                        format!(
                            "columns {} (\"{first}\") and {} (\"{header}\") both hold the {}; keep only one of them",
                            column_letter(j),
                            column_letter(i),
                            (schema.label)(key)
                        )
                    };
                    fatal.push(
                        ImportIssue::error(IssueCode::DuplicateColumn, file, message)
                            .at_row(table.header_row)
                            .in_column(header.clone()),
                    );
                    keys.push(None);
                } else {
                    keys.push(Some(key));
                }
            }
            None => {
                issues.push(
                    ImportIssue::warning(
                        IssueCode::UnknownColumn,
                        file,
                        format!(
                            "the column \"{header}\" (column {}) is not one the import knows, so it is ignored; {}",
                            column_letter(i),
                            schema.missing_hint
                        ),
                    )
                    .at_row(table.header_row)
                    .in_column(header.clone()),
                );
                keys.push(None);
            }
        }
    }
    for &required in schema.required {
        if !keys.contains(&Some(required)) {
            let name = (schema.label)(required);
            let mut message = format!(
                "the file has no \"{name}\" column, which is required; add it to the header row ({})",
                schema.missing_hint
            );
            if table.headers.len() == 1 && table.delimiter.is_some() {
                message.push_str(
                    ". The header row has a single column: the file must be comma-, semicolon- or tab-separated",
                );
            }
            fatal.push(
                ImportIssue::error(IssueCode::MissingColumn, file, message)
                    .at_row(table.header_row)
                    .in_column(name),
            );
        }
    }
    if fatal.is_empty() {
        Ok(keys)
    } else {
        issues.extend(fatal);
        Err(ReadError::from_issues(file, issues.take_all()))
    }
}
