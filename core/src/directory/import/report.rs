//! The import report as a spreadsheet: the uploaded rows, each with its status and its errors.

use super::plan_types::{ImportPlan, RowAction};
use crate::export::csv_bytes;
use crate::import::ImportData;

/// What the "Import Messages" of a row say about a secret cell left out of the report.
const SECRET_LEFT_OUT: &str = "left out of this report, as passwords are never echoed; type it again before uploading this file";

/// The uploaded rows as read, plus an "Import Status" column (Create, Update, Unchanged, Error)
/// and an "Import Messages" column with every error and warning of the row, ready to send back
/// to the person who made the file. UTF-8 with BOM; formula-safe.
///
/// Secrets never leave (DESIGN.md §8): a secret column ([`Columns::is_secret`], the Temporary
/// Password) keeps its header, so the file can be fixed and uploaded again, but its cells are
/// blank, and the row's messages say the value was left out and must be typed again. (A mask
/// such as `••••` would be read back as the password itself.)
///
/// [`Columns::is_secret`]: crate::import::Columns::is_secret
pub fn report_csv(data: &ImportData, plan: &ImportPlan) -> Vec<u8> {
    let headers: Vec<String> = data
        .users
        .first()
        .map(|row| row.columns().names().to_vec())
        .unwrap_or_default();
    let mut header: Vec<&str> = vec!["File", "Row"];
    header.extend(headers.iter().map(String::as_str));
    header.extend(["Import Status", "Import Messages"]);
    let rows = data.users.iter().zip(&plan.rows).map(|(row, planned)| {
        let status = match planned.action {
            RowAction::Create { .. } => "Create",
            RowAction::Update { .. } => "Update",
            RowAction::Unchanged { .. } => "Unchanged",
            RowAction::Error => "Error",
        };
        let mut messages: Vec<String> = plan
            .issues
            .iter()
            .filter(|i| i.file == *row.source.file && i.row == Some(row.source.row))
            .map(|i| {
                let column = i
                    .column
                    .as_deref()
                    .map(|c| format!("{c}: "))
                    .unwrap_or_default();
                format!(
                    "{} {column}{} [{}]",
                    i.severity.as_str(),
                    i.message,
                    i.code.as_str()
                )
            })
            .collect();
        let columns = row.columns();
        let mut cells = vec![row.source.file.to_string(), row.source.row.to_string()];
        for i in 0..headers.len() {
            let value = row.value_at(i).unwrap_or_default();
            if columns.is_secret(i) {
                if !value.is_empty() {
                    let header = columns.name(i).unwrap_or_default();
                    messages.push(format!("warning {header}: {SECRET_LEFT_OUT}"));
                }
                cells.push(String::new());
            } else {
                cells.push(value.to_owned());
            }
        }
        cells.push(status.to_string());
        cells.push(messages.join("; "));
        cells
    });
    csv_bytes(&header, rows)
}
