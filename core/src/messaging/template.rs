//! A district's wording of one message: subject, text and HTML parts with `{{ placeholder }}`
//! slots, rendered by [minijinja](https://docs.rs/minijinja).
//!
//! A template may use only the [`PLACEHOLDERS`]: the engine runs without its built-in
//! functions and filters (nothing such as `debug()` can print the context), `| safe` is
//! removed (a value cannot be let out unescaped), and an unknown name or a syntax error is a
//! [`TemplateError`] when the template is saved, never a blank at send time. Values are
//! HTML-escaped in the HTML part and written as they are in the subject and the text.

use std::fmt;

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};
use serde::{Deserialize, Serialize};

use super::{MessagePurpose, RenderedMessage};
use crate::storage::{ItemBody, ItemKind};
use crate::validation::{FieldError, ValidationCode, ValidationErrors, limits};

/// The values a template may use, and nothing else.
pub const PLACEHOLDERS: [&str; 5] = [
    "first_name",
    "last_name",
    "username",
    "district_name",
    "invite_link",
];

/// The link a preview shows where an invitation's or a reset's one-time link goes: previews
/// never make a real one.
pub const PREVIEW_LINK: &str = "https://example.invalid/one-time-link";

/// The longest subject template, in characters.
pub const MAX_SUBJECT: usize = 200;

/// The longest text or HTML template, in characters.
pub const MAX_BODY: usize = 20_000;

/// How much work one part may take to render (minijinja's fuel): far more than any real
/// message, far less than a loop meant to stall the sender.
const FUEL: u64 = 50_000;

/// One part of a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplatePart {
    /// The subject line.
    Subject,
    /// The plain-text body.
    Text,
    /// The HTML body.
    Html,
}

impl TemplatePart {
    /// The part's name, as a validation error's field: `subject`, `text` or `html`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subject => "subject",
            Self::Text => "text",
            Self::Html => "html",
        }
    }
}

impl fmt::Display for TemplatePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with a template, saying which part and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The part does not parse.
    #[error("the {part} has a template syntax error on line {line}: {detail}")]
    Syntax {
        /// Which part.
        part: TemplatePart,
        /// The line (from 1).
        line: usize,
        /// What the parser said.
        detail: String,
    },
    /// The part uses a name that is not one of the [`PLACEHOLDERS`].
    #[error(
        "the {part} uses {{{{ {placeholder} }}}} on line {line}, which is not a placeholder; use first_name, last_name, username, district_name or invite_link"
    )]
    UnknownPlaceholder {
        /// Which part.
        part: TemplatePart,
        /// The unknown name.
        placeholder: String,
        /// The line (from 1) it is first used on.
        line: usize,
    },
    /// The part parses but cannot be rendered (an unknown filter, an attribute of a value).
    #[error("the {part} cannot be rendered (line {line}): {detail}")]
    Render {
        /// Which part.
        part: TemplatePart,
        /// The line (from 1), or 0 when the engine does not say.
        line: usize,
        /// What the engine said.
        detail: String,
    },
    /// The subject or text is blank.
    #[error("the {part} is blank")]
    Blank {
        /// Which part.
        part: TemplatePart,
    },
    /// The part is too long.
    #[error("the {part} is longer than {max} characters")]
    TooLong {
        /// Which part.
        part: TemplatePart,
        /// The limit.
        max: usize,
    },
    /// A custom template's name is not a short snake_case name, or is a built-in one's.
    #[error(
        "the template name {name:?} is not allowed: use up to 64 lowercase letters, digits and underscores, other than invitation, welcome and password_reset"
    )]
    InvalidName {
        /// The name given.
        name: String,
    },
}

impl TemplateError {
    /// The field the problem is in: the part's name, or `purpose` for a bad name.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Syntax { part, .. }
            | Self::UnknownPlaceholder { part, .. }
            | Self::Render { part, .. }
            | Self::Blank { part }
            | Self::TooLong { part, .. } => part.as_str(),
            Self::InvalidName { .. } => "purpose",
        }
    }

    /// The problem as a validation error on its field, with a stable code.
    pub fn to_field_error(&self) -> FieldError {
        let code = match self {
            Self::Syntax { line, .. } | Self::Render { line, .. } => {
                ValidationCode::TemplateSyntax { line: *line }
            }
            Self::UnknownPlaceholder {
                placeholder, line, ..
            } => ValidationCode::UnknownPlaceholder {
                placeholder: placeholder.clone(),
                line: *line,
            },
            Self::Blank { .. } => ValidationCode::Required,
            Self::TooLong { max, .. } => ValidationCode::TooLong { max: *max },
            Self::InvalidName { .. } => ValidationCode::InvalidCharacters,
        };
        FieldError {
            field: self.field().to_owned(),
            code,
            message: self.to_string(),
        }
    }
}

