//! "Forgot password": a self-service reset link by e-mail, and setting a new password with it.
//!
//! Asking never tells whether the account exists: the answer is the same `Ok(())`, and the
//! work is similar (a token is made and the same reads are done either way). Asks are limited
//! per user: at most `MAX_OPEN_RESETS` (3) links open at once and one per
//! `RESET_INTERVAL_MINUTES` (5) minutes; an ask over the limit is answered the same and sends
//! nothing. Each reset is an item (kind `password_reset`, owner the user, key the token's
//! hash, due its expiry), written with its outbox message in one change set.

use chrono::{DateTime, Duration, Utc};

use super::Directory;
use super::accept::{self_ref, token_invalid, used_meanwhile};
use super::passwords::refuse_if_sso_only;
use crate::error::Error;
use crate::ids::{DistrictId, ItemId, UserId};
use crate::messaging::MessagePurpose;
use crate::model::{District, User};
use crate::onboarding::{OneTimeToken, PASSWORD_RESET, ResetBody, ResetStatus, token_key};
use crate::password::Password;
use crate::storage::{ChangeSet, Item, ItemQuery, Op, Storage};

/// How long a reset link works.
pub(crate) const RESET_VALID_MINUTES: i64 = 60;
/// At most this many reset links of one user are open (unused, unexpired) at once.
pub(crate) const MAX_OPEN_RESETS: usize = 3;
/// At most one reset link per this many minutes for one user.
pub(crate) const RESET_INTERVAL_MINUTES: i64 = 5;

