//! The rule that a district keeps at least one active System Administrator, as a pure check
//! over data already loaded, shared by the user and grant commands and by import.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::authz::{Grant, Preset, Role, Scope};
use crate::error::Error;
use crate::ids::{GrantId, UserId};
use crate::model::{RecordStatus, User};
use crate::storage::Entity;
use crate::validation::{InvalidValue, ValidationCode};

/// The users holding the System Administrator preset role district-wide (active or not).
pub(crate) fn system_administrator_holders(roles: &[Role], grants: &[Grant]) -> BTreeSet<UserId> {
    admin_grants(roles, grants).map(|g| g.holder).collect()
}

/// Refuses a change that would leave the district without an active user, allowed to sign in
/// at `now`, holding System Administrator district-wide: revoking grant `revoking` and/or
/// taking every user of `leaving` out of action (Inactive, Archived, suspended, locked).
///
/// `roles` and `grants` are the district's; `user` gives the stored user for an id and must
/// know at least every holder of a district-wide System Administrator grant (an unknown holder
/// counts as not active). A district that has no active System Administrator before the change
/// is not refused.
pub(crate) fn refuse_leaving_no_system_administrator<'u>(
    roles: &[Role],
    grants: &[Grant],
    user: impl Fn(UserId) -> Option<&'u User>,
    now: DateTime<Utc>,
    revoking: Option<GrantId>,
    leaving: &BTreeSet<UserId>,
) -> Result<(), Error> {
    let active = |id: &UserId| {
        user(*id).is_some_and(|u| u.status == RecordStatus::Active && u.access.permits_sign_in(now))
    };
    let before = admin_grants(roles, grants).any(|g| active(&g.holder));
    let after = admin_grants(roles, grants)
        .filter(|g| Some(g.id) != revoking && !leaving.contains(&g.holder))
        .any(|g| active(&g.holder));
    if before && !after {
        return Err(Error::invalid_field(
            Entity::User,
            InvalidValue::new(
                ValidationCode::LastSystemAdministrator,
                LAST_SYSTEM_ADMINISTRATOR,
            )
            .at("grants"),
        ));
    }
    Ok(())
}

/// What the refusal says.
pub(crate) const LAST_SYSTEM_ADMINISTRATOR: &str =
    "this is the district's last active System Administrator; grant the role to someone else first";

fn admin_grants<'g>(roles: &[Role], grants: &'g [Grant]) -> impl Iterator<Item = &'g Grant> {
    let admin = roles
        .iter()
        .find(|r| r.preset == Some(Preset::SystemAdministrator))
        .map(|r| r.id);
    grants
        .iter()
        .filter(move |g| Some(g.role) == admin && g.scope == Scope::District)
}
