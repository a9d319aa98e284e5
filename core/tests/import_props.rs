//! Property tests of the import readers: no input makes them panic, and a file written by a
//! standard CSV writer (or workbook writer) reads back cell for cell.
#![cfg(all(feature = "xlsx", feature = "zip"))] // workbooks and zips: the default features
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::{Cursor, Write};

use homeroom::import::{
    Format, ImportField, IssueCode, OneRosterPackage, ReadLimits, ReadOptions, read, read_csv,
    read_xlsx,
};
use proptest::prelude::*;

fn small_limits() -> ReadOptions {
    ReadOptions::default().with_limits(
        ReadLimits::default()
            .with_max_rows(500)
            .with_max_issues(200)
            .with_max_unpacked_bytes(8 * 1024 * 1024),
    )
}

/// Every reader entry point on `bytes`; each may fail, none may panic.
fn read_everything(bytes: &[u8]) {
    let options = small_limits();
    for name in ["users.csv", "users.xlsx", "roster.zip", "upload"] {
        let _ = read(bytes, name, &options);
    }
    for format in [Format::Csv, Format::Xlsx, Format::OneRoster] {
        let _ = read(bytes, "x", &options.clone().with_format(format));
    }
    let _ = read_csv(bytes, "x.csv", &options);
    let _ = read_xlsx(Cursor::new(bytes), "x.xlsx", &options);
    if let Ok(package) = OneRosterPackage::from_zip(Cursor::new(bytes), &options.limits) {
        let _ = package.read(&options);
    }
}

fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn small_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Local ID", "First Name", "Last Name", "Grade"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_number(1, 0, 1234.0).unwrap();
    sheet.write_string(1, 1, "Ada").unwrap();
    sheet.write_string(1, 2, "Lovelace").unwrap();
    sheet.write_string(2, 0, "00123").unwrap();
    sheet.write_string(2, 3, "K").unwrap();
    book.save_to_buffer().unwrap()
}

fn roster_zip() -> Vec<u8> {
    zip_of(&[
        (
            "manifest.csv",
            b"propertyName,value\noneroster.version,1.2\nfile.orgs,bulk\nfile.users,bulk\nfile.roles,bulk\n".to_vec(),
        ),
        (
            "orgs.csv",
            b"sourcedId,name,type,parentSourcedId\nd1,District,district,\ns1,School,school,d1\n".to_vec(),
        ),
        (
            "users.csv",
            b"sourcedId,givenName,familyName,identifier,grades\nu1,Ada,Lovelace,001,05\nu2,Grace,Hopper,,\n".to_vec(),
        ),
        (
            "roles.csv",
            b"sourcedId,roleType,role,userSourcedId,orgSourcedId\nr1,primary,student,u1,s1\nr2,primary,teacher,u2,s1\n".to_vec(),
        ),
    ])
}

