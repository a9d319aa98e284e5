//! A host application's permission catalog, declared as typed Rust values, and the registry of
//! every application a [`Directory`](crate::Directory) knows.

use std::fmt;

/// An application a host runs on the directory: a stable key (stored in roles and access
/// rows, never renamed) and the name people read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApplicationSpec {
    /// The stable key, such as `"helpdesk"`.
    pub key: &'static str,
    /// The name people read ("Help Desk").
    pub name: &'static str,
}

/// One permission of a host application's catalog: implemented by the host on an enum, so
/// its permissions are typed values, not strings scattered through code.
///
/// `ALL` lists the catalog in a fixed order and `ordinal` is a permission's position in it
/// (for a field-less enum, `self as usize`); [`Applications::register`] checks both.
///
/// ```
/// use homeroom::authz::{AppPermission, ApplicationSpec};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// enum HelpDesk { AssignTickets, CloseTickets }
///
/// impl AppPermission for HelpDesk {
///     const APPLICATION: ApplicationSpec = ApplicationSpec { key: "helpdesk", name: "Help Desk" };
///     const ALL: &'static [Self] = &[Self::AssignTickets, Self::CloseTickets];
///     fn key(self) -> &'static str {
///         match self { Self::AssignTickets => "assign_tickets", Self::CloseTickets => "close_tickets" }
///     }
///     fn label(self) -> &'static str {
///         match self { Self::AssignTickets => "Assign Tickets", Self::CloseTickets => "Close Tickets" }
///     }
///     fn ordinal(self) -> usize { self as usize }
/// }
/// assert_eq!(HelpDesk::CloseTickets.ordinal(), 1);
/// ```
pub trait AppPermission: Copy + fmt::Debug + Send + Sync + 'static {
    /// The application the catalog belongs to.
    const APPLICATION: ApplicationSpec;
    /// Every permission of the catalog, in a fixed order.
    const ALL: &'static [Self];
    /// The stable key stored in roles (`"assign_tickets"`): unique in the catalog.
    fn key(self) -> &'static str;
    /// The name people read ("Assign Tickets").
    fn label(self) -> &'static str;
    /// The permission's position in [`ALL`](Self::ALL).
    fn ordinal(self) -> usize;
}

/// Where one application permission sits in a registry: its bit in an
/// [`AppSet`](super::AppSet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppPermissionIndex(pub(crate) u32);

/// One registered permission, as a registry describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppPermissionInfo {
    /// Its application.
    pub application: ApplicationSpec,
    /// Its stable key.
    pub key: &'static str,
    /// Its label.
    pub label: &'static str,
}

impl fmt::Display for AppPermissionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.application.name, self.label)
    }
}

#[derive(Clone, Debug)]
struct Registered {
    spec: ApplicationSpec,
    offset: u32,
    permissions: Vec<(&'static str, &'static str)>,
}

