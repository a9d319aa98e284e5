//! The runner: what a backend gives the kit ([`Backend`], [`Handle`]), how each case takes
//! what it needs from it, and the harness that turns the table into tests ([`Kit`], [`run`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;

use async_trait::async_trait;
use libtest_mimic::{Arguments, Completion, Failed, Trial};

use super::{CASES, Case, CaseFuture, panic_with};
use crate::storage::{Leases, Storage};

/// One handle on a case's database, as one process holds it: the storage, and the leases
/// over the same database when the backend has them.
///
/// ```
/// use std::sync::Arc;
/// use homeroom::conformance::Handle;
/// use homeroom_memory::{MemoryLeases, MemoryStorage};
///
/// let plain = Handle::new(Arc::new(MemoryStorage::new()));
/// assert!(plain.leases.is_none());
/// let with_leases = plain.with_leases(Arc::new(MemoryLeases::new()));
/// assert!(with_leases.leases.is_some());
/// ```
#[derive(Clone)]
pub struct Handle {
    /// The storage.
    pub storage: Arc<dyn Storage>,
    /// The leases over the same database, or `None` when the backend offers none.
    pub leases: Option<Arc<dyn Leases>>,
}

impl Handle {
    /// A handle on `storage`, without leases.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self {
            storage,
            leases: None,
        }
    }

    /// This handle, with `leases` over the same database.
    pub fn with_leases(self, leases: Arc<dyn Leases>) -> Self {
        Self {
            leases: Some(leases),
            ..self
        }
    }

    /// A handle on a store that is its own leases (as a SQL backend's is: one table more in
    /// the same database).
    pub fn of<S: Storage + Leases + 'static>(store: Arc<S>) -> Self {
        Self {
            storage: Arc::clone(&store) as Arc<dyn Storage>,
            leases: Some(store as Arc<dyn Leases>),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("leases", &self.leases.is_some())
            .finish_non_exhaustive()
    }
}

/// A storage backend, as the kit sees it: the factory of the databases the cases run on.
///
/// The kit calls [`fresh`](Backend::fresh) once per case, and
/// [`another_handle`](Backend::another_handle) when the case races two processes on one
/// database. Both may panic when the database cannot be made; that fails the case. See the
/// [module documentation](super) for a whole test target.
///
/// ```
/// use std::sync::Arc;
///
/// use homeroom::conformance::{Backend, Handle};
/// use homeroom_memory::MemoryStorage;
///
/// /// A backend without leases: its lease cases are reported as ignored.
/// struct StorageOnly;
///
/// #[async_trait::async_trait]
/// impl Backend for StorageOnly {
///     fn offers_leases(&self) -> bool {
///         false
///     }
///     async fn fresh(&self, _case: &'static str) -> Handle {
///         Handle::new(Arc::new(MemoryStorage::new()))
///     }
///     async fn another_handle(&self, _case: &'static str, first: &Handle) -> Handle {
///         first.clone()
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(homeroom::conformance::failures(StorageOnly).await, Vec::<&str>::new());
/// # }
/// ```
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Whether this backend's handles carry [leases](Handle::leases). The kit asks before it
    /// runs anything: when `false`, the lease cases are reported as ignored.
    fn offers_leases(&self) -> bool;

    /// A fresh, empty database for the case named `case`, and a first handle on it.
    async fn fresh(&self, case: &'static str) -> Handle;

    /// A second, independent handle on the database that [`fresh`](Backend::fresh) made for
    /// `case` (whose first handle is `first`), as another process or replica would open it:
    /// a connection pool of its own where the backend has pools. A backend whose database
    /// lives inside one process (in memory) answers with `first`, cloned.
    async fn another_handle(&self, case: &'static str, first: &Handle) -> Handle;
}

/// What a case is handed: the backend and the case's name, from which it takes what it needs.
pub(crate) struct Setup {
    backend: Arc<dyn Backend>,
    case: &'static str,
}

impl Setup {
    async fn first(&self) -> Handle {
        self.backend.fresh(self.case).await
    }

    async fn two(&self) -> (Handle, Handle) {
        let first = self.first().await;
        let second = self.backend.another_handle(self.case, &first).await;
        (first, second)
    }
}

/// Two handles on one database, as two processes hold it.
pub(crate) struct Replicas {
    /// The first process's storage.
    pub(crate) a: Arc<dyn Storage>,
    /// The second process's storage.
    pub(crate) b: Arc<dyn Storage>,
}

/// The leases of two handles on one database, as two processes hold them.
pub(crate) struct LeasePair {
    /// The first process's leases.
    pub(crate) a: Arc<dyn Leases>,
    /// The second process's leases.
    pub(crate) b: Arc<dyn Leases>,
}

/// What a case can take: made from the backend for the case.
pub(crate) trait Input: Sized + Send + 'static {
    /// Whether making it needs the backend's leases.
    const NEEDS_LEASES: bool;

    /// Makes it for the case.
    fn make(setup: Setup) -> Pin<Box<dyn Future<Output = Self> + Send>>;
}

