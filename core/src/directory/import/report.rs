//! The import report as a spreadsheet: the uploaded rows, each with its status and its errors.

use super::plan_types::{ImportPlan, RowAction};
use crate::export::csv_bytes;
use crate::import::ImportData;

/// The uploaded rows as read, plus an "Import Status" column (Create, Update, Unchanged, Error)
/// and an "Import Messages" column with every error and warning of the row, ready to send back
/// to the person who made the file. UTF-8 with BOM; formula-safe.
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
        let messages: Vec<String> = plan
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
        let mut cells = vec![row.source.file.to_string(), row.source.row.to_string()];
        cells.extend((0..headers.len()).map(|i| row.value_at(i).unwrap_or_default().to_owned()));
        cells.push(status.to_string());
        cells.push(messages.join("; "));
        cells
    });
    csv_bytes(&header, rows)
}
