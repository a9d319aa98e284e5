//! Writing a message into the outbox, in the change set of the command that causes it.

use chrono::{DateTime, Utc};

use super::Directory;
use crate::error::Error;
use crate::ids::ItemId;
use crate::messaging::{MessagePurpose, OutboxMessage, OutboxStatus, RenderedMessage};
use crate::model::{District, User};
use crate::storage::{Item, Op, Storage};

impl<S: Storage + ?Sized> Directory<S> {
    /// The op that writes `purpose`'s message to `user` into the outbox, due at `due`, for the
    /// caller to put in the same change set as the change that causes it. `link` is the
    /// one-time link an invitation or a reset carries. `None` when the user has no e-mail
    /// address to send to.
    pub(crate) async fn queue_message(
        &self,
        district: &District,
        user: &User,
        purpose: MessagePurpose,
        link: Option<&str>,
        due: DateTime<Utc>,
    ) -> Result<Option<Op>, Error> {
        let Some(address) = &user.details.email else {
            return Ok(None);
        };
        let content = render_default(district, user, &purpose, link);
        let message = OutboxMessage {
            to_user: user.id,
            to_address: address.to_string(),
            purpose,
            content,
            attempts: 0,
            last_error: None,
        };
        let item = Item::new(
            ItemId::from_uuid(self.ids.next_uuid()),
            district.id,
            &message,
        )?
        .with_owner(user.id)
        .with_status(OutboxStatus::Pending.as_str())
        .with_due(due);
        Ok(Some(Op::InsertItem(item)))
    }
}

/// The built-in wording of each purpose.
fn render_default(
    district: &District,
    user: &User,
    purpose: &MessagePurpose,
    link: Option<&str>,
) -> RenderedMessage {
    let name = &user.details.name.first;
    let link = link.unwrap_or_default();
    let (subject, text) = match purpose {
        MessagePurpose::Invitation => (
            format!("You are invited to {}", district.name),
            format!("Hello {name},\n\nset your password and sign in: {link}\n"),
        ),
        MessagePurpose::Welcome => (
            format!("Welcome to {}", district.name),
            format!(
                "Hello {name},\n\nyour account at {} is ready.\n",
                district.name
            ),
        ),
        MessagePurpose::PasswordReset => (
            format!("Reset your {} password", district.name),
            format!("Hello {name},\n\nchoose a new password: {link}\n"),
        ),
        MessagePurpose::Custom(template) => (
            format!("{} ({template})", district.name),
            format!("Hello {name},\n"),
        ),
    };
    RenderedMessage {
        subject,
        text,
        html: None,
    }
}