/// The values one message is rendered with: the only things a template can read.
///
/// `Debug` leaves the link out: it is a one-time secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TemplateValues {
    /// The recipient's first name.
    pub first_name: String,
    /// The recipient's last name.
    pub last_name: String,
    /// The recipient's username (blank when they have none).
    pub username: String,
    /// The district's name.
    pub district_name: String,
    /// The one-time link of an invitation or a reset (blank for other messages).
    pub invite_link: String,
}

impl fmt::Debug for TemplateValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemplateValues")
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("username", &self.username)
            .field("district_name", &self.district_name)
            .field("invite_link_len", &self.invite_link.len())
            .finish()
    }
}

impl TemplateValues {
    /// Values with characters that need escaping, for trying a template out when it is saved.
    pub fn sample() -> Self {
        Self {
            first_name: "Ada <&>".into(),
            last_name: "O'Lovelace".into(),
            username: "alovelace".into(),
            district_name: "Maple Valley \"USD\"".into(),
            invite_link: "https://example.invalid/invite?a=1&b=2".into(),
        }
    }

    fn context(&self) -> Value {
        context! {
            first_name => self.first_name.as_str(),
            last_name => self.last_name.as_str(),
            username => self.username.as_str(),
            district_name => self.district_name.as_str(),
            invite_link => self.invite_link.as_str(),
        }
    }
}

/// A district's wording for one purpose, as an [`Item`](crate::storage::Item) of kind
/// `message_template` keyed by the purpose's [`key`](MessagePurpose::key).
///
/// ```
/// use homeroom::messaging::{MessagePurpose, MessageTemplate, TemplateValues};
/// let welcome = MessageTemplate::new(
///     MessagePurpose::Welcome,
///     "Welcome to {{ district_name }}",
///     "Hello {{ first_name }}!",
/// )
/// .with_html("<p>Hello {{ first_name }}!</p>");
/// welcome.validate().map_err(|e| e.to_string())?;
/// let values = TemplateValues { first_name: "<Ada>".into(), district_name: "Maple".into(), ..Default::default() };
/// let message = welcome.render(&values)?;
/// assert_eq!(message.subject, "Welcome to Maple");
/// assert_eq!(message.text, "Hello <Ada>!");
/// assert_eq!(message.html.as_deref(), Some("<p>Hello &lt;Ada&gt;!</p>"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageTemplate {
    /// What it is for.
    pub purpose: MessagePurpose,
    /// The subject line's template.
    pub subject: String,
    /// The plain-text body's template.
    pub text: String,
    /// The HTML body's template, if the message has one.
    pub html: Option<String>,
}

impl ItemBody for MessageTemplate {
    const KIND: ItemKind = ItemKind::from_static("message_template");
}

impl MessageTemplate {
    /// A template with a subject and a text part.
    pub fn new(
        purpose: MessagePurpose,
        subject: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self {
            purpose,
            subject: subject.into(),
            text: text.into(),
            html: None,
        }
    }

    /// The template with an HTML part too.
    #[must_use]
    pub fn with_html(mut self, html: impl Into<String>) -> Self {
        self.html = Some(html.into());
        self
    }

    fn parts(&self) -> impl Iterator<Item = (TemplatePart, &str)> {
        [
            (TemplatePart::Subject, Some(self.subject.as_str())),
            (TemplatePart::Text, Some(self.text.as_str())),
            (TemplatePart::Html, self.html.as_deref()),
        ]
        .into_iter()
        .filter_map(|(part, source)| source.map(|s| (part, s)))
    }

    /// Every problem with the template: its name (a custom one), blank or over-long parts,
    /// syntax errors, unknown placeholders, and anything that fails when it is rendered with
    /// [`TemplateValues::sample`].
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if let MessagePurpose::Custom(name) = &self.purpose
            && !valid_custom_name(name)
        {
            errors.push(TemplateError::InvalidName { name: name.clone() }.to_field_error());
        }
        let env = environment();
        let sample = TemplateValues::sample().context();
        for (part, source) in self.parts() {
            if let Err(problem) = check_part(&env, part, source, &sample) {
                errors.push(problem.to_field_error());
            }
        }
        errors.into_result()
    }

    /// The message for `values`. The subject's control characters (line breaks) become
    /// spaces, so a value can never add a mail header.
    pub fn render(&self, values: &TemplateValues) -> Result<RenderedMessage, TemplateError> {
        let env = environment();
        let ctx = values.context();
        let subject = render_part(&env, TemplatePart::Subject, &self.subject, &ctx)?;
        let text = render_part(&env, TemplatePart::Text, &self.text, &ctx)?;
        let html = match &self.html {
            Some(source) => Some(render_part(&env, TemplatePart::Html, source, &ctx)?),
            None => None,
        };
        Ok(RenderedMessage {
            subject: one_line(&subject),
            text,
            html,
        })
    }
}

