//! The real clock and random ids, for hosts that embed Homeroom.
//!
//! `homeroom` itself never reads the clock or draws randomness; these are the implementations a
//! host passes in outside tests.

use chrono::{DateTime, Utc};
use homeroom::{Clock, IdGen};
use uuid::Uuid;

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Random, time-ordered ids (UUID version 7), so rows inserted together sit together in
/// database indexes.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomIds;

impl IdGen for RandomIds {
    fn next_uuid(&self) -> Uuid {
        Uuid::now_v7()
    }
}
