//! The import readers over every format and every kind of bad input (issue #5, items 1, 2, 8).
//!
//! Fixtures live in `tests/fixtures/import/`; workbooks and zips are built here with
//! `rust_xlsxwriter` and `zip` so the tests show exactly what is in them.
#![cfg(all(feature = "xlsx", feature = "zip"))] // workbooks and zips: the default features
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use homeroom::UserKind;
use homeroom::import::{
    Format, ImportData, ImportField, IssueCode, OneRosterLocalId, OneRosterPackage, OrgType,
    ReadError, ReadLimits, ReadOptions, Severity, TextEncoding, detect, read, read_from, read_xlsx,
    template_csv, template_csv_with_examples,
};
use rust_xlsxwriter::{ExcelDateTime, Workbook};

// ---------------------------------------------------------------- helpers

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(name)).unwrap()
}

fn opts() -> ReadOptions {
    ReadOptions::default()
}

fn read_fixture(name: &str) -> ImportData {
    read(&fixture(name), name, &opts()).unwrap()
}

fn read_err(bytes: &[u8], name: &str, options: &ReadOptions) -> ReadError {
    match read(bytes, name, options) {
        Ok(data) => panic!("expected a read error, got {:?}", data.issues),
        Err(e) => e,
    }
}

fn codes(data: &ImportData) -> Vec<(&str, Option<u32>, Option<&str>)> {
    data.issues
        .iter()
        .map(|i| (i.code.as_str(), i.row, i.column.as_deref()))
        .collect()
}

fn column(data: &ImportData, field: ImportField) -> Vec<&str> {
    data.users
        .iter()
        .map(|u| u.get(field).unwrap_or("<none>"))
        .collect()
}

fn rows(data: &ImportData) -> Vec<u32> {
    data.users.iter().map(|u| u.source.row).collect()
}

