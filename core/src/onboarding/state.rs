//! The invitation state machine, pure: `NotSent → Scheduled → Sent → Accepted`, plus
//! `Expired`; time passes lazily (a scheduled invitation whose time has come reads as sent, a
//! sent one past its expiry reads as expired), so no job has to move it along.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Refusal};

/// Where an invitation stands, without its times: what a search filters by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    /// Never invited, or the invitation was cleared.
    NotSent,
    /// To be sent at a set time.
    Scheduled,
    /// Sent; the link works until it expires.
    Sent,
    /// The user accepted it (set a password or linked their sign-on).
    Accepted,
    /// Sent, but not accepted in time; the link no longer works.
    Expired,
}

impl InvitationStatus {
    /// Every status.
    pub const ALL: [Self; 5] = [
        Self::NotSent,
        Self::Scheduled,
        Self::Sent,
        Self::Accepted,
        Self::Expired,
    ];

    /// The stable snake_case name (also the item's stored status).
    ///
    /// ```
    /// use homeroom::onboarding::InvitationStatus;
    /// assert_eq!(InvitationStatus::NotSent.as_str(), "not_sent");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotSent => "not_sent",
            Self::Scheduled => "scheduled",
            Self::Sent => "sent",
            Self::Accepted => "accepted",
            Self::Expired => "expired",
        }
    }
}

impl fmt::Display for InvitationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An invitation's state, with its times.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use homeroom::onboarding::{InvitationState, InvitationStatus};
///
/// let now = Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap();
/// let week = Duration::days(7);
/// let sent = InvitationState::NotSent.send(now, week)?;
/// assert_eq!(sent.status(), InvitationStatus::Sent);
/// // Eight days on, nobody accepted it: it reads as expired, and cannot be accepted.
/// let later = now + Duration::days(8);
/// assert_eq!(sent.observe(later).status(), InvitationStatus::Expired);
/// assert!(sent.accept(later).is_err());
/// # Ok::<(), homeroom::onboarding::IllegalTransition>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum InvitationState {
    /// Never invited, or cleared.
    NotSent,
    /// The message goes out at `at`; the link works from then until `expires`.
    Scheduled {
        /// When it is sent.
        at: DateTime<Utc>,
        /// When its link stops working.
        expires: DateTime<Utc>,
    },
    /// Sent at `at`; the link works until `expires`.
    Sent {
        /// When it was sent.
        at: DateTime<Utc>,
        /// When its link stops working.
        expires: DateTime<Utc>,
    },
    /// Accepted at `at`.
    Accepted {
        /// When.
        at: DateTime<Utc>,
    },
    /// Its link stopped working at `at`, unaccepted.
    Expired {
        /// When.
        at: DateTime<Utc>,
    },
}

/// What was asked of an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationAction {
    /// Schedule it.
    Schedule,
    /// Send it now.
    Send,
    /// Send it again with a new link.
    Resend,
    /// Clear it.
    Clear,
    /// Accept it.
    Accept,
}

/// An action the invitation's state does not allow: what was asked, and the state it was in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an invitation that is {from} cannot be {}: {}", past(self.action), hint(self.action, self.from))]
pub struct IllegalTransition {
    /// The state it was in (after time was taken into account).
    pub from: InvitationStatus,
    /// What was asked.
    pub action: InvitationAction,
}

fn past(action: InvitationAction) -> &'static str {
    match action {
        InvitationAction::Schedule => "scheduled",
        InvitationAction::Send => "sent",
        InvitationAction::Resend => "resent",
        InvitationAction::Clear => "cleared",
        InvitationAction::Accept => "accepted",
    }
}

fn hint(action: InvitationAction, from: InvitationStatus) -> &'static str {
    match (action, from) {
        (_, InvitationStatus::Accepted) => "the user has already accepted it",
        (InvitationAction::Send | InvitationAction::Schedule, InvitationStatus::Sent) => {
            "resend it for a new link, or clear it first"
        }
        (InvitationAction::Resend, _) => "only a sent or expired invitation is resent; send it",
        (InvitationAction::Clear, _) => "only a scheduled or sent invitation is cleared",
        _ => "it is not a sent invitation",
    }
}

