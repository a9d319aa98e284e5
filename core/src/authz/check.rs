//! One check for everything: Homeroom's own [`Permission`]s and host application permissions
//! go through the same calls ([`Directory::authorize`](crate::Directory::authorize),
//! [`HostAuthority::allows`](crate::authz::HostAuthority::allows), the
//! [search filter](crate::UserSearch::allowed_to)).

use std::fmt;

use super::Permission;
use super::app::{AppPermission, AppPermissionIndex, ApplicationSpec, Applications};

/// Any permission an authority checks: one of Homeroom's, or one of a host application's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AnyPermission {
    /// One of Homeroom's permissions.
    Homeroom(Permission),
    /// A host application's permission.
    App {
        /// Its application.
        application: ApplicationSpec,
        /// Its key.
        key: &'static str,
        /// Its label.
        label: &'static str,
        /// Its position in the catalog.
        ordinal: usize,
    },
}

/// What a check needs, resolved against a registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needed {
    /// One of Homeroom's permissions.
    Homeroom(Permission),
    /// A registered application permission.
    App(AppPermissionIndex),
    /// An application permission whose application is not registered: held by nobody.
    Unregistered,
}

impl AnyPermission {
    /// What checking it needs, against `apps`.
    pub fn needed(self, apps: &Applications) -> Needed {
        match self {
            Self::Homeroom(p) => Needed::Homeroom(p),
            Self::App {
                application,
                ordinal,
                ..
            } => apps
                .index_at(application.key, ordinal)
                .map_or(Needed::Unregistered, Needed::App),
        }
    }
}

impl fmt::Display for AnyPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Homeroom(p) => fmt::Display::fmt(p, f),
            Self::App {
                application, label, ..
            } => write!(f, "{}: {label}", application.name),
        }
    }
}

/// Something an authority can check: a Homeroom [`Permission`] or any host
/// [`AppPermission`].
pub trait Checkable: Copy {
    /// The permission, untyped.
    fn permission(self) -> AnyPermission;
}

impl Checkable for Permission {
    fn permission(self) -> AnyPermission {
        AnyPermission::Homeroom(self)
    }
}

impl Checkable for AnyPermission {
    fn permission(self) -> AnyPermission {
        self
    }
}

impl<P: AppPermission> Checkable for P {
    fn permission(self) -> AnyPermission {
        AnyPermission::App {
            application: P::APPLICATION,
            key: self.key(),
            label: self.label(),
            ordinal: self.ordinal(),
        }
    }
}
