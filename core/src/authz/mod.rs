//! Authorization: the permission catalog, roles and their presets, grants over scopes, and the
//! compiled [`Authority`] that answers checks.
//!
//! The rules (see `docs/permissions.md`):
//! - a grant covers a user when its scope is the district or contains one of the user's org
//!   units (an org unit contains everything below it);
//! - outside an actor's `View Users` reach a user does not exist (`NotFound`); inside it, an
//!   action without its permission is `Forbidden`;
//! - nobody grants more than they hold: a role assignment succeeds only if the granter holds
//!   every permission of the role over the whole scope granted.

mod authority;
mod grant;
mod permission;
mod role;

pub use authority::{Authority, Reach};
pub use grant::{Grant, Scope};
pub use permission::{Permission, PermissionSet};
pub use role::{Preset, Role};
