//! What an import remembers about the row that last set an import-managed user, so the next
//! sync can tell that row is unchanged without comparing it with the user field by field.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::Version;

/// A 128-bit digest (the first half of a SHA-256): of an import row, or of what a row was
/// planned under. Collision-resistant, so a changed row never passes for the old one by chance
/// or by design; stable across processes and versions, since it is stored. Written as 32
/// lower-case hex digits.
///
/// ```
/// use homeroom::FingerprintHash;
/// let a = FingerprintHash::of([b"Local ID".as_slice(), b"00123"]);
/// assert_ne!(a, FingerprintHash::of([b"Local ID".as_slice(), b"00124"]));
/// assert_eq!(a.to_string().parse::<FingerprintHash>(), Ok(a));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FingerprintHash([u8; 16]);

impl FingerprintHash {
    /// The digest of `parts`, each length-prefixed so that no two different lists of parts
    /// feed the same bytes.
    pub fn of<'p>(parts: impl IntoIterator<Item = &'p [u8]>) -> Self {
        let mut hasher = FingerprintHasher::new();
        for part in parts {
            hasher.part(part);
        }
        hasher.finish()
    }

    /// The bytes.
    pub fn bytes(&self) -> [u8; 16] {
        self.0
    }
}

/// Feeds a [`FingerprintHash`] part by part.
#[derive(Clone, Debug, Default)]
pub struct FingerprintHasher(Sha256);

impl FingerprintHasher {
    /// An empty hasher.
    pub fn new() -> Self {
        Self(Sha256::new())
    }

    /// Adds one part, length-prefixed.
    pub fn part(&mut self, part: &[u8]) {
        self.0.update((part.len() as u64).to_le_bytes());
        self.0.update(part);
    }

    /// The digest of the parts fed so far.
    pub fn finish(self) -> FingerprintHash {
        let full = self.0.finalize();
        let mut half = [0u8; 16];
        half.copy_from_slice(&full[..16]);
        FingerprintHash(half)
    }
}

impl fmt::Display for FingerprintHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for FingerprintHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Text that is not 32 hex digits (or a fingerprint not written by
/// [`ImportFingerprint`]'s `Display`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadFingerprint;

impl fmt::Display for BadFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an import fingerprint")
    }
}

impl std::error::Error for BadFingerprint {}

impl FromStr for FingerprintHash {
    type Err = BadFingerprint;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        if bytes.len() != 32 {
            return Err(BadFingerprint);
        }
        let mut out = [0u8; 16];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let text = std::str::from_utf8(pair).map_err(|_| BadFingerprint)?;
            let byte = u8::from_str_radix(text, 16).map_err(|_| BadFingerprint)?;
            if let Some(slot) = out.get_mut(i) {
                *slot = byte;
            }
        }
        Ok(Self(out))
    }
}

impl Serialize for FingerprintHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FingerprintHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Stored with an import-managed user by the import that last created or updated them: the
/// digest of the row that did it, the digest of what that row was planned under (the import
/// options, the district's settings and its org tree) and the user's version right after.
///
/// A later import skips comparing a row with its user only when all three still match: the
/// same row, planned under the same options and tree, against a user nobody has changed since
/// (any write bumps the version). Anything else compares in full, so a stale or missing
/// fingerprint costs time, never a missed change.
///
/// ```
/// use homeroom::{FingerprintHash, ImportFingerprint, Version};
/// let print = ImportFingerprint {
///     row: FingerprintHash::of([b"row".as_slice()]),
///     context: FingerprintHash::of([b"options".as_slice()]),
///     version: Version::FIRST,
/// };
/// assert_eq!(print.to_string().parse::<ImportFingerprint>(), Ok(print));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImportFingerprint {
    /// The digest of the row.
    pub row: FingerprintHash,
    /// The digest of the options, district settings and org tree it was planned under.
    pub context: FingerprintHash,
    /// The user's version once the row was applied.
    pub version: Version,
}

impl fmt::Display for ImportFingerprint {
    /// `row:context:version`, the form a SQL backend stores in one column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.row, self.context, self.version.get())
    }
}

impl FromStr for ImportFingerprint {
    type Err = BadFingerprint;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split(':');
        let (Some(row), Some(context), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(BadFingerprint);
        };
        let version: u64 = version.parse().map_err(|_| BadFingerprint)?;
        Ok(Self {
            row: row.parse()?,
            context: context.parse()?,
            version: Version::new(version),
        })
    }
}
