//! One message in the outbox, as an [`Item`](crate::storage::Item) of kind `outbox_message`:
//! owned by its recipient, its [`OutboxStatus`] in the item's status, due at its send time.

use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::storage::{ItemBody, ItemKind};

/// Why a message is sent: which template renders it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessagePurpose {
    /// An invitation to set a password and sign in.
    Invitation,
    /// A welcome to a newly created user.
    Welcome,
    /// A password reset asked for by the user.
    PasswordReset,
    /// A district's own template, by name.
    Custom(String),
}

impl MessagePurpose {
    /// The purpose's name: `invitation`, `welcome`, `password_reset`, or a custom template's
    /// own name. A district's template for the purpose is stored under this key.
    ///
    /// ```
    /// use homeroom::messaging::MessagePurpose;
    /// assert_eq!(MessagePurpose::PasswordReset.key(), "password_reset");
    /// assert_eq!(MessagePurpose::from_key("welcome"), MessagePurpose::Welcome);
    /// assert_eq!(MessagePurpose::from_key("field_trip").key(), "field_trip");
    /// ```
    pub fn key(&self) -> &str {
        match self {
            Self::Invitation => "invitation",
            Self::Welcome => "welcome",
            Self::PasswordReset => "password_reset",
            Self::Custom(name) => name,
        }
    }

    /// The purpose a key names: a built-in one for its name, else a custom one.
    pub fn from_key(key: &str) -> Self {
        match key {
            "invitation" => Self::Invitation,
            "welcome" => Self::Welcome,
            "password_reset" => Self::PasswordReset,
            other => Self::Custom(other.to_owned()),
        }
    }
}

/// Subject and bodies, rendered.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedMessage {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body, if the template has one (values in it are HTML-escaped).
    pub html: Option<String>,
}

impl std::fmt::Debug for RenderedMessage {
    /// Bodies may carry a one-time link: `Debug` shows the subject and the lengths only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderedMessage")
            .field("subject", &self.subject)
            .field("text_len", &self.text.len())
            .field("html_len", &self.html.as_ref().map(String::len))
            .finish()
    }
}

/// Where a message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OutboxStatus {
    /// Waiting for its due time, or for a retry.
    Pending,
    /// Claimed by a sender that has not yet recorded the outcome.
    Sending,
    /// Sent.
    Sent,
    /// Given up on after its last attempt; kept for an admin to see.
    Dead,
}

impl OutboxStatus {
    /// The status as the item store keeps it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }
}

/// A message to one user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// The recipient.
    pub to_user: UserId,
    /// The address it goes to, as it was when the message was written.
    pub to_address: String,
    /// Why it is sent.
    pub purpose: MessagePurpose,
    /// What it says.
    pub content: RenderedMessage,
    /// How many sends were tried.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

impl ItemBody for OutboxMessage {
    const KIND: ItemKind = ItemKind::from_static("outbox_message");
}
