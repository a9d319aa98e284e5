//! A clock that moves on every read, so a command that reads the time twice stamps two
//! different times and a test can see it.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use homeroom::{Clock, ManualClock};

/// Reads `inner`, then moves it on by `step`: every read is later than the one before.
#[derive(Debug)]
pub struct SteppingClock {
    inner: Arc<ManualClock>,
    step: Duration,
}

impl SteppingClock {
    /// A clock over `inner` that moves it by `step` after each read.
    pub fn new(inner: Arc<ManualClock>, step: Duration) -> Self {
        Self { inner, step }
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        let now = self.inner.now();
        self.inner.advance(self.step);
        now
    }
}
