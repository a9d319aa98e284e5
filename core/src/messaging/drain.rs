//! How a drain of the outbox behaves (retries, backoff, claims) and what it did.

use chrono::Duration;
use serde::Serialize;

/// How [`Directory::drain_outbox`](crate::Directory::drain_outbox) retries and claims.
///
/// ```
/// use chrono::Duration;
/// use homeroom::messaging::DrainOptions;
/// let options = DrainOptions::default();
/// assert_eq!(options.max_attempts, 5);
/// assert_eq!(options.first_backoff, Duration::minutes(1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrainOptions {
    /// Attempts before a message is dead (at least one).
    pub max_attempts: u32,
    /// The wait after the first failed attempt; each later failure doubles it.
    pub first_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// How long a claimed message stays claimed: a sender that crashed after claiming leaves
    /// it `sending`, and it is due again once this has passed.
    pub claim_timeout: Duration,
}

impl Default for DrainOptions {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            first_backoff: Duration::minutes(1),
            max_backoff: Duration::hours(1),
            claim_timeout: Duration::minutes(10),
        }
    }
}

/// The wait before the next attempt after `attempts` failed ones: `first_backoff` ×
/// 2^(attempts − 1), at most `max_backoff`.
///
/// ```
/// use chrono::Duration;
/// use homeroom::messaging::{backoff, DrainOptions};
/// let options = DrainOptions::default();
/// assert_eq!(backoff(1, &options), Duration::minutes(1));
/// assert_eq!(backoff(3, &options), Duration::minutes(4));
/// assert_eq!(backoff(30, &options), Duration::hours(1));
/// ```
pub fn backoff(attempts: u32, options: &DrainOptions) -> Duration {
    let doublings = attempts.saturating_sub(1).min(30);
    let factor = 1_i32 << doublings;
    options
        .first_backoff
        .checked_mul(factor)
        .map_or(options.max_backoff, |wait| wait.min(options.max_backoff))
}

/// What one drain did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    /// Messages the mailer accepted and that are now `sent`.
    pub sent: u32,
    /// Messages that failed and wait for another attempt.
    pub retrying: u32,
    /// Messages given up on (`dead`): out of attempts, or refused for good.
    pub dead: u32,
    /// Messages another sender claimed first (or changed) between the listing and the claim.
    pub skipped: u32,
    /// Messages the mailer accepted but whose outcome could not be written: they are sent
    /// again after the claim timeout (the idempotency key lets the mailer's service drop the
    /// repeat).
    pub unrecorded: u32,
}
