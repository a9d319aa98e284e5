//! The real clock and random ids (feature `system`, on by default).
//!
//! Core never uses these itself: a [`Directory`](crate::Directory) reads time from the
//! [`Clock`] and draws ids from the [`IdGen`] its host passes in. These are the implementations a
//! host passes outside tests, whatever its storage; tests pass
//! [`ManualClock`](crate::ManualClock) and [`SequentialIds`](crate::SequentialIds) instead.
//!
//! With `default-features = false` this module is absent and core cannot read the system clock
//! or draw randomness at all: the crate is pure by construction.
//!
//! ```
//! use homeroom::system::{RandomIds, SystemClock};
//! use homeroom::{Clock, IdGen};
//!
//! assert!(SystemClock.now().timestamp() > 0);
//! assert_ne!(RandomIds.next_uuid(), RandomIds.next_uuid());
//! ```

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::clock::{Clock, IdGen};

/// The system clock.
///
/// ```
/// use homeroom::Clock;
/// use homeroom::system::SystemClock;
///
/// let before = chrono::Utc::now();
/// assert!(SystemClock.now() >= before);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one clock core offers hosts; core itself reads time only from the `Clock` it is given"
    )]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Random, time-ordered ids (UUID version 7), so rows inserted together sit together in
/// database indexes.
///
/// ```
/// use homeroom::IdGen;
/// use homeroom::system::RandomIds;
///
/// let id = RandomIds.next_uuid();
/// assert_eq!(id.get_version_num(), 7);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomIds;

impl IdGen for RandomIds {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one id source core offers hosts; core itself draws ids only from the `IdGen` it is given"
    )]
    fn next_uuid(&self) -> Uuid {
        Uuid::now_v7()
    }

    /// Two random (version 4) UUIDs: 244 random bits, none of them a timestamp.
    ///
    /// ```
    /// use homeroom::IdGen;
    /// use homeroom::system::RandomIds;
    /// assert_ne!(RandomIds.secret_bytes(), RandomIds.secret_bytes());
    /// ```
    #[expect(
        clippy::disallowed_methods,
        reason = "the one random source core offers hosts; core itself draws secrets only from the `IdGen` it is given"
    )]
    fn secret_bytes(&self) -> [u8; 32] {
        let mut bytes = [0; 32];
        bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
        bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
        bytes
    }
}