/// Why an application could not be registered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// Another application already uses the key (or the name, regardless of case).
    #[error("an application with the key or name of '{0}' is already registered")]
    Duplicate(&'static str),
    /// The key is empty or not made of lower-case letters, digits, `_` and `-`.
    #[error("'{0}' is not a valid application or permission key (use a-z, 0-9, '_' and '-')")]
    BadKey(&'static str),
    /// Two permissions of the catalog share a key.
    #[error("the permission key '{0}' appears twice in the catalog")]
    DuplicatePermission(&'static str),
    /// `ALL[i].ordinal()` is not `i`.
    #[error("the permission '{0}' does not report its position in ALL as its ordinal")]
    BadOrdinal(&'static str),
}

/// The applications a host runs on the directory, with their catalogs: passed to
/// [`Directory::with_applications`](crate::Directory::with_applications).
///
/// ```
/// # use homeroom::authz::{AppPermission, ApplicationSpec, Applications};
/// # #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// # enum HelpDesk { AssignTickets }
/// # impl AppPermission for HelpDesk {
/// #     const APPLICATION: ApplicationSpec = ApplicationSpec { key: "helpdesk", name: "Help Desk" };
/// #     const ALL: &'static [Self] = &[Self::AssignTickets];
/// #     fn key(self) -> &'static str { "assign_tickets" }
/// #     fn label(self) -> &'static str { "Assign Tickets" }
/// #     fn ordinal(self) -> usize { self as usize }
/// # }
/// let apps = Applications::new().register::<HelpDesk>()?;
/// assert_eq!(apps.by_name("help desk").map(|a| a.key), Some("helpdesk"));
/// assert!(apps.index_of(HelpDesk::AssignTickets).is_some());
/// # Ok::<(), homeroom::authz::RegistrationError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Applications {
    apps: Vec<Registered>,
    size: u32,
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Applications {
    /// No applications.
    pub fn new() -> Self {
        Self::default()
    }

    /// The registry with `P`'s application and catalog added.
    pub fn register<P: AppPermission>(mut self) -> Result<Self, RegistrationError> {
        let spec = P::APPLICATION;
        if !valid_key(spec.key) {
            return Err(RegistrationError::BadKey(spec.key));
        }
        if self.apps.iter().any(|a| {
            a.spec.key == spec.key || a.spec.name.to_lowercase() == spec.name.to_lowercase()
        }) {
            return Err(RegistrationError::Duplicate(spec.key));
        }
        let mut permissions = Vec::with_capacity(P::ALL.len());
        for (i, p) in P::ALL.iter().enumerate() {
            if !valid_key(p.key()) {
                return Err(RegistrationError::BadKey(p.key()));
            }
            if permissions.iter().any(|(k, _)| *k == p.key()) {
                return Err(RegistrationError::DuplicatePermission(p.key()));
            }
            if p.ordinal() != i {
                return Err(RegistrationError::BadOrdinal(p.key()));
            }
            permissions.push((p.key(), p.label()));
        }
        let len = u32::try_from(permissions.len())
            .map_err(|_| RegistrationError::BadOrdinal(spec.key))?;
        self.apps.push(Registered {
            spec,
            offset: self.size,
            permissions,
        });
        self.size += len;
        Ok(self)
    }

    /// True when no application is registered.
    pub fn is_empty(&self) -> bool {
        self.apps.is_empty()
    }

    /// Every registered application, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = ApplicationSpec> + '_ {
        self.apps.iter().map(|a| a.spec)
    }

    /// The application with this key.
    pub fn get(&self, key: &str) -> Option<ApplicationSpec> {
        self.app(key).map(|a| a.spec)
    }

    /// The application with this name, regardless of case and surrounding spaces (what an
    /// import column names).
    pub fn by_name(&self, name: &str) -> Option<ApplicationSpec> {
        let wanted = name.trim().to_lowercase();
        self.apps
            .iter()
            .find(|a| a.spec.name.to_lowercase() == wanted || a.spec.key == wanted)
            .map(|a| a.spec)
    }

    fn app(&self, key: &str) -> Option<&Registered> {
        self.apps.iter().find(|a| a.spec.key == key)
    }

    /// Where `permission` sits, when its application is registered here.
    pub fn index_of<P: AppPermission>(&self, permission: P) -> Option<AppPermissionIndex> {
        self.index_at(P::APPLICATION.key, permission.ordinal())
    }

    /// Where the `ordinal`-th permission of `application`'s catalog sits.
    pub fn index_at(&self, application: &str, ordinal: usize) -> Option<AppPermissionIndex> {
        let app = self.app(application)?;
        let ordinal = u32::try_from(ordinal).ok()?;
        (ordinal < app.len()).then_some(AppPermissionIndex(app.offset + ordinal))
    }

    /// Where the permission stored as (`application`, `key`) sits, if both are registered.
    pub fn index_of_key(&self, application: &str, key: &str) -> Option<AppPermissionIndex> {
        let app = self.app(application)?;
        let ordinal = app.permissions.iter().position(|(k, _)| *k == key)?;
        u32::try_from(ordinal)
            .ok()
            .map(|o| AppPermissionIndex(app.offset + o))
    }

    /// The permission at `index`.
    pub fn describe(&self, index: AppPermissionIndex) -> Option<AppPermissionInfo> {
        let app = self
            .apps
            .iter()
            .find(|a| (a.offset..a.offset + a.len()).contains(&index.0))?;
        let (key, label) = *app.permissions.get((index.0 - app.offset) as usize)?;
        Some(AppPermissionInfo {
            application: app.spec,
            key,
            label,
        })
    }

    /// Every permission index of `application` (empty when it is not registered).
    pub fn indexes(&self, application: &str) -> impl Iterator<Item = AppPermissionIndex> + '_ {
        self.app(application)
            .into_iter()
            .flat_map(|a| (a.offset..a.offset + a.len()).map(AppPermissionIndex))
    }

    /// The permissions of `application`, as (key, label), in catalog order.
    pub fn permissions(&self, application: &str) -> &[(&'static str, &'static str)] {
        self.app(application).map_or(&[], |a| &a.permissions)
    }

    /// How many permissions are registered over every application.
    pub fn len(&self) -> usize {
        self.size as usize
    }
}

impl Registered {
    fn len(&self) -> u32 {
        // Bounded by the check in `register`.
        u32::try_from(self.permissions.len()).unwrap_or(u32::MAX)
    }
}
