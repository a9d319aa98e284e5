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

    /// Adds bytes as they are, without a length prefix: for an encoding that is injective by
    /// itself (see the import's row digest).
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
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
        for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let (Some(&high), Some(&low)) = (pair.first(), pair.get(1)) else {
                return Err(BadFingerprint);
            };
            *slot = (nibble(high)? << 4) | nibble(low)?;
        }
        Ok(Self(out))
    }
}

/// The value of one hex digit (a sync reads one fingerprint per managed user: no
/// `from_str_radix` and UTF-8 check per pair).
fn nibble(digit: u8) -> Result<u8, BadFingerprint> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        b'A'..=b'F' => Ok(digit - b'A' + 10),
        _ => Err(BadFingerprint),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_parse_from_exactly_32_hex_digits() {
        let hash = FingerprintHash::of([b"row".as_slice()]);
        let text = hash.to_string();
        assert_eq!(text.parse::<FingerprintHash>(), Ok(hash));
        assert_eq!(text.to_uppercase().parse::<FingerprintHash>(), Ok(hash));
        let (head, tail) = text.split_at(2);
        for bad in [
            String::new(),
            text[..31].to_owned(),
            format!("{text}0"),
            format!("+{}", &text[1..]),
            format!("{head}g{}", &tail[1..]),
            format!("é{}", &text[2..]),
        ] {
            assert_eq!(bad.parse::<FingerprintHash>(), Err(BadFingerprint), "{bad}");
        }
    }
}