impl Input for Arc<dyn Storage> {
    const NEEDS_LEASES: bool = false;

    fn make(setup: Setup) -> Pin<Box<dyn Future<Output = Self> + Send>> {
        Box::pin(async move { setup.first().await.storage })
    }
}

impl Input for Replicas {
    const NEEDS_LEASES: bool = false;

    fn make(setup: Setup) -> Pin<Box<dyn Future<Output = Self> + Send>> {
        Box::pin(async move {
            let (a, b) = setup.two().await;
            Replicas {
                a: a.storage,
                b: b.storage,
            }
        })
    }
}

impl Input for LeasePair {
    const NEEDS_LEASES: bool = true;

    fn make(setup: Setup) -> Pin<Box<dyn Future<Output = Self> + Send>> {
        Box::pin(async move {
            let (a, b) = setup.two().await;
            match (a.leases, b.leases) {
                (Some(a), Some(b)) => LeasePair { a, b },
                _ => panic_with(
                    "the backend says it offers leases, but a handle it made carries none",
                ),
            }
        })
    }
}

/// Whether a case that takes `T` needs leases (for the `CASES` table).
pub(crate) const fn needs_leases<T: Input, F>(_case: fn(T) -> F) -> bool {
    T::NEEDS_LEASES
}

/// Runs `case` on what it takes, made from `setup` (for the `CASES` table).
pub(crate) fn start<T, F>(case: fn(T) -> F, setup: Setup) -> CaseFuture
where
    T: Input,
    F: Future<Output = ()> + Send + 'static,
{
    Box::pin(async move { case(T::make(setup).await).await })
}

/// Why a lease case did not run.
const NO_LEASES: &str = "the backend offers no leases (Backend::offers_leases is false)";

/// The conformance tests of one test target: every case on each backend added, as
/// [`libtest-mimic`](libtest_mimic) trials.
///
/// ```no_run
/// # use std::sync::Arc;
/// # use homeroom::conformance::{Backend, Handle, Kit};
/// # struct Memory;
/// # #[async_trait::async_trait]
/// # impl Backend for Memory {
/// #     fn offers_leases(&self) -> bool { false }
/// #     async fn fresh(&self, _: &'static str) -> Handle {
/// #         Handle::new(Arc::new(homeroom_memory::MemoryStorage::new()))
/// #     }
/// #     async fn another_handle(&self, _: &'static str, first: &Handle) -> Handle { first.clone() }
/// # }
/// fn main() -> std::process::ExitCode {
///     let server_configured = std::env::var_os("MY_DB_URL").is_some();
///     let kit = Kit::new().backend("memory", Memory);
///     let kit = if server_configured {
///         kit.backend("server", Memory)
///     } else {
///         kit.skipped("server", "no server configured (set MY_DB_URL)")
///     };
///     kit.main()
/// }
/// ```
#[derive(Default)]
pub struct Kit {
    trials: Vec<Trial>,
}

impl fmt::Debug for Kit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kit")
            .field("trials", &self.trials.len())
            .finish()
    }
}

/// The name of `case`'s test under `prefix`: `prefix::case`, or the case's name alone.
fn trial_name(prefix: &str, case: &Case) -> String {
    if prefix.is_empty() {
        case.name.to_owned()
    } else {
        format!("{prefix}::{}", case.name)
    }
}

impl Kit {
    /// A kit with no tests yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every case, run on `backend`, each test named `prefix::case` (or `case` when
    /// `prefix` is empty). The lease cases are ignored when the backend offers no leases.
    pub fn backend(mut self, prefix: &str, backend: impl Backend) -> Self {
        let backend: Arc<dyn Backend> = Arc::new(backend);
        let leases = backend.offers_leases();
        for case in CASES {
            let name = trial_name(prefix, case);
            let trial = if case.needs_leases && !leases {
                Trial::ignorable_test(name, || Ok(Completion::ignored_with(NO_LEASES)))
                    .with_kind("no leases")
                    .with_ignored_flag(true)
            } else {
                let backend = Arc::clone(&backend);
                Trial::test(name, move || run_one(case, backend))
            };
            self.trials.push(trial);
        }
        self
    }

