//! The row model every reader produces: raw text per column, tied to where it came from.

use std::fmt;
use std::sync::Arc;

use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use super::cells::Cells;
use super::field::ImportField;
use super::roster::RosterUser;
use super::source::RowRef;

/// The columns of a table: each header as written in the file and the field it names, if any.
/// Shared by every row of the table.
///
/// ```
/// use homeroom::import::{Columns, ImportField};
/// let columns = Columns::from_headers(["Local ID", "First Name", "Shoe Size"]);
/// assert_eq!(columns.position(ImportField::FirstName), Some(1));
/// assert_eq!(columns.field(2), None);
/// assert_eq!(columns.name(0), Some("Local ID"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    names: Vec<String>,
    fields: Vec<Option<ImportField>>,
    index: [Option<usize>; ImportField::COUNT],
}

impl Columns {
    /// Columns with the given names and fields. When two columns name the same field, the
    /// first wins.
    pub fn new(columns: impl IntoIterator<Item = (String, Option<ImportField>)>) -> Self {
        let mut names = Vec::new();
        let mut fields = Vec::new();
        let mut index = [None; ImportField::COUNT];
        for (i, (name, field)) in columns.into_iter().enumerate() {
            if let Some(field) = field {
                let slot = &mut index[field.index()];
                if slot.is_none() {
                    *slot = Some(i);
                }
            }
            names.push(name);
            fields.push(field);
        }
        Self {
            names,
            fields,
            index,
        }
    }

    /// Columns named by headers, each matched with [`ImportField::from_header`].
    pub fn from_headers<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Self::new(headers.into_iter().map(|h| {
            let h = h.into();
            let field = ImportField::from_header(&h);
            (h, field)
        }))
    }

    /// How many columns.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no columns.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The headers, as written in the file.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The header of column `i`.
    pub fn name(&self, i: usize) -> Option<&str> {
        self.names.get(i).map(String::as_str)
    }

    /// The field column `i` names, if it names one.
    pub fn field(&self, i: usize) -> Option<ImportField> {
        self.fields.get(i).copied().flatten()
    }

    /// The position of the column naming `field`.
    pub fn position(&self, field: ImportField) -> Option<usize> {
        self.index[field.index()]
    }

    /// True when a column names `field`.
    pub fn has(&self, field: ImportField) -> bool {
        self.position(field).is_some()
    }

    /// True when column `i` holds secrets: it names a secret field
    /// ([`ImportField::is_secret`], the Temporary Password), or its header mentions a password
    /// (`Initial Password`, `pwd`) though it names no field. Such values are shown as
    /// [`HIDDEN`] by `Debug` and serde, and left out of import reports.
    ///
    /// ```
    /// use homeroom::import::Columns;
    /// let columns = Columns::from_headers(["Local ID", "Temporary Password", "Old PWD"]);
    /// assert!(!columns.is_secret(0));
    /// assert!(columns.is_secret(1) && columns.is_secret(2));
    /// ```
    pub fn is_secret(&self, i: usize) -> bool {
        if self.field(i).is_some_and(ImportField::is_secret) {
            return true;
        }
        self.name(i).is_some_and(|name| {
            let name = name.to_ascii_lowercase();
            ["password", "passwd", "pwd", "secret"]
                .iter()
                .any(|word| name.contains(word))
        })
    }

    /// The header of the column naming `field`.
    pub fn name_of(&self, field: ImportField) -> Option<&str> {
        self.position(field).and_then(|i| self.name(i))
    }
}

/// What `Debug` and serde show instead of a secret cell's value (a blank cell stays blank).
pub const HIDDEN: &str = "••••";

/// One row of an import, as read: the text of each cell, exactly as in the file.
///
/// Values are raw: not trimmed, not parsed. Turning them into a user (and reporting what is
/// wrong with them) is the plan step's work. A row that a reader found damaged is still here
/// when its cells could be placed; the reader's [`ImportIssue`](super::ImportIssue)s name it by
/// [`RowRef`].
///
/// ```
/// use std::sync::Arc;
/// use homeroom::import::{Columns, ImportField, ImportRow, RowRef};
/// let columns = Arc::new(Columns::from_headers(["Local ID", "First Name", "Last Name"]));
/// let row = ImportRow::new(RowRef::new("staff.csv", 2), columns, vec!["00123".into(), "Ada".into()]);
/// assert_eq!(row.get(ImportField::LocalId), Some("00123"));
/// assert_eq!(row.get(ImportField::LastName), Some(""));
/// assert_eq!(row.get(ImportField::Email), None);
/// ```
#[derive(Clone)]
pub struct ImportRow {
    /// Where the row came from.
    pub source: RowRef,
    columns: Arc<Columns>,
    /// This row's values (`columns.len()` of them from `first`), in a buffer that the other
    /// rows of its file share: reading a file costs no allocation per row.
    cells: Arc<Cells>,
    first: usize,
    roster: Option<Box<RosterUser>>,
}

impl ImportRow {
    /// A row with `values` under `columns`; missing values are blank, extra values dropped.
    pub fn new(source: RowRef, columns: Arc<Columns>, mut values: Vec<String>) -> Self {
        values.resize(columns.len(), String::new());
        Self::in_table(source, columns, Arc::new(Cells::of_row(&values)), 0)
    }

