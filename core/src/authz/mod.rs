//! Authorization: the permission catalog, roles and their presets, grants over scopes, and the
//! compiled [`Authority`] that answers checks — for Homeroom's own permissions and for host
//! applications' ([`app`]).
//!
//! The rules (see `docs/permissions.md`):
//! - a grant covers a user when its scope is the district or contains one of the user's org
//!   units (an org unit contains everything below it);
//! - outside an actor's `View Users` reach a user does not exist (`NotFound`); inside it, an
//!   action without its permission is `Forbidden`;
//! - nobody grants more than they hold: a role assignment succeeds only if the granter holds
//!   every permission of the role (Homeroom's and applications') over the whole scope granted.

pub mod app;
mod authority;
mod authority_apps;
mod check;
mod grant;
mod host;
mod permission;
mod role;

pub use app::{
    AppPermission, AppPermissionIndex, AppPermissionInfo, AppPermissions, AppSet, ApplicationSpec,
    Applications, RegistrationError,
};
pub use authority::{Authority, Reach};
pub use check::{AnyPermission, Checkable, Needed};
pub use grant::{Grant, Scope};
pub use host::HostAuthority;
pub use permission::{Permission, PermissionSet};
pub use role::{Preset, Role, RolePermissions, RoleRights};
