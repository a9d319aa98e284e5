//! Hostile workbooks: each is small on disk and built to make the reader reserve or fill memory.
//! Every one must be refused in-process with `file_too_large` (DESIGN.md §8: bounded input,
//! checked before a parser allocates), never abort the process or exhaust memory.
//!
//! The workbooks are written here, part by part, with the `zip` crate, so each test shows
//! exactly what is in its file.
#![cfg(all(feature = "xlsx", feature = "zip"))] // workbooks and zips: the default features
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::{Cursor, Read, Write};

use homeroom::import::{IssueCode, ReadError, ReadLimits, ReadOptions, read};

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// The parts of a one-sheet workbook around `shared` (the `<sst>` element) and `sheet` (the
/// `<worksheet>` element).
fn parts(shared: &str, sheet: &str) -> Vec<(String, Vec<u8>)> {
    let decl = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;
    vec![
        (
            "[Content_Types].xml".into(),
            format!(
                r#"{decl}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#
            )
            .into_bytes(),
        ),
        (
            "_rels/.rels".into(),
            format!(
                r#"{decl}<Relationships xmlns="{PKG_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            )
            .into_bytes(),
        ),
        (
            "xl/workbook.xml".into(),
            format!(
                r#"{decl}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            )
            .into_bytes(),
        ),
        (
            "xl/_rels/workbook.xml.rels".into(),
            format!(
                r#"{decl}<Relationships xmlns="{PKG_NS}"><Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
            )
            .into_bytes(),
        ),
        (
            "xl/sharedStrings.xml".into(),
            format!("{decl}{shared}").into_bytes(),
        ),
        (
            "xl/worksheets/sheet1.xml".into(),
            format!("{decl}{sheet}").into_bytes(),
        ),
    ]
}

fn zip_of(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Shared strings 0, 1, 2 are the template's headers; `extra` come after them.
fn shared_strings(unique_count: &str, extra: &[&str]) -> String {
    let mut sst =
        format!(r#"<sst xmlns="{MAIN_NS}" count="{unique_count}" uniqueCount="{unique_count}">"#);
    for s in ["Local ID", "First Name", "Last Name"].iter().chain(extra) {
        sst.push_str(&format!("<si><t>{s}</t></si>"));
    }
    sst.push_str("</sst>");
    sst
}

/// A worksheet whose header row uses shared strings 0..3 and whose `rows` follow it.
fn worksheet(dimension: &str, before_data: &str, rows: &str) -> String {
    format!(
        r#"<worksheet xmlns="{MAIN_NS}"><dimension ref="{dimension}"/>{before_data}<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>{rows}</sheetData></worksheet>"#
    )
}

const ONE_ROW: &str = r#"<row r="2"><c r="A2"><v>1234</v></c><c r="B2" t="inlineStr"><is><t>Ada</t></is></c><c r="C2" t="inlineStr"><is><t>Lovelace</t></is></c></row>"#;

fn book(shared: &str, sheet: &str) -> Vec<u8> {
    zip_of(&parts(shared, sheet))
}

fn decent_book() -> Vec<u8> {
    book(&shared_strings("3", &[]), &worksheet("A1:C2", "", ONE_ROW))
}

fn read_err(bytes: &[u8], options: &ReadOptions) -> ReadError {
    match read(bytes, "hostile.xlsx", options) {
        Ok(data) => panic!("expected the workbook to be refused, read {data:?}"),
        Err(e) => e,
    }
}

/// Asserts that reading `bytes` stops with `file_too_large`, and returns the message.
fn refused(bytes: &[u8], options: &ReadOptions) -> String {
    let err = read_err(bytes, options);
    assert_eq!(err.code(), &IssueCode::FileTooLarge, "{err}");
    err.to_string()
}

#[test]
fn the_hand_made_workbook_reads() {
    let data = read(&decent_book(), "decent.xlsx", &ReadOptions::default()).unwrap();
    assert_eq!(data.users.len(), 1);
    assert!(data.errors().next().is_none());
}

#[test]
fn attack_shared_strings_declaring_ten_billion_strings() {
    // calamine reserves room for `uniqueCount` strings before reading one: 240 GB here, and
    // the process aborts when the allocation fails.
    let bytes = book(
        &shared_strings("9999999999", &[]),
        &worksheet("A1:C2", "", ONE_ROW),
    );
    assert!(bytes.len() < 4096);
    let message = refused(&bytes, &ReadOptions::default());
    assert!(message.contains("xl/sharedStrings.xml"), "{message}");
    assert!(message.contains("9999999999"), "{message}");
}

#[test]
fn attack_shared_strings_declaring_more_uses_than_any_sheet_holds() {
    let shared = shared_strings("3", &[]).replace(r#"count="3""#, r#"count="99999999999""#);
    refused(
        &book(&shared, &worksheet("A1:C2", "", ONE_ROW)),
        &ReadOptions::default(),
    );
}

#[test]
fn attack_sheet_dimension_spanning_every_cell_of_excel() {
    let bytes = book(
        &shared_strings("3", &[]),
        &worksheet("A1:XFD1048576", "", ONE_ROW),
    );
    let message = refused(&bytes, &ReadOptions::default());
    assert!(message.contains("A1:XFD1048576"), "{message}");
}

#[test]
fn a_far_away_cell_is_refused_without_filling_the_gap() {
    // One value at the last cell of the sheet: nothing is allocated for the cells between.
    let far = r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#;
    let bytes = book(
        &shared_strings("3", &[]),
        &worksheet("A1:C2", "", &format!("{ONE_ROW}{far}")),
    );
    let err = read_err(&bytes, &ReadOptions::default());
    assert_eq!(err.code(), &IssueCode::TooManyColumns, "{err}");
}

#[test]
fn attack_one_long_shared_string_in_many_cells() {
    // One 100 KB string, used by 300 cells: 30 MB once copied into each cell.
    let long = "x".repeat(100 * 1024);
    let rows: String = (2..=101)
        .map(|r| {
            format!(
                r#"<row r="{r}"><c r="A{r}" t="s"><v>3</v></c><c r="B{r}" t="s"><v>3</v></c><c r="C{r}" t="s"><v>3</v></c></row>"#
            )
        })
        .collect();
    let bytes = book(
        &shared_strings("4", &[&long]),
        &worksheet("A1:C101", "", &rows),
    );
    let limits = ReadLimits::default().with_max_bytes(1024 * 1024);
    let message = refused(&bytes, &ReadOptions::default().with_limits(limits));
    assert!(message.contains("bytes of text"), "{message}");
}

#[test]
fn attack_repeated_cells_beyond_what_a_csv_file_may_hold() {
    // 60 000 rows of three short values compress to little and hold more text than the
    // 256 KB a CSV import is allowed here.
    let rows: String = (2..=60_001)
        .map(|r| format!(r#"<row><c><v>{r}</v></c><c><v>1</v></c><c><v>2</v></c></row>"#))
        .collect();
    let bytes = book(
        &shared_strings("3", &[]),
        &worksheet("A1:C60001", "", &rows),
    );
    let limits = ReadLimits::default().with_max_bytes(256 * 1024);
    assert!((bytes.len() as u64) < limits.max_bytes);
    let message = refused(&bytes, &ReadOptions::default().with_limits(limits));
    assert!(message.contains("bytes of text"), "{message}");
}

#[test]
fn attack_zip_bomb_part() {
    // 16 MB of spaces inside the sheet compress about a thousand times.
    let padding = " ".repeat(16 * 1024 * 1024);
    let bytes = book(
        &shared_strings("3", &[]),
        &worksheet("A1:C2", &padding, ONE_ROW),
    );
    assert!(bytes.len() < 100 * 1024);
    let message = refused(&bytes, &ReadOptions::default());
    assert!(message.contains("xl/worksheets/sheet1.xml"), "{message}");
}

/// Rewrites the uncompressed size `name` declares, in its local header and in the central
/// directory.
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for at in 0..zip.len().saturating_sub(46) {
        let (size_at, name_len_at, name_at) = match &zip[at..at + 4] {
            b"PK\x03\x04" => (at + 22, at + 26, at + 30),
            b"PK\x01\x02" => (at + 24, at + 28, at + 46),
            _ => continue,
        };
        let name_len = u16::from_le_bytes([zip[name_len_at], zip[name_len_at + 1]]) as usize;
        if zip.get(name_at..name_at + name_len) == Some(name.as_bytes()) {
            zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "local header and central directory");
}

#[test]
fn attack_part_unpacking_to_more_than_it_declares() {
    let mut bytes = decent_book();
    declare_size(&mut bytes, "xl/worksheets/sheet1.xml", 100);
    let message = refused(&bytes, &ReadOptions::default());
    assert!(message.contains("declares"), "{message}");
}

#[test]
fn attack_deeply_nested_xml() {
    let depth = 100_000;
    let nested = format!("{}{}", "<x>".repeat(depth), "</x>".repeat(depth));
    let bytes = book(
        &shared_strings("3", &[]),
        &worksheet("A1:C2", &nested, ONE_ROW),
    );
    let message = refused(&bytes, &ReadOptions::default());
    assert!(message.contains("levels deep"), "{message}");
}

#[test]
fn attack_many_entries() {
    let mut parts = parts(&shared_strings("3", &[]), &worksheet("A1:C2", "", ONE_ROW));
    parts.extend((0..10_001).map(|i| (format!("xl/media/x{i}.bin"), Vec::new())));
    let message = refused(&zip_of(&parts), &ReadOptions::default());
    assert!(message.contains("10007 files"), "{message}");
}

#[test]
fn the_guards_leave_a_real_workbook_alone() {
    // A workbook as a spreadsheet program writes it, with every part the guards look at.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Local ID", "First Name", "Last Name"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=2000u32 {
        sheet.write_number(r, 0, f64::from(r)).unwrap();
        sheet.write_string(r, 1, format!("First {r}")).unwrap();
        sheet.write_string(r, 2, "Same").unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let data = read(&bytes, "real.xlsx", &ReadOptions::default()).unwrap();
    assert_eq!(data.users.len(), 2000);
    // The archive really does hold what the guards scan.
    let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    let mut shared = String::new();
    archive
        .by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut shared)
        .unwrap();
    assert!(shared.contains("uniqueCount"));
}
