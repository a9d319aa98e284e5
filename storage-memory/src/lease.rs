//! [`MemoryLeases`]: leases for the replicas of one process (tasks, not services).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use homeroom::{Clock, Lease, Leases, StorageError};

use homeroom::system::SystemClock;

/// What the map keeps per name: the last lease given out (expired or not), so tokens keep
/// growing after a release.
#[derive(Clone, Debug)]
struct Slot {
    holder: String,
    token: u64,
    expires_at: DateTime<Utc>,
}

/// In-process [`Leases`] behind one lock: for tests and for a single process whose tasks must
/// take turns. Clones share the leases. Expiry follows the [`Clock`] given (the system clock by
/// default), so tests can move time on with a [`ManualClock`](homeroom::ManualClock).
///
/// ```
/// use homeroom::Leases;
/// use homeroom_memory::MemoryLeases;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), homeroom::StorageError> {
/// let leases = MemoryLeases::new();
/// let ttl = chrono::Duration::seconds(30);
/// let lease = leases.try_acquire("sync:maple", "replica-a", ttl).await?.expect("free");
/// assert!(leases.try_acquire("sync:maple", "replica-b", ttl).await?.is_none());
/// leases.release(&lease).await?;
/// assert!(leases.try_acquire("sync:maple", "replica-b", ttl).await?.is_some());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MemoryLeases {
    slots: Arc<Mutex<HashMap<String, Slot>>>,
    clock: Arc<dyn Clock>,
}

impl MemoryLeases {
    /// Leases on the system clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// Leases on the given clock.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            slots: Arc::new(Mutex::new(HashMap::new())),
            clock,
        }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        // The map is never left half-changed, so a panic elsewhere cannot corrupt it.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MemoryLeases {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryLeases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLeases").finish_non_exhaustive()
    }
}

fn lease(name: &str, slot: &Slot) -> Lease {
    Lease {
        name: name.to_owned(),
        holder: slot.holder.clone(),
        token: slot.token,
        expires_at: slot.expires_at,
    }
}

#[async_trait]
impl Leases for MemoryLeases {
    #[tracing::instrument(level = "debug", name = "leases::try_acquire", skip_all, fields(name = %name, holder = %holder, ttl_secs = ttl.num_seconds()))]
    async fn try_acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StorageError> {
        let now = self.clock.now();
        let expires_at = now + Lease::clamp_ttl(ttl);
        let mut slots = self.slots();
        let token = match slots.get(name) {
            Some(slot) if slot.expires_at > now && slot.holder != holder => return Ok(None),
            Some(slot) => slot.token + 1,
            None => 1,
        };
        let slot = Slot {
            holder: holder.to_owned(),
            token,
            expires_at,
        };
        let given = lease(name, &slot);
        slots.insert(name.to_owned(), slot);
        Ok(Some(given))
    }

    #[tracing::instrument(level = "debug", name = "leases::renew", skip_all, fields(name = %held.name, holder = %held.holder, token = held.token, ttl_secs = ttl.num_seconds()))]
    async fn renew(&self, held: &Lease, ttl: Duration) -> Result<Lease, StorageError> {
        let now = self.clock.now();
        let mut slots = self.slots();
        match slots.get_mut(&held.name) {
            Some(slot)
                if slot.holder == held.holder
                    && slot.token == held.token
                    && slot.expires_at > now =>
            {
                slot.expires_at = now + Lease::clamp_ttl(ttl);
                Ok(lease(&held.name, slot))
            }
            _ => Err(held.lost()),
        }
    }

    #[tracing::instrument(level = "debug", name = "leases::release", skip_all, fields(name = %held.name, holder = %held.holder, token = held.token))]
    async fn release(&self, held: &Lease) -> Result<(), StorageError> {
        let now = self.clock.now();
        let mut slots = self.slots();
        match slots.get_mut(&held.name) {
            Some(slot) if slot.holder == held.holder && slot.token == held.token => {
                slot.expires_at = slot.expires_at.min(now);
                Ok(())
            }
            _ => Err(held.lost()),
        }
    }
}
