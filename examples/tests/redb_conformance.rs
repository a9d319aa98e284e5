//! The whole storage conformance kit against the redb adapter: a fresh in-memory database per
//! case, its leases on the system clock, and a clone of the store as the second handle (redb
//! opens a database file in one process only, so the clone is what a second task there holds).

use std::process::ExitCode;
use std::sync::Arc;

use homeroom::conformance::{Backend, Handle};
use homeroom_examples::redb_adapter::RedbStorage;

struct Redb;

#[async_trait::async_trait]
impl Backend for Redb {
    fn offers_leases(&self) -> bool {
        true
    }

    #[allow(clippy::expect_used)] // a store that cannot open fails the case
    async fn fresh(&self, _case: &'static str) -> Handle {
        let store = RedbStorage::in_memory().expect("an in-memory redb");
        let leases = store.leases(Arc::new(homeroom::system::SystemClock));
        Handle::new(Arc::new(store)).with_leases(Arc::new(leases))
    }

    async fn another_handle(&self, _case: &'static str, first: &Handle) -> Handle {
        first.clone()
    }
}

fn main() -> ExitCode {
    homeroom::conformance::run(Redb)
}
