//! Messages to people: the transactional outbox every e-mail goes through, and the templates
//! messages are rendered from.
//!
//! A command that causes a message (an invitation, a welcome, a password reset) writes the
//! message into the outbox in the same [`ChangeSet`](crate::ChangeSet) as the change itself,
//! so there is never an invitation without its message nor a message without its cause. A
//! host's [`Mailer`] then sends what is due.

mod outbox;

pub use outbox::{MessagePurpose, OutboxMessage, OutboxStatus, RenderedMessage};

use async_trait::async_trait;

/// Sends one message: the host's part (SMTP, an e-mail API, a test double).
///
/// `idempotency_key` is the same on every attempt at one message: a mailer whose service
/// accepts such a key passes it on, so a retry after a crash between sending and recording the
/// send does not deliver twice.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `message`. An error means it was not sent (it will be tried again later).
    async fn send(&self, message: &OutboxMessage, idempotency_key: &str)
    -> Result<(), MailerError>;
}

/// Why a [`Mailer`] could not send a message.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct MailerError {
    /// What went wrong, for the message's last error (never a password).
    pub message: String,
    /// True when retrying cannot help (an address the server refuses): the message is dead at
    /// once rather than after every attempt.
    pub permanent: bool,
}
