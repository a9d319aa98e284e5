//! Impersonation: a user with Impersonate over someone who holds no more than they do acts as
//! that person for a bounded time, to see what they see. "A acting as B" is an actor of its
//! own: every command in it runs with B's authority and is logged with both names; it cannot
//! change credentials, roles or grants, or start another impersonation; its start and end are
//! logged on both users, so B sees it in their own activity.
//!
//! The session is an item (kind `impersonation`, owned by B). Every command of the actor reads
//! it again: ended, past its end, or A no longer allowed (suspended, grant revoked, B now holds
//! more) and the command is refused with [`Refusal::ImpersonationEnded`].

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::Directory;
use super::acting::Acting;
use crate::activity::{ActivityAction, ActorRef, FieldChange, Subject};
use crate::actor::{Actor, ActorKind};
use crate::authz::Permission;
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, ItemId, UserId};
use crate::model::{OrgTree, User};
use crate::storage::{ChangeSet, Entity, Item, ItemBody, ItemKind, Op, Storage};
use crate::validation::{InvalidValue, ValidationCode};

/// The longest an impersonation may last.
pub const MAX_IMPERSONATION: Duration = Duration::hours(4);

const OPEN: &str = "open";
const ENDED: &str = "ended";

/// A stored impersonation session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Session {
    by: UserId,
    user: UserId,
    started_at: DateTime<Utc>,
    until: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
}

impl ItemBody for Session {
    const KIND: ItemKind = ItemKind::from_static("impersonation");
}

/// A started impersonation: the actor to run commands as, and when it runs out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impersonation {
    /// The session's id.
    pub session: ItemId,
    /// "A acting as B": pass it to commands as their actor until the end.
    pub actor: Actor,
    /// When it runs out by itself.
    pub until: DateTime<Utc>,
}

