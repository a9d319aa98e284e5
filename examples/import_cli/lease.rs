//! The sync lease of a district, held for one run: taken before planning, renewed in the
//! background while the run lasts, renewed by `Directory::apply_sync` just before the write,
//! released at the end.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration as StdDuration;

use chrono::Duration;
use homeroom::{DistrictId, Lease, Leases, StorageError};
use tokio::task::JoinHandle;

/// How long a lease lasts unless renewed: a crashed run blocks the next sync for at most this.
pub const LEASE_TTL: Duration = Duration::minutes(2);

/// How often a running sync renews its lease.
const RENEW_EVERY: StdDuration = StdDuration::from_secs(30);

/// A district's sync lease, held by this run.
pub(crate) struct SyncLease {
    leases: Arc<dyn Leases>,
    current: Arc<Mutex<Lease>>,
    renewer: JoinHandle<()>,
}

impl SyncLease {
    /// Takes the sync lease of `district` for `holder`; `None` when another run holds it.
    pub(crate) async fn acquire(
        leases: Arc<dyn Leases>,
        district: DistrictId,
        holder: &str,
    ) -> Result<Option<Self>, StorageError> {
        let name = Lease::sync_name(district);
        let Some(lease) = leases.try_acquire(&name, holder, LEASE_TTL).await? else {
            return Ok(None);
        };
        let current = Arc::new(Mutex::new(lease));
        let renewer = tokio::spawn(renew_forever(Arc::clone(&leases), Arc::clone(&current)));
        Ok(Some(Self {
            leases,
            current,
            renewer,
        }))
    }

    /// Where the lease came from.
    pub(crate) fn leases(&self) -> &dyn Leases {
        &*self.leases
    }

    /// The lease as last renewed.
    pub(crate) fn lease(&self) -> Lease {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops renewing and gives the lease up.
    pub(crate) async fn release(self) -> Result<(), StorageError> {
        self.renewer.abort();
        self.leases.release(&self.lease()).await
    }
}

impl Drop for SyncLease {
    /// A run dropped halfway stops renewing; its lease then runs out on its own.
    fn drop(&mut self) {
        self.renewer.abort();
    }
}

async fn renew_forever(leases: Arc<dyn Leases>, current: Arc<Mutex<Lease>>) {
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        let lease = current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match leases.renew(&lease, LEASE_TTL).await {
            Ok(renewed) => *current.lock().unwrap_or_else(PoisonError::into_inner) = renewed,
            // Lost: `apply_sync` will say so before anything is written.
            Err(e) if e.kind() == homeroom::StorageErrorKind::LeaseLost => return,
            // A passing failure: try again at the next turn, well within the ttl.
            Err(_) => {}
        }
    }
}
