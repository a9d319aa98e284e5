//! First sign-in: an admin makes a user choose a new password at their next sign-in, without
//! setting one. (That a user who must change their password can do nothing else is enforced
//! where every actor is resolved, `acting.rs`.)

use super::Directory;
use super::passwords::refuse_if_sso_only;
use crate::actor::Actor;
use crate::authz::Permission;
use crate::error::Error;
use crate::ids::{DistrictId, UserId};
use crate::storage::{ChangeSet, Op, Storage};

impl<S: Storage + ?Sized> Directory<S> {
    /// Makes `user` change their password at their next sign-in, keeping the one they have:
    /// until they do, every command they run is refused with
    /// [`Refusal::PasswordChangeRequired`](crate::Refusal::PasswordChangeRequired) but
    /// [`change_own_password`](Self::change_own_password). Needs what
    /// [`set_password`](Self::set_password) needs: Edit Users over the user and everything
    /// they hold. `false` (and nothing written) when the user has no password.
    #[tracing::instrument(level = "info", name = "directory::require_password_change", skip_all, fields(command = "require_password_change", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn require_password_change(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
    ) -> Result<bool, Error> {
        let result: Result<bool, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            acting.refuse_if_impersonating()?;
            let target = acting.see(self.load_user(district, user).await?)?;
            acting.require(Permission::EditUsers, &target)?;
            self.require_covers(&acting, &target, &tree).await?;
            refuse_if_sso_only(&district_row)?;
            let Some(mut credential) = self.storage.password_credential(district, user).await?
            else {
                return Ok(false);
            };
            if credential.must_change {
                return Ok(true);
            }
            credential.must_change = true;
            let entry = self.password_entry(&acting.who, district, user, "must change", now);
            self.commit(
                ChangeSet::new()
                    .with(Op::SetPassword {
                        district,
                        user,
                        credential,
                    })
                    .with(Op::AppendActivity(entry)),
            )
            .await?;
            Ok(true)
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}
