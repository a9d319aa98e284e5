//! The import's light read of a district: for each import-managed user, only what a sync needs
//! to tell that a row is unchanged, never the whole user.

use compact_str::CompactString;

use crate::ids::{UserId, Version};
use crate::model::{ImportFingerprint, RecordStatus, User};

/// One import-managed user as [`Storage::import_stamps`](super::Storage::import_stamps) lists
/// them: id, Local ID, status, version and the [`ImportFingerprint`] the last import stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportStamp {
    /// The user.
    pub id: UserId,
    /// Their Local ID, exactly (inline up to 24 bytes: a million stamps allocate nothing each).
    pub local_id: Option<CompactString>,
    /// Their status (a sync deactivates the Active ones its file leaves out).
    pub status: RecordStatus,
    /// Their version now.
    pub version: Version,
    /// What the import that last wrote them stored, if any.
    pub fingerprint: Option<ImportFingerprint>,
}

impl ImportStamp {
    /// The stamp of `user`, or `None` when no import manages them.
    pub fn of(user: &User) -> Option<Self> {
        user.import_managed.then(|| Self {
            id: user.id,
            local_id: user
                .details
                .local_id
                .as_ref()
                .map(|l| CompactString::from(l.as_str())),
            status: user.status,
            version: user.version,
            fingerprint: user.import_fingerprint,
        })
    }
}
