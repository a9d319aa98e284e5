//! A sync under the district's lease: the only way to apply a sync plan, so a backend without
//! [`Leases`] cannot run one (the bound says so at compile time), and a replica whose lease
//! was taken over writes nothing.

use chrono::Duration;

use super::{Approval, ImportOutcome, ImportPlan, ImportProgress};
use crate::actor::Actor;
use crate::directory::Directory;
use crate::error::{Error, Refusal};
use crate::ids::DistrictId;
use crate::storage::{Lease, Leases, Storage};

/// A district's sync lease as its holder has it: where it came from, the lease, and the ttl a
/// renewal asks for.
///
/// ```
/// use chrono::Duration;
/// use homeroom::{DistrictId, HeldLease, Lease, Leases};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let leases = homeroom_memory::MemoryLeases::new();
/// let name = Lease::sync_name(DistrictId::from_uuid(uuid::Uuid::nil()));
/// let lease = leases.try_acquire(&name, "replica a", Duration::minutes(2)).await?.ok_or("held")?;
/// let held = HeldLease::new(&leases, &lease, Duration::minutes(2));
/// // `Debug` shows the lease (who holds which name), not the store it came from.
/// assert!(format!("{held:?}").contains("replica a"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct HeldLease<'a> {
    leases: &'a dyn Leases,
    lease: &'a Lease,
    ttl: Duration,
}

impl<'a> HeldLease<'a> {
    /// `lease`, taken from `leases`, renewed for `ttl` at a time.
    pub fn new(leases: &'a dyn Leases, lease: &'a Lease, ttl: Duration) -> Self {
        Self { leases, lease, ttl }
    }

    /// Renews the lease: `Ok` means its holder still holds it for a whole ttl, so the write
    /// that follows lands well inside it; an error (`LeaseLost` when another holder took over)
    /// means the caller must not write.
    pub(super) async fn confirm(&self) -> Result<(), Error> {
        self.leases.renew(self.lease, self.ttl).await?;
        Ok(())
    }
}

impl std::fmt::Debug for HeldLease<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldLease")
            .field("lease", self.lease)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Applies a plan, sync or not, under the district's sync lease
    /// ([`Lease::sync_name`]): everything [`Directory::apply_import`] checks, and the lease is
    /// renewed just before the write, so a replica whose lease lapsed and was taken over
    /// writes nothing (the error's kind is [`Storage`](crate::ErrorKind::Storage), its source
    /// [`LeaseLost`](crate::StorageErrorKind::LeaseLost)).
    ///
    /// A lease for another name is refused with [`Refusal::SyncNeedsLease`].
    #[tracing::instrument(level = "info", name = "directory::apply_sync", skip_all, fields(command = "apply_sync", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn apply_sync(
        &self,
        actor: &Actor,
        district: DistrictId,
        plan: &ImportPlan,
        approval: Approval,
        lease: HeldLease<'_>,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Result<ImportOutcome, Error> {
        let result: Result<ImportOutcome, Error> = async move {
        let wanted = Lease::sync_name(district);
        if lease.lease.name != wanted {
            return Err(Error::refused(
                Refusal::SyncNeedsLease,
                format!(
                    "the lease '{}' is not this district's sync lease ('{wanted}'); nothing was written",
                    lease.lease.name
                ),
            ));
        }
        self.apply_plan(actor, district, plan, approval, Some(&lease), progress)
            .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}