fn ended(message: &str) -> Error {
    Error::refused(Refusal::ImpersonationEnded, message)
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Starts `actor` acting as `user` for `duration` (at most [`MAX_IMPERSONATION`]). Needs
    /// Impersonate over the user, who must hold nothing the actor does not; a user outside the
    /// actor's reach is `NotFound`. Only a user, as themselves, may start one. The start is
    /// logged on both users.
    #[tracing::instrument(level = "info", name = "directory::start_impersonation", skip_all, fields(command = "start_impersonation", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn start_impersonation(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        duration: Duration,
    ) -> Result<Impersonation, Error> {
        let result: Result<Impersonation, Error> = async move {
            let now = self.now();
            let (acting, tree) = self.acting(actor, district, now).await?;
            acting.refuse_if_impersonating()?;
            let Some(by) = acting.who.user else {
                return Err(invalid(
                    "a system task acts as itself; only a user may impersonate",
                ));
            };
            let target = acting.see(self.load_user(district, user).await?)?;
            acting.require(Permission::Impersonate, &target)?;
            self.require_covers(&acting, &target, &tree).await?;
            if target.id == by {
                return Err(invalid("you cannot impersonate yourself"));
            }
            if duration <= Duration::zero() || duration > MAX_IMPERSONATION {
                return Err(invalid(
                    "an impersonation lasts more than nothing and at most 4 hours",
                ));
            }
            let until = now + duration;
            let session = Session {
                by,
                user: target.id,
                started_at: now,
                until,
                ended_at: None,
            };
            let id = ItemId::from_uuid(self.ids.next_uuid());
            let item = Item::new(id, district, &session)?
                .with_owner(target.id)
                .with_status(OPEN)
                .with_due(until);
            let as_target = ActorRef::new(Some(target.id), target.details.name.display());
            let mut changes = ChangeSet::new().with(Op::InsertItem(item));
            let until_text = until.to_rfc3339();
            changes.extend(self.session_entries(
                &acting.who,
                &as_target,
                ActivityAction::ImpersonationStarted,
                &until_text,
                district,
                now,
            ));
            self.commit(changes).await?;
            Ok(Impersonation {
                session: id,
                actor: Actor::impersonating(district, by, target.id, id),
                until,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Ends the impersonation `actor` is (an actor from
    /// [`start_impersonation`](Self::start_impersonation)); logged on both users. Ending one
    /// that already ended or ran out changes nothing.
    #[tracing::instrument(level = "info", name = "directory::end_impersonation", skip_all, fields(command = "end_impersonation", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn end_impersonation(
        &self,
        actor: &Actor,
        district: DistrictId,
    ) -> Result<(), Error> {
        let result: Result<(), Error> = async move {
            let now = self.now();
            let ActorKind::Impersonating {
                district: home,
                by,
                user,
                session,
            } = actor.kind()
            else {
                return Err(invalid("this actor is not impersonating anyone"));
            };
            if *home != district {
                return Err(Error::not_found(Entity::District, district));
            }
            let (item, mut body) = self.load_session(district, *by, *user, *session).await?;
            if body.ended_at.is_some() || now >= body.until {
                return Ok(());
            }
            body.ended_at = Some(now);
            let mut updated = item.clone();
            updated.set_body(&body)?;
            updated.status = Some(ENDED.into());
            updated.version = item.version.next();
            let impersonator = self.load_user(district, *by).await?;
            let target = self.load_user(district, *user).await?;
            let who = ActorRef::new(Some(impersonator.id), impersonator.details.name.display());
            let as_target = ActorRef::new(Some(target.id), target.details.name.display());
            let mut changes = ChangeSet::new().with(Op::UpdateItem {
                item: updated,
                expected: item.version,
            });
            changes.extend(self.session_entries(
                &who,
                &as_target,
                ActivityAction::ImpersonationEnded,
                &now.to_rfc3339(),
                district,
                now,
            ));
            self.commit(changes).await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The log entries of a session's start or end: one on each user, both naming the other.
    fn session_entries(
        &self,
        by: &ActorRef,
        target: &ActorRef,
        action: ActivityAction,
        when: &str,
        district: DistrictId,
        now: DateTime<Utc>,
    ) -> ChangeSet {
        let field = |name: &'static str, value: &str| FieldChange {
            field: name.into(),
            old: None,
            new: Some(value.to_owned()),
        };
        let mut changes = ChangeSet::new();
        for subject in [target.user, by.user].into_iter().flatten() {
            let mut entry = self.log_entry(
                by,
                district,
                Subject::User(subject),
                action,
                vec![field("acting_as", &target.name), field("until", when)],
                now,
            );
            entry.on_behalf_of = Some(target.clone());
            changes.push(Op::AppendActivity(entry));
        }
        changes
    }

    /// The session, if it is the one `by` and `user` name; else `ImpersonationEnded`.
    async fn load_session(
        &self,
        district: DistrictId,
        by: UserId,
        user: UserId,
        session: ItemId,
    ) -> Result<(Item, Session), Error> {
        let item = self
            .storage
            .item(district, session)
            .await?
            .filter(|i| i.kind == Session::KIND)
            .ok_or_else(|| ended("this impersonation does not exist"))?;
        let body: Session = item.decode()?;
        if body.by != by || body.user != user {
            return Err(ended("this impersonation does not exist"));
        }
        Ok((item, body))
    }

    /// "A acting as B" for one command at `now`: the session still open and in time, A still
    /// active with Impersonate over B and covering B; then B's authority, named with both.
    pub(super) async fn resolve_impersonation(
        &self,
        district: DistrictId,
        by: UserId,
        user: UserId,
        session: ItemId,
        tree: &OrgTree,
        now: DateTime<Utc>,
    ) -> Result<Acting, Error> {
        let (_, body) = self.load_session(district, by, user, session).await?;
        if body.ended_at.is_some() || now >= body.until {
            return Err(ended(
                "this impersonation has ended; sign in as yourself again",
            ));
        }
        let impersonator = self.load_user(district, by).await?;
        let target: User = self.load_user(district, user).await?;
        let theirs = self.authority_of(&impersonator, tree, now, false).await?;
        let held = self.held_by(district, user, tree).await?;
        if !theirs.check(Permission::Impersonate, &target) || !theirs.covers(&held) {
            return Err(ended("you may no longer act as this user"));
        }
        let authority = self.authority_of(&target, tree, now, false).await?;
        let mut who = ActorRef::new(Some(impersonator.id), impersonator.details.name.display());
        who.acting_as = Some(Box::new(ActorRef::new(
            Some(target.id),
            target.details.name.display(),
        )));
        Ok(Acting {
            authority,
            who,
            impersonating: true,
        })
    }
}

fn invalid(message: &str) -> Error {
    Error::invalid_field(
        Entity::User,
        InvalidValue::new(ValidationCode::Protected, message).at("impersonation"),
    )
}
