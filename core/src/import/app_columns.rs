//! Columns per host application: `<Application> Group Name` and `<Application> Role` grant
//! that application's roles and enable the user there. The reader only recognizes their shape
//! (it knows no applications); the planner resolves the application against the directory's
//! registry and reports an unknown one.

/// Which application column a header is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppColumn {
    /// `<Application> Group Name`: the application's role (permission group) by name.
    GroupName,
    /// `<Application> Role` (or `Roles`): the application's roles, a list.
    Role,
}

const SUFFIXES: [(&str, AppColumn); 3] = [
    (" group name", AppColumn::GroupName),
    (" roles", AppColumn::Role),
    (" role", AppColumn::Role),
];

/// The application name and column kind of a header shaped `<Application> Group Name` or
/// `<Application> Role`, any case; `None` for any other header, and for the template's own
/// `Group Name` and `Role` columns.
///
/// ```
/// use homeroom::import::{AppColumn, application_column};
/// assert_eq!(application_column("Help Desk Group Name"), Some(("Help Desk", AppColumn::GroupName)));
/// assert_eq!(application_column("help desk role"), Some(("help desk", AppColumn::Role)));
/// assert_eq!(application_column("Group Name"), None);
/// assert_eq!(application_column("First Name"), None);
/// ```
pub fn application_column(header: &str) -> Option<(&str, AppColumn)> {
    let trimmed = header.trim();
    let lower = trimmed.to_lowercase();
    SUFFIXES.iter().find_map(|(suffix, kind)| {
        if lower.len() != trimmed.len() || !lower.ends_with(suffix) {
            return None;
        }
        let name = trimmed[..trimmed.len() - suffix.len()].trim();
        (!name.is_empty()).then_some((name, *kind))
    })
}
