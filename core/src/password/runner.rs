//! Where password hashing runs, and how much of it at once.
//!
//! An Argon2id hash or check takes ~19 MiB and tens of milliseconds of CPU by design. Run
//! inline on an async executor it stalls every other task on that worker; run without a bound,
//! a flood of sign-ins (or an import creating thousands of users with temporary passwords)
//! takes all the memory and cores there are. A host hands the work to a [`HashRunner`] of its
//! own (with tokio, `spawn_blocking`), and the [`Directory`](crate::Directory) lets only so
//! many hashes run at once.

use std::fmt;
use std::sync::{Arc, Mutex};

use async_lock::Semaphore;
use async_trait::async_trait;

use super::{Password, PasswordHash};
use crate::validation::{InvalidValue, ValidationCode};

/// Runs password-hashing jobs where the host wants them: on a blocking thread pool for an async
/// host, inline for a synchronous one.
///
/// A tokio host:
///
/// ```
/// use homeroom::password::HashRunner;
///
/// #[derive(Debug)]
/// struct BlockingPool;
///
/// #[async_trait::async_trait]
/// impl HashRunner for BlockingPool {
///     async fn run(&self, job: Box<dyn FnOnce() + Send + 'static>) {
///         // A job that panicked has no result; the directory then reports the hash failed.
///         let _ = tokio::task::spawn_blocking(job).await;
///     }
/// }
/// ```
///
/// and then `Directory::new(..).with_hash_runner(Arc::new(BlockingPool), 4)`.
#[async_trait]
pub trait HashRunner: Send + Sync + fmt::Debug {
    /// Runs `job` once, to completion, before returning.
    async fn run(&self, job: Box<dyn FnOnce() + Send + 'static>);
}

/// Runs jobs on the calling thread: right for tests, scripts and synchronous hosts; an async
/// server should give the directory a [`HashRunner`] that leaves its workers free.
#[derive(Clone, Copy, Debug, Default)]
pub struct InlineHashRunner;

#[async_trait]
impl HashRunner for InlineHashRunner {
    async fn run(&self, job: Box<dyn FnOnce() + Send + 'static>) {
        job();
    }
}

/// How many hashes may run at once when the host does not say.
pub const DEFAULT_CONCURRENT_HASHES: usize = 4;

/// A [`HashRunner`] with a cap on how many of its jobs run at once: the directory's hashing.
#[derive(Clone)]
pub(crate) struct Hashing {
    runner: Arc<dyn HashRunner>,
    permits: Arc<Semaphore>,
}

impl fmt::Debug for Hashing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hashing")
            .field("runner", &self.runner)
            .finish_non_exhaustive()
    }
}

impl Default for Hashing {
    fn default() -> Self {
        Self::new(Arc::new(InlineHashRunner), DEFAULT_CONCURRENT_HASHES)
    }
}

impl Hashing {
    /// Jobs go to `runner`, at most `max_concurrent` (at least one) at a time.
    pub(crate) fn new(runner: Arc<dyn HashRunner>, max_concurrent: usize) -> Self {
        Self {
            runner,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }

    /// Hashes `password` with `salt` on the runner.
    pub(crate) async fn hash(
        &self,
        password: &Password,
        salt: [u8; 16],
    ) -> Result<PasswordHash, InvalidValue> {
        let password = password.clone();
        self.off_thread(move || PasswordHash::new(&password, salt))
            .await
            .unwrap_or_else(|| Err(not_run()))
    }

    /// True when `candidate` matches `hash`, checked on the runner. A job the runner lost
    /// verifies nothing.
    pub(crate) async fn verify(&self, hash: &PasswordHash, candidate: &str) -> bool {
        let (hash, candidate) = (hash.clone(), Password::unchecked(candidate));
        self.off_thread(move || hash.verify(candidate.expose()))
            .await
            .unwrap_or(false)
    }

    /// Runs `work` on the runner under a permit; `None` when the runner did not run it.
    async fn off_thread<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let _permit = self.permits.acquire().await;
        let slot = Arc::new(Mutex::new(None));
        let filled = Arc::clone(&slot);
        self.runner
            .run(Box::new(move || {
                let value = work();
                if let Ok(mut slot) = filled.lock() {
                    *slot = Some(value);
                }
            }))
            .await;
        slot.lock().ok().and_then(|mut slot| slot.take())
    }
}

fn not_run() -> InvalidValue {
    InvalidValue::new(
        ValidationCode::InvalidCharacters,
        "the password could not be hashed: the host's hash runner did not run the job",
    )
}
