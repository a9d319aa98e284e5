//! One-time tokens: 32 bytes from the host's [`IdGen`], shown once (in a link), stored only as
//! their SHA-256.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::clock::IdGen;

/// A fresh one-time token. Its `Debug` never shows it; it is not `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct OneTimeToken(String);

impl OneTimeToken {
    /// A token of 32 bytes from `ids`, as 64 lower-case hex digits.
    pub(crate) fn generate(ids: &dyn IdGen) -> Self {
        Self(hex(&ids.secret_bytes()))
    }

    /// The token itself, for the link that carries it. Do not log it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// What is stored in its place (and looked up as the item's key).
    pub(crate) fn key(&self) -> String {
        token_key(&self.0)
    }
}

impl fmt::Debug for OneTimeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeToken(<redacted>)")
    }
}

/// The stored form of a token as someone typed or clicked it: the SHA-256 of its trimmed text,
/// in hex. A token is found by looking this up as an item key, so no stored secret is ever
/// compared byte by byte with the input (nothing to time), and a database dump holds no
/// usable token.
pub(crate) fn token_key(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SequentialIds;

    #[test]
    fn tokens_are_fresh_hidden_and_stored_as_a_hash() {
        let ids = SequentialIds::new(3);
        let (a, b) = (OneTimeToken::generate(&ids), OneTimeToken::generate(&ids));
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 64);
        assert_eq!(format!("{a:?}"), "OneTimeToken(<redacted>)");
        assert_eq!(a.key().len(), 64);
        assert_ne!(a.key(), a.expose());
        assert_eq!(token_key(&format!(" {} ", a.expose())), a.key());
        assert_eq!(
            token_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
