//! A password as typed: checked against the policy, never shown.

use std::fmt;

use crate::validation::{InvalidValue, ValidationCode};

/// A password someone typed or an import supplied. Its `Debug` and `Display` never show it.
///
/// ```
/// use homeroom::password::Password;
/// let password = Password::new("tulip-garden-42").unwrap();
/// assert_eq!(format!("{password:?}"), "Password(<redacted>)");
/// assert_eq!(Password::new("short").unwrap_err().code.as_str(), "too_short");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The fewest characters a password may have.
    pub const MIN_CHARS: usize = 8;
    /// The most characters a password may have (hashing cost grows with length).
    pub const MAX_CHARS: usize = 128;

    /// Accepts a password of [`MIN_CHARS`](Self::MIN_CHARS) to
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, not all spaces, without control characters.
    /// Leading and trailing spaces are part of the password.
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidValue> {
        let value = value.into();
        let chars = value.chars().count();
        if value.trim().is_empty() {
            return Err(InvalidValue::new(
                ValidationCode::Required,
                "a password is required",
            ));
        }
        if chars < Self::MIN_CHARS {
            return Err(InvalidValue::new(
                ValidationCode::TooShort {
                    min: Self::MIN_CHARS,
                },
                format!("a password needs at least {} characters", Self::MIN_CHARS),
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(InvalidValue::new(
                ValidationCode::TooLong {
                    max: Self::MAX_CHARS,
                },
                format!("a password may have at most {} characters", Self::MAX_CHARS),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(InvalidValue::new(
                ValidationCode::InvalidCharacters,
                "a password may not contain control characters (tabs, line breaks)",
            ));
        }
        Ok(Self(value))
    }

    /// A candidate typed at sign-in, kept as typed without the policy's checks (a wrong
    /// password may break the policy and must still fail as a wrong password), but redacted.
    pub(crate) fn unchecked(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The secret itself, for hashing or comparing. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(Password::new("12345678").is_ok());
        assert!(Password::new(" padded  pass ").is_ok());
        assert_eq!(
            Password::new("").unwrap_err().code,
            ValidationCode::Required
        );
        assert_eq!(
            Password::new("        ").unwrap_err().code,
            ValidationCode::Required
        );
        assert_eq!(
            Password::new("1234567").unwrap_err().code,
            ValidationCode::TooShort { min: 8 }
        );
        assert_eq!(
            Password::new("x".repeat(129)).unwrap_err().code,
            ValidationCode::TooLong { max: 128 }
        );
        assert_eq!(
            Password::new("line\nbreak here").unwrap_err().code,
            ValidationCode::InvalidCharacters
        );
        // Characters, not bytes: eight accented letters are enough.
        assert!(Password::new("éééééééé").is_ok());
    }

    #[test]
    fn never_printed() {
        let p = Password::new("hunter2-hunter2").unwrap();
        assert!(!format!("{p:?} {p}").contains("hunter"));
        assert_eq!(p.expose(), "hunter2-hunter2");
    }
}
