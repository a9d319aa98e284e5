//! Writing a message into the outbox, in the change set of the command that causes it,
//! rendered from the district's template for its purpose (or the built-in one).

use chrono::{DateTime, Utc};

use super::Directory;
use crate::error::Error;
use crate::ids::{DistrictId, ItemId};
use crate::messaging::{
    MessagePurpose, MessageTemplate, OutboxMessage, OutboxStatus, RenderedMessage, TemplateValues,
    default_template,
};
use crate::model::{District, User};
use crate::storage::{Entity, Item, ItemBody, Op, Storage};

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
        if user.details.email.is_none() {
            return Ok(None);
        }
        let saved = self.saved_template(district.id, &purpose).await?;
        let content = render_for(
            saved.as_ref(),
            district,
            user,
            &purpose,
            link.unwrap_or_default(),
        )?;
        let id = ItemId::from_uuid(self.ids.next_uuid());
        outbox_op(id, district.id, user, purpose, content, due)
    }

    /// A pending outbox message of `content` to `to` at `address`, due at `due` (for a message
    /// that is not to a user's own details, such as a manager's digest).
    pub(crate) fn outbox_item(
        &self,
        district: DistrictId,
        to: crate::ids::UserId,
        address: &crate::model::Email,
        purpose: MessagePurpose,
        content: RenderedMessage,
        due: DateTime<Utc>,
    ) -> Result<Item, Error> {
        let id = ItemId::from_uuid(self.ids.next_uuid());
        pending_message(id, district, to, address, purpose, content, due)
    }

    /// `purpose`'s message to `user`, from the district's template, or the built-in one when
    /// the district has none (or, which its check when saved rules out, it fails to render).
    pub(crate) async fn render_message(
        &self,
        district: &District,
        user: &User,
        purpose: &MessagePurpose,
        link: &str,
    ) -> Result<RenderedMessage, Error> {
        let saved = self.saved_template(district.id, purpose).await?;
        render_for(saved.as_ref(), district, user, purpose, link)
    }

    /// The district's saved template for `purpose`, if any.
    pub(crate) async fn saved_template(
        &self,
        district: DistrictId,
        purpose: &MessagePurpose,
    ) -> Result<Option<MessageTemplate>, Error> {
        let item = self
            .storage
            .item_by_key(district, &MessageTemplate::KIND, purpose.key())
            .await?;
        Ok(item.map(|i| i.decode::<MessageTemplate>()).transpose()?)
    }
}

/// `purpose`'s message to `user` from `saved` (the district's template), or the built-in one
/// when there is none or it fails to render. Pure: an import renders many with one template.
pub(crate) fn render_for(
    saved: Option<&MessageTemplate>,
    district: &District,
    user: &User,
    purpose: &MessagePurpose,
    link: &str,
) -> Result<RenderedMessage, Error> {
    let values = TemplateValues {
        first_name: user.details.name.first.clone(),
        last_name: user.details.name.last.clone(),
        username: user
            .details
            .username
            .as_ref()
            .map(|u| u.as_str().to_owned())
            .unwrap_or_default(),
        district_name: district.name.clone(),
        invite_link: link.to_owned(),
    };
    if let Some(saved) = saved {
        match saved.render(&values) {
            Ok(rendered) => return Ok(rendered),
            Err(problem) => tracing::warn!(
                district = %district.id,
                purpose = purpose.key(),
                field = problem.field(),
                "a saved message template failed to render; the built-in wording is used"
            ),
        }
    }
    default_template(purpose)
        .render(&values)
        .map_err(|problem| Error::Invalid {
            entity: Entity::Item,
            errors: problem.to_field_error().into(),
        })
}

/// The op that writes `content` to `user` into the outbox as item `id`, pending and due at
/// `due`; `None` when the user has no e-mail address.
pub(crate) fn outbox_op(
    id: ItemId,
    district: DistrictId,
    user: &User,
    purpose: MessagePurpose,
    content: RenderedMessage,
    due: DateTime<Utc>,
) -> Result<Option<Op>, Error> {
    let Some(address) = &user.details.email else {
        return Ok(None);
    };
    let item = pending_message(id, district, user.id, address, purpose, content, due)?;
    Ok(Some(Op::InsertItem(item)))
}

/// Item `id`: a pending outbox message of `content` to `to` at `address`, due at `due`.
fn pending_message(
    id: ItemId,
    district: DistrictId,
    to: crate::ids::UserId,
    address: &crate::model::Email,
    purpose: MessagePurpose,
    content: RenderedMessage,
    due: DateTime<Utc>,
) -> Result<Item, Error> {
    let message = OutboxMessage {
        to_user: to,
        to_address: address.to_string(),
        purpose,
        content,
        attempts: 0,
        last_error: None,
    };
    Ok(Item::new(id, district, &message)?
        .with_owner(to)
        .with_status(OutboxStatus::Pending.as_str())
        .with_due(due))
}