impl<S: Storage + ?Sized> Directory<S> {
    /// Sends a password-reset link to the account whose username or e-mail is `login`, if
    /// there is one that may sign in and has an e-mail address, and it has not asked too often
    /// (at most 3 open links, one per 5 minutes; a link works for an hour). Always `Ok(())` otherwise too, so the answer never tells
    /// whether the account exists. Refused only in a district that signs in through SSO only
    /// ([`Refusal::PasswordsDisabled`](crate::Refusal::PasswordsDisabled)), which says nothing
    /// about any account.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// # tokio_test(async {
    /// # let directory = Directory::new(
    /// #     Arc::new(homeroom_memory::MemoryStorage::new()),
    /// #     Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap())),
    /// #     Arc::new(SequentialIds::new(1)),
    /// # );
    /// # let admin = Actor::system("setup");
    /// # let district = directory.create_district(&admin, "Maple Valley USD").await?.id;
    /// // Whether or not anyone is called Nobody, the answer is the same.
    /// directory.request_password_reset(district, "nobody@maple.example").await?;
    /// # Ok::<(), Error>(()) });
    /// # fn tokio_test<F: std::future::Future<Output = Result<(), Error>>>(f: F) {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f).unwrap()
    /// # }
    /// ```
    #[tracing::instrument(level = "info", name = "directory::request_password_reset", skip_all, fields(command = "request_password_reset", district = %district, outcome = tracing::field::Empty))]
    pub async fn request_password_reset(
        &self,
        district: DistrictId,
        login: &str,
    ) -> Result<(), Error> {
        let result: Result<(), Error> = async move {
            let now = self.now();
            let district_row = self.load_district(district).await?;
            refuse_if_sso_only(&district_row)?;
            let token = OneTimeToken::generate(&*self.ids);
            let user = self.user_by_login(district, login).await?;
            // The same read whether or not the account exists (an owner nobody is, otherwise).
            let owner = user
                .as_ref()
                .map_or_else(|| UserId::from_uuid(uuid::Uuid::nil()), |u| u.id);
            let open = self.open_resets(district, owner, now).await?;
            let Some(user) = user else {
                return Ok(());
            };
            let may = user.details.email.is_some()
                && self.refuse_if_blocked(&user, now).is_ok()
                && open.len() < MAX_OPEN_RESETS
                && open
                    .iter()
                    .all(|requested| *requested + Duration::minutes(RESET_INTERVAL_MINUTES) <= now);
            if !may {
                return Ok(());
            }
            let changes = self.reset_write(&district_row, &user, &token, now).await?;
            self.commit(changes).await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Sets `new_password` (the user's own, not temporary) with the reset link's `token`; the
    /// token, and every other open reset link of the user, stops working. Refused with
    /// [`Refusal::TokenInvalid`](crate::Refusal::TokenInvalid) for any token that does not
    /// work (unknown, used, expired), and
    /// [`Refusal::SignInBlocked`](crate::Refusal::SignInBlocked) when the account may not
    /// sign in.
    #[tracing::instrument(level = "info", name = "directory::reset_password", skip_all, fields(command = "reset_password", district = %district, outcome = tracing::field::Empty))]
    pub async fn reset_password(
        &self,
        district: DistrictId,
        token: &str,
        new_password: &Password,
    ) -> Result<(), Error> {
        let result: Result<(), Error> = async move {
            let now = self.now();
            let district_row = self.load_district(district).await?;
            refuse_if_sso_only(&district_row)?;
            let Some(item) = self
                .storage
                .item_by_key(district, &PASSWORD_RESET, &token_key(token))
                .await?
            else {
                return Err(token_invalid());
            };
            let open = item.status.as_deref() == Some(ResetStatus::Open.as_str())
                && item.due.is_some_and(|expires| now < expires);
            let Some(owner) = item.owner.filter(|_| open) else {
                return Err(token_invalid());
            };
            let Some(user) = self.storage.user(district, owner).await? else {
                return Err(token_invalid());
            };
            self.refuse_if_blocked(&user, now)?;
            let mut changes: ChangeSet = self
                .password_ops(
                    &self_ref(&user),
                    district,
                    user.id,
                    new_password,
                    false,
                    "reset with an e-mailed link",
                    now,
                )
                .await?
                .into_iter()
                .collect();
            let query = ItemQuery::of(PASSWORD_RESET)
                .with_owner(user.id)
                .with_status(ResetStatus::Open.as_str());
            for mut open in self.storage.items(district, &query).await?.items {
                let expected = open.version;
                open.status = Some(ResetStatus::Used.as_str().to_owned());
                open.key = None;
                open.version = expected.next();
                changes.push(Op::UpdateItem {
                    item: open,
                    expected,
                });
            }
            self.commit(changes).await.map_err(used_meanwhile)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// When each of `user`'s open, unexpired reset links was asked for.
    async fn open_resets(
        &self,
        district: DistrictId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, Error> {
        let query = ItemQuery::of(PASSWORD_RESET)
            .with_owner(user)
            .with_status(ResetStatus::Open.as_str());
        let page = self.storage.items(district, &query).await?;
        let mut open = Vec::new();
        for item in page.items {
            if item.due.is_some_and(|expires| now < expires) {
                open.push(item.decode::<ResetBody>()?.requested_at);
            }
        }
        Ok(open)
    }

    /// The reset item for `token` and its message, in one change set.
    async fn reset_write(
        &self,
        district: &District,
        user: &User,
        token: &OneTimeToken,
        now: DateTime<Utc>,
    ) -> Result<ChangeSet, Error> {
        let item = Item::new(
            ItemId::from_uuid(self.ids.next_uuid()),
            district.id,
            &ResetBody { requested_at: now },
        )?
        .with_owner(user.id)
        .with_status(ResetStatus::Open.as_str())
        .with_due(now + Duration::minutes(RESET_VALID_MINUTES))
        .with_key(token.key());
        let link = format!(
            "{}{}",
            district.settings.onboarding.reset_link,
            token.expose()
        );
        let mut changes = ChangeSet::new().with(Op::InsertItem(item));
        if let Some(message) = self
            .queue_message(
                district,
                user,
                MessagePurpose::PasswordReset,
                Some(&link),
                now,
            )
            .await?
        {
            changes.push(message);
        }
        Ok(changes)
    }
}
