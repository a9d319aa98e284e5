//! Accepting an invitation: the token from the link, and the user's new password (or, in a
//! single sign-on district, their sign-on subject), written with the invitation's acceptance
//! in one change set.
//!
//! No actor: whoever holds the link is the user, as far as the link can tell. Every way a
//! token can fail (unknown, already used, resent, cleared, expired, not yet sent) is the same
//! [`Refusal::TokenInvalid`], so a link tells nothing about the account beyond working or not.

use chrono::{DateTime, Utc};

use super::Directory;
use super::passwords::refuse_if_sso_only;
use crate::activity::{ActivityAction, ActorRef, FieldChange, Subject};
use crate::error::{Error, ErrorKind, Refusal};
use crate::ids::DistrictId;
use crate::model::User;
use crate::onboarding::{INVITATION, InvitationBody, InvitationState, token_key};
use crate::password::Password;
use crate::storage::{ChangeSet, Entity, Item, Op, Storage};
use crate::validation::{InvalidValue, ValidationCode, clean_text, limits};

use super::SignIn;

/// The one answer to every token that does not work.
pub(super) fn token_invalid() -> Error {
    Error::refused(
        Refusal::TokenInvalid,
        "this link does not work: it may have been used, replaced by a newer one, or expired; ask for a new one",
    )
}

/// A failed write of a token's use: a race with another use (or a resend, a clear) of the
/// same token is the token no longer working.
pub(super) fn used_meanwhile(error: Error) -> Error {
    match error.kind() {
        ErrorKind::Conflict | ErrorKind::NotFound => token_invalid(),
        _ => error,
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Accepts the invitation whose link carries `token`, setting `new_password` as the user's
    /// own (not temporary) password; the token never works again. Refused with
    /// [`Refusal::TokenInvalid`] for any token that does not work,
    /// [`Refusal::PasswordsDisabled`] in a district that signs in through SSO only (see
    /// [`accept_invitation_with_sso`](Self::accept_invitation_with_sso)), and
    /// [`Refusal::SignInBlocked`] when the account may not sign in.
    #[tracing::instrument(level = "info", name = "directory::accept_invitation", skip_all, fields(command = "accept_invitation", district = %district, outcome = tracing::field::Empty))]
    pub async fn accept_invitation(
        &self,
        district: DistrictId,
        token: &str,
        new_password: &Password,
    ) -> Result<SignIn, Error> {
        let result: Result<SignIn, Error> = async move {
            let now = self.now();
            let district_row = self.load_district(district).await?;
            refuse_if_sso_only(&district_row)?;
            let (item, body, user) = self.invitation_by_token(district, token, now).await?;
            let who = self_ref(&user);
            let mut changes: ChangeSet = self
                .password_ops(
                    &who,
                    district,
                    user.id,
                    new_password,
                    false,
                    "set on accepting the invitation",
                    now,
                )
                .await?
                .into_iter()
                .collect();
            changes.extend(self.acceptance(&who, item, body, now)?);
            self.commit(changes).await.map_err(used_meanwhile)?;
            Ok(SignIn {
                user: user.id,
                must_change: false,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Accepts the invitation whose link carries `token` by linking `sso_subject` (the subject
    /// the host's single sign-on just authenticated) to the account: how invitations are
    /// accepted in a district that signs in through SSO only. An account already linked to
    /// another subject is not relinked (invalid `sso_subject`). Token refusals as
    /// [`accept_invitation`](Self::accept_invitation).
    #[tracing::instrument(level = "info", name = "directory::accept_invitation_with_sso", skip_all, fields(command = "accept_invitation_with_sso", district = %district, outcome = tracing::field::Empty))]
    pub async fn accept_invitation_with_sso(
        &self,
        district: DistrictId,
        token: &str,
        sso_subject: &str,
    ) -> Result<SignIn, Error> {
        let result: Result<SignIn, Error> = async move {
            let now = self.now();
            self.load_district(district).await?;
            let subject = clean_text(sso_subject, limits::EMAIL)
                .and_then(|s| {
                    s.ok_or_else(|| {
                        InvalidValue::new(ValidationCode::Required, "an SSO subject is required")
                    })
                })
                .map_err(|e| Error::invalid_field(Entity::User, e.at("sso_subject")))?;
            let (item, body, user) = self.invitation_by_token(district, token, now).await?;
            let old = user.details.sso_subject.clone();
            if old.as_ref().is_some_and(|old| *old != subject) {
                return Err(Error::invalid_field(
                    Entity::User,
                    InvalidValue::new(
                        ValidationCode::Taken,
                        "this account is linked to another single sign-on identity; ask an administrator",
                    )
                    .at("sso_subject"),
                ));
            }
            let who = self_ref(&user);
            let mut changes = ChangeSet::new();
            if old.is_none() {
                let expected = user.version;
                let mut linked = user.clone();
                linked.details.sso_subject = Some(subject.clone());
                linked.version = expected.next();
                linked.updated_at = now;
                changes.push(Op::UpdateUser {
                    user: Box::new(linked),
                    expected,
                });
                changes.push(Op::AppendActivity(self.log_entry(
                    &who,
                    district,
                    Subject::User(user.id),
                    ActivityAction::Updated,
                    vec![FieldChange {
                        field: "sso_subject".into(),
                        old: None,
                        new: Some(subject),
                    }],
                    now,
                )));
            }
            changes.extend(self.acceptance(&who, item, body, now)?);
            self.commit(changes).await.map_err(used_meanwhile)?;
            Ok(SignIn {
                user: user.id,
                must_change: false,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The invitation `token` opens, if its link works at `now`, and its user, who must be
    /// allowed to sign in. Every failure of the token itself is [`token_invalid`].
    async fn invitation_by_token(
        &self,
        district: DistrictId,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<(Item, InvitationBody, User), Error> {
        let Some(item) = self
            .storage
            .item_by_key(district, &INVITATION, &token_key(token))
            .await?
        else {
            return Err(token_invalid());
        };
        let body: InvitationBody = item.decode()?;
        let Some(owner) = item.owner.filter(|_| body.state.link_works(now)) else {
            return Err(token_invalid());
        };
        let Some(user) = self.storage.user(district, owner).await? else {
            return Err(token_invalid());
        };
        self.refuse_if_blocked(&user, now)?;
        Ok((item, body, user))
    }

    /// The ops that mark the invitation accepted (its key dropped, so the token is dead) and
    /// log it.
    fn acceptance(
        &self,
        who: &ActorRef,
        mut item: Item,
        mut body: InvitationBody,
        now: DateTime<Utc>,
    ) -> Result<ChangeSet, Error> {
        let Some(user) = item.owner else {
            return Err(token_invalid());
        };
        body.state = body.state.accept(now).map_err(|_| token_invalid())?;
        let expected = item.version;
        item.set_body(&body)?;
        item.status = Some(body.state.status().as_str().to_owned());
        item.due = None;
        item.key = None;
        item.version = expected.next();
        let district = item.district;
        Ok(ChangeSet::new()
            .with(Op::UpdateItem { item, expected })
            .with(Op::AppendActivity(self.log_entry(
                who,
                district,
                Subject::User(user),
                ActivityAction::Updated,
                vec![FieldChange {
                    field: "invitation".into(),
                    old: Some("sent".into()),
                    new: Some(InvitationState::Accepted { at: now }.status().as_str().into()),
                }],
                now,
            ))))
    }
}

/// The user acting on their own account through a link, as the log names them.
pub(super) fn self_ref(user: &User) -> ActorRef {
    ActorRef {
        user: Some(user.id),
        name: user.details.name.display(),
        acting_as: None,
    }
}
