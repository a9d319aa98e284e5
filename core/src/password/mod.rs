//! Passwords: secrets that never print, Argon2id hashes, and the credential a storage keeps.
//!
//! Hashing follows the OWASP minimum for Argon2id (19 MiB of memory, 2 passes, 1 lane); the
//! salt comes from the host's [`IdGen`](crate::IdGen), as core draws no randomness of its own.
//! A credential is stored apart from the [`User`](crate::User), so reading a user never reads
//! a hash. The [`Directory`](crate::Directory) hashes through a [`HashRunner`] the host
//! chooses (a blocking thread pool keeps Argon2 off async workers), a few hashes at a time.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use homeroom::password::{Password, PasswordCredential};
//! use homeroom::SequentialIds;
//!
//! let temporary = Password::new("correct horse battery")?;
//! let at = Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap();
//! let credential = PasswordCredential::temporary(&temporary, &SequentialIds::new(1), at)?;
//! assert!(credential.must_change);
//! assert!(credential.hash.verify("correct horse battery"));
//! assert!(!credential.hash.verify("Correct horse battery"));
//! assert!(!format!("{credential:?}").contains("horse"));
//! # Ok::<(), homeroom::InvalidValue>(())
//! ```

mod credential;
mod hash;
mod runner;
mod secret;

pub use credential::PasswordCredential;
pub use hash::PasswordHash;
pub(crate) use runner::Hashing;
pub use runner::{DEFAULT_CONCURRENT_HASHES, HashRunner, InlineHashRunner};
pub use secret::Password;
