//! Sending one user a message that needs no one-time link (a welcome, a district's custom
//! message): queued in the outbox for the next drain.

use chrono::{DateTime, Utc};

use super::Directory;
use crate::actor::Actor;
use crate::authz::Permission;
use crate::error::Error;
use crate::ids::{DistrictId, ItemId, UserId};
use crate::messaging::MessagePurpose;
use crate::storage::{ChangeSet, Entity, Op, Storage};
use crate::validation::{InvalidValue, ValidationCode};

impl<S: Storage + ?Sized> Directory<S> {
    /// Queues `purpose`'s message to `user`, due at `due` (now when `None`), rendered from the
    /// district's template for it (or the built-in one); needs Send Messages over the user.
    /// Returns the queued message's id; the host's drain
    /// ([`drain_outbox`](Self::drain_outbox)) sends it.
    ///
    /// Invitations and password resets carry a one-time link and are queued by the commands
    /// that make the link: asked for here, they are [`Error::Invalid`] on `purpose`. A user
    /// without an e-mail address is [`Error::Invalid`] on `email`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// use homeroom::messaging::MessagePurpose;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let directory = Directory::new(
    /// #     Arc::new(homeroom_memory::MemoryStorage::new()),
    /// #     Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap())),
    /// #     Arc::new(SequentialIds::new(1)),
    /// # );
    /// # let admin = Actor::system("setup");
    /// # let district = directory.create_district(&admin, "Maple Valley USD").await?.id;
    /// let ada = UserDetails::new(UserKind::Staff, "Ada", "Lovelace").with_email("ada@maple.test")?;
    /// let ada = directory.create_user(&admin, district, ada).await?;
    /// directory.send_message(&admin, district, ada.id, MessagePurpose::Welcome, None).await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    #[tracing::instrument(level = "info", name = "directory::send_message", skip_all, fields(command = "send_message", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn send_message(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        purpose: MessagePurpose,
        due: Option<DateTime<Utc>>,
    ) -> Result<ItemId, Error> {
        let result = async move {
            let now = self.now();
            let (district_row, acting, _) = self.acting_in(actor, district, now).await?;
            let target = acting.see(self.load_user(district, user).await?)?;
            acting.require(Permission::SendMessages, &target)?;
            if matches!(
                purpose,
                MessagePurpose::Invitation | MessagePurpose::PasswordReset
            ) {
                return Err(invalid(
                    "purpose",
                    ValidationCode::Protected,
                    "invitations and password resets are sent by the commands that make their link",
                ));
            }
            let queued = self
                .queue_message(&district_row, &target, purpose, None, due.unwrap_or(now))
                .await?;
            let Some(op) = queued else {
                return Err(invalid(
                    "email",
                    ValidationCode::Required,
                    "this user has no e-mail address to send to",
                ));
            };
            let id = match &op {
                Op::InsertItem(item) => item.id,
                _ => {
                    return Err(invalid(
                        "purpose",
                        ValidationCode::Required,
                        "nothing was queued",
                    ));
                }
            };
            self.commit(ChangeSet::new().with(op)).await?;
            Ok(id)
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}

fn invalid(field: &str, code: ValidationCode, message: &str) -> Error {
    Error::invalid_field(Entity::Item, InvalidValue::new(code, message).at(field))
}
