//! Checks on the parts of an `.xlsx` before calamine parses them, so a small hostile workbook
//! cannot make it reserve or fill memory (DESIGN.md §8: "checked before a parser allocates").
//!
//! [`archive::open`](super::archive::open) has already bounded the archive: its size, the
//! number of its entries, the sizes they declare and how much each one compresses. Here every
//! entry is unpacked once more, at most its declared size plus one byte, and scanned as XML by
//! a byte-level scanner that holds nothing but the current tag, checking:
//!
//! - that the entry unpacks to no more than it declares (a header can lie);
//! - how deep the elements nest ([`MAX_XML_DEPTH`]) and how long one tag is ([`MAX_TAG_BYTES`]);
//! - the shared-string table's `uniqueCount`, which calamine reserves room for before reading
//!   a single string: it may not exceed the strings the table holds by more than
//!   [`SHARED_STRING_SLACK`]; and its `count` may not exceed the cells an import accepts;
//! - a worksheet's `<dimension>`, which may not span more cells than an import accepts (rows
//!   times columns).
//!
//! Anything else that calamine could be made to allocate grows with the bytes it reads, which
//! these checks and the limits bound. Every refusal is a [`IssueCode::FileTooLarge`].

use std::io::{Read, Seek};

use zip::ZipArchive;

use super::issue::{ImportIssue, IssueCode, ReadError};
use super::options::ReadLimits;

/// The deepest element nesting accepted in a workbook's XML. Excel's own parts nest fewer than
/// 20 levels deep.
pub(crate) const MAX_XML_DEPTH: usize = 128;

/// The longest single tag (`<...>`, with its attributes) accepted, in bytes.
pub(crate) const MAX_TAG_BYTES: usize = 64 * 1024;

/// How far a shared-string table's `uniqueCount` may exceed the strings it holds.
pub(crate) const SHARED_STRING_SLACK: u64 = 10_000;

/// How much is read from an entry at a time.
const CHUNK: usize = 64 * 1024;

/// Checks every entry of an opened workbook archive; see the [module documentation](self).
pub(crate) fn check<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    file: &str,
    limits: &ReadLimits,
) -> Result<(), ReadError> {
    let mut buf = vec![0u8; CHUNK];
    for index in 0..archive.len() {
        let Ok(mut entry) = archive.by_index(index) else {
            // calamine cannot open it either; if the workbook needs it, it says so.
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let part = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("entry {index}"));
        let declared = entry.size();
        let mut scan = Scanner::new(limits);
        let mut unpacked: u64 = 0;
        let mut reader = (&mut entry).take(declared.saturating_add(1));
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // The zip reader stops an entry that unpacks past its declared size with an
                // error ("File is larger than its declared uncompressed size").
                Err(e) if unpacked >= declared || e.to_string().contains("declared") => {
                    return Err(lying_size(file, &part, declared));
                }
                // Damaged data: calamine reports it, if the workbook needs this part.
                Err(_) => break,
            };
            unpacked = unpacked.saturating_add(n as u64);
            if unpacked > declared {
                return Err(lying_size(file, &part, declared));
            }
            if let Some(chunk) = buf.get(..n) {
                scan.feed(chunk)
                    .map_err(|problem| refuse(file, &part, problem, limits))?;
            }
        }
        scan.finish()
            .map_err(|problem| refuse(file, &part, problem, limits))?;
    }
    Ok(())
}

/// What a scan found wrong.
#[derive(Debug, PartialEq, Eq)]
enum Problem {
    TooDeep,
    TagTooLong,
    SharedStrings { declared: u64, held: u64 },
    SharedStringRefs(u64),
    Dimension(String),
}

fn lying_size(file: &str, part: &str, declared: u64) -> ReadError {
    ImportIssue::error(
        IssueCode::FileTooLarge,
        file,
        format!(
            "the workbook's part {part} unpacks to more than the {declared} bytes it declares, so the workbook is damaged or built to exhaust memory; open it in Excel and save it again, or save the sheet as \"CSV UTF-8\""
        ),
    )
    .into()
}