fn valid_custom_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= limits::IDENTIFIER
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !matches!(
            MessagePurpose::from_key(name),
            MessagePurpose::Invitation | MessagePurpose::Welcome | MessagePurpose::PasswordReset
        )
}

/// The engine as templates run in it: values escaped for HTML in the HTML part only, an
/// unknown name an error rather than a blank, no `safe`, and a bounded amount of work.
fn environment<'s>() -> Environment<'s> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name == TemplatePart::Html.as_str() {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.remove_filter("safe");
    env.set_fuel(Some(FUEL));
    env
}

fn check_part(
    env: &Environment<'_>,
    part: TemplatePart,
    source: &str,
    sample: &Value,
) -> Result<(), TemplateError> {
    let max = if part == TemplatePart::Subject {
        MAX_SUBJECT
    } else {
        MAX_BODY
    };
    if source.trim().is_empty() && part != TemplatePart::Html {
        return Err(TemplateError::Blank { part });
    }
    if source.chars().count() > max {
        return Err(TemplateError::TooLong { part, max });
    }
    let template = env
        .template_from_named_str(part.as_str(), source)
        .map_err(|e| TemplateError::Syntax {
            part,
            line: e.line().unwrap_or(1),
            detail: detail(&e),
        })?;
    let mut unknown: Vec<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|name| !PLACEHOLDERS.contains(&name.as_str()))
        .collect();
    unknown.sort_by_key(|name| (first_use(source, name), name.clone()));
    if let Some(placeholder) = unknown.into_iter().next() {
        let line = first_use(source, &placeholder);
        return Err(TemplateError::UnknownPlaceholder {
            part,
            placeholder,
            line,
        });
    }
    render_part(env, part, source, sample).map(|_| ())
}

fn render_part(
    env: &Environment<'_>,
    part: TemplatePart,
    source: &str,
    ctx: &Value,
) -> Result<String, TemplateError> {
    let template = env
        .template_from_named_str(part.as_str(), source)
        .map_err(|e| TemplateError::Syntax {
            part,
            line: e.line().unwrap_or(1),
            detail: detail(&e),
        })?;
    template
        .render(ctx.clone())
        .map_err(|e| TemplateError::Render {
            part,
            line: e.line().unwrap_or(0),
            detail: detail(&e),
        })
}

/// The engine's own words for an error, without the template's text.
fn detail(error: &minijinja::Error) -> String {
    match error.detail() {
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    }
}

/// The line (from 1) where `name` is first used inside a `{{ }}` or `{% %}` tag.
fn first_use(source: &str, name: &str) -> usize {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let position = source.match_indices(name).map(|(at, _)| at).find(|&at| {
        let before = source[..at].chars().next_back();
        let after = source[at + name.len()..].chars().next();
        let whole = !before.is_some_and(is_ident) && !after.is_some_and(is_ident);
        let open = source[..at].rfind("{{").max(source[..at].rfind("{%"));
        let close = source[..at].rfind("}}").max(source[..at].rfind("%}"));
        whole && open.is_some() && open > close
    });
    position.map_or(1, |at| source[..at].matches('\n').count() + 1)
}

