//! Passwords: an admin sets a (temporary) one, a user changes their own, and a sign-in is
//! checked. Never logged; refused in districts that sign in through SSO only.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use serde::Serialize;

use crate::activity::{ActivityAction, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::Permission;
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, UserId};
use crate::model::{Access, District, RecordStatus, User};
use crate::password::{Password, PasswordCredential, PasswordHash};
use crate::storage::{Entity, Op, Storage, UserKey};

use super::Directory;

/// A sign-in that succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SignIn {
    /// Who signed in.
    pub user: UserId,
    /// The password is temporary: the user must choose a new one before going on.
    pub must_change: bool,
}

const SIGN_IN_FAILED: &str = "the username or password is not right; check both and try again";

impl<S: Storage + ?Sized> Directory<S> {
    /// Sets a user's password; needs Edit Users over the user. With `must_change` (a temporary
    /// password) the user must choose a new one at the next sign-in. Recorded in the user's
    /// activity log, without the password.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// # use homeroom::password::Password;
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
    ///         .with_username("alovelace").unwrap())
    ///     .await?;
    /// directory
    ///     .set_password(&admin, district, ada.id, &Password::new("welcome-2026").unwrap(), true)
    ///     .await?;
    /// let signed_in = directory.verify_password(district, "ALovelace", "welcome-2026").await?;
    /// assert!(signed_in.must_change);
    /// # Ok::<(), Error>(()) });
    /// # fn tokio_test<F: std::future::Future<Output = Result<(), Error>>>(f: F) {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f).unwrap()
    /// # }
    /// ```
    #[tracing::instrument(level = "info", name = "directory::set_password", skip_all, fields(command = "set_password", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn set_password(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        password: &Password,
        must_change: bool,
    ) -> Result<(), Error> {
        let result: Result<(), Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            acting.refuse_if_impersonating()?;
            let target = acting.see(self.load_user(district, user).await?)?;
            acting.require(Permission::EditUsers, &target)?;
            self.require_covers(&acting, &target, &tree).await?;
            refuse_if_sso_only(&district_row)?;
            let what = if must_change { "temporary" } else { "set" };
            self.store_password(
                &acting.who,
                district,
                user,
                password,
                must_change,
                what,
                now,
            )
            .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Changes the acting user's own password after checking their current one; the new
    /// password is not temporary. A wrong current password is refused as a failed sign-in
    /// ([`Refusal::SignInFailed`]); a user who may not sign in (suspended, locked, not Active)
    /// may not change it either ([`Refusal::SignInBlocked`]). Only a user actor of `district`
    /// has a password of their own.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// # use homeroom::password::Password;
    /// # tokio_test(async {
    /// # let directory = Directory::new(
    /// #     Arc::new(homeroom_memory::MemoryStorage::new()),
    /// #     Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap())),
    /// #     Arc::new(SequentialIds::new(1)),
    /// # );
    /// # let admin = Actor::system("setup");
    /// # let district = directory.create_district(&admin, "Maple Valley USD").await?.id;
    /// # let ada = directory
    /// #     .create_user(&admin, district, UserDetails::new(UserKind::Staff, "Ada", "Lovelace")
    /// #         .with_username("alovelace").unwrap())
    /// #     .await?;
    /// let temporary = Password::new("welcome-2026").unwrap();
    /// directory.set_password(&admin, district, ada.id, &temporary, true).await?;
    /// assert!(directory.verify_password(district, "alovelace", "welcome-2026").await?.must_change);
    ///
    /// // Ada signs in and must choose her own.
    /// let me = Actor::user(district, ada.id);
    /// let mine = Password::new("tulip-garden-42").unwrap();
    /// directory.change_own_password(&me, district, "welcome-2026", &mine).await?;
    /// assert!(!directory.verify_password(district, "alovelace", "tulip-garden-42").await?.must_change);
    /// # Ok::<(), Error>(()) });
    /// # fn tokio_test<F: std::future::Future<Output = Result<(), Error>>>(f: F) {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f).unwrap()
    /// # }
    /// ```
    #[tracing::instrument(level = "info", name = "directory::change_own_password", skip_all, fields(command = "change_own_password", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        district: DistrictId,
        current: &str,
        new: &Password,
    ) -> Result<(), Error> {
        let result: Result<(), Error> = async move {
            let now = self.now();
            let district_row = self.load_district(district).await?;
            refuse_if_sso_only(&district_row)?;
            let Some(user) = actor
                .user_id()
                .filter(|_| actor.district() == Some(district))
            else {
                return Err(Error::refused(
                    Refusal::SignInFailed,
                    "only a signed-in user can change their own password",
                ));
            };
            let acting = self.acting_to_change_password(actor, district, now).await?;
            let me = self.load_user(district, user).await?;
            let stored = self.storage.password_credential(district, user).await?;
            let matches = match &stored {
                Some(credential) => self.hashing.verify(&credential.hash, current).await,
                None => false,
            };
            if !matches {
                return Err(Error::refused(
                    Refusal::SignInFailed,
                    "the current password is not right; nothing was changed",
                ));
            }
            self.refuse_if_blocked(&me, now)?;
            self.store_password(&acting.who, district, user, new, false, "changed", now)
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Checks a sign-in by username or e-mail (either, regardless of case) and password.
    ///
    /// An unknown login, a user without a password and a wrong password all fail the same way
    /// ([`Refusal::SignInFailed`]), and take as long, so a failure does not tell whether the
    /// login exists. Only with the right password does a suspended, locked or not Active user
    /// learn that they may not sign in ([`Refusal::SignInBlocked`]; a lock whose time has
    /// passed no longer blocks). Hashing takes tens of milliseconds of CPU by design.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// # use homeroom::password::Password;
    /// # tokio_test(async {
    /// # let directory = Directory::new(
    /// #     Arc::new(homeroom_memory::MemoryStorage::new()),
    /// #     Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap())),
    /// #     Arc::new(SequentialIds::new(1)),
    /// # );
    /// # let admin = Actor::system("setup");
    /// # let district = directory.create_district(&admin, "Maple Valley USD").await?.id;
    /// # let ada = directory
    /// #     .create_user(&admin, district, UserDetails::new(UserKind::Staff, "Ada", "Lovelace")
    /// #         .with_email("ada@maple.example").unwrap())
    /// #     .await?;
    /// # directory
    /// #     .set_password(&admin, district, ada.id, &Password::new("welcome-2026").unwrap(), false)
    /// #     .await?;
    /// let ok = directory.verify_password(district, "Ada@Maple.Example", "welcome-2026").await?;
    /// assert_eq!(ok, SignIn { user: ada.id, must_change: false });
    ///
    /// // A wrong password and an unknown login are told apart by nothing.
    /// let wrong = directory.verify_password(district, "ada@maple.example", "guess-guess").await;
    /// let unknown = directory.verify_password(district, "bob@maple.example", "guess-guess").await;
    /// let (wrong, unknown) = (wrong.unwrap_err(), unknown.unwrap_err());
    /// assert_eq!(wrong.to_string(), unknown.to_string());
    /// assert!(matches!(wrong, Error::Refused { reason: Refusal::SignInFailed, .. }));
    /// # Ok::<(), Error>(()) });
    /// # fn tokio_test<F: std::future::Future<Output = Result<(), Error>>>(f: F) {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f).unwrap()
    /// # }
    /// ```
    #[tracing::instrument(level = "info", name = "directory::verify_password", skip_all, fields(command = "verify_password", district = %district, outcome = tracing::field::Empty))]
    pub async fn verify_password(
        &self,
        district: DistrictId,
        login: &str,
        password: &str,
    ) -> Result<SignIn, Error> {
        let result: Result<SignIn, Error> = async move {
            let district_row = self.load_district(district).await?;
            refuse_if_sso_only(&district_row)?;
            let user = self.user_by_login(district, login).await?;
            let credential = match &user {
                Some(user) => self.storage.password_credential(district, user.id).await?,
                None => None,
            };
            let (Some(user), Some(credential)) = (user, credential) else {
                // Spend the same time as a real check, so timing does not reveal the login.
                if let Some(dummy) = dummy_hash() {
                    let _ = self.hashing.verify(dummy, password).await;
                }
                return Err(Error::refused(Refusal::SignInFailed, SIGN_IN_FAILED));
            };
            if !self.hashing.verify(&credential.hash, password).await {
                return Err(Error::refused(Refusal::SignInFailed, SIGN_IN_FAILED));
            }
            self.refuse_if_blocked(&user, self.now())?;
            Ok(SignIn {
                user: user.id,
                must_change: credential.must_change,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// `SignInBlocked` unless `user` is Active and may sign in at `now` (an expired lock no
    /// longer blocks). The message names the status and access, never the admin's lock reason.
    pub(super) fn refuse_if_blocked(&self, user: &User, now: DateTime<Utc>) -> Result<(), Error> {
        if user.status == RecordStatus::Active && user.access.permits_sign_in(now) {
            return Ok(());
        }
        let access = match &user.access {
            Access::Locked {
                until: Some(until), ..
            } => format!("locked until {}", until.to_rfc3339()),
            other => other.kind().as_str().to_owned(),
        };
        Err(Error::refused(
            Refusal::SignInBlocked,
            format!(
                "this account may not sign in (status {}, access {access}); ask a district administrator",
                user.status
            ),
        ))
    }

    pub(super) async fn user_by_login(
        &self,
        district: DistrictId,
        login: &str,
    ) -> Result<Option<User>, Error> {
        let key = login.trim().to_lowercase();
        if key.is_empty() {
            return Ok(None);
        }
        if let Some(user) = self
            .storage
            .user_by_key(district, &UserKey::Username(key.clone()))
            .await?
        {
            return Ok(Some(user));
        }
        Ok(self
            .storage
            .user_by_key(district, &UserKey::Email(key))
            .await?)
    }

    /// Hashes and stores `password` for `user`, logged as `what`, stamped `now`.
    #[allow(clippy::too_many_arguments)] // each is one part of the one write; a struct would only rename them
    async fn store_password(
        &self,
        who: &crate::ActorRef,
        district: DistrictId,
        user: UserId,
        password: &Password,
        must_change: bool,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let ops = self
            .password_ops(who, district, user, password, must_change, what, now)
            .await?;
        self.commit(ops.into_iter().collect()).await
    }

    /// The ops that store `password` for `user` (hashed on the host's runner) and log it as
    /// `what`, for a command that writes them with more (an accepted invitation).
    #[allow(clippy::too_many_arguments)] // each is one part of the one write; a struct would only rename them
    pub(super) async fn password_ops(
        &self,
        who: &crate::ActorRef,
        district: DistrictId,
        user: UserId,
        password: &Password,
        must_change: bool,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<[Op; 2], Error> {
        let hash = self
            .hashing
            .hash(password, self.ids.salt())
            .await
            .map_err(|e| Error::invalid_field(Entity::User, e.at("password")))?;
        let credential = PasswordCredential {
            hash,
            must_change,
            set_at: now,
        };
        Ok([
            Op::SetPassword {
                district,
                user,
                credential,
            },
            Op::AppendActivity(self.password_entry(who, district, user, what, now)),
        ])
    }

    /// The activity entry of a password change described as `what` (never the password).
    pub(super) fn password_entry(
        &self,
        who: &crate::ActorRef,
        district: DistrictId,
        user: UserId,
        what: &str,
        now: DateTime<Utc>,
    ) -> crate::ActivityEntry {
        self.log_entry(
            who,
            district,
            Subject::User(user),
            ActivityAction::PasswordSet,
            vec![FieldChange {
                field: "password".into(),
                old: None,
                new: Some(what.into()),
            }],
            now,
        )
    }
}

pub(super) fn refuse_if_sso_only(district: &District) -> Result<(), Error> {
    if district.settings.sso_only {
        return Err(Error::refused(
            Refusal::PasswordsDisabled,
            format!(
                "{} signs in through single sign-on only; passwords are not used",
                district.name
            ),
        ));
    }
    Ok(())
}

/// A hash to verify against when there is no real one, so failures take equally long: the
/// Argon2id hash of a fixed phrase, with the library's parameters, computed once ahead of time
/// (so no sign-in ever hashes outside the host's runner, not even the first).
fn dummy_hash() -> Option<&'static PasswordHash> {
    const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$WlpaWlpaWlpaWlpaWlpaWg$+FRlvMDPTyujBwVTk4QLWG4ye7e3TfyARKFI9dIbeNc";
    static DUMMY: OnceLock<Option<PasswordHash>> = OnceLock::new();
    DUMMY
        .get_or_init(|| PasswordHash::from_phc(DUMMY_PHC))
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_real_hash_with_the_librarys_parameters() {
        let dummy = dummy_hash().unwrap();
        assert!(dummy.verify("homeroom-timing-equaliser"));
        let fresh = PasswordHash::new(&Password::new("x-y-z-w-v-u").unwrap(), [1; 16]).unwrap();
        let params = |h: &PasswordHash| h.as_phc().split('$').take(4).collect::<Vec<_>>().join("$");
        assert_eq!(params(dummy), params(&fresh), "equal cost, so equal time");
    }
}
