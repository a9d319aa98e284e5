//! The rows of a file that first held each e-mail or username key: a plan checks every new
//! user's keys against the rest of the file, so at a million rows this map holds a million
//! keys. Kept end to end in one string with a 16-byte slot each, rather than a `String` each
//! in a map (an allocation and 32 bytes a slot): about 40% of the memory.

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// Where one key is in the text, and its row.
#[derive(Clone, Copy)]
struct Slot {
    start: usize,
    len: u32,
    row: u32,
}

/// Text keys, each with the row number that first held it.
#[derive(Default)]
pub(super) struct KeyRows {
    text: String,
    slots: HashTable<Slot>,
    hasher: foldhash::fast::RandomState,
}

impl KeyRows {
    /// The row that holds `key`, if any.
    pub(super) fn get(&self, key: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(key);
        self.slots
            .find(hash, |slot| key_in(&self.text, slot) == key)
            .map(|slot| slot.row)
    }

    /// Records that `row` holds `key`, unless a row already does.
    pub(super) fn insert_if_absent(&mut self, key: &str, row: u32) {
        let Ok(len) = u32::try_from(key.len()) else {
            return; // a key over 4 GiB cannot be in a file the reader accepts
        };
        let hash = self.hasher.hash_one(key);
        let Self {
            text,
            slots,
            hasher,
        } = self;
        if slots.find(hash, |slot| key_in(text, slot) == key).is_some() {
            return;
        }
        let slot = Slot {
            start: text.len(),
            len,
            row,
        };
        text.push_str(key);
        let text = &*text;
        // Growing the table rehashes the keys already in it.
        slots.insert_unique(hash, slot, |slot| hasher.hash_one(key_in(text, slot)));
    }
}

/// The key `slot` points at in `text`.
fn key_in<'t>(text: &'t str, slot: &Slot) -> &'t str {
    text.get(slot.start..slot.start + slot.len as usize)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        /// The same answers as a map of owned keys that keeps the first row of each.
        #[test]
        fn key_rows_answer_as_a_map_of_first_rows(
            inserts in prop::collection::vec(("[a-c]{0,3}", 1u32..50), 0..60),
            probes in prop::collection::vec("[a-c]{0,3}", 0..20),
        ) {
            let mut rows = KeyRows::default();
            let mut reference: HashMap<String, u32> = HashMap::new();
            for (key, row) in &inserts {
                rows.insert_if_absent(key, *row);
                reference.entry(key.clone()).or_insert(*row);
            }
            for key in inserts.iter().map(|(k, _)| k).chain(&probes) {
                prop_assert_eq!(rows.get(key), reference.get(key).copied(), "{}", key);
            }
        }
    }
}
