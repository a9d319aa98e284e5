//! Grade levels.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::validation::{InvalidValue, ValidationCode, clean_text, limits};

/// A grade level: pre-kindergarten, kindergarten, 1 to 12, or a code the district defines
/// (such as `TK` or `ADULT`), which a district must list in its settings before users may carry it.
///
/// Parsing accepts the spellings SIS exports use (`K`, `KG`, `PK`, `Pre-K`, `01`, `6`, `Grade 6`)
/// and normalises them; [`Grade::code`] gives the canonical spelling.
///
/// ```
/// use homeroom::Grade;
/// assert_eq!(Grade::parse("06").unwrap(), Grade::Numbered(6));
/// assert_eq!(Grade::parse("kg").unwrap(), Grade::Kindergarten);
/// assert_eq!(Grade::parse("Pre-K").unwrap().code(), "PK");
/// assert_eq!(Grade::parse("tk").unwrap(), Grade::Other("TK".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Grade {
    /// Pre-kindergarten, `PK`.
    PreKindergarten,
    /// Kindergarten, `K`.
    Kindergarten,
    /// Grades 1 to 12.
    Numbered(u8),
    /// A district-defined code, upper case.
    Other(String),
}

impl Grade {
    /// Parses and normalises a grade. A district-defined code parses here; whether the district
    /// allows it is checked against its settings when a user is saved.
    pub fn parse(value: &str) -> Result<Self, InvalidValue> {
        // The common cell, a plain number, without the copies below.
        let trimmed = value.trim();
        if !trimmed.is_empty()
            && trimmed.len() <= 3
            && trimmed.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n @ 1..=12) = trimmed.parse::<u8>()
        {
            return Ok(Self::Numbered(n));
        }
        let Some(text) = clean_text(value, limits::IDENTIFIER)? else {
            return Err(InvalidValue::new(
                ValidationCode::Required,
                "a grade is required",
            ));
        };
        let upper = text.to_uppercase();
        let compact: String = upper
            .strip_prefix("GRADE")
            .unwrap_or(&upper)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_' | '.'))
            .collect();
        Ok(match compact.as_str() {
            "PK" | "PREK" | "PREKINDERGARTEN" => Self::PreKindergarten,
            "K" | "KG" | "KINDERGARTEN" => Self::Kindergarten,
            digits if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) => {
                match digits.parse::<u8>() {
                    Ok(n @ 1..=12) => Self::Numbered(n),
                    _ => {
                        return Err(InvalidValue::new(
                            ValidationCode::InvalidGrade,
                            format!("'{text}' is not a grade; use PK, K or 1 to 12"),
                        ));
                    }
                }
            }
            _ => {
                if upper.chars().any(char::is_whitespace) {
                    return Err(InvalidValue::new(
                        ValidationCode::InvalidGrade,
                        format!("'{text}' is not a grade code; codes have no spaces"),
                    ));
                }
                Self::Other(upper)
            }
        })
    }

    /// The canonical code: `PK`, `K`, `1`..`12`, or the district's code.
    pub fn code(&self) -> String {
        match self {
            Self::PreKindergarten => "PK".into(),
            Self::Kindergarten => "K".into(),
            Self::Numbered(n) => n.to_string(),
            Self::Other(code) => code.clone(),
        }
    }

    /// True for the grades every district has (PK, K, 1–12).
    pub fn is_standard(&self) -> bool {
        !matches!(self, Self::Other(_))
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl TryFrom<String> for Grade {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Grade> for String {
    fn from(grade: Grade) -> String {
        grade.code()
    }
}