/// Bytes that look a little like the inputs: random bytes, fragments of CSV, and real
/// workbooks and zips with some bytes changed or cut off.
fn nasty_bytes() -> impl Strategy<Value = Vec<u8>> {
    let seeds = vec![
        small_workbook(),
        roster_zip(),
        b"\xEF\xBB\xBFLocal ID;First Name;Last Name\r\n001;\"A\"\"da\";L\r\n".to_vec(),
        "\u{feff}Local ID,First Name,Last Name\n1.2E+07,Zoë,\"x\ny\"\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect(),
    ];
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        proptest::collection::vec(
            prop::sample::select(b",;\t\"\r\n \0aZ09.E+\xE9\xFF\xFE".to_vec()),
            0..512
        ),
        (
            prop::sample::select(seeds),
            proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
            any::<prop::sample::Index>(),
            any::<bool>(),
        )
            .prop_map(|(mut bytes, edits, cut, truncate)| {
                for (at, value) in edits {
                    let i = at.index(bytes.len());
                    bytes[i] = value;
                }
                if truncate {
                    let len = cut.index(bytes.len() + 1);
                    bytes.truncate(len);
                }
                bytes
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_input_makes_a_reader_panic(bytes in nasty_bytes()) {
        read_everything(&bytes);
    }

    #[test]
    fn no_package_makes_the_oneroster_reader_panic(
        files in proptest::collection::vec(
            (
                prop::sample::select(vec!["manifest.csv", "orgs.csv", "users.csv", "roles.csv", "x/USERS.CSV"]),
                roster_csv(),
            ),
            0..6,
        )
    ) {
        let package = OneRosterPackage::from_files(
            files.into_iter().map(|(n, t)| (n.to_owned(), t.into_bytes())),
        );
        let _ = package.read(&small_limits());
    }
}

/// A CSV text made of OneRoster words, so that it gets past the header checks.
fn roster_csv() -> impl Strategy<Value = String> {
    let words = vec![
        "propertyName",
        "value",
        "oneroster.version",
        "1.1",
        "1.2",
        "file.users",
        "file.orgs",
        "file.roles",
        "bulk",
        "delta",
        "absent",
        "sourcedId",
        "name",
        "type",
        "district",
        "school",
        "parentSourcedId",
        "givenName",
        "familyName",
        "identifier",
        "role",
        "roleType",
        "primary",
        "secondary",
        "student",
        "teacher",
        "guardian",
        "orgSourcedIds",
        "orgSourcedId",
        "userSourcedId",
        "enabledUser",
        "true",
        "grades",
        "d1",
        "s1",
        "u1",
        "u2",
        "",
        "\"a,b\"",
        "1.2E+07",
    ];
    proptest::collection::vec(
        proptest::collection::vec(prop::sample::select(words), 1..6),
        1..8,
    )
    .prop_map(|rows| {
        rows.iter()
            .map(|r| r.join(","))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

// ---------------------------------------------------------------- round trips

#[derive(Clone, Copy, Debug)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Encoding::Utf16Le => std::iter::once(0xFEFF_u16)
            .chain(text.encode_utf16())
            .flat_map(u16::to_le_bytes)
            .collect(),
        Encoding::Utf16Be => std::iter::once(0xFEFF_u16)
            .chain(text.encode_utf16())
            .flat_map(u16::to_be_bytes)
            .collect(),
    }
}

/// A header spelling of `field` as a person might type it: any alias, any case, spaces or
/// underscores.
fn spelling(field: ImportField) -> impl Strategy<Value = String> {
    (
        prop::sample::select(field.aliases().to_vec()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(alias, upper, underscores)| {
            let s = if upper {
                alias.to_uppercase()
            } else {
                alias.to_lowercase()
            };
            if underscores { s.replace(' ', "_") } else { s }
        })
}

/// Columns: Local ID, First Name and Last Name plus some others, in any order.
fn columns() -> impl Strategy<Value = Vec<(ImportField, String)>> {
    let others: Vec<ImportField> = ImportField::ALL
        .into_iter()
        .filter(|f| {
            !matches!(
                f,
                ImportField::LocalId | ImportField::FirstName | ImportField::LastName
            )
        })
        .collect();
    prop::sample::subsequence(others, 0..6)
        .prop_flat_map(|mut fields| {
            fields.extend([
                ImportField::LocalId,
                ImportField::FirstName,
                ImportField::LastName,
            ]);
            Just(fields).prop_shuffle()
        })
        .prop_flat_map(|fields| {
            fields
                .into_iter()
                .map(|f| spelling(f).prop_map(move |s| (f, s)))
                .collect::<Vec<_>>()
        })
}

fn table(
    cell: &'static str,
) -> impl Strategy<Value = (Vec<(ImportField, String)>, Vec<Vec<String>>)> {
    columns().prop_flat_map(move |cols| {
        let width = cols.len();
        let rows = proptest::collection::vec(proptest::collection::vec(cell, width), 0..12);
        (Just(cols), rows)
    })
}

fn blank(row: &[String]) -> bool {
    row.iter().all(|v| v.trim().is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_written_csv_reads_back_cell_for_cell(
        (cols, rows) in table("[^\u{0}]{0,10}"),
        delimiter in prop::sample::select(vec![b',', b';', b'\t']),
        crlf in any::<bool>(),
        encoding in prop::sample::select(vec![Encoding::Utf8, Encoding::Utf8Bom, Encoding::Utf16Le, Encoding::Utf16Be]),
    ) {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
            .from_writer(Vec::new());
        writer.write_record(cols.iter().map(|(_, h)| h)).unwrap();
        for row in &rows {
            writer.write_record(row).unwrap();
        }
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        let data = read(&encode(&text, encoding), "generated.csv", &ReadOptions::default()).unwrap();

        for issue in &data.issues {
            prop_assert_eq!(&issue.code, &IssueCode::LocalIdScientificNotation, "{}", issue);
        }
        prop_assert_eq!(data.files[0].delimiter, Some(char::from(delimiter)));
        let expected: Vec<(u32, &Vec<String>)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !blank(r))
            .map(|(i, r)| (i as u32 + 2, r))
            .collect();
        prop_assert_eq!(data.users.len(), expected.len());
        for (user, (row, values)) in data.users.iter().zip(expected) {
            prop_assert_eq!(user.source.row, row);
            prop_assert_eq!(user.values().collect::<Vec<_>>(), values.iter().map(String::as_str).collect::<Vec<_>>());
            for ((field, _), value) in cols.iter().zip(values) {
                prop_assert_eq!(user.get(*field), Some(value.as_str()));
            }
        }
    }

    #[test]
    fn a_written_workbook_reads_back_cell_for_cell(
        (cols, rows) in table("[ -~àéüÅ\u{4e2d}]{0,10}"),
    ) {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, (_, header)) in cols.iter().enumerate() {
            sheet.write_string(0, c as u16, header).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, value).unwrap();
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        let data = read(&bytes, "generated.xlsx", &ReadOptions::default()).unwrap();
        for issue in &data.issues {
            prop_assert_eq!(&issue.code, &IssueCode::LocalIdScientificNotation, "{}", issue);
        }
        let expected: Vec<(u32, &Vec<String>)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !blank(r))
            .map(|(i, r)| (i as u32 + 2, r))
            .collect();
        prop_assert_eq!(data.users.len(), expected.len());
        for (user, (row, values)) in data.users.iter().zip(expected) {
            prop_assert_eq!(user.source.row, row);
            prop_assert_eq!(user.values().collect::<Vec<_>>(), values.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
