//! A district's message templates: saved (checked first), listed, and previewed for one user.

use super::Directory;
use crate::activity::{ActivityAction, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::Permission;
use crate::error::Error;
use crate::ids::{DistrictId, ItemId, UserId};
use crate::messaging::{MessagePurpose, MessageTemplate, PREVIEW_LINK, RenderedMessage};
use crate::storage::{ChangeSet, Entity, Item, ItemBody, ItemQuery, Op, Storage};

impl<S: Storage + ?Sized> Directory<S> {
    /// Saves `template` as the district's wording for its purpose, replacing any saved before;
    /// needs Manage Settings district-wide (a template decides where a one-time link appears,
    /// so it is a setting for those who administer the district, not for every sender).
    ///
    /// The template is checked first ([`MessageTemplate::validate`]): an unknown placeholder
    /// or a syntax error is [`Error::Invalid`], naming the part (`subject`, `text`, `html`) and
    /// the line, so a message never goes out with a blank where a value should be.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// use homeroom::messaging::{MessagePurpose, MessageTemplate};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let directory = Directory::new(
    /// #     Arc::new(homeroom_memory::MemoryStorage::new()),
    /// #     Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap())),
    /// #     Arc::new(SequentialIds::new(1)),
    /// # );
    /// # let admin = Actor::system("setup");
    /// # let district = directory.create_district(&admin, "Maple Valley USD").await?.id;
    /// let welcome = MessageTemplate::new(
    ///     MessagePurpose::Welcome,
    ///     "Welcome, {{ first_name }}",
    ///     "Your {{ district_name }} account is ready.",
    /// );
    /// directory.save_message_template(&admin, district, welcome).await?;
    ///
    /// let typo = MessageTemplate::new(MessagePurpose::Welcome, "Hi {{ frist_name }}", "x");
    /// let refused = directory.save_message_template(&admin, district, typo).await;
    /// assert_eq!(refused.unwrap_err().kind(), ErrorKind::Invalid);
    /// # Ok::<(), Error>(()) }).unwrap();
    /// ```
    #[tracing::instrument(level = "info", name = "directory::save_message_template", skip_all, fields(command = "save_message_template", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn save_message_template(
        &self,
        actor: &Actor,
        district: DistrictId,
        template: MessageTemplate,
    ) -> Result<(), Error> {
        let result = async move {
            let now = self.now();
            let (_, acting, _) = self.acting_in(actor, district, now).await?;
            acting.require_district(Permission::ManageSettings)?;
            template.validate().map_err(|errors| Error::Invalid {
                entity: Entity::Item,
                errors,
            })?;
            let key = template.purpose.key().to_owned();
            let existing = self
                .storage
                .item_by_key(district, &MessageTemplate::KIND, &key)
                .await?;
            let entry = self.log_entry(
                &acting.who,
                district,
                Subject::District,
                ActivityAction::Updated,
                vec![template_change(
                    &template.purpose,
                    existing
                        .as_ref()
                        .map(|i| i.decode::<MessageTemplate>())
                        .transpose()?,
                    Some(&template),
                )],
                now,
            );
            let op = match existing {
                Some(old) => {
                    let mut new = Item {
                        version: old.version.next(),
                        ..old.clone()
                    };
                    new.set_body(&template)?;
                    Op::UpdateItem {
                        item: new,
                        expected: old.version,
                    }
                }
                None => Op::InsertItem(
                    Item::new(ItemId::from_uuid(self.ids.next_uuid()), district, &template)?
                        .with_key(key),
                ),
            };
            self.commit(ChangeSet::new().with(op).with(Op::AppendActivity(entry)))
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Deletes the district's template for `purpose`, so its messages use the built-in
    /// wording again; needs Manage Settings district-wide. Returns false when none was saved.
    /// Messages already queued keep the wording they were rendered with.
    #[tracing::instrument(level = "info", name = "directory::delete_message_template", skip_all, fields(command = "delete_message_template", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn delete_message_template(
        &self,
        actor: &Actor,
        district: DistrictId,
        purpose: &MessagePurpose,
    ) -> Result<bool, Error> {
        let result = async move {
            let now = self.now();
            let (_, acting, _) = self.acting_in(actor, district, now).await?;
            acting.require_district(Permission::ManageSettings)?;
            let Some(saved) = self
                .storage
                .item_by_key(district, &MessageTemplate::KIND, purpose.key())
                .await?
            else {
                return Ok(false);
            };
            let op = Op::DeleteItem {
                district,
                id: saved.id,
                expected: saved.version,
            };
            let entry = self.log_entry(
                &acting.who,
                district,
                Subject::District,
                ActivityAction::Updated,
                vec![template_change(purpose, Some(saved.decode()?), None)],
                now,
            );
            self.commit(ChangeSet::new().with(op).with(Op::AppendActivity(entry)))
                .await?;
            Ok(true)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The district's saved templates, in the order they were first saved; needs Send
    /// Messages district-wide. Purposes without one use the built-in wording
    /// ([`default_template`](crate::messaging::default_template)).
    #[tracing::instrument(level = "info", name = "directory::message_templates", skip_all, fields(command = "message_templates", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn message_templates(
        &self,
        actor: &Actor,
        district: DistrictId,
    ) -> Result<Vec<MessageTemplate>, Error> {
        let result = async move {
            let now = self.now();
            let (_, acting, _) = self.acting_in(actor, district, now).await?;
            acting.require_district(Permission::SendMessages)?;
            let mut query = ItemQuery::of(MessageTemplate::KIND);
            let mut templates = Vec::new();
            loop {
                let page = self.storage.items(district, &query).await?;
                for item in &page.items {
                    templates.push(item.decode::<MessageTemplate>()?);
                }
                match page.next {
                    Some(next) => query.after = Some(next),
                    None => break,
                }
            }
            Ok(templates)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// `purpose`'s message as `user` would get it now, from the district's template or the
    /// built-in one, with [`PREVIEW_LINK`](crate::messaging::PREVIEW_LINK) for the one-time link; needs View Users over the
    /// user (outside the actor's reach the user is `NotFound`).
    #[tracing::instrument(level = "info", name = "directory::preview_message", skip_all, fields(command = "preview_message", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn preview_message(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        purpose: &MessagePurpose,
    ) -> Result<RenderedMessage, Error> {
        let result = async move {
            let now = self.now();
            let (district_row, acting, _) = self.acting_in(actor, district, now).await?;
            let target = acting.see(self.load_user(district, user).await?)?;
            self.render_message(&district_row, &target, purpose, PREVIEW_LINK)
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}

/// The district log's line for a template saved or deleted: its subject line before and after
/// (`None`: the built-in wording), under the field `<purpose> template`.
fn template_change(
    purpose: &MessagePurpose,
    old: Option<MessageTemplate>,
    new: Option<&MessageTemplate>,
) -> FieldChange {
    FieldChange {
        field: format!("{} template", purpose.key()).into(),
        old: old.map(|t| t.subject),
        new: new.map(|t| t.subject.clone()),
    }
}
