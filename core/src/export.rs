//! Spreadsheet-safe CSV output: UTF-8 with a byte-order mark (so Excel reads accents right) and
//! cells that cannot run as formulas.

/// The UTF-8 byte-order mark Excel looks for.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Makes a cell safe to open in a spreadsheet: a value starting with `=`, `+`, `-`, `@`, tab or
/// carriage return would be run as a formula, so it gets a leading apostrophe.
///
/// ```
/// use homeroom::export::formula_safe;
/// assert_eq!(formula_safe("=HYPERLINK(\"http://evil\")"), "'=HYPERLINK(\"http://evil\")");
/// assert_eq!(formula_safe("-5"), "'-5");
/// assert_eq!(formula_safe("Ada"), "Ada");
/// ```
pub fn formula_safe(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// Writes rows as CSV with a BOM, every cell made [`formula_safe`].
///
/// ```
/// use homeroom::export::csv_bytes;
/// let bytes = csv_bytes(&["Name", "Note"], [vec!["Ada".to_string(), "=1+1".to_string()]]);
/// assert_eq!(bytes, b"\xEF\xBB\xBFName,Note\nAda,'=1+1\n");
/// ```
pub fn csv_bytes<R>(header: &[&str], rows: impl IntoIterator<Item = R>) -> Vec<u8>
where
    R: IntoIterator<Item = String>,
{
    let mut writer = csv::WriterBuilder::new().from_writer(UTF8_BOM.to_vec());
    // Writing to a Vec cannot fail, so errors are impossible here; they are dropped rather
    // than unwrapped to keep this path panic-free.
    let _ = writer.write_record(header.iter().map(|h| formula_safe(h)));
    for row in rows {
        let cells: Vec<String> = row.into_iter().map(|c| formula_safe(&c)).collect();
        let _ = writer.write_record(&cells);
    }
    writer.into_inner().unwrap_or_default()
}
