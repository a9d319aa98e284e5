//! The whole storage conformance kit, run against the in-memory backend.

use std::sync::Arc;

use homeroom::Storage;
use homeroom_memory::MemoryStorage;

homeroom::storage_conformance_tests!(|_case: &'static str| async {
    Arc::new(MemoryStorage::new()) as Arc<dyn Storage>
});
