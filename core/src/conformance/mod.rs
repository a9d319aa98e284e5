//! The storage conformance kit: every rule of the [storage contract](crate::storage), as named
//! cases a backend runs with one macro call.
//!
//! ```ignore
//! // in your backend's tests/conformance.rs
//! homeroom::storage_conformance_tests!(|case: &'static str| async move {
//!     std::sync::Arc::new(my_backend::Store::fresh_for(case).await) as std::sync::Arc<dyn homeroom::Storage>
//! });
//! ```
//!
//! The macro emits one `#[test]` per case in [`CASES`], each with a fresh store from the
//! factory (which is told the case's name, so a backend can give each case its own schema or
//! file). Cases assert error *kinds*, never messages. [`run_all`] runs the same table in one
//! call, for harnesses that prefer a single test.

mod cases;
mod fixtures;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::storage::Storage;

pub use fixtures::Fixture;

/// A boxed future, as the cases return.
pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One named rule of the contract.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// The case's name, also the name of its generated test.
    pub name: &'static str,
    /// Runs the case against a fresh store; panics (fails the test) when the store breaks the rule.
    pub run: fn(Arc<dyn Storage>) -> CaseFuture,
}

/// Runs a future to completion on a fresh multi-threaded runtime. The generated tests use it so
/// that a backend's test crate needs no runtime attributes of its own.
pub fn block_on<F: Future>(future: F) -> F::Output {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(future),
        Err(error) => panic_with(&format!("cannot start a tokio runtime: {error}")),
    }
}

#[allow(clippy::panic)] // the kit reports a failed rule by failing the test
fn panic_with(message: &str) -> ! {
    panic!("{message}")
}

/// Finds a case by name.
pub fn case(name: &str) -> Option<&'static Case> {
    CASES.iter().find(|c| c.name == name)
}

/// Runs the named case against the store the factory makes. Used by the generated tests.
pub async fn run_case<F, Fut>(name: &'static str, factory: F)
where
    F: FnOnce(&'static str) -> Fut,
    Fut: Future<Output = Arc<dyn Storage>>,
{
    let Some(case) = case(name) else {
        panic_with(&format!("no conformance case named {name}"));
    };
    let store = factory(name).await;
    (case.run)(store).await;
}

/// Runs every case, each on a fresh store from the factory, and returns the names of those that
/// failed (empty when the backend conforms).
pub async fn run_all<F, Fut>(factory: F) -> Vec<&'static str>
where
    F: Fn(&'static str) -> Fut,
    Fut: Future<Output = Arc<dyn Storage>>,
{
    let mut failed = Vec::new();
    for case in CASES {
        let store = factory(case.name).await;
        let outcome = tokio::spawn((case.run)(store)).await;
        if outcome.is_err() {
            failed.push(case.name);
        }
    }
    failed
}

pub use cases::CASES;

/// Emits one `#[test]` per conformance case for a backend.
///
/// The argument is a factory: anything callable as `factory(case_name: &'static str)` that
/// returns a future of `Arc<dyn Storage>` holding a fresh, empty store.
///
/// ```ignore
/// homeroom::storage_conformance_tests!(|_case: &'static str| async {
///     std::sync::Arc::new(homeroom_memory::MemoryStorage::new()) as std::sync::Arc<dyn homeroom::Storage>
/// });
/// ```
#[macro_export]
macro_rules! storage_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_emit!($factory;
            insert_district_then_read,
        );
    };
}

/// Emits the tests; the list of names is checked against [`CASES`] by a generated test.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_emit {
    ($factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::conformance::block_on($crate::conformance::run_case(stringify!($case), $factory));
            }
        )*

        #[test]
        fn conformance_macro_lists_every_case() {
            let listed: &[&str] = &[$(stringify!($case)),*];
            let table: Vec<&str> = $crate::conformance::CASES.iter().map(|c| c.name).collect();
            assert_eq!(listed, table.as_slice(), "the macro and the CASES table disagree");
        }
    };
}
