//! Onboarding: invitations (a state machine stored as items), the one-time tokens their links
//! carry, and password resets.
//!
//! An invitation is an [`Item`](crate::storage::Item) of kind `invitation` owned by the user,
//! its status the [`InvitationStatus`], its key the SHA-256 of the link's token while the link
//! works. A reset is an item of kind `password_reset`, keyed the same way. Tokens are 32 bytes
//! from the host's [`IdGen`](crate::IdGen); only their hash is stored, and only the outbox
//! message carries the token itself. See the repository's `docs/onboarding.md`.

mod records;
mod state;
mod token;

pub use records::Invitation;
pub(crate) use records::{INVITATION, InvitationBody, PASSWORD_RESET, ResetBody, ResetStatus};
pub use state::{IllegalTransition, InvitationAction, InvitationState, InvitationStatus};
pub(crate) use token::{OneTimeToken, token_key};