/// A folder of fixture files, as a host that reads a folder would pass it.
fn folder(name: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(fixture_dir().join(name))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A cell of a test workbook.
enum Cell {
    Text(&'static str),
    Number(f64),
    Date(u16, u8, u8),
    Bool(bool),
    Blank,
    /// A number shown with a custom number format, such as `00000`.
    Formatted(f64, &'static str),
}

fn workbook(sheets: &[(&str, bool, Vec<Vec<Cell>>)]) -> Vec<u8> {
    let mut book = Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let mut active = false;
    for (name, hidden, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        if *hidden {
            sheet.set_hidden(true);
        } else if !active {
            // Excel (and rust_xlsxwriter) will not hide the active sheet.
            sheet.set_active(true);
            active = true;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Cell::Text(s) => sheet.write_string(r, c, *s).map(|_| ()),
                    Cell::Number(n) => sheet.write_number(r, c, *n).map(|_| ()),
                    Cell::Date(y, m, d) => sheet
                        .write_datetime_with_format(
                            r,
                            c,
                            ExcelDateTime::from_ymd(*y, *m, *d).unwrap(),
                            &date,
                        )
                        .map(|_| ()),
                    Cell::Bool(b) => sheet.write_boolean(r, c, *b).map(|_| ()),
                    Cell::Blank => sheet.write_blank(r, c, &bold).map(|_| ()),
                    Cell::Formatted(n, code) => sheet
                        .write_number_with_format(
                            r,
                            c,
                            *n,
                            &rust_xlsxwriter::Format::new().set_num_format(*code),
                        )
                        .map(|_| ()),
                }
                .unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn header(names: &[&'static str]) -> Vec<Cell> {
    names.iter().map(|n| Cell::Text(n)).collect()
}

// ---------------------------------------------------------------- the template

#[test]
fn template_reads_back_empty_and_with_examples() {
    let data = read(&template_csv(), "template.csv", &opts()).unwrap();
    assert!(data.users.is_empty());
    assert!(data.issues.is_empty(), "{:?}", data.issues);
    assert_eq!(data.files[0].encoding, Some(TextEncoding::Utf8Bom));

    let data = read(&template_csv_with_examples(), "template.csv", &opts()).unwrap();
    assert!(data.issues.is_empty(), "{:?}", data.issues);
    assert_eq!(column(&data, ImportField::LocalId), ["00123", "E0042"]);
    assert_eq!(column(&data, ImportField::Kind), ["student", "staff"]);
    assert_eq!(
        data.users[1].list(ImportField::AuthorizedOrganizations),
        ["Lincoln Middle School", "Washington High School"]
    );
    // Every template column is recognised under its canonical name.
    let columns = data.users[0].columns();
    for field in homeroom::import::TEMPLATE_COLUMNS {
        assert!(columns.has(field), "{field}");
    }
}

#[test]
fn template_fixture_keeps_text_and_numbers_rows_like_excel() {
    let data = read_fixture("template.csv");
    assert_eq!(data.format, Format::Csv);
    assert!(!data.has_errors(), "{:?}", data.issues);
    assert!(data.issues.is_empty(), "{:?}", data.issues);
    assert_eq!(data.files[0].delimiter, Some(','));
    // The blank row 4 is skipped but still counted.
    assert_eq!(rows(&data), [2, 3, 5]);
    assert_eq!(
        column(&data, ImportField::LocalId),
        ["00123", "E0042", "00777"]
    );
    assert_eq!(column(&data, ImportField::Grade), ["06", "", "K"]);
    assert_eq!(
        column(&data, ImportField::FirstName),
        ["Ada", "Grace", "O'Brien, Jr."]
    );
    let grace = &data.users[1];
    assert_eq!(grace.list(ImportField::GradeLevels), ["6", "7", "8"]);
    assert_eq!(
        grace.list(ImportField::ContentAreas),
        ["Mathematics", "Computer Science"]
    );
    assert_eq!(
        grace.get(ImportField::TemporaryPassword),
        Some("Change-me-1")
    );
    assert_eq!(
        grace.column_name(ImportField::MiddleName),
        Some("Middle Initial")
    );
    assert_eq!(grace.get(ImportField::Status), None);
}

#[test]
fn semicolon_csv_with_snake_case_headers() {
    let data = read_fixture("semicolon.csv");
    assert!(data.issues.is_empty(), "{:?}", data.issues);
    assert_eq!(data.files[0].delimiter, Some(';'));
    assert_eq!(column(&data, ImportField::LocalId), ["00123", "00124"]);
    assert_eq!(
        column(&data, ImportField::Email),
        ["ada@example.org", "charles;b@example.org"]
    );
}

#[test]
fn tab_separated_with_upper_case_headers() {
    let data = read_fixture("tab.tsv");
    assert!(data.issues.is_empty(), "{:?}", data.issues);
    assert_eq!(data.files[0].delimiter, Some('\t'));
    assert_eq!(column(&data, ImportField::Grade), ["6", "K"]);
    assert_eq!(data.files[0].encoding, Some(TextEncoding::Utf8));
}

#[test]
fn utf16_with_bom_both_byte_orders() {
    let data = read_fixture("utf16le.csv");
    assert!(data.issues.is_empty(), "{:?}", data.issues);
    assert_eq!(data.files[0].encoding, Some(TextEncoding::Utf16Le));
    assert_eq!(column(&data, ImportField::FirstName), ["Zoë", "José"]);
    assert_eq!(column(&data, ImportField::LastName), ["Ångström", "Núñez"]);

    let data = read_fixture("utf16be.csv");
    assert_eq!(data.files[0].encoding, Some(TextEncoding::Utf16Be));
    assert_eq!(column(&data, ImportField::FirstName), ["Zoë"]);
}

#[test]
fn windows_1252_when_not_utf8() {
    let data = read_fixture("windows1252.csv");
    assert!(data.issues.is_empty(), "{:?}", data.issues);
    assert_eq!(data.files[0].encoding, Some(TextEncoding::Windows1252));
    assert_eq!(column(&data, ImportField::FirstName), ["Renée", "François"]);
    assert_eq!(
        column(&data, ImportField::Building),
        ["École Élémentaire", "Lycée"]
    );
    assert_eq!(column(&data, ImportField::LastName), ["Lefèvre", "Müller"]);
}

#[test]
fn blank_lines_and_multi_line_cells_keep_spreadsheet_row_numbers() {
    let data = read_fixture("blank_lines.csv");
    assert!(data.issues.is_empty(), "{:?}", data.issues);
    assert_eq!(data.files[0].header_row, 3);
    assert_eq!(rows(&data), [5, 7, 8]);
    assert_eq!(
        column(&data, ImportField::FirstName),
        ["Ada", "Grace\nMurray", "Alan"]
    );
}

#[test]
fn excel_sep_line_names_the_delimiter_and_is_not_a_row() {
    let data = read(
        b"sep=|\r\nLocal ID|First Name|Last Name\r\n1|Ada|Lovelace, Countess\r\n",
        "x.csv",
        &opts(),
    )
    .unwrap();
    assert!(data.issues.is_empty(), "{:?}", data.issues);
    assert_eq!(data.files[0].delimiter, Some('|'));
    assert_eq!(rows(&data), [2]);
    assert_eq!(column(&data, ImportField::LastName), ["Lovelace, Countess"]);
}

#[test]
fn crlf_lf_and_cr_line_ends_read_alike() {
    for end in ["\r\n", "\n", "\r"] {
        let text = [
            "Local ID,First Name,Last Name",
            "1,Ada,Lovelace",
            "2,Alan,Turing",
        ]
        .join(end);
        let data = read(text.as_bytes(), "x.csv", &opts()).unwrap();
        assert_eq!(rows(&data), [2, 3], "{end:?}");
        assert_eq!(column(&data, ImportField::LastName), ["Lovelace", "Turing"]);
    }
}

#[test]
fn read_from_a_reader_and_forced_format() {
    let data = read_from(&fixture("template.csv")[..], "upload", &opts()).unwrap();
    assert_eq!(data.users.len(), 3);
    let forced = opts().with_format(Format::Csv);
    let data = read(&fixture("tab.tsv"), "whatever.bin", &forced).unwrap();
    assert_eq!(data.users.len(), 2);
}

// ---------------------------------------------------------------- bad CSV input

#[test]
fn ragged_rows_are_errors_and_other_rows_still_read() {
    let data = read_fixture("ragged.csv");
    assert_eq!(
        codes(&data),
        [("ragged_row", Some(3), None), ("ragged_row", Some(4), None)]
    );
    assert!(
        data.issues[0]
            .message
            .contains("4 values but the header row has 3")
    );
    assert!(data.issues[0].message.contains("quotes"));
    assert!(data.issues[1].message.contains("missing"));
    assert_eq!(rows(&data), [2, 5]);
    assert!(data.has_errors());
}

#[test]
fn trailing_empty_fields_are_not_ragged() {
    let data = read(
        b"Local ID,First Name,Last Name\n1,Ada,Lovelace,,\n",
        "x.csv",
        &opts(),
    )
    .unwrap();
    assert!(data.issues.is_empty(), "{:?}", data.issues);
    assert_eq!(data.users[0].values().len(), 3);
}

#[test]
fn rows_may_leave_out_the_header_rows_empty_trailing_cells_with_one_warning() {
    // A SIS export whose header ends in a delimiter; most rows leave that cell out.
    let file = b"Local ID,First Name,Last Name,,\n1,Ada,Lovelace\n2,Bo,Bell,\n3,Cy,Cole,,\n4,Di\n";
    let data = read(file, "sis.csv", &opts()).unwrap();
    assert_eq!(
        codes(&data),
        [
            ("ragged_row", Some(5), None),
            ("trailing_empty_header", Some(1), None)
        ],
        "{:?}",
        data.issues
    );
    assert!(
        data.issues[0]
            .message
            .contains("has 2 values but the header row has 5 (3 with a name)")
    );
    let warning = &data.issues[1];
    assert!(!warning.is_error());
    assert!(
        warning.message.contains("2 empty cells") && warning.message.contains("2 rows"),
        "{}",
        warning.message
    );
    assert!(
        warning.message.contains("the first at row 2"),
        "{}",
        warning.message
    );
    assert_eq!(
        rows(&data),
        [2, 3, 4],
        "only the row missing a named value is ragged"
    );
    assert_eq!(data.users[0].get(ImportField::LastName), Some("Lovelace"));
    // A header without trailing empty cells still calls a short row ragged.
    let strict = read(b"Local ID,First Name,Last Name\n1,Ada\n", "x.csv", &opts()).unwrap();
    assert_eq!(codes(&strict), [("ragged_row", Some(2), None)]);
}

#[test]
fn duplicate_headers_stop_reading() {
    let err = read_err(
        &fixture("duplicate_headers.csv"),
        "duplicate_headers.csv",
        &opts(),
    );
    assert_eq!(err.code(), &IssueCode::DuplicateColumn);
    let issue = &err.issues()[0];
    assert_eq!(
        (issue.row, issue.column.as_deref()),
        (Some(1), Some("First Name"))
    );
    assert!(
        issue.message.contains("appears twice (columns B and D)"),
        "{}",
        issue.message
    );

    let err = read_err(
        &fixture("alias_duplicate.csv"),
        "alias_duplicate.csv",
        &opts(),
    );
    assert_eq!(err.code(), &IssueCode::DuplicateColumn);
    assert!(err.issues()[0].message.contains("both hold the Local ID"));
}

#[test]
fn missing_required_header_names_file_and_column() {
    let err = read_err(
        &fixture("missing_header.csv"),
        "missing_header.csv",
        &opts(),
    );
    let errors: Vec<_> = err.issues().iter().filter(|i| i.is_error()).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, IssueCode::MissingColumn);
    assert_eq!(errors[0].file, "missing_header.csv");
    assert_eq!(errors[0].column.as_deref(), Some("Last Name"));
    // The unknown column that was probably meant is reported alongside.
    let warning = err.issues().iter().find(|i| !i.is_error()).unwrap();
    assert_eq!(warning.code, IssueCode::UnknownColumn);
    assert_eq!(warning.column.as_deref(), Some("Shoe Size"));
    assert!(
        err.to_string()
            .starts_with("missing_header.csv, row 1, column \"Last Name\"")
    );

    // The required columns are the caller's to choose.
    let relaxed = opts().with_required(vec![ImportField::LocalId]);
    let data = read(
        &fixture("missing_header.csv"),
        "missing_header.csv",
        &relaxed,
    )
    .unwrap();
    assert_eq!(column(&data, ImportField::FirstName), ["Ada"]);
}

#[test]
fn single_column_file_hints_at_the_delimiter() {
    let err = read_err(
        b"Local ID|First Name|Last Name\n1|a|b\n",
        "pipes.csv",
        &opts(),
    );
    assert!(
        err.issues()
            .iter()
            .any(|i| i.message.contains("single column"))
    );
}

#[test]
fn nul_bytes_are_cell_errors() {
    let data = read_fixture("nul.csv");
    assert_eq!(codes(&data), [("nul_byte", Some(2), Some("Last Name"))]);
    assert_eq!(column(&data, ImportField::LastName), ["Lovelace", "Hopper"]);
}

#[test]
fn nul_bytes_in_the_header_mean_not_text() {
    let err = read_err(b"Local\0ID,First Name,Last Name\n1,a,b\n", "x.csv", &opts());
    assert_eq!(err.code(), &IssueCode::NotText);
}

#[test]
fn over_long_fields_are_cell_errors_with_row_and_column() {
    let long = "x".repeat(1001);
    let text = format!(
        "Local ID,First Name,Last Name\n1,{long},Lovelace\n2,Alan,{}\n",
        "y".repeat(1000)
    );
    let data = read(text.as_bytes(), "long.csv", &opts()).unwrap();
    assert_eq!(
        codes(&data),
        [("field_too_long", Some(2), Some("First Name"))]
    );
    assert!(data.issues[0].message.contains("1001 characters"));
    assert_eq!(
        data.users[0].get(ImportField::FirstName).unwrap().len(),
        1000
    );

    let short = opts().with_limits(ReadLimits::default().with_max_field_len(5));
    let data = read(
        b"Local ID,First Name,Last Name\n1,Adaline,L\n",
        "x.csv",
        &short,
    )
    .unwrap();
    assert_eq!(
        codes(&data),
        [("field_too_long", Some(2), Some("First Name"))]
    );
    // Characters, not bytes.
    let data = read(
        "Local ID,First Name,Last Name\n1,ÉÉÉÉÉ,L\n".as_bytes(),
        "x.csv",
        &short,
    )
    .unwrap();
    assert!(data.issues.is_empty());
}

#[test]
fn too_many_rows_stops_reading() {
    let limited = opts().with_limits(ReadLimits::default().with_max_rows(2));
    let ok = read(
        b"Local ID,First Name,Last Name\n1,a,b\n\n2,c,d\n",
        "x.csv",
        &limited,
    )
    .unwrap();
    assert_eq!(ok.users.len(), 2);
    let err = read_err(
        b"Local ID,First Name,Last Name\n1,a,b\n2,c,d\n3,e,f\n",
        "x.csv",
        &limited,
    );
    assert_eq!(err.code(), &IssueCode::TooManyRows);
    assert!(err.to_string().contains("more than 2 data rows"));
}

#[test]
fn too_large_and_too_wide_files_are_refused() {
    let small = opts().with_limits(ReadLimits::default().with_max_bytes(10));
    let err = read_err(&fixture("template.csv"), "template.csv", &small);
    assert_eq!(err.code(), &IssueCode::FileTooLarge);
    let err = read_from(&fixture("template.csv")[..], "template.csv", &small).unwrap_err();
    assert_eq!(err.code(), &IssueCode::FileTooLarge);

    let narrow = opts().with_limits(ReadLimits::default().with_max_columns(3));
    let err = read_err(&fixture("template.csv"), "template.csv", &narrow);
    assert_eq!(err.code(), &IssueCode::TooManyColumns);
}

#[test]
fn scientific_notation_local_ids_are_flagged() {
    let data = read_fixture("scientific.csv");
    assert_eq!(
        codes(&data),
        [
            ("local_id_scientific_notation", Some(2), Some("Local ID")),
            ("local_id_scientific_notation", Some(3), Some("Local ID")),
        ]
    );
    assert!(data.issues[0].message.contains("1.23457E+11"));
    assert_eq!(data.users.len(), 3, "damaged rows stay, for the report");
}

#[test]
fn unterminated_quote_is_reported_not_swallowed() {
    let data = read_fixture("unterminated.csv");
    assert_eq!(codes(&data), [("unterminated_quote", Some(3), None)]);
    assert_eq!(rows(&data), [2]);
}

#[test]
fn unknown_and_unnamed_columns_are_warnings() {
    let data = read_fixture("unknown_and_unnamed.csv");
    assert!(!data.has_errors());
    let warnings: Vec<_> = data
        .warnings()
        .map(|w| (w.code.as_str(), w.column.as_deref()))
        .collect();
    assert_eq!(
        warnings,
        [
            ("unnamed_column", Some("column E")),
            ("unknown_column", Some("Shoe Size"))
        ]
    );
    assert_eq!(
        data.users[0].values().collect::<Vec<_>>(),
        ["00123", "Ada", "Lovelace", "7", "note"]
    );
}

#[test]
fn empty_binary_and_legacy_files_are_refused() {
    for empty in [&b""[..], b"\n\n  \r\n", b"\xEF\xBB\xBF"] {
        assert_eq!(
            read_err(empty, "x.csv", &opts()).code(),
            &IssueCode::EmptyFile
        );
    }
    let err = read_err(b"%PDF-1.7\n%\xE2\xE3", "users.pdf", &opts());
    assert_eq!(err.code(), &IssueCode::UnsupportedFormat);
    let err = read_err(
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest",
        "users.xls",
        &opts(),
    );
    assert_eq!(err.code(), &IssueCode::UnsupportedFormat);
    assert!(err.to_string().contains(".xlsx"));
    let err = read_err(b"\xEF\xBB\xBFLocal ID\n\xE9", "x.csv", &opts());
    assert_eq!(err.code(), &IssueCode::InvalidEncoding);
    let err = read_err(b"\xFF\xFEL\x00\x00\xD8", "x.csv", &opts());
    assert_eq!(err.code(), &IssueCode::InvalidEncoding);
}

#[test]
fn issues_are_capped() {
    let mut text = String::from("Local ID,First Name,Last Name\n");
    for _ in 0..50 {
        text.push_str("1,2\n");
    }
    let capped = opts().with_limits(ReadLimits::default().with_max_issues(10));
    let data = read(text.as_bytes(), "x.csv", &capped).unwrap();
    assert_eq!(data.issues.len(), 11);
    let last = data.issues.last().unwrap();
    assert_eq!(last.code, IssueCode::TooManyIssues);
    assert!(last.message.starts_with("40 more problems"));
}

#[test]
fn reports_serialize_with_stable_codes() {
    let data = read_fixture("scientific.csv");
    let json = serde_json::to_value(&data).unwrap();
    assert_eq!(json["format"], "csv");
    assert_eq!(json["issues"][0]["code"], "local_id_scientific_notation");
    assert_eq!(json["issues"][0]["severity"], "error");
    assert_eq!(json["issues"][0]["row"], 2);
    assert_eq!(json["issues"][0]["column"], "Local ID");
    assert_eq!(json["users"][2]["source"]["row"], 4);
    assert_eq!(json["users"][2]["cells"][0]["field"], "local_id");
    assert_eq!(json["users"][2]["cells"][0]["value"], "00125");
    assert_eq!(json["files"][0]["encoding"], "utf8");
}

// ---------------------------------------------------------------- XLSX

fn students_workbook() -> Vec<u8> {
    workbook(&[(
        "Students",
        false,
        vec![
            header(&[
                "Local ID",
                "First Name",
                "Last Name",
                "Grade",
                "Start Date",
                "Email",
            ]),
            vec![
                Cell::Number(1234.0),
                Cell::Text("Ada"),
                Cell::Text("Lovelace"),
                Cell::Number(6.0),
                Cell::Date(2026, 8, 31),
                Cell::Text("ada@example.org"),
            ],
            vec![
                Cell::Text("00123"),
                Cell::Text("Grace"),
                Cell::Text("Hopper"),
                Cell::Text("K"),
                Cell::Blank,
                Cell::Bool(true),
            ],
            vec![],
            vec![
                Cell::Number(12.5),
                Cell::Text("Alan"),
                Cell::Text("Turing"),
                Cell::Number(0.1 + 0.2),
            ],
            // Rows that only carry formatting are ignored.
            vec![Cell::Blank, Cell::Blank, Cell::Blank],
            vec![Cell::Blank],
        ],
    )])
}

#[test]
fn xlsx_numbers_text_dates_and_rows() {
    let bytes = students_workbook();
    assert_eq!(detect(&bytes, "upload.bin"), Format::Xlsx);
    let data = read(&bytes, "students.xlsx", &opts()).unwrap();
    assert_eq!(data.format, Format::Xlsx);
    assert_eq!(data.files[0].sheet.as_deref(), Some("Students"));
    let warnings: Vec<_> = data.warnings().map(|w| w.column.as_deref()).collect();
    assert_eq!(warnings, [Some("Start Date")]);
    assert!(!data.has_errors(), "{:?}", data.issues);
    assert_eq!(rows(&data), [2, 3, 5]);
    assert_eq!(
        column(&data, ImportField::LocalId),
        ["1234", "00123", "12.5"]
    );
    assert_eq!(column(&data, ImportField::Grade), ["6", "K", "0.3"]);
    assert_eq!(
        column(&data, ImportField::Email),
        ["ada@example.org", "TRUE", ""]
    );
    assert_eq!(data.users[0].value_at(4).unwrap(), "2026-08-31");
}

#[test]
fn xlsx_damaged_local_ids() {
    let bytes = workbook(&[(
        "Sheet1",
        false,
        vec![
            header(&["Local ID", "First Name", "Last Name"]),
            vec![
                Cell::Text("1.23457E+11"),
                Cell::Text("Ada"),
                Cell::Text("L"),
            ],
            vec![
                Cell::Number(1234567890123456789.0),
                Cell::Text("Grace"),
                Cell::Text("H"),
            ],
            vec![
                Cell::Number(123456789012.0),
                Cell::Text("Alan"),
                Cell::Text("T"),
            ],
        ],
    )]);
    let data = read_xlsx(Cursor::new(bytes), "ids.xlsx", &opts()).unwrap();
    assert_eq!(
        codes(&data),
        [
            ("local_id_scientific_notation", Some(2), Some("Local ID")),
            ("local_id_precision_lost", Some(3), Some("Local ID")),
        ]
    );
    assert_eq!(
        data.users[2].get(ImportField::LocalId),
        Some("123456789012")
    );
}

#[test]
fn xlsx_zero_padded_number_formats_keep_leading_zeros() {
    let bytes = workbook(&[(
        "Sheet1",
        false,
        vec![
            header(&["Local ID", "First Name", "Last Name", "Grade"]),
            vec![
                Cell::Formatted(123.0, "00000"),
                Cell::Text("Ada"),
                Cell::Text("L"),
                Cell::Formatted(6.0, "00"),
            ],
            vec![
                Cell::Formatted(123.0, "0.00"),
                Cell::Text("Alan"),
                Cell::Text("T"),
                Cell::Formatted(12.0, "0"),
            ],
        ],
    )]);
    let data = read(&bytes, "ids.xlsx", &opts()).unwrap();
    assert_eq!(column(&data, ImportField::LocalId), ["00123", "123"]);
    assert_eq!(column(&data, ImportField::Grade), ["06", "12"]);
}

#[test]
fn xlsx_sheet_choice() {
    let bytes = workbook(&[
        ("Hidden", true, vec![header(&["Nothing"])]),
        (
            "Staff",
            false,
            vec![
                header(&["Local ID", "First Name", "Last Name"]),
                vec![Cell::Text("E1"), Cell::Text("Grace"), Cell::Text("Hopper")],
            ],
        ),
        (
            "Students",
            false,
            vec![
                header(&["Local ID", "First Name", "Last Name"]),
                vec![Cell::Text("S1"), Cell::Text("Ada"), Cell::Text("Lovelace")],
            ],
        ),
    ]);
    let data = read(&bytes, "book.xlsx", &opts()).unwrap();
    assert_eq!(column(&data, ImportField::LocalId), ["E1"]);
    let data = read(&bytes, "book.xlsx", &opts().with_sheet("students")).unwrap();
    assert_eq!(column(&data, ImportField::LocalId), ["S1"]);
    let err = read_err(&bytes, "book.xlsx", &opts().with_sheet("Teachers"));
    assert_eq!(err.code(), &IssueCode::SheetNotFound);
    assert!(err.to_string().contains("\"Staff\""));
}

#[test]
fn xlsx_bad_input() {
    // Empty sheet.
    let bytes = workbook(&[("Sheet1", false, vec![])]);
    assert_eq!(
        read_err(&bytes, "e.xlsx", &opts()).code(),
        &IssueCode::EmptyFile
    );
    // Missing column, duplicate column.
    let bytes = workbook(&[("S", false, vec![header(&["Local ID", "First Name"])])]);
    assert_eq!(
        read_err(&bytes, "m.xlsx", &opts()).code(),
        &IssueCode::MissingColumn
    );
    let bytes = workbook(&[(
        "S",
        false,
        vec![header(&["Local ID", "First Name", "Last Name", "local id"])],
    )]);
    assert_eq!(
        read_err(&bytes, "d.xlsx", &opts()).code(),
        &IssueCode::DuplicateColumn
    );
    // Too many rows.
    let rows: Vec<Vec<Cell>> = std::iter::once(header(&["Local ID", "First Name", "Last Name"]))
        .chain((0..5).map(|_| vec![Cell::Text("1"), Cell::Text("a"), Cell::Text("b")]))
        .collect();
    let bytes = workbook(&[("S", false, rows)]);
    let limited = opts().with_limits(ReadLimits::default().with_max_rows(4));
    assert_eq!(
        read_err(&bytes, "r.xlsx", &limited).code(),
        &IssueCode::TooManyRows
    );
    // Values beyond the header, and an over-long value.
    let long: &'static str = Box::leak("z".repeat(1200).into_boxed_str());
    let bytes = workbook(&[(
        "S",
        false,
        vec![
            header(&["Local ID", "First Name", "Last Name"]),
            vec![
                Cell::Text("1"),
                Cell::Text(long),
                Cell::Text("b"),
                Cell::Blank,
                Cell::Text("stray"),
            ],
        ],
    )]);
    let data = read(&bytes, "w.xlsx", &opts()).unwrap();
    assert_eq!(
        codes(&data),
        [
            ("field_too_long", Some(2), Some("First Name")),
            ("unnamed_column", None, Some("column E")),
        ]
    );
    // A zip that is not a workbook, and a truncated workbook.
    let err = read_err(
        &zip_of(&[("a.txt".into(), b"x".to_vec())]),
        "z.xlsx",
        &opts().with_format(Format::Xlsx),
    );
    assert_eq!(err.code(), &IssueCode::InvalidSpreadsheet);
    let mut truncated = students_workbook();
    truncated.truncate(truncated.len() / 2);
    let err = read_err(&truncated, "t.xlsx", &opts());
    assert_eq!(err.code(), &IssueCode::InvalidSpreadsheet);
}

#[test]
fn xlsx_zip_bomb_guard() {
    let bytes = students_workbook();
    let tight = opts().with_limits(ReadLimits::default().with_max_unpacked_bytes(1000));
    assert_eq!(
        read_err(&bytes, "s.xlsx", &tight).code(),
        &IssueCode::FileTooLarge
    );
}

#[test]
fn xlsx_fixture_file_on_disk() {
    // Written by `write_xlsx_fixture` below; a real file read through `read_from`.
    let data = read_from(
        std::fs::File::open(fixture_dir().join("students.xlsx")).unwrap(),
        "students.xlsx",
        &opts(),
    )
    .unwrap();
    assert_eq!(
        column(&data, ImportField::LocalId),
        ["1234", "00123", "12.5"]
    );
}

#[test]
#[ignore = "regenerates tests/fixtures/import/students.xlsx"]
fn write_xlsx_fixture() {
    std::fs::write(fixture_dir().join("students.xlsx"), students_workbook()).unwrap();
}

// ---------------------------------------------------------------- OneRoster

fn check_oneroster_1_1(data: &ImportData) {
    assert_eq!(data.format, Format::OneRoster);
    assert_eq!(
        data.oneroster_version,
        Some(homeroom::import::oneroster::OneRosterVersion::V1_1)
    );
    assert!(!data.has_errors(), "{:?}", data.issues);
    let warnings: Vec<_> = data
        .warnings()
        .map(|w| (w.code.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [
            (
                "oneroster_users_skipped",
                "1 user (row 5) is a guardian, parent or relative, so is not imported as a user but as a contact of the students linked through agentSourcedIds"
            ),
            (
                "oneroster_local_id_from_sourced_id",
                "1 user (row 4) has no identifier, so its sourcedId is used as the Local ID"
            ),
        ]
    );
    let district = data.district().unwrap();
    assert_eq!(
        (district.sourced_id.as_str(), district.name.as_str()),
        ("d-001", "Springfield Public Schools")
    );
    let kinds: Vec<_> = data.orgs.iter().map(|o| o.org_type).collect();
    assert_eq!(
        kinds,
        [
            OrgType::District,
            OrgType::School,
            OrgType::School,
            OrgType::Department
        ]
    );
    assert_eq!(data.orgs[1].identifier.as_deref(), Some("0010"));
    assert_eq!(data.orgs[1].parent_sourced_id.as_deref(), Some("d-001"));

    assert_eq!(rows(data), [2, 3, 4]);
    assert_eq!(
        column(data, ImportField::LocalId),
        ["00123", "E0042", "u-3"]
    );
    assert_eq!(
        column(data, ImportField::Kind),
        ["student", "staff", "staff"]
    );
    assert_eq!(
        column(data, ImportField::FirstName),
        ["Ada", "Grace", "Alan"]
    );
    assert_eq!(column(data, ImportField::Grade), ["05", "", ""]);
    assert_eq!(column(data, ImportField::GradeLevels), ["", "09,10,11", ""]);
    assert_eq!(
        column(data, ImportField::AuthorizedOrganizations),
        ["s-010", "s-010,s-020", ""]
    );
    assert_eq!(column(data, ImportField::MobilePhone), ["", "555-0101", ""]);
    let grace = data.users[1].roster().unwrap();
    assert_eq!(grace.sourced_id, "u-2");
    assert_eq!(grace.primary_role, "teacher");
    assert_eq!(grace.org_sourced_ids, ["s-010", "s-020"]);
    assert_eq!(grace.roles.len(), 2);
    let alan = data.users[2].roster().unwrap();
    assert_eq!(alan.enabled_user, Some(false));
    // Augusta King (row 5, a parent) is Ada's contact; staff get no guardians.
    let ada = data.users[0].roster().unwrap();
    let augusta = homeroom::model::Guardian {
        name: "Augusta King".into(),
        relation: Some("Parent".into()),
        email: Some("augusta@example.org".into()),
        phone: None,
    };
    assert_eq!(ada.guardians, Some(vec![augusta]));
    assert_eq!(
        (grace.guardians.as_ref(), alan.guardians.as_ref()),
        (None, None)
    );
    assert_eq!(alan.org_sourced_ids, ["d-001"]);
    assert_eq!(
        data.users[1].column_name(ImportField::FirstName),
        Some("givenName")
    );
    assert_eq!(
        homeroom::import::oneroster::role_user_kind("teacher"),
        Some(UserKind::Staff)
    );
}

#[test]
fn oneroster_1_1_folder() {
    let package = OneRosterPackage::from_files(folder("oneroster-1.1"));
    // classes.csv is not read.
    let mut names: Vec<_> = package.file_names().collect();
    names.sort();
    assert_eq!(names, ["manifest.csv", "orgs.csv", "users.csv"]);
    check_oneroster_1_1(&package.read(&opts()).unwrap());
}

#[test]
fn oneroster_1_1_zip_with_a_folder_inside_and_macos_litter() {
    let mut files: Vec<(String, Vec<u8>)> = folder("oneroster-1.1")
        .into_iter()
        .map(|(n, b)| (format!("export-2026-08-01/{n}"), b))
        .collect();
    files.push((
        "__MACOSX/export-2026-08-01/._users.csv".into(),
        b"\0\x05\x16\x07junk".to_vec(),
    ));
    let bytes = zip_of(&files);
    assert_eq!(detect(&bytes, "roster.zip"), Format::OneRoster);
    check_oneroster_1_1(&read(&bytes, "roster.zip", &opts()).unwrap());
    let package = OneRosterPackage::from_zip(Cursor::new(&bytes), &ReadLimits::default()).unwrap();
    check_oneroster_1_1(&package.read(&opts()).unwrap());
}

#[test]
fn oneroster_1_2_with_roles() {
    let files = folder("oneroster-1.2");
    for data in [
        OneRosterPackage::from_files(files.clone())
            .read(&opts())
            .unwrap(),
        read(&zip_of(&files), "roster12.zip", &opts()).unwrap(),
    ] {
        assert_eq!(
            data.oneroster_version,
            Some(homeroom::import::oneroster::OneRosterVersion::V1_2)
        );
        assert!(!data.has_errors(), "{:?}", data.issues);
        let codes: Vec<_> = data.warnings().map(|w| w.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "oneroster_users_skipped",
                "oneroster_local_id_from_sourced_id"
            ]
        );
        assert_eq!(
            column(&data, ImportField::LocalId),
            ["00123", "E0042", "u-3"]
        );
        assert_eq!(
            column(&data, ImportField::Kind),
            ["student", "staff", "staff"]
        );
        assert_eq!(column(&data, ImportField::PreferredName), ["Addie", "", ""]);
        assert_eq!(column(&data, ImportField::Grade), ["KG", "", ""]);
        assert_eq!(
            column(&data, ImportField::AuthorizedOrganizations),
            ["s-010", "s-020,s-010", ""]
        );
        let grace = data.users[1].roster().unwrap();
        assert_eq!(grace.primary_role, "teacher");
        assert_eq!(grace.roles.len(), 2);
        assert_eq!(
            grace.roles[1].role_type,
            Some(homeroom::import::oneroster::RoleType::Secondary)
        );
        assert_eq!(grace.roles[0].source.row, 3);
        assert_eq!(&*grace.roles[0].source.file, "roles.csv");
        assert_eq!(grace.primary_org_sourced_id.as_deref(), Some("s-020"));
        let ada = data.users[0].roster().unwrap();
        assert_eq!(ada.roles[0].begin_date.as_deref(), Some("2026-08-15"));
        let peter = data.users[2].roster().unwrap();
        assert_eq!(peter.primary_role, "districtAdministrator");
    }
}

#[test]
fn oneroster_local_id_choices() {
    let files = folder("oneroster-1.1");
    let by_sourced_id = opts().with_oneroster_local_id(OneRosterLocalId::SourcedId);
    let data = OneRosterPackage::from_files(files.clone())
        .read(&by_sourced_id)
        .unwrap();
    assert_eq!(column(&data, ImportField::LocalId), ["u-1", "u-2", "u-3"]);
    assert_eq!(
        data.users[0].column_name(ImportField::LocalId),
        Some("sourcedId")
    );

    let strict = opts().with_oneroster_local_id(OneRosterLocalId::Identifier);
    let data = OneRosterPackage::from_files(files).read(&strict).unwrap();
    assert_eq!(
        codes(&data),
        [
            ("oneroster_users_skipped", None, None),
            ("oneroster_missing_value", Some(4), Some("identifier"))
        ]
    );
}

fn replace_file(files: &mut [(String, Vec<u8>)], name: &str, text: &str) {
    let slot = files.iter_mut().find(|(n, _)| n == name).unwrap();
    slot.1 = text.as_bytes().to_vec();
}

fn edit_file(files: &mut [(String, Vec<u8>)], name: &str, from: &str, to: &str) {
    let slot = files.iter_mut().find(|(n, _)| n == name).unwrap();
    let text = String::from_utf8(slot.1.clone()).unwrap();
    assert!(text.contains(from), "{from}");
    slot.1 = text.replace(from, to).into_bytes();
}

#[test]
fn oneroster_extension_columns_are_ignored_quietly_and_unknown_ones_are_named() {
    let mut files = folder("oneroster-1.1");
    let users = files.iter_mut().find(|(n, _)| n == "users.csv").unwrap();
    let text = String::from_utf8(users.1.clone()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[0].push_str(",ext_sis_homeroom,metadata.district.ssid,vendorNickname");
    for line in &mut lines[1..] {
        line.push_str(",HR-7,S-1,Ace");
    }
    users.1 = (lines.join("\n") + "\n").into_bytes();
    let data = OneRosterPackage::from_files(files).read(&opts()).unwrap();
    let unknown: Vec<_> = data
        .issues
        .iter()
        .filter(|i| i.code == IssueCode::UnknownColumn)
        .map(|i| i.column.as_deref())
        .collect();
    assert_eq!(unknown, [Some("vendorNickname")], "{:?}", data.issues);
    check_oneroster_1_1(
        &OneRosterPackage::from_files(folder("oneroster-1.1"))
            .read(&opts())
            .unwrap(),
    );
}

#[test]
fn oneroster_delta_is_refused() {
    let mut files = folder("oneroster-1.1");
    edit_file(
        &mut files,
        "manifest.csv",
        "file.users,bulk",
        "file.users,delta",
    );
    let err = OneRosterPackage::from_files(files)
        .read(&opts())
        .unwrap_err();
    assert_eq!(err.code(), &IssueCode::OneRosterDeltaUnsupported);
    assert_eq!(err.code().as_str(), "oneroster_delta_unsupported");
    let issue = &err.issues()[0];
    assert_eq!((issue.file.as_str(), issue.row), ("manifest.csv", Some(7)));
    assert!(issue.message.contains("bulk"));
}

#[test]
fn oneroster_missing_files_and_versions() {
    let files = folder("oneroster-1.1");
    let without = |name: &str| -> Vec<(String, Vec<u8>)> {
        files.iter().filter(|(n, _)| n != name).cloned().collect()
    };
    for name in ["manifest.csv", "orgs.csv", "users.csv"] {
        let err = OneRosterPackage::from_files(without(name))
            .read(&opts())
            .unwrap_err();
        assert_eq!(err.code(), &IssueCode::OneRosterMissingFile, "{name}");
        assert_eq!(err.issues()[0].file, name);
    }
    let mut absent = files.clone();
    edit_file(
        &mut absent,
        "manifest.csv",
        "file.orgs,bulk",
        "file.orgs,absent",
    );
    assert_eq!(
        OneRosterPackage::from_files(absent)
            .read(&opts())
            .unwrap_err()
            .code(),
        &IssueCode::OneRosterMissingFile
    );

    let mut v3 = files.clone();
    edit_file(
        &mut v3,
        "manifest.csv",
        "oneroster.version,1.1",
        "oneroster.version,3.0",
    );
    assert_eq!(
        OneRosterPackage::from_files(v3)
            .read(&opts())
            .unwrap_err()
            .code(),
        &IssueCode::OneRosterUnsupportedVersion
    );

    let mut twelve = folder("oneroster-1.2");
    twelve.retain(|(n, _)| n != "roles.csv");
    assert_eq!(
        OneRosterPackage::from_files(twelve)
            .read(&opts())
            .unwrap_err()
            .code(),
        &IssueCode::OneRosterMissingFile
    );

    let mut twice = files.clone();
    twice.push(("other/users.csv".into(), b"sourcedId\n".to_vec()));
    assert_eq!(
        OneRosterPackage::from_files(twice)
            .read(&opts())
            .unwrap_err()
            .code(),
        &IssueCode::OneRosterDuplicateFile
    );

    // An empty zip is a OneRoster zip with no manifest.
    let err = read_err(
        &zip_of(&[("users.csv".into(), b"x".to_vec())]),
        "r.zip",
        &opts(),
    );
    assert_eq!(err.code(), &IssueCode::OneRosterMissingFile);
    let err = read_err(b"PK\x03\x04 not really", "r.zip", &opts());
    assert_eq!(err.code(), &IssueCode::InvalidZip);
}

#[test]
fn oneroster_row_problems() {
    let mut files = folder("oneroster-1.1");
    replace_file(
        &mut files,
        "orgs.csv",
        "sourcedId,name,type,parentSourcedId\nd-001,Springfield,district,\ns-010,Lincoln,school,d-001\ns-010,Again,school,d-001\ns-020,Washington,campus,d-001\ns-030,,school,nowhere\nd-002,Shelbyville,district,\n",
    );
    replace_file(
        &mut files,
        "users.csv",
        "sourcedId,enabledUser,orgSourcedIds,role,givenName,familyName,identifier\n\
         u-1,true,s-010,student,Ada,Lovelace,00123\n\
         u-1,true,s-010,student,Ada,Again,00124\n\
         u-2,maybe,s-099,teacher,Grace,Hopper,E1\n\
         u-3,true,s-010,wizard,Alan,Turing,E2\n\
         ,true,s-010,student,No,Id,3\n\
         u-4,true,s-010,,No,Role,4\n",
    );
    let data = OneRosterPackage::from_files(files).read(&opts()).unwrap();
    assert_eq!(
        codes(&data),
        [
            ("oneroster_duplicate_sourced_id", Some(4), Some("sourcedId")),
            ("oneroster_invalid_value", Some(5), Some("type")),
            ("oneroster_missing_value", Some(6), Some("name")),
            ("oneroster_unknown_org", Some(6), Some("parentSourcedId")),
            ("oneroster_multiple_districts", Some(7), Some("type")),
            ("oneroster_duplicate_sourced_id", Some(3), Some("sourcedId")),
            ("oneroster_unknown_org", Some(4), Some("orgSourcedIds")),
            ("oneroster_invalid_value", Some(5), Some("role")),
            ("oneroster_missing_value", Some(6), Some("sourcedId")),
            ("oneroster_missing_value", Some(7), Some("role")),
        ]
    );
    let files_of: Vec<_> = data.issues.iter().map(|i| i.file.as_str()).collect();
    assert_eq!(&files_of[..5], ["orgs.csv"; 5]);
    assert_eq!(&files_of[5..], ["users.csv"; 5]);
}

#[test]
fn oneroster_roles_problems() {
    let mut files = folder("oneroster-1.2");
    edit_file(
        &mut files,
        "roles.csv",
        "r-3,active,2026-08-01,secondary,teacher,,,u-2,s-010,",
        "r-3,active,2026-08-01,tertiary,teacher,,,u-9,s-099,",
    );
    edit_file(
        &mut files,
        "roles.csv",
        "r-2,active,2026-08-01,primary,teacher,,,u-2,s-020,",
        "r-2,active,2026-08-01,primary,teacher,,,u-2,s-020,\nr-6,,,primary,teacher,,,u-404,s-020,",
    );
    let data = OneRosterPackage::from_files(files).read(&opts()).unwrap();
    let errors: Vec<_> = data
        .errors()
        .map(|i| (i.file.as_str(), i.code.as_str(), i.row, i.column.as_deref()))
        .collect();
    assert_eq!(
        errors,
        [
            (
                "roles.csv",
                "oneroster_unknown_org",
                Some(5),
                Some("orgSourcedId")
            ),
            (
                "roles.csv",
                "oneroster_invalid_value",
                Some(5),
                Some("roleType")
            ),
            (
                "roles.csv",
                "oneroster_unknown_user",
                Some(4),
                Some("userSourcedId")
            ),
        ]
    );
}

#[test]
fn oneroster_extension_columns_and_case_insensitive_names() {
    let mut files = folder("oneroster-1.2");
    for (name, _) in files.iter_mut() {
        *name = format!("Export/{}", name.to_uppercase());
    }
    let data = OneRosterPackage::from_files(files).read(&opts()).unwrap();
    assert!(!data.has_errors(), "{:?}", data.issues);
    assert_eq!(data.users.len(), 3);
    assert!(
        data.issues
            .iter()
            .all(|i| i.code != IssueCode::UnknownColumn)
    );
    assert!(data.issues.iter().all(|i| i.file.starts_with("Export/")));
}

// ---------------------------------------------------------------- detection

#[test]
fn detection() {
    assert_eq!(detect(&fixture("template.csv"), "x"), Format::Csv);
    assert_eq!(detect(&fixture("utf16le.csv"), "x"), Format::Csv);
    assert_eq!(detect(&fixture("windows1252.csv"), "x"), Format::Csv);
    assert_eq!(detect(&students_workbook(), "x.csv"), Format::Xlsx);
    assert_eq!(
        detect(&zip_of(&folder("oneroster-1.2")), "x"),
        Format::OneRoster
    );
    assert_eq!(
        detect(&zip_of(&[("a.txt".into(), vec![])]), "x.zip"),
        Format::Unsupported
    );
    assert_eq!(detect(b"\x89PNG\r\n\x1a\n", "x.csv"), Format::Unsupported);
    assert!(Format::Xlsx.is_supported() && !Format::LegacyExcel.is_supported());
    assert_eq!("XLSX".parse::<Format>(), Ok(Format::Xlsx));
    assert!("pdf".parse::<Format>().is_err());
}

#[test]
fn severity_and_issue_helpers() {
    let data = read_fixture("unknown_and_unnamed.csv");
    assert!(data.issues.iter().all(|i| i.severity == Severity::Warning));
    let ragged = read_fixture("ragged.csv");
    let row3 = homeroom::import::RowRef::new("ragged.csv", 3);
    assert_eq!(ragged.issues_for(&row3).count(), 1);
}
