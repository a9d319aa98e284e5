//! Argon2id hashes in the PHC string format.

use std::fmt;

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use super::Password;
use crate::validation::{InvalidValue, ValidationCode};

/// Memory per hash in KiB (19 MiB), passes and lanes: the OWASP minimum for Argon2id.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

/// An Argon2id hash of a password, as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
/// Its `Debug` shows only the algorithm and parameters.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Hashes `password` with Argon2id (19 MiB, 2 passes, 1 lane) and `salt`, which must be
    /// fresh for every hash (see [`IdGen::salt`](crate::IdGen::salt)). Takes tens of
    /// milliseconds by design.
    pub fn new(password: &Password, salt: [u8; 16]) -> Result<Self, InvalidValue> {
        let failed = |e: argon2::password_hash::Error| {
            InvalidValue::new(
                ValidationCode::InvalidCharacters,
                format!("the password could not be hashed: {e}"),
            )
        };
        let salt = SaltString::encode_b64(&salt).map_err(failed)?;
        let hash = hasher()
            .hash_password(password.expose().as_bytes(), &salt)
            .map_err(failed)?;
        Ok(Self(hash.to_string()))
    }

    /// A hash read back from storage. `None` when it is not a PHC string.
    pub fn from_phc(phc: impl Into<String>) -> Option<Self> {
        let phc = phc.into();
        argon2::password_hash::PasswordHash::new(&phc).ok()?;
        Some(Self(phc))
    }

    /// The PHC string, for storage.
    pub fn as_phc(&self) -> &str {
        &self.0
    }

    /// True when `candidate` is the password this hash was made from. Compares in constant
    /// time; a damaged hash verifies nothing.
    pub fn verify(&self, candidate: &str) -> bool {
        argon2::password_hash::PasswordHash::new(&self.0).is_ok_and(|parsed| {
            hasher()
                .verify_password(candidate.as_bytes(), &parsed)
                .is_ok()
        })
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`: show what it is, not the hash.
        let shown: Vec<&str> = self.0.split('$').take(4).collect();
        write!(f, "PasswordHash({}$<redacted>)", shown.join("$"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_password() {
        let password = Password::new("correct horse").unwrap();
        let hash = PasswordHash::new(&password, [7; 16]).unwrap();
        assert!(hash.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hash.verify("correct horse"));
        assert!(!hash.verify("correct horse "));
        assert!(!hash.verify(""));
        let again = PasswordHash::new(&password, [8; 16]).unwrap();
        assert_ne!(hash, again, "a fresh salt gives a different hash");
        assert!(again.verify("correct horse"));
    }

    #[test]
    fn debug_hides_the_hash_and_damaged_hashes_verify_nothing() {
        let hash = PasswordHash::new(&Password::new("correct horse").unwrap(), [1; 16]).unwrap();
        let shown = format!("{hash:?}");
        assert_eq!(
            shown,
            "PasswordHash($argon2id$v=19$m=19456,t=2,p=1$<redacted>)"
        );
        assert_eq!(PasswordHash::from_phc("not a hash"), None);
        let damaged = PasswordHash(hash.as_phc().replace("argon2id", "argon2x"));
        assert!(!damaged.verify("correct horse"));
        assert_eq!(PasswordHash::from_phc(hash.as_phc()), Some(hash));
    }
}
