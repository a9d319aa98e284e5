//! Runnable examples live beside this crate as `[[example]]` targets; the command-line tools
//! among them keep their logic here, so tests can call them with arguments and check what they
//! print and return.
//!
//! - [`import_cli`]: `import`, bulk import and nightly sync of one file (CSV, Excel, OneRoster).
//! - [`folder_runner`]: `sync_folder`, the folder runner, importing the files dropped in a folder one by one.
//! - [`email_invites`]: `invite_by_email`, inviting a building's staff and sending the invitations.
//! - [`smtp_mailer`]: the outbox's `Mailer` over SMTP with lettre (`invite_by_email`).
//! - [`web`]: `web`, an axum host with an admin UI and a JSON API over a directory.
//! - [`redb_adapter`]: a storage backend on redb, written as a third party would (`redb_quickstart`).

pub mod email_invites;
pub mod folder_runner;
pub mod import_cli;
pub mod redb_adapter;
pub mod smtp_mailer;
pub mod web;