    /// Adds every case under `prefix` as ignored, because the backend cannot run here (no
    /// server is configured, say). `reason` is printed once, and by each case when ignored
    /// cases are asked for (`-- --include-ignored`).
    pub fn skipped(mut self, prefix: &str, reason: &str) -> Self {
        eprintln!("skipping the {prefix} conformance cases: {reason}");
        for case in CASES {
            let reason = reason.to_owned();
            self.trials.push(
                Trial::ignorable_test(trial_name(prefix, case), move || {
                    Ok(Completion::ignored_with(reason))
                })
                .with_kind("skipped")
                .with_ignored_flag(true),
            );
        }
        self
    }

    /// Adds every case under `prefix` as failing with `reason`: for a backend that must run
    /// (CI requires it) but cannot.
    pub fn unavailable(mut self, prefix: &str, reason: &str) -> Self {
        for case in CASES {
            let reason = reason.to_owned();
            self.trials
                .push(Trial::test(trial_name(prefix, case), move || {
                    Err(reason.into())
                }));
        }
        self
    }

    /// Runs the tests as the command line asks (the arguments of `cargo test`'s harness: a
    /// filter, `--exact`, `--list`, `--include-ignored`, `--test-threads`, ...) and answers
    /// the exit code: success when no test failed.
    pub fn main(self) -> ExitCode {
        libtest_mimic::run(&Arguments::from_args(), self.trials).exit_code()
    }
}

/// The whole conformance suite as a test target's `main`: every case on `backend`, each test
/// named after its case.
///
/// See the [module documentation](super) for an example.
pub fn run(backend: impl Backend) -> ExitCode {
    Kit::new().backend("", backend).main()
}

/// Runs `case` on `backend` on a runtime of its own.
fn run_one(case: &'static Case, backend: Arc<dyn Backend>) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| Failed::from(format!("cannot start a tokio runtime: {error}")))?;
    runtime.block_on((case.run)(Setup {
        backend,
        case: case.name,
    }));
    Ok(())
}

/// Runs every case on `backend` (each on a task of the current runtime, which must have the
/// time driver enabled) and answers the names of those that failed: empty when the backend
/// conforms. The lease cases are left out when the backend offers no leases.
///
/// For checking the kit itself (that it catches a broken backend); a backend's own tests use
/// [`run`].
pub async fn failures(backend: impl Backend) -> Vec<&'static str> {
    let backend: Arc<dyn Backend> = Arc::new(backend);
    let leases = backend.offers_leases();
    let mut failed = Vec::new();
    for case in CASES.iter().filter(|c| leases || !c.needs_leases) {
        let setup = Setup {
            backend: Arc::clone(&backend),
            case: case.name,
        };
        if tokio::spawn((case.run)(setup)).await.is_err() {
            failed.push(case.name);
        }
    }
    failed
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// A backend the listing never calls.
    struct Unused {
        leases: bool,
    }

    #[async_trait]
    impl Backend for Unused {
        fn offers_leases(&self) -> bool {
            self.leases
        }
        async fn fresh(&self, case: &'static str) -> Handle {
            panic!("listing the tests must not make a store (asked for {case})")
        }
        async fn another_handle(&self, case: &'static str, _first: &Handle) -> Handle {
            panic!("listing the tests must not make a store (asked for {case})")
        }
    }

    #[test]
    fn case_names_are_unique_so_each_names_one_test() {
        let names: BTreeSet<&str> = CASES.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), CASES.len());
        assert!(CASES.iter().any(|c| c.needs_leases));
        assert!(CASES.iter().any(|c| !c.needs_leases));
    }

    #[test]
    fn every_case_is_a_test_named_after_it_and_lease_cases_are_ignored_without_leases() {
        let kit = Kit::new()
            .backend("", Unused { leases: true })
            .backend("bare", Unused { leases: false });
        let (plain, bare) = kit.trials.split_at(CASES.len());
        for ((case, with), without) in CASES.iter().zip(plain).zip(bare) {
            assert_eq!(with.name(), case.name);
            assert!(!with.has_ignored_flag(), "{}", case.name);
            assert_eq!(without.name(), format!("bare::{}", case.name));
            assert_eq!(
                without.has_ignored_flag(),
                case.needs_leases,
                "{}",
                case.name
            );
            let kind = if case.needs_leases { "no leases" } else { "" };
            assert_eq!(without.kind(), kind);
        }
    }

    #[test]
    fn a_skipped_backend_lists_every_case_as_ignored() {
        let kit = Kit::new().skipped("server", "no server here");
        assert_eq!(kit.trials.len(), CASES.len());
        assert!(kit.trials.iter().all(|t| t.has_ignored_flag()));
        let kit = Kit::new().unavailable("server", "required");
        assert!(kit.trials.iter().all(|t| !t.has_ignored_flag()));
    }
}
