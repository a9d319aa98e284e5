//! Leases: a named lock with an expiry, shared by every replica of a service, so that two
//! replicas never run the same district's sync at once.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::StorageError;
use crate::ids::DistrictId;

/// A lease held: who holds which name, with which token, until when.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Lease {
    /// The lease's name, e.g. [`Lease::sync_name`].
    pub name: String,
    /// Who holds it (a replica or a run: any string unique to the holder).
    pub holder: String,
    /// The fencing token: greater for every acquisition of the same name.
    pub token: u64,
    /// When the lease runs out unless renewed, by the backend's clock (the database server's
    /// for a SQL backend).
    pub expires_at: DateTime<Utc>,
}

impl Lease {
    /// The name of the lease that keeps two replicas from syncing one district at once.
    ///
    /// ```
    /// use homeroom::{DistrictId, storage::Lease};
    /// let district = DistrictId::from_uuid(uuid::Uuid::nil());
    /// assert_eq!(Lease::sync_name(district), "sync:00000000-0000-0000-0000-000000000000");
    /// ```
    pub fn sync_name(district: DistrictId) -> String {
        format!("sync:{district}")
    }

    /// `ttl`, or one millisecond when it is shorter: the least ttl a lease is given.
    pub fn clamp_ttl(ttl: Duration) -> Duration {
        ttl.max(Duration::milliseconds(1))
    }

    /// The error for a renewal or a release of a lease the caller no longer holds.
    pub fn lost(&self) -> StorageError {
        StorageError::LeaseLost {
            name: self.name.clone(),
            holder: self.holder.clone(),
        }
    }
}

impl fmt::Display for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "lease '{}' held by '{}' (token {}) until {}",
            self.name, self.holder, self.token, self.expires_at
        )
    }
}

/// Named leases with an expiry, shared by every replica that uses the same backend.
///
/// # Semantics
///
/// A backend that implements [`Leases`] keeps, per lease name, at most one holder whose lease
/// has not expired:
///
/// - [`Leases::try_acquire`] gives the lease to `holder` for `ttl` when nobody holds it, when
///   the last holder's lease has expired (a crashed replica's lease is taken over once its ttl
///   runs out), or when `holder` already holds it (it then gets a fresh lease and token). It
///   answers `None` when another holder's lease is still running. Acquisition is atomic: of
///   any number of replicas racing for a free lease, exactly one gets `Some`.
/// - Every acquisition gets a [fencing token](Lease::token) greater than any earlier one for
///   the same name, so a holder whose lease lapsed and was taken over can be told apart from
///   the new holder.
/// - [`Leases::renew`] extends a lease the caller still holds (same holder and token, not
///   expired) by `ttl` from now; [`Leases::release`] gives up a lease the caller still holds
///   or that lapsed without anyone taking it over (releasing twice is harmless). When someone
///   else has taken the lease over, or (for `renew`) it has expired, both fail with
///   [`StorageErrorKind::LeaseLost`](crate::StorageErrorKind::LeaseLost) and change nothing.
/// - Expiry is decided by one clock: a SQL backend uses the database server's clock, so the
///   clocks of the replicas may disagree without breaking it. [`Lease::expires_at`] is that
///   clock's reading, given for messages; a holder should renew well before `ttl` has passed
///   by its own measure, and stop its work when a renewal fails.
/// - A ttl below one millisecond counts as one millisecond.
///
/// A lease is advisory: it keeps cooperating replicas apart and does not lock any row. What
/// it guards still goes through [`Storage::apply`](crate::Storage::apply) with its version
/// checks.
///
/// Object safe: use it as `Arc<dyn Leases>`.
#[async_trait]
pub trait Leases: Send + Sync {
    /// Takes the lease `name` for `holder` for `ttl`, if nobody else holds it unexpired.
    /// `Ok(None)` when another holder's lease is still running.
    async fn try_acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StorageError>;

    /// Extends a lease the caller still holds to `ttl` from now, and returns it with its new
    /// expiry. Fails with [`StorageErrorKind::LeaseLost`](crate::StorageErrorKind::LeaseLost)
    /// when it expired or someone else took it over.
    async fn renew(&self, lease: &Lease, ttl: Duration) -> Result<Lease, StorageError>;

    /// Gives up a lease, so another holder may take it at once. Fails with
    /// [`StorageErrorKind::LeaseLost`](crate::StorageErrorKind::LeaseLost) when someone else
    /// took it over meanwhile.
    async fn release(&self, lease: &Lease) -> Result<(), StorageError>;
}
