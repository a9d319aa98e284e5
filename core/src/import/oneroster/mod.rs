//! OneRoster 1.1 and 1.2 CSV packages (bulk mode): `manifest.csv`, `orgs.csv`, `users.csv` and
//! (1.2) `roles.csv`.
//!
//! Users map into the common [`ImportRow`](super::ImportRow) columns:
//!
//! | Import field | OneRoster |
//! | --- | --- |
//! | Local ID | `identifier`, or `sourcedId` when blank (see [`OneRosterLocalId`](super::OneRosterLocalId)) |
//! | User Type | `student` for the role `student`, `staff` for every other role; guardians, parents and relatives are not imported as users |
//! | First / Last / Middle Name | `givenName` / `familyName` / `middleName` |
//! | Preferred Name | `preferredGivenName` (or `preferredFirstName`) |
//! | Email, Username | `email`, `username` |
//! | Grade (students) | the first of `grades` |
//! | Grade Levels (staff) | `grades` |
//! | Authorized Organizations | the `sourcedId`s of the user's orgs, comma-separated, the district itself left out |
//! | Home Phone, Mobile Phone | `phone`, `sms` |
//!
//! The rest (`sourcedId`, `status`, `enabledUser`, every role with its org, and a student's
//! guardians: the guardian, parent and relative rows linked to them through `agentSourcedIds`)
//! is in [`RosterUser`], on [`ImportRow::roster`](super::ImportRow::roster). `password` is not
//! read; `metadata.*` and `ext_*` columns are ignored.
//! Orgs are [`ImportOrg`]s; the `district` row is the district itself.

mod csv_file;
mod guardians;
mod manifest;
mod orgs;
mod package;
mod roles;
mod users;

pub use super::roster::{
    ImportOrg, ONEROSTER_ROLES, OneRosterVersion, OrgType, RoleType, RosterRole, RosterUser,
    is_oneroster_role, role_user_kind,
};
pub use package::OneRosterPackage;
