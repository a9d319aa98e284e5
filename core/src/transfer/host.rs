//! The trait a host implements to have a transfer move its own data.

use crate::authz::Permission;
use crate::storage::{Item, ItemKind};

/// A host's kind of per-user data that a transfer moves: rows of one [`ItemKind`] in the
/// generic item store, owned (`Item::owner`) by the user. A transfer moves them to the target
/// in the same write as the records (the owner changes, the body is the host's and stays as
/// it is). Register one with
/// [`Directory::with_transferable`](crate::Directory::with_transferable).
///
/// The directory's own item kinds (invitations, resets, outbox messages, templates,
/// profile-update requests) are never moved, even if registered.
///
/// ```
/// use homeroom::storage::{Item, ItemKind};
/// use homeroom::transfer::TransferableKind;
/// use homeroom::Permission;
///
/// /// An LMS's transcripts, kept as items owned by the student.
/// struct Transcripts;
///
/// impl TransferableKind for Transcripts {
///     fn kind(&self) -> ItemKind {
///         ItemKind::from_static("lms.transcript")
///     }
///     fn title(&self) -> &str {
///         "transcripts"
///     }
///     fn permission(&self) -> Permission {
///         Permission::ViewActivityLog
///     }
///     fn describe(&self, item: &Item) -> String {
///         format!("transcript {}", item.id)
///     }
/// }
/// assert_eq!(Transcripts.title(), "transcripts");
/// ```
pub trait TransferableKind: Send + Sync {
    /// The item kind holding the data.
    fn kind(&self) -> ItemKind;

    /// Its plural as people read it ("transcripts").
    fn title(&self) -> &str;

    /// What the actor needs over both users for the plan to describe the rows; without it they
    /// are counted, not described (they move either way: the transfer needs Transfer Data).
    fn permission(&self) -> Permission;

    /// One line about a row, for the plan.
    fn describe(&self, item: &Item) -> String;

    /// Why `item` must stay with the source, given what the target already has of this kind;
    /// `None` (the default) lets it move.
    fn conflict(&self, item: &Item, target_has: &[Item]) -> Option<String> {
        let _ = (item, target_has);
        None
    }
}
