//! A small, forgiving CSV tokenizer that numbers rows the way a spreadsheet does.
//!
//! RFC 4180 quoting (`"a ""quoted"" value"`), any of CRLF, LF or CR as the line end, and every
//! line end outside quotes starting a new row, blank lines included, so that row numbers match
//! what the admin sees when opening the file in Excel. A quoted value that never closes is
//! reported instead of silently swallowing the rest of the file.

use super::cells::Cells;

/// What [`Records::next_into`] found out about the record it read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Scan {
    /// The record's row number (the first line is row 1).
    pub(crate) row: u32,
    /// How many fields it has.
    pub(crate) fields: usize,
    /// A quoted field was still open at the end of the input.
    pub(crate) unterminated: bool,
    /// The record's text holds a NUL character somewhere.
    pub(crate) has_nul: bool,
    /// The longest field, in bytes.
    pub(crate) longest: usize,
}

/// The records of a text, read one at a time into [`Cells`].
pub(crate) struct Records<'a> {
    text: &'a str,
    pos: usize,
    row: u32,
    delimiter: u8,
}

impl<'a> Records<'a> {
    /// Records of `text` separated by `delimiter`.
    pub(crate) fn new(text: &'a str, delimiter: u8) -> Self {
        Self {
            text,
            pos: 0,
            row: 1,
            delimiter,
        }
    }

    /// Reads the next record, appending its fields to `out`; `None` at the end of the text.
    pub(crate) fn next_into(&mut self, out: &mut Cells) -> Option<Scan> {
        let bytes = self.text.as_bytes();
        if self.pos >= bytes.len() {
            return None;
        }
        let row = self.row;
        let start = self.pos;
        self.row = self.row.saturating_add(1);
        let (mut fields, mut longest, mut unterminated) = (0, 0, false);
        let delimiter = self.delimiter;
        loop {
            let mut pos = self.pos;
            if bytes.get(pos) == Some(&b'"') {
                pos += 1;
                loop {
                    match find(bytes, pos, |b| b == b'"') {
                        None => {
                            out.push_str(slice(self.text, pos, bytes.len()));
                            pos = bytes.len();
                            unterminated = true;
                            break;
                        }
                        Some(q) => {
                            out.push_str(slice(self.text, pos, q));
                            if bytes.get(q + 1) == Some(&b'"') {
                                out.push_str("\"");
                                pos = q + 2;
                            } else {
                                pos = q + 1;
                                break;
                            }
                        }
                    }
                }
            }
            // Unquoted text, or anything after a closing quote up to the delimiter (kept, as
            // spreadsheets do).
            let end = find(bytes, pos, |b| b == delimiter || b == b'\n' || b == b'\r')
                .unwrap_or(bytes.len());
            out.push_str(slice(self.text, pos, end));
            // What the cell being built holds so far is the whole field.
            longest = longest.max(out.text_from(out.len()).len());
            out.end_cell();
            fields += 1;
            match bytes.get(end) {
                Some(&b) if b == delimiter => {
                    self.pos = end + 1;
                    if self.pos >= bytes.len() {
                        // A delimiter at the very end: one more, empty, field.
                        out.end_cell();
                        fields += 1;
                        break;
                    }
                }
                Some(b'\r') => {
                    self.pos = if bytes.get(end + 1) == Some(&b'\n') {
                        end + 2
                    } else {
                        end + 1
                    };
                    break;
                }
                Some(b'\n') => {
                    self.pos = end + 1;
                    break;
                }
                _ => {
                    self.pos = bytes.len();
                    break;
                }
            }
        }
        let has_nul = bytes
            .get(start..self.pos)
            .is_some_and(|record| record.contains(&0));
        Some(Scan {
            row,
            fields,
            unterminated,
            has_nul,
            longest,
        })
    }
}

fn find(bytes: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| pred(b))
        .map(|i| i + from)
}

/// `text[from..to]`, or empty if that is not a valid slice (it always is: the bounds sit on
/// ASCII bytes or the ends of the text).
fn slice(text: &str, from: usize, to: usize) -> &str {
    text.get(from..to).unwrap_or_default()
}

/// Picks the delimiter from the header line: the most frequent of `,` `;` and tab outside
/// quotes, comma on a tie or when there is none.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let bytes = text.as_bytes();
    // The header line: the first line with something other than whitespace.
    let mut start = 0;
    while let Some(&b) = bytes.get(start) {
        if b.is_ascii_whitespace() {
            start += 1;
        } else {
            break;
        }
    }
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for &b in bytes.get(start..).unwrap_or_default() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            b',' if !in_quotes => counts[0] += 1,
            b';' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b';', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<(u32, Vec<String>, bool)> {
        let mut records = Records::new(text, b',');
        let mut cells = Cells::default();
        let mut rows = Vec::new();
        while let Some(scan) = records.next_into(&mut cells) {
            let fields = cells.split_off(0);
            assert_eq!(scan.fields, fields.len());
            assert_eq!(scan.has_nul, fields.iter().any(|f| f.contains('\0')));
            assert_eq!(
                scan.longest,
                fields.iter().map(String::len).max().unwrap_or(0)
            );
            rows.push((scan.row, fields, scan.unterminated));
        }
        rows
    }

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rows_and_line_ends() {
        assert_eq!(
            rows("a,b\r\n1,2\n\n3,\"x\r\ny\"\r4,5"),
            vec![
                (1, v(&["a", "b"]), false),
                (2, v(&["1", "2"]), false),
                (3, v(&[""]), false),
                (4, v(&["3", "x\r\ny"]), false),
                (5, v(&["4", "5"]), false),
            ]
        );
        assert_eq!(rows(""), vec![]);
        assert_eq!(rows("a\n"), vec![(1, v(&["a"]), false)]);
        assert_eq!(rows("a,"), vec![(1, v(&["a", ""]), false)]);
        assert_eq!(rows("a,\n"), vec![(1, v(&["a", ""]), false)]);
    }

    #[test]
    fn quotes() {
        assert_eq!(
            rows("\"a \"\"b\"\"\",\"\",c\"d\""),
            vec![(1, v(&["a \"b\"", "", "c\"d\""]), false)]
        );
        assert_eq!(rows("\"ab\"cd,e"), vec![(1, v(&["abcd", "e"]), false)]);
        assert_eq!(
            rows("a\n\"open,\nb"),
            vec![(1, v(&["a"]), false), (2, v(&["open,\nb"]), true)]
        );
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff_delimiter("a,b,c\n1;2;3;4;5"), b',');
        assert_eq!(sniff_delimiter("\n\na;b;c"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc,d"), b'\t');
        assert_eq!(sniff_delimiter("\"a;b\",c"), b',');
        assert_eq!(sniff_delimiter("single"), b',');
    }
}