fn refuse(file: &str, part: &str, problem: Problem, limits: &ReadLimits) -> ReadError {
    let what = match problem {
        Problem::TooDeep => format!("nests XML elements more than {MAX_XML_DEPTH} levels deep"),
        Problem::TagTooLong => format!("holds an XML tag longer than {MAX_TAG_BYTES} bytes"),
        Problem::SharedStrings { declared, held } => {
            format!("declares {declared} shared strings but holds {held}")
        }
        Problem::SharedStringRefs(count) => format!(
            "declares {count} uses of shared strings, more than the {} rows of {} columns one import accepts",
            limits.max_rows, limits.max_columns
        ),
        Problem::Dimension(range) => format!(
            "declares the sheet spans {range}, more than the {} rows of {} columns one import accepts",
            limits.max_rows, limits.max_columns
        ),
    };
    ImportIssue::error(
        IssueCode::FileTooLarge,
        file,
        format!(
            "the workbook's part {part} {what}, so it was not read (a workbook like this can exhaust memory); open it in Excel and save it again, or save the sheet as \"CSV UTF-8\""
        ),
    )
    .into()
}

/// Where the scanner is in the XML.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    /// Between tags.
    #[default]
    Text,
    /// Just after `<`.
    Open,
    /// Inside `<!...` before knowing whether it is a comment, CDATA or a declaration.
    Bang,
    /// Inside a tag, in a quoted value when `Some(quote)`.
    Tag(Option<u8>),
    /// Inside `<!-- ... -->`, with how many `-` were just seen.
    Comment(u8),
    /// Inside `<![CDATA[ ... ]]>`, with how many `]` were just seen.
    CData(u8),
    /// Inside `<? ... ?>`, after a `?` when true.
    Pi(bool),
    /// Inside `<!DOCTYPE ...>` or another declaration, with its `[` depth and quote.
    Decl(u32, Option<u8>),
}

/// A byte-level XML scanner that keeps only the tag it is in.
#[derive(Debug)]
struct Scanner {
    state: State,
    tag: Vec<u8>,
    depth: usize,
    unique_count: Option<u64>,
    shared_strings: u64,
    /// The most cells an import accepts: the header row and `max_rows`, by `max_columns`.
    max_cells: u64,
}

impl Scanner {
    fn new(limits: &ReadLimits) -> Self {
        let rows = (limits.max_rows as u64).saturating_add(1);
        Self {
            state: State::Text,
            tag: Vec::new(),
            depth: 0,
            unique_count: None,
            shared_strings: 0,
            max_cells: rows.saturating_mul(limits.max_columns as u64),
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> Result<(), Problem> {
        let mut rest = bytes;
        while !rest.is_empty() {
            rest = match self.state {
                // The fast paths, where nearly every byte is: text up to the next `<`, and a
                // tag's bytes up to its next `>` or quote.
                State::Text => match rest.iter().position(|b| *b == b'<') {
                    Some(at) => {
                        self.tag.clear();
                        self.state = State::Open;
                        rest.get(at + 1..).unwrap_or_default()
                    }
                    None => &[],
                },
                State::Tag(quote) => self.tag_bytes(rest, quote)?,
                _ => match rest.split_first() {
                    Some((&b, after)) => {
                        self.step(b)?;
                        after
                    }
                    None => &[],
                },
            };
        }
        Ok(())
    }

    /// Takes a tag's bytes from `bytes` up to the next `>` outside quotes or quote character,
    /// handling that byte; returns what follows.
    fn tag_bytes<'b>(&mut self, bytes: &'b [u8], quote: Option<u8>) -> Result<&'b [u8], Problem> {
        let stop = match quote {
            None => bytes.iter().position(|b| matches!(*b, b'>' | b'"' | b'\'')),
            Some(q) => bytes.iter().position(|b| *b == q),
        };
        let plain = stop.unwrap_or(bytes.len());
        if self.tag.len().saturating_add(plain) > MAX_TAG_BYTES {
            return Err(Problem::TagTooLong);
        }
        self.tag
            .extend_from_slice(bytes.get(..plain).unwrap_or_default());
        let Some(&b) = bytes.get(plain) else {
            return Ok(&[]);
        };
        match (quote, b) {
            (None, b'>') => {
                self.end_tag()?;
                self.state = State::Text;
            }
            (None, q) => {
                self.tag.push(q);
                self.state = State::Tag(Some(q));
            }
            (Some(q), _) => {
                self.tag.push(q);
                self.state = State::Tag(None);
            }
        }
        Ok(bytes.get(plain + 1..).unwrap_or_default())
    }

