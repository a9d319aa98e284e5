//! The whole storage conformance kit, run against the in-memory backend: one store per case,
//! its leases beside it, and a second handle that shares both (one process holds the data).

use std::process::ExitCode;
use std::sync::Arc;

use homeroom::conformance::{Backend, Handle};
use homeroom_memory::{MemoryLeases, MemoryStorage};

/// The in-memory backend, as the kit sees it.
struct Memory;

#[async_trait::async_trait]
impl Backend for Memory {
    fn offers_leases(&self) -> bool {
        true
    }

    async fn fresh(&self, _case: &'static str) -> Handle {
        Handle::new(Arc::new(MemoryStorage::new())).with_leases(Arc::new(MemoryLeases::new()))
    }

    async fn another_handle(&self, _case: &'static str, first: &Handle) -> Handle {
        first.clone()
    }
}

fn main() -> ExitCode {
    homeroom::conformance::run(Memory)
}
