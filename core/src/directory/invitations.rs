//! Inviting one user: send now, schedule, resend, clear, and read where an invitation stands.
//!
//! Each needs Manage Invitations over the user and that the actor covers them (holds
//! everything they hold): an invitation's link sets the account's password, so it is a
//! credential change like `set_password`. The invitation and its outbox message are written in
//! one change set.

use chrono::{DateTime, Utc};

use super::Directory;
use super::acting::Acting;
use crate::activity::{ActivityAction, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::Permission;
use crate::error::Error;
use crate::ids::{DistrictId, ItemId, UserId};
use crate::messaging::{MessagePurpose, OutboxStatus};
use crate::model::{District, OrgTree, User};
use crate::onboarding::{
    INVITATION, IllegalTransition, Invitation, InvitationBody, InvitationState, OneTimeToken,
};
use crate::storage::{ChangeSet, Entity, Item, ItemQuery, Op, Storage};
use crate::validation::{InvalidValue, ValidationCode};

/// A user's stored invitation: the item and its body (`None` when never invited).
#[derive(Clone, Debug)]
pub(super) struct Stored {
    pub(super) item: Option<Item>,
    pub(super) body: InvitationBody,
}

impl Stored {
    pub(super) fn state(&self) -> InvitationState {
        self.body.state
    }
}

/// What an invitation command does to the state, given `now` and the link's validity.
type Step = dyn Fn(
        InvitationState,
        DateTime<Utc>,
        chrono::Duration,
    ) -> Result<InvitationState, IllegalTransition>
    + Send
    + Sync;

impl<S: Storage + ?Sized> Directory<S> {
    /// Invites `user` now: a new link (valid for the district's
    /// [`invitation_valid_days`](crate::OnboardingSettings::invitation_valid_days)) in an
    /// invitation message, written to the outbox with the invitation in one change set. Needs
    /// Manage Invitations over the user, and that the actor holds everything the user holds.
    /// The token is in the message only; it is never returned nor stored (only its hash).
    ///
    /// Refused ([`Refusal::InvitationTransition`](crate::Refusal::InvitationTransition)) when
    /// the invitation was sent and still works (resend it) or was accepted; invalid when the
    /// user has no e-mail address.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// # use homeroom::onboarding::InvitationStatus;
    /// # tokio_test(async {
    /// let directory = Directory::new(
    ///     Arc::new(homeroom_memory::MemoryStorage::new()),
    ///     Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap())),
    ///     Arc::new(SequentialIds::new(1)),
    /// );
    /// let admin = Actor::system("setup");
    /// let district = directory.create_district(&admin, "Maple Valley USD").await?.id;
    /// let ada = directory
    ///     .create_user(&admin, district, UserDetails::new(UserKind::Staff, "Ada", "Lovelace")
    ///         .with_email("ada@maple.example").unwrap())
    ///     .await?;
    /// let invitation = directory.invite_user(&admin, district, ada.id).await?;
    /// assert_eq!(invitation.status(), InvitationStatus::Sent);
    /// # Ok::<(), Error>(()) });
    /// # fn tokio_test<F: std::future::Future<Output = Result<(), Error>>>(f: F) {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f).unwrap()
    /// # }
    /// ```
    #[tracing::instrument(level = "info", name = "directory::invite_user", skip_all, fields(command = "invite_user", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn invite_user(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
    ) -> Result<Invitation, Error> {
        let result = self
            .invitation_command(actor, district, user, &|state, now, valid| {
                state.send(now, valid)
            })
            .await;
        crate::directory::traced::outcome(result)
    }

    /// Schedules `user`'s invitation for `at` (a time already past sends it now): the link is
    /// made now and its message waits in the outbox until `at`; the link works from `at` for
    /// the district's validity. From not sent, scheduled (moving it) or expired. Permissions as
    /// [`invite_user`](Self::invite_user).
    #[tracing::instrument(level = "info", name = "directory::schedule_invitation", skip_all, fields(command = "schedule_invitation", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn schedule_invitation(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<Invitation, Error> {
        let result = self
            .invitation_command(actor, district, user, &move |state, now, valid| {
                state.schedule(now, at, valid)
            })
            .await;
        crate::directory::traced::outcome(result)
    }

    /// Sends `user`'s invitation again with a new link; the old link stops working at once
    /// (its message, if not yet sent, is withdrawn). From sent or expired. Permissions as
    /// [`invite_user`](Self::invite_user).
    #[tracing::instrument(level = "info", name = "directory::resend_invitation", skip_all, fields(command = "resend_invitation", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn resend_invitation(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
    ) -> Result<Invitation, Error> {
        let result = self
            .invitation_command(actor, district, user, &|state, now, valid| {
                state.resend(now, valid)
            })
            .await;
        crate::directory::traced::outcome(result)
    }

    /// Clears `user`'s invitation back to not sent: its link stops working and its message, if
    /// not yet sent, is withdrawn. From scheduled or sent. Permissions as
    /// [`invite_user`](Self::invite_user).
    #[tracing::instrument(level = "info", name = "directory::clear_invitation", skip_all, fields(command = "clear_invitation", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn clear_invitation(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
    ) -> Result<Invitation, Error> {
        let result = self
            .invitation_command(actor, district, user, &|state, now, _| state.clear(now))
            .await;
        crate::directory::traced::outcome(result)
    }

    /// Where `user`'s invitation stands now (not sent when they were never invited). Needs
    /// View Users over the user, like the search that filters by it.
    #[tracing::instrument(level = "info", name = "directory::invitation_of", skip_all, fields(command = "invitation_of", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn invitation_of(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
    ) -> Result<Invitation, Error> {
        let result: Result<Invitation, Error> = async move {
            let now = self.now();
            let (_, acting, _) = self.acting_in(actor, district, now).await?;
            let user = acting.see(self.load_user(district, user).await?)?;
            let stored = self.stored_invitation(district, user.id).await?;
            Ok(Invitation {
                user: user.id,
                state: stored.state().observe(now),
                sends: stored.body.sends,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The shared body of the single-user commands: authorize, step the state, write.
    async fn invitation_command(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        step: &Step,
    ) -> Result<Invitation, Error> {
        let now = self.now();
        let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
        let target = acting.see(self.load_user(district, user).await?)?;
        self.may_invite(&acting, &target, &tree).await?;
        let stored = self.stored_invitation(district, user).await?;
        let valid = district_row.settings.onboarding.invitation_validity();
        let next = step(stored.state(), now, valid)?;
        let (changes, sends) = self
            .invitation_write(&acting, &district_row, &target, stored, next, now)
            .await?;
        self.commit(changes).await?;
        Ok(Invitation {
            user,
            state: next.observe(now),
            sends,
        })
    }

    /// `Forbidden` unless the actor holds Manage Invitations over `target` and everything
    /// `target` holds.
    pub(super) async fn may_invite(
        &self,
        acting: &Acting,
        target: &User,
        tree: &OrgTree,
    ) -> Result<(), Error> {
        acting.require(Permission::ManageInvitations, target)?;
        self.require_covers(acting, target, tree).await
    }

    /// `user`'s invitation as stored (never invited: not sent, no item).
    pub(super) async fn stored_invitation(
        &self,
        district: DistrictId,
        user: UserId,
    ) -> Result<Stored, Error> {
        let query = ItemQuery::of(INVITATION).with_owner(user);
        let page = self.storage.items(district, &query).await?;
        match page.items.into_iter().next() {
            Some(item) => {
                let body = item.decode()?;
                Ok(Stored {
                    item: Some(item),
                    body,
                })
            }
            None => Ok(Stored {
                item: None,
                body: InvitationBody {
                    state: InvitationState::NotSent,
                    sends: 0,
                    message: None,
                },
            }),
        }
    }

    /// The change set that moves `stored` to `next`: the invitation item (keyed by a new
    /// token's hash when `next` carries a link), its message in the outbox (due when the link
    /// starts working), the withdrawal of the previous message if still unsent, and the
    /// activity entry; and how many times it has now been sent.
    pub(super) async fn invitation_write(
        &self,
        acting: &Acting,
        district: &District,
        user: &User,
        stored: Stored,
        next: InvitationState,
        now: DateTime<Utc>,
    ) -> Result<(ChangeSet, u32), Error> {
        let mut changes = ChangeSet::new();
        if let Some(old) = stored.body.message
            && let Some(withdraw) = self.withdraw_message(district.id, old).await?
        {
            changes.push(withdraw);
        }
        let starts = match next {
            InvitationState::Scheduled { at, .. } | InvitationState::Sent { at, .. } => Some(at),
            _ => None,
        };
        let mut body = InvitationBody {
            state: next,
            sends: stored.body.sends,
            message: None,
        };
        let mut key = None;
        if let Some(due) = starts {
            let token = OneTimeToken::generate(&*self.ids);
            let link = format!(
                "{}{}",
                district.settings.onboarding.invitation_link,
                token.expose()
            );
            let Some(message) = self
                .queue_message(district, user, MessagePurpose::Invitation, Some(&link), due)
                .await?
            else {
                return Err(no_address());
            };
            if let Op::InsertItem(item) = &message {
                body.message = Some(item.id);
            }
            changes.push(message);
            body.sends += 1;
            key = Some(token.key());
        }
        let old_status = stored.state().observe(now).status();
        let sends = body.sends;
        changes.push(match stored.item {
            None => {
                let mut item =
                    Item::new(ItemId::from_uuid(self.ids.next_uuid()), district.id, &body)?
                        .with_owner(user.id)
                        .with_status(next.status().as_str());
                item.due = next.next_change();
                item.key = key;
                Op::InsertItem(item)
            }
            Some(mut item) => {
                let expected = item.version;
                item.set_body(&body)?;
                item.status = Some(next.status().as_str().to_owned());
                item.due = next.next_change();
                item.key = key;
                item.version = expected.next();
                Op::UpdateItem { item, expected }
            }
        });
        changes.push(Op::AppendActivity(self.log_entry(
            &acting.who,
            district.id,
            Subject::User(user.id),
            ActivityAction::Updated,
            vec![FieldChange {
                field: "invitation".into(),
                old: Some(old_status.as_str().into()),
                new: Some(next.status().as_str().into()),
            }],
            now,
        )));
        Ok((changes, sends))
    }

    /// The op that withdraws outbox message `id` if it is still waiting to be sent.
    async fn withdraw_message(
        &self,
        district: DistrictId,
        id: ItemId,
    ) -> Result<Option<Op>, Error> {
        let Some(message) = self.storage.item(district, id).await? else {
            return Ok(None);
        };
        if message.status.as_deref() != Some(OutboxStatus::Pending.as_str()) {
            return Ok(None);
        }
        Ok(Some(Op::DeleteItem {
            district,
            id,
            expected: message.version,
        }))
    }
}

/// The refusal for a user without an e-mail address: there is nowhere to send the link.
pub(super) fn no_address() -> Error {
    Error::invalid_field(
        Entity::User,
        InvalidValue::new(
            ValidationCode::Required,
            "the user has no e-mail address to send an invitation to; add one first",
        )
        .at("email"),
    )
}
