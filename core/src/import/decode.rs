//! Bytes to text: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252.

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};
use serde::Serialize;

use super::issue::{ImportIssue, IssueCode};

/// The character encoding a text file was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (what Excel writes for "CSV UTF-8").
    Utf8Bom,
    /// UTF-16 little-endian, with a byte-order mark (Excel's "Unicode Text").
    Utf16Le,
    /// UTF-16 big-endian, with a byte-order mark.
    Utf16Be,
    /// Windows-1252 (Western European), the fallback when the bytes are not UTF-8; what older
    /// Excel versions write for "CSV (Comma delimited)".
    Windows1252,
}

impl TextEncoding {
    /// A stable name: `utf-8`, `utf-8-bom`, `utf-16le`, `utf-16be`, `windows-1252`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Utf8Bom => "utf-8-bom",
            Self::Utf16Le => "utf-16le",
            Self::Utf16Be => "utf-16be",
            Self::Windows1252 => "windows-1252",
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text decoded from a file's bytes.
#[derive(Debug)]
pub(crate) struct Decoded<'a> {
    pub(crate) text: Cow<'a, str>,
    pub(crate) encoding: TextEncoding,
}

/// Decodes `bytes`: a byte-order mark decides (UTF-8, UTF-16 LE/BE); without one, valid UTF-8
/// is UTF-8 and anything else is Windows-1252, which every byte sequence is.
pub(crate) fn decode<'a>(bytes: &'a [u8], file: &str) -> Result<Decoded<'a>, ImportIssue> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok(Decoded {
                text: Cow::Borrowed(text),
                encoding: TextEncoding::Utf8Bom,
            }),
            Err(e) => Err(bad_encoding(file, "UTF-8", rest, e.valid_up_to())),
        };
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, file, TextEncoding::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, file, TextEncoding::Utf16Be);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Decoded {
            text: Cow::Borrowed(text),
            encoding: TextEncoding::Utf8,
        }),
        Err(_) => {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok(Decoded {
                text,
                encoding: TextEncoding::Windows1252,
            })
        }
    }
}

fn utf16<'a>(
    bytes: &'a [u8],
    file: &str,
    encoding: TextEncoding,
) -> Result<Decoded<'a>, ImportIssue> {
    let codec = if encoding == TextEncoding::Utf16Le {
        UTF_16LE
    } else {
        UTF_16BE
    };
    match codec.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(Decoded { text, encoding }),
        None => {
            let (text, _) = codec.decode_without_bom_handling(bytes);
            let valid = text.find('\u{FFFD}').unwrap_or(text.len());
            let line = text[..valid].matches('\n').count() + 1;
            Err(ImportIssue::error(
                IssueCode::InvalidEncoding,
                file,
                format!(
                    "the file starts with a UTF-16 byte-order mark but is not valid UTF-16 (first bad character on line {line}); save it again as \"CSV UTF-8\""
                ),
            ))
        }
    }
}

fn bad_encoding(file: &str, what: &str, bytes: &[u8], valid_up_to: usize) -> ImportIssue {
    let line = bytes
        .get(..valid_up_to)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1;
    ImportIssue::error(
        IssueCode::InvalidEncoding,
        file,
        format!(
            "the file starts with a {what} byte-order mark but is not valid {what} (first bad character on line {line}); save it again as \"CSV UTF-8\""
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let d = decode(b"a,b", "f").unwrap();
        assert_eq!((d.text.as_ref(), d.encoding), ("a,b", TextEncoding::Utf8));
        let d = decode(b"\xEF\xBB\xBFa", "f").unwrap();
        assert_eq!((d.text.as_ref(), d.encoding), ("a", TextEncoding::Utf8Bom));
        let d = decode(b"\xFF\xFEa\x00\xE9\x00", "f").unwrap();
        assert_eq!(
            (d.text.as_ref(), d.encoding),
            ("a\u{e9}", TextEncoding::Utf16Le)
        );
        let d = decode(b"\xFE\xFF\x00a\x00\xE9", "f").unwrap();
        assert_eq!(
            (d.text.as_ref(), d.encoding),
            ("a\u{e9}", TextEncoding::Utf16Be)
        );
        let d = decode(b"Ren\xE9e", "f").unwrap();
        assert_eq!(
            (d.text.as_ref(), d.encoding),
            ("Ren\u{e9}e", TextEncoding::Windows1252)
        );
        assert!(decode(b"\xEF\xBB\xBFRen\xE9e", "f").is_err());
        assert!(decode(b"\xFF\xFEa", "f").is_err());
    }
}
