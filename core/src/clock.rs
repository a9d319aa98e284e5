//! Time and identity sources, passed in by the host.
//!
//! Core never reads the system clock or draws randomness itself: a [`Directory`](crate::Directory)
//! is given a [`Clock`] and an [`IdGen`]. Production hosts pass a system clock and random ids;
//! tests pass the [`ManualClock`] and [`SequentialIds`] below and get repeatable results.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// A source of fresh, unique ids.
pub trait IdGen: Send + Sync + fmt::Debug {
    /// A UUID never returned before by this generator.
    fn next_uuid(&self) -> Uuid;

    /// Sixteen bytes never returned before, for salting a password hash. The default takes
    /// them from [`next_uuid`](Self::next_uuid): unique, and random when the ids are (a salt
    /// must be unique, not secret).
    fn salt(&self) -> [u8; 16] {
        self.next_uuid().into_bytes()
    }

    /// Thirty-two bytes for a one-time secret (an invitation or password-reset token), which
    /// must be unpredictable in production. The default joins two
    /// [`next_uuid`](Self::next_uuid)s: unpredictable only as far as those ids are, so a host
    /// whose ids carry a timestamp (UUID v7) should draw these from its random source
    /// (`homeroom::system::RandomIds` does).
    ///
    /// ```
    /// use homeroom::{IdGen, SequentialIds};
    /// let ids = SequentialIds::new(7);
    /// assert_ne!(ids.secret_bytes(), ids.secret_bytes());
    /// ```
    fn secret_bytes(&self) -> [u8; 32] {
        let mut bytes = [0; 32];
        bytes[..16].copy_from_slice(self.next_uuid().as_bytes());
        bytes[16..].copy_from_slice(self.next_uuid().as_bytes());
        bytes
    }
}

/// A clock that shows a fixed time until it is told to move. For tests and replays.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use homeroom::{Clock, ManualClock};
///
/// let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 15, 7, 0, 0).unwrap());
/// clock.advance(Duration::minutes(5));
/// assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 8, 15, 7, 5, 0).unwrap());
/// ```
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Ids counted up from a seed: `00000000-0000-…-000000000001`, `…0002`, …. For tests.
///
/// Two generators with different seeds never collide, so concurrent test writers can each have
/// their own.
///
/// ```
/// use homeroom::{IdGen, SequentialIds};
/// let ids = SequentialIds::new(7);
/// assert_ne!(ids.next_uuid(), ids.next_uuid());
/// ```
#[derive(Debug)]
pub struct SequentialIds {
    seed: u64,
    counter: AtomicU64,
}

impl SequentialIds {
    /// A generator whose ids carry `seed` in their high bits.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            counter: AtomicU64::new(0),
        }
    }
}

impl IdGen for SequentialIds {
    fn next_uuid(&self) -> Uuid {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        Uuid::from_u64_pair(self.seed, n)
    }

    /// Predictable on purpose (tests): two counted ids.
    fn secret_bytes(&self) -> [u8; 32] {
        let mut bytes = [0; 32];
        bytes[..16].copy_from_slice(self.next_uuid().as_bytes());
        bytes[16..].copy_from_slice(self.next_uuid().as_bytes());
        bytes
    }
}
