//! Messages to people: the transactional outbox every e-mail goes through, and the templates
//! messages are rendered from.
//!
//! A command that causes a message (an invitation, a welcome, a password reset) writes the
//! message into the outbox in the same [`ChangeSet`](crate::ChangeSet) as the change itself,
//! so there is never an invitation without its message nor a message without its cause. A
//! host's [`Mailer`] then sends what is due.

mod defaults;
mod drain;
mod outbox;
mod template;

pub use defaults::default_template;
pub use drain::{DrainOptions, DrainReport, backoff};
pub use outbox::{MessagePurpose, OutboxMessage, OutboxStatus, RenderedMessage};
pub use template::{
    MAX_BODY, MAX_SUBJECT, MessageTemplate, PLACEHOLDERS, PREVIEW_LINK, TemplateError,
    TemplatePart, TemplateValues,
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Whether creating a user sends them a welcome e-mail, and when.
///
/// ```
/// use homeroom::messaging::Welcome;
/// assert_eq!(Welcome::default(), Welcome::Never);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Welcome {
    /// No welcome.
    #[default]
    Never,
    /// Queued to go out at the next drain.
    Now,
    /// Queued to go out at this time (a delayed welcome, so accounts can be checked first).
    At(DateTime<Utc>),
}

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
