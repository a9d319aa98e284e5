//! The identifying values of a user: Local ID, e-mail address, username.
//!
//! Each is parsed once, at the edge, into a type that is known to be well-formed. Uniqueness is
//! compared on a normalised *key* (see [`Email::key`]) so that `Ada@School.org` and
//! `ada@school.org` are the same address; the value as typed is what is stored and shown.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::validation::{InvalidValue, ValidationCode, checked_text, limits};

/// The student information system's key for a person, unique within a district.
///
/// Always text: `"00123"` stays `"00123"`, never the number 123. Compared exactly.
///
/// ```
/// use homeroom::LocalId;
/// let id = LocalId::parse(" 00123 ").unwrap();
/// assert_eq!(id.as_str(), "00123");
/// assert!(LocalId::parse("12 34").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalId(String);

impl LocalId {
    /// Parses a Local ID: trimmed, non-empty, at most 64 characters, no whitespace inside.
    pub fn parse(value: &str) -> Result<Self, InvalidValue> {
        Self::check(value).map(|v| Self(v.to_owned()))
    }

    /// Checks `value` as [`LocalId::parse`] does, without making a `LocalId`: the trimmed
    /// text when it is one (for looking a Local ID up without copying it).
    ///
    /// ```
    /// use homeroom::LocalId;
    /// assert_eq!(LocalId::check(" 00123 ").unwrap(), "00123");
    /// assert!(LocalId::check("").is_err());
    /// ```
    pub fn check(value: &str) -> Result<&str, InvalidValue> {
        required_identifier(value, "Local ID")
    }

    /// A Local ID from text that [`LocalId::check`] passed.
    pub(crate) fn from_checked(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A user's e-mail address. Unique within a district, case-insensitively.
///
/// ```
/// use homeroom::Email;
/// let email = Email::parse("Ada.Lovelace@Example.ORG").unwrap();
/// assert_eq!(email.as_str(), "Ada.Lovelace@Example.ORG");
/// assert_eq!(email.key(), "ada.lovelace@example.org");
/// assert!(Email::parse("not an address").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a non-empty local part, a domain with a dot and no empty
    /// labels, no whitespace, at most 254 characters.
    pub fn parse(value: &str) -> Result<Self, InvalidValue> {
        let value = value.trim();
        if value.is_empty() {
            return Err(InvalidValue::new(
                ValidationCode::Required,
                "an e-mail address is required",
            ));
        }
        check_length(value, limits::EMAIL)?;
        if !is_email(value) {
            return Err(InvalidValue::new(
                ValidationCode::InvalidEmail,
                format!("'{value}' is not an e-mail address (expected name@domain.org)"),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The address as entered.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key uniqueness is checked on: the address in lower case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let forbidden = |c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\@".contains(c);
    !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !local.chars().any(forbidden)
        && domain.contains('.')
        && !domain.chars().any(forbidden)
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// A sign-in name. Unique within a district, case-insensitively.
///
/// ```
/// use homeroom::Username;
/// let name = Username::parse("JSmith").unwrap();
/// assert_eq!(name.key(), "jsmith");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    /// Parses a username: trimmed, non-empty, at most 64 characters, no whitespace inside.
    pub fn parse(value: &str) -> Result<Self, InvalidValue> {
        required_identifier(value, "username").map(|v| Self(v.to_owned()))
    }

    /// The username as entered.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key uniqueness is checked on: the username in lower case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

fn required_identifier<'v>(value: &'v str, what: &str) -> Result<&'v str, InvalidValue> {
    let value = value.trim();
    if value.is_empty() {
        return Err(InvalidValue::new(
            ValidationCode::Required,
            format!("a {what} is required"),
        ));
    }
    check_length(value, limits::IDENTIFIER)?;
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(InvalidValue::new(
            ValidationCode::InvalidCharacters,
            format!("a {what} may not contain spaces or control characters"),
        ));
    }
    Ok(value)
}

fn check_length(value: &str, max: usize) -> Result<(), InvalidValue> {
    checked_text(value, max).map(|_| ())
}

macro_rules! string_conversions {
    ($($name:ident),*) => {$(
        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::str::FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    )*};
}

string_conversions!(LocalId, Email, Username);
