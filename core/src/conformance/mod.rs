//! The storage conformance kit: every rule of the [storage contract](crate::storage) and of
//! [leases](crate::storage::Lease), as named cases that a backend runs through one test
//! target.
//!
//! A backend describes itself with a [`Backend`]: a factory the kit calls for a fresh, empty
//! database per case (told the case's name, so a backend can give each case its own schema
//! or file), and for a second, independent [`Handle`] on that database, as another process
//! would open it. [`run`] (or a [`Kit`], to run several backends or variants in one binary)
//! turns every case of [`CASES`] into one test of a [`libtest-mimic`](libtest_mimic) harness,
//! named after the case:
//!
//! ```toml
//! # your backend's Cargo.toml
//! [[test]]
//! name = "conformance"
//! harness = false
//! ```
//!
//! ```no_run
//! // your backend's tests/conformance.rs
//! use std::process::ExitCode;
//! use std::sync::Arc;
//!
//! use homeroom::conformance::{Backend, Handle};
//! use homeroom_memory::{MemoryLeases, MemoryStorage};
//!
//! struct Memory;
//!
//! #[async_trait::async_trait]
//! impl Backend for Memory {
//!     fn offers_leases(&self) -> bool {
//!         true
//!     }
//!     async fn fresh(&self, _case: &'static str) -> Handle {
//!         Handle::new(Arc::new(MemoryStorage::new())).with_leases(Arc::new(MemoryLeases::new()))
//!     }
//!     async fn another_handle(&self, _case: &'static str, first: &Handle) -> Handle {
//!         first.clone() // one process: the second handle shares the first one's state
//!     }
//! }
//!
//! fn main() -> ExitCode {
//!     homeroom::conformance::run(Memory)
//! }
//! ```
//!
//! `cargo test --test conformance` then runs every case, `cargo test --test conformance --
//! stale_update` the cases whose name contains `stale_update`, and a failure is reported
//! under the case's name. Cases assert error *kinds*, never messages.
//!
//! The cases come in three shapes, decided by what they take: one store (most of them), two
//! handles on one database (the races between processes, which every backend runs), or the
//! leases of two handles. Leases are a capability of their own: a backend whose
//! [`Backend::offers_leases`] is false cannot run syncs, and its lease cases are listed as
//! ignored (tagged `[no leases]`), never passed. [`failures`] runs the whole table in one
//! call and names the cases that failed, for a test that checks the kit itself.

mod cases;
mod fixtures;
mod kit;

use std::future::Future;
use std::pin::Pin;

pub use cases::CASES;
pub use fixtures::Fixture;
pub use kit::{Backend, Handle, Kit, failures, run};

use kit::Setup;

/// A boxed future, as the cases return.
pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One named rule of the contract.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// The case's name, also the name of its test.
    pub name: &'static str,
    /// Whether the case checks leases, and so runs only on a backend that offers them.
    pub needs_leases: bool,
    /// Takes what the case needs from the backend, runs it, and panics (fails the test) when
    /// the backend breaks the rule.
    run: fn(Setup) -> CaseFuture,
}

/// Finds a case by name.
///
/// ```
/// let case = homeroom::conformance::case("stale_update_is_a_conflict");
/// assert!(case.is_some_and(|c| !c.needs_leases));
/// assert!(homeroom::conformance::case("no_such_case").is_none());
/// ```
pub fn case(name: &str) -> Option<&'static Case> {
    CASES.iter().find(|c| c.name == name)
}

#[allow(clippy::panic)] // the kit reports a failed rule by failing the test
fn panic_with(message: &str) -> ! {
    panic!("{message}")
}
