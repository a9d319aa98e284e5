//! Where a row came from: a file and a row number.

use std::fmt;
use std::sync::Arc;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// Where a row came from: the file and the row number in spreadsheet numbering (the header
/// is row 1 when it is the first line; blank rows count, as in Excel).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowRef {
    /// The file's name (inside a zip: the entry's name).
    pub file: Arc<str>,
    /// The row number.
    pub row: u32,
}

impl RowRef {
    /// A row of `file`.
    pub fn new(file: impl Into<Arc<str>>, row: u32) -> Self {
        Self {
            file: file.into(),
            row,
        }
    }
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, row {}", self.file, self.row)
    }
}

impl Serialize for RowRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("RowRef", 2)?;
        s.serialize_field("file", &*self.file)?;
        s.serialize_field("row", &self.row)?;
        s.end()
    }
}
