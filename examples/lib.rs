//! Runnable examples live beside this crate as `[[example]]` targets; the command-line tools
//! among them keep their logic here, so tests can call them with arguments and check what they
//! print and return.
//!
//! - [`import_cli`]: `import`, bulk import and nightly sync of one file (CSV, Excel, OneRoster).
//! - [`folder_runner`]: `sync_folder`, the folder runner, importing the files dropped in a folder one by one.
//! - [`redb_adapter`]: a storage backend on redb, written as a third party would (`redb_quickstart`).

pub mod folder_runner;
pub mod import_cli;
pub mod redb_adapter;
