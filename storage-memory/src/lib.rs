//! In-memory storage for Homeroom.
//!
//! [`MemoryStorage`] is the reference backend: it keeps every row in indexed maps behind one
//! lock, applies each [`ChangeSet`](homeroom::ChangeSet) all-or-nothing, and passes the whole
//! conformance kit. Use it for tests, demos and small single-process deployments; use
//! `homeroom-sea` when the data must outlive the process.
//!
//! [`MemoryLeases`] gives the tasks of one process [`homeroom::Leases`].
//!
//! Lookups by Local ID, e-mail and username are hash lookups; text search walks an ordered index
//! of search terms from the prefix on, so it never scans every user.
//!
//! ```
//! use std::sync::Arc;
//! use homeroom::system::{RandomIds, SystemClock};
//! use homeroom::{Actor, Directory};
//! use homeroom_memory::MemoryStorage;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), homeroom::Error> {
//! let directory = Directory::new(Arc::new(MemoryStorage::new()), Arc::new(SystemClock), Arc::new(RandomIds));
//! let district = directory.create_district(&Actor::system("setup"), "Maple Valley USD").await?;
//! assert_eq!(district.name, "Maple Valley USD");
//! # Ok(())
//! # }
//! ```

mod items;
mod lease;
mod search;
mod state;
mod store;
mod tenant;

pub use lease::MemoryLeases;
pub use store::MemoryStorage;
