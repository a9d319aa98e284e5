//! A [`Mailer`] over SMTP, with [lettre](https://docs.rs/lettre)'s tokio transport: what a host
//! plugs into [`Directory::drain_outbox`](homeroom::Directory::drain_outbox) to send the outbox
//! for real.
//!
//! - **Connection**: [`SmtpSecurity::None`] (plain SMTP, for a local relay or a test server),
//!   [`SmtpSecurity::StartTls`] (port 587) or [`SmtpSecurity::Tls`] (port 465), with optional
//!   [`SmtpCredentials`]. TLS is rustls with the web PKI roots.
//! - **Idempotency**: the drain's key becomes the message's `Message-ID`
//!   (`<key@domain>`) and an `X-Idempotency-Key` header, the same on every attempt at one
//!   message, so a relay or the recipient's mail system can recognise a repeat.
//! - **Errors**: a permanent SMTP reply (5xx: no such mailbox, relaying denied) or a message
//!   that cannot be built (a malformed address) is `MailerError { permanent: true }`, the
//!   message dead at once; everything else (4xx replies, connection and TLS failures,
//!   timeouts, and 5xx replies about authentication, a configuration fault rather than the
//!   message's) is retried. The error's text is the server's reply code and a short reason, never
//!   the message's content (which holds a one-time link) nor the credentials.

use std::time::Duration;

use async_trait::async_trait;
use homeroom::messaging::{Mailer, MailerError, OutboxMessage};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SmtpSecurity {
    /// Plain SMTP, no TLS: a relay on the same host or network, or a test server.
    #[default]
    None,
    /// Plain connection upgraded with STARTTLS (required: refused if the server does not offer
    /// it). Usually port 587.
    StartTls,
    /// TLS from the first byte ("SMTPS"). Usually port 465.
    Tls,
}

/// A user name and password for the SMTP server. `Debug` shows the user name only.
#[derive(Clone)]
pub struct SmtpCredentials {
    /// The user name.
    pub username: String,
    /// The password; never shown.
    pub password: String,
}

impl std::fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Where and how to send.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// The server's host name (checked against its certificate with TLS).
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// How the connection is secured.
    pub security: SmtpSecurity,
    /// Credentials, if the server wants them.
    pub credentials: Option<SmtpCredentials>,
    /// The sender, `Name <address>` or a bare address.
    pub from: String,
    /// The domain in the `Message-ID`s made from idempotency keys (`<key@domain>`).
    pub message_id_domain: String,
    /// How long one SMTP exchange may take before the send fails (and is retried).
    pub timeout: Duration,
}

impl SmtpConfig {
    /// Plain SMTP to `host:port`, sending as `from`, no credentials, a 30-second timeout, and
    /// the sender's domain in `Message-ID`s.
    pub fn plain(host: impl Into<String>, port: u16, from: impl Into<String>) -> Self {
        let from = from.into();
        let domain = from
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').to_owned())
            .unwrap_or_else(|| "localhost".to_owned());
        Self {
            host: host.into(),
            port,
            security: SmtpSecurity::None,
            credentials: None,
            from,
            message_id_domain: domain,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Why an [`SmtpMailer`] could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SmtpSetupError {
    /// The sender is not a valid mailbox.
    #[error("the sender address is not valid: {0}")]
    From(String),
    /// The TLS settings for the host could not be made.
    #[error("TLS setup for the SMTP host failed: {0}")]
    Tls(String),
}

/// The `X-Idempotency-Key` header: the drain's key for the message.
#[derive(Clone, Debug)]
struct IdempotencyKey(String);

impl Header for IdempotencyKey {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Idempotency-Key")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// A [`Mailer`] that sends each outbox message over SMTP (one connection per message).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    message_id_domain: String,
}

impl std::fmt::Debug for SmtpMailer {
    /// The sender only: the transport holds the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `config`. Connects only when sending.
    pub fn new(config: &SmtpConfig) -> Result<Self, SmtpSetupError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| SmtpSetupError::From(e.to_string()))?;
        let builder = match config.security {
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
            }
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                    .map_err(|e| SmtpSetupError::Tls(e.to_string()))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| SmtpSetupError::Tls(e.to_string()))?,
        };
        let mut builder = builder.port(config.port).timeout(Some(config.timeout));
        if let Some(c) = &config.credentials {
            builder = builder.credentials(Credentials::new(c.username.clone(), c.password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            message_id_domain: config.message_id_domain.clone(),
        })
    }

    /// The e-mail for `message`, its `Message-ID` and `X-Idempotency-Key` made from `key`.
    fn email(&self, message: &OutboxMessage, key: &str) -> Result<Message, MailerError> {
        let to: Mailbox = message.to_address.parse().map_err(|_| MailerError {
            message: "the recipient's address is not valid".into(),
            permanent: true,
        })?;
        // A key is an item id; keep only what a Message-ID's left part may hold.
        let local: String = key
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
            .collect();
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.content.subject.clone())
            .message_id(Some(format!("<{local}@{}>", self.message_id_domain)))
            .header(IdempotencyKey(local));
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(message.content.text.clone());
        let built = match &message.content.html {
            Some(html) => builder.multipart(
                MultiPart::alternative().singlepart(text).singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html.clone()),
                ),
            ),
            None => builder.singlepart(text),
        };
        built.map_err(|e| MailerError {
            message: format!("the message could not be built: {e}"),
            permanent: true,
        })
    }
}

/// 5xx replies about the sender's authentication (530 required, 534 mechanism too weak, 535
/// credentials invalid, 538 encryption required): the host's configuration is wrong, not the
/// message, so they are retried (every message would otherwise die until it is fixed).
const AUTHENTICATION_CODES: [&str; 4] = ["530", "534", "535", "538"];

/// The outcome of an SMTP error: permanent for a 5xx reply (except those about authentication),
/// retried otherwise. The text names the reply code and the kind of failure, nothing of the
/// message.
fn classify(error: &lettre::transport::smtp::Error) -> MailerError {
    let code = error.status().map(|c| c.to_string());
    let about_authentication = code
        .as_deref()
        .is_some_and(|c| AUTHENTICATION_CODES.contains(&c));
    let permanent = error.is_permanent() && !about_authentication;
    let kind = if permanent {
        "refused for good"
    } else if about_authentication {
        "authentication refused (check the SMTP credentials)"
    } else if error.is_transient() {
        "deferred"
    } else if error.is_timeout() {
        "timed out"
    } else {
        "failed"
    };
    let message = match code {
        Some(code) => format!("SMTP {code}: {kind}"),
        None => format!("SMTP {kind}: {}", connection_reason(error)),
    };
    MailerError { message, permanent }
}

/// A short reason for a failure without a reply code (connection, TLS), from lettre's text.
fn connection_reason(error: &lettre::transport::smtp::Error) -> String {
    // lettre's connection errors name the failure and the OS error; they hold no credentials.
    let text = error.to_string();
    text.chars().take(200).collect()
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(
        &self,
        message: &OutboxMessage,
        idempotency_key: &str,
    ) -> Result<(), MailerError> {
        let email = self.email(message, idempotency_key)?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
    }
}
