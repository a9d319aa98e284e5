//! The cells of a whole table in one buffer: a file of a hundred thousand rows is one `String`
//! and one list of offsets, not a `String` per cell (which made reading six times slower than
//! the bare CSV parse).

use std::fmt;

/// Cells laid end to end. Rows are runs of consecutive cells; a row is known by the index of
/// its first cell and its width.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Cells {
    text: String,
    /// Where each finished cell ends in `text`; a cell starts where the one before it ends.
    /// `u32`, not `usize`: a million-row file has millions of cells, and half the room for
    /// their ends is tens of megabytes. A table's text is therefore at most `max_end` bytes
    /// (4 GiB); see [`Cells::overflowed`].
    ends: Vec<u32>,
    max_end: u32,
    /// A cell ended past `max_end`: the table is too large, and its reader says so.
    overflowed: bool,
}

impl Default for Cells {
    fn default() -> Self {
        Self::with_capacity(0, 0)
    }
}

impl Cells {
    /// Room for about `bytes` of text in `cells` cells.
    pub(crate) fn with_capacity(bytes: usize, cells: usize) -> Self {
        Self {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(cells),
            max_end: u32::MAX,
            overflowed: false,
        }
    }

    /// Empty cells whose text may not grow past `max_end` bytes (to test what happens there).
    #[cfg(test)]
    fn with_max_end(max_end: u32) -> Self {
        Self {
            max_end,
            ..Self::default()
        }
    }

    /// True when the text outgrew what a cell's end can say (4 GiB): the cells from then on
    /// are not what was read, and the table must be refused as too large.
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// Where cell `i` ends, if it is finished.
    fn end(&self, i: usize) -> Option<usize> {
        self.ends.get(i).map(|&end| end as usize)
    }

    /// Where cell `i` starts: where the one before it ends.
    fn start(&self, i: usize) -> usize {
        match i.checked_sub(1) {
            Some(before) => self.end(before).unwrap_or(0),
            None => 0,
        }
    }

    /// The cells of one row.
    pub(crate) fn of_row<S: AsRef<str>>(values: &[S]) -> Self {
        let mut cells =
            Self::with_capacity(values.iter().map(|v| v.as_ref().len()).sum(), values.len());
        cells.push_row(values);
        cells
    }

    /// How many cells are finished.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Cell `i`, if it is finished.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let end = self.end(i)?;
        self.text.get(self.start(i)..end)
    }

    /// `count` cells from `first` (cells past the end read as empty).
    pub(crate) fn run(&self, first: usize, count: usize) -> impl ExactSizeIterator<Item = &str> {
        (first..first + count).map(|i| self.get(i).unwrap_or_default())
    }

    /// Adds text to the cell being built.
    pub(crate) fn push_str(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Finishes the cell being built.
    pub(crate) fn end_cell(&mut self) {
        let end = u32::try_from(self.text.len())
            .ok()
            .filter(|&end| end <= self.max_end);
        self.overflowed |= end.is_none();
        self.ends.push(end.unwrap_or(self.max_end));
    }

    /// Adds a whole cell.
    pub(crate) fn push(&mut self, cell: &str) {
        self.push_str(cell);
        self.end_cell();
    }

    /// Adds the cells of a row.
    pub(crate) fn push_row<S: AsRef<str>>(&mut self, values: &[S]) {
        for value in values {
            self.push(value.as_ref());
        }
    }

    /// The text of the cells from `first` on, run together: blank exactly when every one of
    /// them is blank.
    pub(crate) fn text_from(&self, first: usize) -> &str {
        self.text.get(self.start(first)..).unwrap_or_default()
    }

    /// Drops every cell from `first` on (and any cell being built).
    pub(crate) fn truncate(&mut self, first: usize) {
        let start = self.start(first);
        self.ends.truncate(first);
        self.text.truncate(start);
    }

    /// Takes the cells from `first` on out as strings (for the rare row that needs fixing).
    pub(crate) fn split_off(&mut self, first: usize) -> Vec<String> {
        let values = (first..self.len())
            .map(|i| self.get(i).unwrap_or_default().to_owned())
            .collect();
        self.truncate(first);
        values
    }

    /// Frees the room no cell uses.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

impl fmt::Debug for Cells {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.run(0, self.len())).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_rows_and_truncation() {
        let mut cells = Cells::default();
        cells.push_row(&["a", "", "bc"]);
        cells.push_str("d");
        cells.push_str("e");
        cells.end_cell();
        assert_eq!(cells.len(), 4);
        assert_eq!(cells.run(0, 4).collect::<Vec<_>>(), ["a", "", "bc", "de"]);
        assert_eq!(cells.run(3, 2).collect::<Vec<_>>(), ["de", ""]);
        assert_eq!(cells.text_from(1), "bcde");
        assert_eq!(cells.split_off(2), ["bc", "de"]);
        assert_eq!(cells.text_from(0), "a");
        cells.push_str("unfinished");
        cells.truncate(1);
        assert_eq!(cells.text_from(0), "a");
        assert_eq!(cells.get(1), None);
        cells.push("x");
        assert_eq!(cells, Cells::of_row(&["a", "x"]));
    }

    #[test]
    fn text_past_the_largest_end_marks_the_cells_overflowed() {
        let mut cells = Cells::with_max_end(5);
        cells.push_row(&["ab", "cde"]);
        assert!(!cells.overflowed(), "five bytes fit");
        cells.push("f");
        assert!(cells.overflowed());
        // Overflowed cells still answer without panicking; the reader refuses the table.
        assert_eq!(cells.run(0, 2).collect::<Vec<_>>(), ["ab", "cde"]);
        assert_eq!(cells.get(2), Some(""));
    }
}
