//! Validation problems: which field, a stable code a program can match, a message a person can read.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Upper bounds on field lengths, in characters. Generous for real names, tight enough that a
/// pasted document is refused instead of stored.
pub mod limits {
    /// Name parts, job title, org-unit names.
    pub const NAME: usize = 100;
    /// E-mail addresses (RFC 5321 path limit).
    pub const EMAIL: usize = 254;
    /// Local ID, State Educator ID, username, org-unit code.
    pub const IDENTIFIER: usize = 64;
    /// Free text such as a user's description.
    pub const TEXT: usize = 2000;
    /// Phone numbers.
    pub const PHONE: usize = 32;
    /// Custom field names and values.
    pub const CUSTOM_FIELD: usize = 500;
    /// Custom fields on one user.
    pub const CUSTOM_FIELD_COUNT: usize = 100;
    /// Guardians on one student.
    pub const GUARDIAN_COUNT: usize = 20;
}

/// What is wrong with a value, as a stable code.
///
/// Codes are part of the public contract: they appear in import reports and hosts translate them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "code")]
#[non_exhaustive]
pub enum ValidationCode {
    /// A required value is missing or blank.
    Required,
    /// The value is shorter than allowed (a password).
    TooShort {
        /// The least, in characters.
        min: usize,
    },
    /// The value is longer than allowed.
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// The value holds characters it may not (control characters, spaces in an identifier, ...).
    InvalidCharacters,
    /// Not a syntactically valid e-mail address.
    InvalidEmail,
    /// Not a grade this district uses.
    InvalidGrade,
    /// Not a valid IANA time zone name.
    InvalidTimeZone,
    /// Another user or org unit in the district already has this value.
    Taken,
    /// The org unit named does not exist in this district.
    UnknownOrgUnit,
    /// The move would put an org unit under itself or one of its descendants.
    Cycle,
    /// A number outside the allowed range (a zero or negative amount).
    OutOfRange,
    /// The record referred to does not exist on this user's profile.
    UnknownRecord,
    /// The host application named is not registered with the directory.
    UnknownApplication,
    /// The permission or role named is not one of the application's (or the district's).
    UnknownPermission,
    /// The thing is protected and cannot be changed this way (the System Administrator preset).
    Protected,
    /// The change would leave the district without an active System Administrator.
    LastSystemAdministrator,
    /// Too many items in a list (guardians, custom fields).
    TooMany {
        /// The limit.
        max: usize,
    },
    /// A message template does not parse, or fails when tried out.
    TemplateSyntax {
        /// The line (from 1; 0 when the engine does not say).
        line: usize,
    },
    /// A message template uses a name that is not one of its placeholders.
    UnknownPlaceholder {
        /// The name.
        placeholder: String,
        /// The line (from 1) it is first used on.
        line: usize,
    },
}

impl ValidationCode {
    /// The code's stable snake_case name, as used in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::InvalidCharacters => "invalid_characters",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidGrade => "invalid_grade",
            Self::InvalidTimeZone => "invalid_time_zone",
            Self::Taken => "taken",
            Self::UnknownOrgUnit => "unknown_org_unit",
            Self::Cycle => "cycle",
            Self::TooMany { .. } => "too_many",
            Self::Protected => "protected",
            Self::OutOfRange => "out_of_range",
            Self::UnknownRecord => "unknown_record",
            Self::UnknownApplication => "unknown_application",
            Self::UnknownPermission => "unknown_permission",
            Self::LastSystemAdministrator => "last_system_administrator",
            Self::TemplateSyntax { .. } => "template_syntax",
            Self::UnknownPlaceholder { .. } => "unknown_placeholder",
        }
    }
}

impl fmt::Display for ValidationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that could not be accepted, before it is tied to a field.
///
/// Returned by the parsing constructors ([`Email::parse`](crate::Email::parse), ...); the
/// validator attaches the field name to make a [`FieldError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    /// What is wrong.
    pub code: ValidationCode,
    /// A sentence for the admin.
    pub message: String,
}

impl InvalidValue {
    /// A problem with a code and message.
    pub fn new(code: ValidationCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Ties the problem to a field.
    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            code: self.code,
            message: self.message,
        }
    }
}

/// One problem with one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's path, such as `email`, `name.first` or `guardians[1].email`.
    pub field: String,
    /// What is wrong.
    #[serde(flatten)]
    pub code: ValidationCode,
    /// What is wrong and what to do, for the admin.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every problem found with one input, so the admin can fix them all in one pass.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationErrors {
    errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Records the problem in `result`, if any, under `field`, and passes the value on.
    pub fn check<T>(&mut self, field: &str, result: Result<T, InvalidValue>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.push(problem.at(field));
                None
            }
        }
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The problems, in the order found.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The first problem with `field`, if any.
    pub fn for_field(&self, field: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.field == field)
    }

    /// `Ok(())` when empty, else `Err(self)`.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self {
            errors: vec![error],
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Checks a free-text value: trims it, refuses control characters and over-long values.
/// Returns `None` for blank input.
pub(crate) fn clean_text(value: &str, max: usize) -> Result<Option<String>, InvalidValue> {
    checked_text(value, max).map(|t| t.map(str::to_owned))
}

/// [`clean_text`] without the copy: the trimmed value, if it passes.
pub(crate) fn checked_text(value: &str, max: usize) -> Result<Option<&str>, InvalidValue> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    // ASCII text (nearly all of it) is checked byte by byte and its length is its size.
    let (control, len) = if trimmed.is_ascii() {
        let control = trimmed
            .bytes()
            .any(|b| b.is_ascii_control() && b != b'\n' && b != b'\t');
        (control, trimmed.len())
    } else {
        let control = trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t');
        (control, trimmed.chars().count())
    };
    if control {
        return Err(InvalidValue::new(
            ValidationCode::InvalidCharacters,
            "contains control characters; remove them and try again",
        ));
    }
    if len > max {
        return Err(InvalidValue::new(
            ValidationCode::TooLong { max },
            format!("is {len} characters long; the limit is {max}"),
        ));
    }
    Ok(Some(trimmed))
}