/// `text` on one line: control characters become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> TemplateValues {
        TemplateValues {
            first_name: "<b>Ada</b>".into(),
            last_name: "O'Hara & Co".into(),
            username: "ada".into(),
            district_name: "Maple".into(),
            invite_link: "https://x.test/i?a=1&b=2".into(),
        }
    }

    fn problems(template: &MessageTemplate) -> Vec<FieldError> {
        match template.validate() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.errors().to_vec(),
        }
    }

    #[test]
    fn values_are_escaped_in_html_and_not_in_text() {
        let t = MessageTemplate::new(
            MessagePurpose::Welcome,
            "Hi {{ first_name }}",
            "{{ first_name }} {{ last_name }} {{ invite_link }}",
        )
        .with_html("<p>{{ first_name }} {{ last_name }} <a href=\"{{ invite_link }}\">x</a></p>");
        assert_eq!(problems(&t), []);
        let m = t.render(&values()).unwrap();
        assert_eq!(m.subject, "Hi <b>Ada</b>");
        assert_eq!(m.text, "<b>Ada</b> O'Hara & Co https://x.test/i?a=1&b=2");
        let html = m.html.unwrap();
        assert!(html.contains("&lt;b&gt;Ada&lt;&#x2f;b&gt;"), "{html}");
        assert!(html.contains("O&#x27;Hara &amp; Co"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
    }

    #[test]
    fn an_unknown_placeholder_is_named_with_its_part_and_line() {
        let t = MessageTemplate::new(
            MessagePurpose::Welcome,
            "Hi",
            "Hello {{ first_name }},\nyour grade: {{ grade }}\n",
        );
        let found = problems(&t);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, "text");
        assert_eq!(
            found[0].code,
            ValidationCode::UnknownPlaceholder {
                placeholder: "grade".into(),
                line: 2
            }
        );
    }

    #[test]
    fn a_syntax_error_is_named_with_its_part_and_line() {
        let t = MessageTemplate::new(MessagePurpose::Welcome, "Hi", "ok")
            .with_html("<p>\n{{ first_name </p>");
        let found = problems(&t);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, "html");
        assert!(
            matches!(found[0].code, ValidationCode::TemplateSyntax { line: 2 }),
            "{found:?}"
        );
    }

    #[test]
    fn nothing_but_the_placeholders_can_be_read() {
        for source in [
            "{{ debug() }}",
            "{{ range(10) }}",
            "{{ self }}",
            "{{ first_name.__class__ }}",
            "{{ first_name | safe }}",
            "{{ first_name | upper }}",
            "{% include 'secrets' %}",
            // Four loops over the link: millions of steps, out of fuel when tried at save.
            "{% for a in invite_link %}{% for b in invite_link %}{% for c in invite_link %}{% for d in invite_link %}x{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
        ] {
            let t = MessageTemplate::new(MessagePurpose::Welcome, "Hi", source);
            assert!(!problems(&t).is_empty(), "{source} was accepted");
        }
    }

    #[test]
    fn the_subject_stays_on_one_line() {
        let t = MessageTemplate::new(MessagePurpose::Welcome, "Hi {{ first_name }}", "x");
        let values = TemplateValues {
            first_name: "Ada\r\nBcc: evil@x.test".into(),
            ..values()
        };
        assert_eq!(
            t.render(&values).unwrap().subject,
            "Hi Ada  Bcc: evil@x.test"
        );
    }

    #[test]
    fn custom_names_are_checked() {
        for (name, ok) in [
            ("field_trip", true),
            ("welcome", false),
            ("Bad Name", false),
            ("", false),
        ] {
            let t = MessageTemplate::new(MessagePurpose::Custom(name.into()), "Hi", "x");
            assert_eq!(problems(&t).is_empty(), ok, "{name}");
        }
    }

    #[test]
    fn debug_leaves_the_link_out() {
        let shown = format!("{:?}", values());
        assert!(!shown.contains("x.test"), "{shown}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn html_never_holds_a_raw_value(first in "\\PC{0,40}", last in "[<>&\"'a-z ]{0,20}") {
                let t = MessageTemplate::new(MessagePurpose::Welcome, "s", "{{ first_name }}|{{ last_name }}")
                    .with_html("<p>{{ first_name }}|{{ last_name }}</p>");
                let v = TemplateValues { first_name: first.clone(), last_name: last.clone(), ..TemplateValues::default() };
                let m = t.render(&v).unwrap();
                prop_assert_eq!(&m.text, &format!("{first}|{last}"));
                let html = m.html.unwrap();
                let inner = html.trim_start_matches("<p>").trim_end_matches("</p>");
                for c in ['<', '>', '"', '\''] {
                    prop_assert!(!inner.contains(c), "{} in {}", c, inner);
                }
            }

            #[test]
            fn any_other_name_is_refused(name in "[a-z][a-z0-9_]{0,12}") {
                prop_assume!(!PLACEHOLDERS.contains(&name.as_str()));
                prop_assume!(!matches!(name.as_str(), "true" | "false" | "none" | "loop" | "not" | "and" | "or" | "in" | "is" | "if" | "else" | "for" | "endfor" | "set" | "true_" ));
                let t = MessageTemplate::new(MessagePurpose::Welcome, "s", format!("a {{{{ {name} }}}} b"));
                let found = problems(&t);
                prop_assert_eq!(found.len(), 1);
                prop_assert_eq!(found[0].field.as_str(), "text");
            }
        }
    }
}