impl From<IllegalTransition> for Error {
    fn from(illegal: IllegalTransition) -> Self {
        Error::refused(Refusal::InvitationTransition, illegal.to_string())
    }
}

impl InvitationState {
    /// The status, without times.
    pub fn status(&self) -> InvitationStatus {
        match self {
            Self::NotSent => InvitationStatus::NotSent,
            Self::Scheduled { .. } => InvitationStatus::Scheduled,
            Self::Sent { .. } => InvitationStatus::Sent,
            Self::Accepted { .. } => InvitationStatus::Accepted,
            Self::Expired { .. } => InvitationStatus::Expired,
        }
    }

    /// The state as it reads at `now`: a scheduled invitation whose time has come is sent, a
    /// sent one past its expiry is expired.
    #[must_use]
    pub fn observe(self, now: DateTime<Utc>) -> Self {
        let sent = match self {
            Self::Scheduled { at, expires } if at <= now => Self::Sent { at, expires },
            other => other,
        };
        match sent {
            Self::Sent { expires, .. } if expires <= now => Self::Expired { at: expires },
            other => other,
        }
    }

    /// When the state next moves by itself (a scheduled send, an expiry), if ever.
    pub fn next_change(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Scheduled { at, .. } => Some(*at),
            Self::Sent { expires, .. } => Some(*expires),
            _ => None,
        }
    }

    /// Schedules it for `at`, its link valid for `valid` from then: from not sent, scheduled
    /// (moved) or expired. A time already past sends it now.
    pub fn schedule(
        self,
        now: DateTime<Utc>,
        at: DateTime<Utc>,
        valid: chrono::Duration,
    ) -> Result<Self, IllegalTransition> {
        let current = self.observe(now);
        match current.status() {
            InvitationStatus::NotSent | InvitationStatus::Scheduled | InvitationStatus::Expired => {
                let at = at.max(now);
                Ok(Self::Scheduled {
                    at,
                    expires: at + valid,
                }
                .observe(now))
            }
            from => Err(IllegalTransition {
                from,
                action: InvitationAction::Schedule,
            }),
        }
    }

    /// Sends it now, its link valid for `valid`: from not sent, scheduled or expired.
    pub fn send(
        self,
        now: DateTime<Utc>,
        valid: chrono::Duration,
    ) -> Result<Self, IllegalTransition> {
        match self.observe(now).status() {
            InvitationStatus::NotSent | InvitationStatus::Scheduled | InvitationStatus::Expired => {
                Ok(Self::Sent {
                    at: now,
                    expires: now + valid,
                })
            }
            from => Err(IllegalTransition {
                from,
                action: InvitationAction::Send,
            }),
        }
    }

    /// Sends it again now, with a new link valid for `valid`: from sent or expired.
    pub fn resend(
        self,
        now: DateTime<Utc>,
        valid: chrono::Duration,
    ) -> Result<Self, IllegalTransition> {
        match self.observe(now).status() {
            InvitationStatus::Sent | InvitationStatus::Expired => Ok(Self::Sent {
                at: now,
                expires: now + valid,
            }),
            from => Err(IllegalTransition {
                from,
                action: InvitationAction::Resend,
            }),
        }
    }

    /// Clears it (its link stops working): from scheduled or sent.
    pub fn clear(self, now: DateTime<Utc>) -> Result<Self, IllegalTransition> {
        match self.observe(now).status() {
            InvitationStatus::Scheduled | InvitationStatus::Sent => Ok(Self::NotSent),
            from => Err(IllegalTransition {
                from,
                action: InvitationAction::Clear,
            }),
        }
    }

    /// Accepts it: only a sent invitation, before it expires.
    pub fn accept(self, now: DateTime<Utc>) -> Result<Self, IllegalTransition> {
        match self.observe(now).status() {
            InvitationStatus::Sent => Ok(Self::Accepted { at: now }),
            from => Err(IllegalTransition {
                from,
                action: InvitationAction::Accept,
            }),
        }
    }

    /// True when its link works at `now`.
    pub fn link_works(&self, now: DateTime<Utc>) -> bool {
        self.observe(now).status() == InvitationStatus::Sent
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    use super::*;

    const VALID_MINUTES: i64 = 100;

    /// The model: a status, a send time and an expiry, with the rules written out as a table.
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Model {
        status: InvitationStatus,
        send_at: i64,
        expires: i64,
    }

    impl Model {
        fn at(&self, now: i64) -> InvitationStatus {
            use InvitationStatus::*;
            match self.status {
                Scheduled if self.expires <= now => Expired,
                Scheduled if self.send_at <= now => Sent,
                Sent if self.expires <= now => Expired,
                other => other,
            }
        }

        fn apply(&mut self, action: InvitationAction, now: i64, at: i64) -> bool {
            use InvitationAction as A;
            use InvitationStatus::*;
            let from = self.at(now);
            let allowed = matches!(
                (action, from),
                (A::Schedule | A::Send, NotSent | Scheduled | Expired)
                    | (A::Resend, Sent | Expired)
                    | (A::Clear, Scheduled | Sent)
                    | (A::Accept, Sent)
            );
            if !allowed {
                return false;
            }
            let (status, send_at) = match action {
                A::Schedule => (Scheduled, at.max(now)),
                A::Send | A::Resend => (Sent, now),
                A::Clear => (NotSent, 0),
                A::Accept => (Accepted, now),
            };
            *self = Model {
                status,
                send_at,
                expires: send_at + VALID_MINUTES,
            };
            true
        }
    }

    fn time(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 8, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes)
    }

    fn action() -> impl Strategy<Value = InvitationAction> {
        prop_oneof![
            Just(InvitationAction::Schedule),
            Just(InvitationAction::Send),
            Just(InvitationAction::Resend),
            Just(InvitationAction::Clear),
            Just(InvitationAction::Accept),
        ]
    }

    proptest! {
        #[test]
        fn the_state_machine_agrees_with_the_model(
            steps in proptest::collection::vec((action(), 0i64..150, 0i64..300), 1..30)
        ) {
            let valid = Duration::minutes(VALID_MINUTES);
            let mut state = InvitationState::NotSent;
            let mut model = Model { status: InvitationStatus::NotSent, send_at: 0, expires: 0 };
            let mut now = 0;
            for (action, wait, ahead) in steps {
                now += wait;
                let at = now + ahead - 100;
                let result = match action {
                    InvitationAction::Schedule => state.schedule(time(now), time(at), valid),
                    InvitationAction::Send => state.send(time(now), valid),
                    InvitationAction::Resend => state.resend(time(now), valid),
                    InvitationAction::Clear => state.clear(time(now)),
                    InvitationAction::Accept => state.accept(time(now)),
                };
                let from = model.at(now);
                let allowed = model.apply(action, now, at);
                match result {
                    Ok(next) => {
                        prop_assert!(allowed, "{action:?} from {from:?} was allowed");
                        state = next;
                    }
                    Err(illegal) => {
                        prop_assert!(!allowed, "{action:?} from {from:?} was refused");
                        prop_assert_eq!(illegal, IllegalTransition { from, action });
                        let error = Error::from(illegal);
                        prop_assert_eq!(error.refusal(), Some(Refusal::InvitationTransition));
                    }
                }
                prop_assert_eq!(state.observe(time(now)).status(), model.at(now));
                prop_assert_eq!(state.link_works(time(now)), model.at(now) == InvitationStatus::Sent);
                // Later, the two still agree on what time has done to it.
                prop_assert_eq!(state.observe(time(now + 1000)).status(), model.at(now + 1000));
            }
        }
    }

    #[test]
    fn an_accepted_invitation_takes_no_action() {
        let now = time(0);
        let valid = Duration::minutes(VALID_MINUTES);
        let accepted = InvitationState::NotSent
            .send(now, valid)
            .unwrap()
            .accept(now)
            .unwrap();
        let refused = accepted.resend(now, valid).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "an invitation that is accepted cannot be resent: the user has already accepted it"
        );
        assert!(accepted.clear(now).is_err() && accepted.send(now, valid).is_err());
        assert_eq!(accepted.next_change(), None);
    }
}
