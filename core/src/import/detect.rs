//! Telling the formats apart from the first bytes (and, when those cannot tell, the name).

#[cfg(any(feature = "xlsx", feature = "zip"))]
use std::io::Cursor;

use super::format::Format;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Detects the format of an import from its bytes, using the file name only when the bytes
/// cannot tell.
///
/// - a zip holding `xl/workbook.xml` is [`Format::Xlsx`]; one holding `manifest.csv` (or
///   `users.csv`) anywhere is [`Format::OneRoster`]; a zip that cannot be opened is taken by its
///   extension (`.xlsx` or `.zip`), so that the reader reports what is wrong with it;
/// - an OLE2 container is [`Format::LegacyExcel`] (`.xls`, or a password-protected workbook);
/// - text (UTF-8, UTF-16 with BOM, Windows-1252) is [`Format::Csv`];
/// - anything with many control bytes (binary) is [`Format::Unsupported`].
pub fn detect(bytes: &[u8], file_name: &str) -> Format {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(EMPTY_ZIP_MAGIC) {
        return detect_zip(bytes, &extension);
    }
    if bytes.starts_with(OLE_MAGIC) {
        return Format::LegacyExcel;
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Format::Csv;
    }
    if looks_binary(bytes) {
        return Format::Unsupported;
    }
    Format::Csv
}

#[cfg(any(feature = "xlsx", feature = "zip"))]
fn detect_zip(bytes: &[u8], extension: &str) -> Format {
    let Ok(archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return by_extension(extension);
    };
    let names: Vec<String> = super::archive::entry_names(&archive)
        .into_iter()
        .map(|(_, n)| n.to_ascii_lowercase())
        .collect();
    if names.iter().any(|n| n == "xl/workbook.xml") {
        return Format::Xlsx;
    }
    let base = |n: &String| n.rsplit('/').next().unwrap_or_default().to_owned();
    if names
        .iter()
        .any(|n| matches!(base(n).as_str(), "manifest.csv" | "users.csv"))
    {
        return Format::OneRoster;
    }
    Format::Unsupported
}

/// Without a zip reader, a zip is taken by its extension: the reader then refuses it with
/// `format_not_enabled`.
#[cfg(not(any(feature = "xlsx", feature = "zip")))]
fn detect_zip(_bytes: &[u8], extension: &str) -> Format {
    by_extension(extension)
}

/// The format of a zip whose entries cannot be read, by the file's extension.
fn by_extension(extension: &str) -> Format {
    match extension {
        "xlsx" | "xlsm" => Format::Xlsx,
        "zip" => Format::OneRoster,
        _ => Format::Unsupported,
    }
}

/// True when the start of the file has a share of control bytes no text file has.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    if head.is_empty() {
        return false;
    }
    if head.starts_with(b"%PDF")
        || head.starts_with(b"\x89PNG")
        || head.starts_with(b"\xFF\xD8\xFF")
    {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    control * 10 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary() {
        assert_eq!(detect(b"", "x.csv"), Format::Csv);
        assert_eq!(
            detect(
                b"Local ID,First Name,Last Name\n1,Ada,Love\x00lace\n",
                "x.csv"
            ),
            Format::Csv
        );
        assert_eq!(detect(b"a\x00b\x00c\x00", "x.csv"), Format::Unsupported);
        assert_eq!(detect(b"\xFF\xFEa\x00", "x.txt"), Format::Csv);
        assert_eq!(detect(OLE_MAGIC, "x.xls"), Format::LegacyExcel);
        assert_eq!(detect(b"PK\x03\x04garbage", "x.xlsx"), Format::Xlsx);
        assert_eq!(detect(b"PK\x03\x04garbage", "x.zip"), Format::OneRoster);
        assert_eq!(detect(b"PK\x03\x04garbage", "x.csv"), Format::Unsupported);
    }
}