    /// One byte outside the fast paths: just after `<`, and inside comments, CDATA, processing
    /// instructions and declarations.
    fn step(&mut self, b: u8) -> Result<(), Problem> {
        {
            self.state = match self.state {
                State::Text if b == b'<' => {
                    self.tag.clear();
                    State::Open
                }
                State::Text => State::Text,
                State::Open => match b {
                    b'?' => State::Pi(false),
                    b'!' => State::Bang,
                    _ => {
                        self.tag.push(b);
                        if b == b'>' {
                            self.end_tag()?;
                            State::Text
                        } else {
                            State::Tag(None)
                        }
                    }
                },
                State::Bang => {
                    self.tag.push(b);
                    if self.tag == b"--" {
                        State::Comment(0)
                    } else if self.tag == b"[CDATA[" {
                        State::CData(0)
                    } else if b"--".starts_with(&self.tag) || b"[CDATA[".starts_with(&self.tag) {
                        State::Bang
                    } else {
                        Self::decl(0, None, b)
                    }
                }
                State::Tag(None) if b == b'>' => {
                    self.end_tag()?;
                    State::Text
                }
                State::Tag(quote) => {
                    if self.tag.len() >= MAX_TAG_BYTES {
                        return Err(Problem::TagTooLong);
                    }
                    self.tag.push(b);
                    State::Tag(match (quote, b) {
                        (None, b'"' | b'\'') => Some(b),
                        (Some(q), _) if q == b => None,
                        (q, _) => q,
                    })
                }
                State::Comment(dashes) => match b {
                    b'-' => State::Comment(dashes.saturating_add(1)),
                    b'>' if dashes >= 2 => State::Text,
                    _ => State::Comment(0),
                },
                State::CData(brackets) => match b {
                    b']' => State::CData(brackets.saturating_add(1)),
                    b'>' if brackets >= 2 => State::Text,
                    _ => State::CData(0),
                },
                State::Pi(question) => match b {
                    b'>' if question => State::Text,
                    _ => State::Pi(b == b'?'),
                },
                State::Decl(depth, quote) => Self::decl(depth, quote, b),
            };
        }
        Ok(())
    }

    /// The state after byte `b` of a declaration at bracket depth `depth`.
    fn decl(depth: u32, quote: Option<u8>, b: u8) -> State {
        match (quote, b) {
            (Some(q), _) if q == b => State::Decl(depth, None),
            (Some(q), _) => State::Decl(depth, Some(q)),
            (None, b'"' | b'\'') => State::Decl(depth, Some(b)),
            (None, b'[') => State::Decl(depth.saturating_add(1), None),
            (None, b']') => State::Decl(depth.saturating_sub(1), None),
            (None, b'>') if depth == 0 => State::Text,
            (None, _) => State::Decl(depth, None),
        }
    }

    /// A tag ended (its bytes, without `<` and `>`, are in `self.tag`).
    fn end_tag(&mut self) -> Result<(), Problem> {
        let tag = std::mem::take(&mut self.tag);
        let result = self.on_tag(&tag);
        self.tag = tag;
        self.tag.clear();
        result
    }