    /// The row whose values start at cell `first` of a table's `cells`.
    pub(crate) fn in_table(
        source: RowRef,
        columns: Arc<Columns>,
        cells: Arc<Cells>,
        first: usize,
    ) -> Self {
        Self {
            source,
            columns,
            cells,
            first,
            roster: None,
        }
    }

    /// Attaches what a OneRoster package says about the user beyond the common fields.
    pub fn with_roster(mut self, roster: RosterUser) -> Self {
        self.roster = Some(Box::new(roster));
        self
    }

    /// The raw text of the cell for `field`: `None` when no column names the field, `Some("")`
    /// when the cell is blank.
    pub fn get(&self, field: ImportField) -> Option<&str> {
        self.columns.position(field).and_then(|i| self.value_at(i))
    }

    /// The raw text of the cell in column `column` (0-based), if there is such a column.
    pub fn value_at(&self, column: usize) -> Option<&str> {
        if column >= self.columns.len() {
            return None;
        }
        Some(self.cells.get(self.first + column).unwrap_or_default())
    }

    /// The text for `field`, trimmed, or `None` when it is absent or blank.
    pub fn value(&self, field: ImportField) -> Option<&str> {
        self.get(field).map(str::trim).filter(|v| !v.is_empty())
    }

    /// The items of a list cell (see [`split_list`]); empty when absent or blank.
    pub fn list(&self, field: ImportField) -> Vec<&str> {
        self.get(field)
            .map(|v| split_list(v).collect())
            .unwrap_or_default()
    }

    /// The header (as written in the file) of the column holding `field`, for reports.
    pub fn column_name(&self, field: ImportField) -> Option<&str> {
        self.columns.name_of(field)
    }

    /// The row's columns.
    pub fn columns(&self) -> &Arc<Columns> {
        &self.columns
    }

    /// Every value, in column order (one per column).
    pub fn values(&self) -> impl ExactSizeIterator<Item = &str> {
        self.cells.run(self.first, self.columns.len())
    }

    /// The values, by value, in column order (one per column).
    pub fn into_values(self) -> Vec<String> {
        self.values().map(str::to_owned).collect()
    }

    /// Every value in column order, with the values of secret columns
    /// ([`Columns::is_secret`]) shown as [`HIDDEN`] unless blank: what may be logged or shown.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use homeroom::import::{Columns, ImportRow, RowRef, HIDDEN};
    /// let columns = Arc::new(Columns::from_headers(["Local ID", "Temporary Password"]));
    /// let row = ImportRow::new(RowRef::new("staff.csv", 2), columns, vec!["7".into(), "Tr0ub4dor&3".into()]);
    /// assert_eq!(row.redacted_values().collect::<Vec<_>>(), ["7", HIDDEN]);
    /// assert!(!format!("{row:?}").contains("Tr0ub4dor"));
    /// ```
    pub fn redacted_values(&self) -> impl ExactSizeIterator<Item = &str> {
        self.values().enumerate().map(|(i, value)| {
            if !value.is_empty() && self.columns.is_secret(i) {
                HIDDEN
            } else {
                value
            }
        })
    }

    /// Every cell as (header, field, value), in column order.
    pub fn cells(&self) -> impl Iterator<Item = (&str, Option<ImportField>, &str)> {
        self.values().enumerate().map(|(i, value)| {
            (
                self.columns.name(i).unwrap_or_default(),
                self.columns.field(i),
                value,
            )
        })
    }

    /// What a OneRoster package says about the user beyond the common fields; `None` for rows
    /// from a CSV file or a workbook.
    pub fn roster(&self) -> Option<&RosterUser> {
        self.roster.as_deref()
    }

    /// The OneRoster details, to complete once the whole package is read.
    pub(crate) fn roster_mut(&mut self) -> Option<&mut RosterUser> {
        self.roster.as_deref_mut()
    }
}

impl PartialEq for ImportRow {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
            && self.columns == other.columns
            && self.values().eq(other.values())
            && self.roster == other.roster
    }
}

impl Eq for ImportRow {}

impl fmt::Debug for ImportRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportRow")
            .field("source", &self.source)
            .field("columns", &self.columns)
            .field("values", &self.redacted_values().collect::<Vec<_>>())
            .field("roster", &self.roster)
            .finish()
    }
}

impl Serialize for ImportRow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Cells<'a>(&'a ImportRow);
        impl Serialize for Cells<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut seq = serializer.serialize_seq(Some(self.0.columns.len()))?;
                let values = self.0.redacted_values();
                for ((column, field, _), value) in self.0.cells().zip(values) {
                    seq.serialize_element(&Cell {
                        column,
                        field,
                        value,
                    })?;
                }
                seq.end()
            }
        }
        #[derive(Serialize)]
        struct Cell<'a> {
            column: &'a str,
            field: Option<ImportField>,
            value: &'a str,
        }
        let mut s = serializer.serialize_struct("ImportRow", 3)?;
        s.serialize_field("source", &self.source)?;
        s.serialize_field("cells", &Cells(self))?;
        s.serialize_field("roster", &self.roster)?;
        s.end()
    }
}

/// Splits a list cell into its trimmed, non-blank items. Items are separated by `;`, `,`, `|`
/// or line breaks.
///
/// ```
/// use homeroom::import::split_list;
/// let items: Vec<&str> = split_list(" Lincoln Elementary; Washington MS ,, |Central").collect();
/// assert_eq!(items, ["Lincoln Elementary", "Washington MS", "Central"]);
/// ```
pub fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split([';', ',', '|', '\n', '\r'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
}
