//! A list of rows kept as deflated JSON in base64 text: how an import batch stores the rows it
//! created (in an item body, which is text). JSON of user details repeats its field names row
//! after row, which is what deflate removes (about 10 to 1 on generated rosters).

use std::io::{Read, Write};

use base64ct::{Base64, Encoding};
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::storage::StorageError;

/// Rows written so far, as JSON until [`PackedRowsWriter::finish`] compresses them in one go
/// (one call into the compressor per list, rather than one per JSON token).
pub(crate) struct PackedRowsWriter {
    json: Vec<u8>,
}

impl PackedRowsWriter {
    /// An empty list.
    pub(crate) fn new() -> Self {
        Self { json: vec![b'['] }
    }

    /// Appends `row`.
    pub(crate) fn push<T: Serialize>(&mut self, row: &T) -> Result<(), StorageError> {
        if self.json.len() > 1 {
            self.json.push(b',');
        }
        serde_json::to_writer(&mut self.json, row)
            .map_err(|e| StorageError::backend("an import row cannot be packed", e))
    }

    /// The list, deflated, as base64 text.
    pub(crate) fn finish(mut self) -> Result<String, StorageError> {
        self.json.push(b']');
        // The fastest level: an import writes every row once and reads a few back, so speed
        // counts more than the last few percent of size.
        let mut encoder =
            DeflateEncoder::new(Vec::with_capacity(self.json.len() / 8), Compression::fast());
        let packed = encoder
            .write_all(&self.json)
            .and_then(|()| encoder.finish())
            .map_err(|e| StorageError::backend("import rows cannot be packed", e))?;
        Ok(Base64::encode_string(&packed))
    }
}

/// The rows of a list [`PackedRowsWriter`] wrote.
pub(crate) fn unpack<T: DeserializeOwned>(packed: &str) -> Result<Vec<T>, StorageError> {
    let unreadable = |e: &dyn std::fmt::Display| StorageError::Backend {
        message: format!("an import batch's stored rows are unreadable: {e}"),
        source: None,
    };
    let deflated = Base64::decode_vec(packed).map_err(|e| unreadable(&e))?;
    let mut json = Vec::new();
    DeflateDecoder::new(deflated.as_slice())
        .read_to_end(&mut json)
        .map_err(|e| unreadable(&e))?;
    serde_json::from_slice(&json).map_err(|e| unreadable(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pack(rows: &[(u32, String)]) -> String {
        let mut writer = PackedRowsWriter::new();
        for row in rows {
            writer.push(row).unwrap();
        }
        writer.finish().unwrap()
    }

    proptest! {
        #[test]
        fn what_is_packed_unpacks_unchanged(rows in proptest::collection::vec((any::<u32>(), ".*"), 0..40)) {
            let back: Vec<(u32, String)> = unpack(&pack(&rows)).unwrap();
            prop_assert_eq!(back, rows);
        }
    }

    #[test]
    fn repeated_rows_pack_small() {
        let rows: Vec<(u32, String)> = (0..1000)
            .map(|n| {
                (
                    n,
                    format!("{{\"first\":null,\"middle\":null,\"last\":\"Hopper{n}\"}}"),
                )
            })
            .collect();
        let plain = serde_json::to_string(&rows).unwrap().len();
        assert!(
            pack(&rows).len() * 4 < plain,
            "packed to more than a quarter"
        );
    }

    #[test]
    fn damaged_text_is_an_error_not_a_panic() {
        for damaged in ["not base64!", "AAAA", ""] {
            let err = unpack::<(u32, String)>(damaged).unwrap_err();
            assert!(err.to_string().contains("unreadable"), "{err}");
        }
    }
}
