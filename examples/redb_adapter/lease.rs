//! [`RedbLeases`]: named leases in the `leases` table, each decision in one write transaction.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use homeroom::{Clock, Lease, Leases, StorageError};
use redb::{ReadableTable, WriteTransaction};

use super::RedbStorage;
use super::tables::{LEASES, db, from_json, to_json};

/// [`Leases`] on a [`RedbStorage`]'s database. The table keeps the last lease given out per
/// name (expired or released ones too), so fencing tokens keep growing. Expiry follows the
/// clock given: one process owns a redb file, so its clock is the only one.
#[derive(Clone)]
pub struct RedbLeases {
    storage: RedbStorage,
    clock: Arc<dyn Clock>,
}

impl RedbLeases {
    /// Leases on `storage`'s database, expiring by `clock`.
    pub fn new(storage: RedbStorage, clock: Arc<dyn Clock>) -> Self {
        Self { storage, clock }
    }

    /// Runs `decide` on the stored lease of `name` in one write transaction, and stores the
    /// lease it returns (if any) before committing.
    fn decide<T>(
        &self,
        name: &str,
        decide: impl FnOnce(Option<Lease>) -> Result<(Option<Lease>, T), StorageError>,
    ) -> Result<T, StorageError> {
        self.storage.transact(|txn: &WriteTransaction| {
            let mut table = txn.open_table(LEASES).map_err(db)?;
            let stored = match table.get(name).map_err(db)? {
                Some(json) => Some(from_json::<Lease>(json.value())?),
                None => None,
            };
            let (keep, answer) = decide(stored)?;
            if let Some(lease) = keep {
                table
                    .insert(name, to_json(&lease)?.as_slice())
                    .map_err(db)?;
            }
            Ok(answer)
        })
    }
}

impl fmt::Debug for RedbLeases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbLeases").finish_non_exhaustive()
    }
}

#[async_trait]
impl Leases for RedbLeases {
    async fn try_acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StorageError> {
        let now = self.clock.now();
        self.decide(name, |stored| {
            let token = match stored {
                Some(s) if s.expires_at > now && s.holder != holder => return Ok((None, None)),
                Some(s) => s.token + 1,
                None => 1,
            };
            let lease = Lease {
                name: name.to_owned(),
                holder: holder.to_owned(),
                token,
                expires_at: now + Lease::clamp_ttl(ttl),
            };
            Ok((Some(lease.clone()), Some(lease)))
        })
    }

    async fn renew(&self, held: &Lease, ttl: Duration) -> Result<Lease, StorageError> {
        let now = self.clock.now();
        self.decide(&held.name, |stored| match stored {
            Some(s) if s.holder == held.holder && s.token == held.token && s.expires_at > now => {
                let renewed = Lease {
                    expires_at: now + Lease::clamp_ttl(ttl),
                    ..s
                };
                Ok((Some(renewed.clone()), renewed))
            }
            _ => Err(held.lost()),
        })
    }

    async fn release(&self, held: &Lease) -> Result<(), StorageError> {
        let now = self.clock.now();
        self.decide(&held.name, |stored| match stored {
            // Expire it now but keep its token, so the next holder's is greater.
            Some(s) if s.holder == held.holder && s.token == held.token => {
                let expires_at = s.expires_at.min(now);
                Ok((Some(Lease { expires_at, ..s }), ()))
            }
            _ => Err(held.lost()),
        })
    }
}
