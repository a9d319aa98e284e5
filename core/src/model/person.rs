//! A person's name, phones, guardians and preferences.

use serde::{Deserialize, Serialize};

/// The parts of a person's name.
///
/// `first` and `last` are required; the rest are optional. `preferred` is the name a person goes
/// by ("Bobby" for Robert) and is searched like the first name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    /// Honorific such as "Dr." or "Ms.".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Given name.
    pub first: String,
    /// Middle name or initial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    /// Family name.
    pub last: String,
    /// Suffix such as "Jr." or "III".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// The name the person goes by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<String>,
}

impl PersonName {
    /// A name with just first and last parts.
    pub fn new(first: impl Into<String>, last: impl Into<String>) -> Self {
        Self {
            first: first.into(),
            last: last.into(),
            ..Self::default()
        }
    }

    /// "First Last", using the preferred name when there is one.
    ///
    /// ```
    /// use homeroom::PersonName;
    /// let mut name = PersonName::new("Robert", "Tables");
    /// assert_eq!(name.display(), "Robert Tables");
    /// name.preferred = Some("Bobby".into());
    /// assert_eq!(name.display(), "Bobby Tables");
    /// ```
    pub fn display(&self) -> String {
        let first = self.preferred.as_deref().unwrap_or(&self.first);
        format!("{first} {}", self.last)
    }
}

/// A user's phone numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phones {
    /// Home phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    /// Mobile phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// Fax.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
    /// Pager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pager: Option<String>,
}

impl Phones {
    /// True when no number is set (how stored details leave them out).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A contact for a student: parent, guardian, emergency contact. Not a user of the directory
/// unless the host makes them one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guardian {
    /// Full name.
    pub name: String,
    /// Relation to the student ("Mother", "Grandparent", ...).
    pub relation: Option<String>,
    /// E-mail address, checked for syntax.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

/// How a user wants to be notified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPreferences {
    /// E-mail alerts for new messages.
    pub message_emails: bool,
    /// Daily digests (for example of pending profile-update requests).
    pub digests: bool,
}

impl NotificationPreferences {
    /// True for the defaults (how stored details leave them out).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl Default for NotificationPreferences {
    fn default() -> Self {
        Self {
            message_emails: true,
            digests: true,
        }
    }
}