    fn on_tag(&mut self, tag: &[u8]) -> Result<(), Problem> {
        if tag.starts_with(b"/") {
            self.depth = self.depth.saturating_sub(1);
            return Ok(());
        }
        let self_closing = tag.trim_ascii_end().ends_with(b"/");
        if !self_closing {
            self.depth += 1;
        }
        if self.depth > MAX_XML_DEPTH {
            return Err(Problem::TooDeep);
        }
        let name_end = tag
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(tag.len());
        let (name, attrs) = tag.split_at(name_end);
        let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
        match local {
            b"sst" => {
                for value in attr_values(attrs, b"uniqueCount") {
                    let n = number(value);
                    self.unique_count = Some(self.unique_count.map_or(n, |m| m.max(n)));
                }
                for value in attr_values(attrs, b"count") {
                    let count = number(value);
                    if count > self.max_cells {
                        return Err(Problem::SharedStringRefs(count));
                    }
                }
            }
            b"si" => self.shared_strings += 1,
            b"dimension" => {
                for value in attr_values(attrs, b"ref") {
                    self.check_dimension(value)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A sheet's `<dimension ref="A1:XFD1048576">` may not span more cells than an import
    /// accepts. A range that does not parse is left to calamine, which refuses it.
    fn check_dimension(&self, value: &[u8]) -> Result<(), Problem> {
        let mut corners = value.split(|b| *b == b':').map(cell_position);
        let (Some(Some(start)), end) = (corners.next(), corners.next()) else {
            return Ok(());
        };
        let end = match end {
            Some(Some(end)) => end,
            Some(None) => return Ok(()),
            None => start,
        };
        let rows = start.0.abs_diff(end.0).saturating_add(1);
        let columns = start.1.abs_diff(end.1).saturating_add(1);
        if rows.saturating_mul(columns) > self.max_cells {
            return Err(Problem::Dimension(
                String::from_utf8_lossy(value).into_owned(),
            ));
        }
        Ok(())
    }

    /// Checks what can only be judged once the whole entry is read.
    fn finish(&self) -> Result<(), Problem> {
        if let Some(declared) = self.unique_count
            && declared > self.shared_strings.saturating_add(SHARED_STRING_SLACK)
        {
            return Err(Problem::SharedStrings {
                declared,
                held: self.shared_strings,
            });
        }
        Ok(())
    }
}

/// The values of every attribute named `name` in a tag's attribute text.
fn attr_values<'a>(mut attrs: &'a [u8], name: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
    std::iter::from_fn(move || {
        loop {
            attrs = attrs.trim_ascii_start();
            let eq = attrs.iter().position(|b| *b == b'=')?;
            let (key, rest) = attrs.split_at(eq);
            let rest = rest.get(1..)?.trim_ascii_start();
            let quote = *rest.first()?;
            if quote != b'"' && quote != b'\'' {
                return None;
            }
            let body = rest.get(1..)?;
            let end = body.iter().position(|b| *b == quote)?;
            let value = body.get(..end)?;
            attrs = body.get(end + 1..)?;
            if key.trim_ascii() == name {
                return Some(value);
            }
        }
    })
}

/// The (row, column) of a cell reference such as `B7` or `$B$7`, both 1-based.
fn cell_position(reference: &[u8]) -> Option<(u64, u64)> {
    let reference: Vec<u8> = reference.iter().copied().filter(|b| *b != b'$').collect();
    let letters = reference
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let (column, row) = reference.split_at(letters);
    if column.is_empty() || row.is_empty() || !row.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let column = column.iter().fold(0u64, |n, b| {
        n.saturating_mul(26)
            .saturating_add(u64::from(b.to_ascii_uppercase() - b'A') + 1)
    });
    Some((number(row), column))
}

/// A count as calamine would read it, saturating instead of failing on huge values; anything
/// that is not digits counts as 0 (calamine ignores it).
fn number(value: &[u8]) -> u64 {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return 0;
    }
    value.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &str) -> Result<(), Problem> {
        let mut scanner = Scanner::new(&ReadLimits::default());
        // Fed in small pieces, as chunks of an entry arrive.
        for piece in xml.as_bytes().chunks(3) {
            scanner.feed(piece)?;
        }
        scanner.finish()
    }

    #[test]
    fn tags_inside_comments_cdata_quotes_and_declarations_do_not_count() {
        let deep_but_hidden = format!(
            r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "<b>">]><!-- {0} --><r a="{0}"><![CDATA[{0}]]></r>"#,
            "<x>".repeat(MAX_XML_DEPTH + 1)
        );
        assert_eq!(scan(&deep_but_hidden), Ok(()));
        let deep = format!(
            "{}{}",
            "<x>".repeat(MAX_XML_DEPTH + 1),
            "</x>".repeat(MAX_XML_DEPTH + 1)
        );
        assert_eq!(scan(&deep), Err(Problem::TooDeep));
        let flat = "<x/>".repeat(MAX_XML_DEPTH * 10);
        assert_eq!(scan(&flat), Ok(()));
    }

    #[test]
    fn shared_string_counts() {
        let held = |n: usize| "<si><t>a</t></si>".repeat(n);
        assert_eq!(
            scan(&format!(r#"<sst uniqueCount="3">{}</sst>"#, held(3))),
            Ok(())
        );
        assert_eq!(
            scan(&format!(
                r#"<x:sst count='5' uniqueCount='99999'>{}</x:sst>"#,
                held(2)
            )),
            Err(Problem::SharedStrings {
                declared: 99_999,
                held: 2
            })
        );
        assert_eq!(
            scan(r#"<sst count="99999999999999999999999"></sst>"#),
            Err(Problem::SharedStringRefs(u64::MAX))
        );
    }

    #[test]
    fn dimensions() {
        assert_eq!(scan(r#"<dimension ref="A1:C200"/>"#), Ok(()));
        assert_eq!(scan(r#"<dimension ref="$B$7"/>"#), Ok(()));
        assert_eq!(scan(r#"<dimension ref="not a range"/>"#), Ok(()));
        assert_eq!(
            scan(r#"<dimension ref="A1:XFD1048576"/>"#),
            Err(Problem::Dimension("A1:XFD1048576".into()))
        );
        assert_eq!(cell_position(b"AA10"), Some((10, 27)));
    }

    #[test]
    fn long_tags_are_refused() {
        let tag = format!("<x a=\"{}\"/>", "y".repeat(MAX_TAG_BYTES));
        assert_eq!(scan(&tag), Err(Problem::TagTooLong));
    }
}
