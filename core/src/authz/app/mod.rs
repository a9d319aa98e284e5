//! Host applications: their own permission catalogs ([`AppPermission`]), the registry a host
//! passes to the directory ([`Applications`]), and the sets roles and authorities hold.

mod catalog;
mod set;

pub use catalog::{
    AppPermission, AppPermissionIndex, AppPermissionInfo, ApplicationSpec, Applications,
    RegistrationError,
};
pub use set::{AppPermissions, AppSet};
