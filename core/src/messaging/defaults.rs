//! The built-in wording of each purpose: what a message says when its district has saved no
//! template of its own.

use super::{MessagePurpose, MessageTemplate};

/// The built-in template for `purpose`. A custom purpose's default greets the user and names
/// the district; a district that sends custom messages saves its own wording.
///
/// ```
/// use homeroom::messaging::{default_template, MessagePurpose};
/// let invitation = default_template(&MessagePurpose::Invitation);
/// assert!(invitation.text.contains("{{ invite_link }}"));
/// assert!(invitation.validate().is_ok());
/// ```
pub fn default_template(purpose: &MessagePurpose) -> MessageTemplate {
    let (subject, text, html) = match purpose {
        MessagePurpose::Invitation => (
            "You are invited to {{ district_name }}",
            "Hello {{ first_name }},\n\nset your password and sign in: {{ invite_link }}\n",
            "<p>Hello {{ first_name }},</p>\n<p><a href=\"{{ invite_link }}\">Set your password and sign in</a>.</p>\n",
        ),
        MessagePurpose::Welcome => (
            "Welcome to {{ district_name }}",
            "Hello {{ first_name }},\n\nyour account at {{ district_name }} is ready.\n",
            "<p>Hello {{ first_name }},</p>\n<p>your account at {{ district_name }} is ready.</p>\n",
        ),
        MessagePurpose::PasswordReset => (
            "Reset your {{ district_name }} password",
            "Hello {{ first_name }},\n\nchoose a new password: {{ invite_link }}\n",
            "<p>Hello {{ first_name }},</p>\n<p><a href=\"{{ invite_link }}\">Choose a new password</a>.</p>\n",
        ),
        MessagePurpose::Custom(_) => (
            "A message from {{ district_name }}",
            "Hello {{ first_name }},\n",
            "<p>Hello {{ first_name }},</p>\n",
        ),
    };
    MessageTemplate::new(purpose.clone(), subject, text).with_html(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_valid() {
        for purpose in [
            MessagePurpose::Invitation,
            MessagePurpose::Welcome,
            MessagePurpose::PasswordReset,
            MessagePurpose::Custom("field_trip".into()),
        ] {
            assert_eq!(default_template(&purpose).validate(), Ok(()), "{purpose:?}");
        }
    }
}
