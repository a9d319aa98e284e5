//! Invitations end to end: the district's links point at this host's `/welcome` page, the
//! outbox is drained into a mail folder (a development mailer: a real host plugs in
//! [`SmtpMailer`](crate::smtp_mailer::SmtpMailer)), and `/welcome?token=` accepts an
//! invitation by choosing a password, then signs the user in.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use homeroom::messaging::{Mailer, MailerError, OutboxMessage};
use homeroom::password::Password;
use homeroom::{Actor, Directory, DistrictId, Error, Storage, ValidationErrors};
use serde::Deserialize;

use super::App;
use super::error::WebError;
use super::pages::{name_of, with_cookie};
use super::session::{Session, SignedIn};
use super::views::see_other;

/// Points the district's invitation links at `base` (`http://host:port`) + `/welcome?token=`.
/// Several instances on one database each point them at themselves; the last one wins, and
/// any of them serves the page.
pub async fn set_links<S: Storage + ?Sized>(
    directory: &Directory<S>,
    district: DistrictId,
    base: &str,
) -> Result<(), Error> {
    let setup = Actor::system("web-setup");
    let link = format!("{}/welcome?token=", base.trim_end_matches('/'));
    // Instances starting together on one database may race: a lost race is read again.
    let mut attempts = 0;
    loop {
        let row = directory.district(&setup, district).await?;
        if row.settings.onboarding.invitation_link == link {
            return Ok(());
        }
        let mut settings = row.settings.clone();
        settings.onboarding.invitation_link = link.clone();
        match directory
            .update_district_settings(&setup, district, row.version, settings)
            .await
        {
            Err(e) if e.kind() == homeroom::ErrorKind::Conflict && attempts < 3 => attempts += 1,
            other => return other.map(|_| ()),
        }
    }
}

/// A development mailer: each message becomes a text file in a folder.
#[derive(Debug)]
pub struct FolderMailer {
    /// Where the messages go.
    pub dir: PathBuf,
}

#[async_trait]
impl Mailer for FolderMailer {
    async fn send(&self, message: &OutboxMessage, key: &str) -> Result<(), MailerError> {
        let fail = |e: std::io::Error| MailerError {
            message: format!("cannot write the message: {e}"),
            permanent: false,
        };
        tokio::fs::create_dir_all(&self.dir).await.map_err(fail)?;
        let name: String = key
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let text = format!(
            "To: {}\nSubject: {}\n\n{}\n",
            message.to_address, message.content.subject, message.content.text
        );
        tokio::fs::write(self.dir.join(format!("{name}.txt")), text)
            .await
            .map_err(fail)
    }
}

/// Drains the district's outbox through `mailer` every `every`, for as long as the host runs.
pub fn drain_every(
    app: Arc<App>,
    mailer: Arc<dyn Mailer>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let sender = Actor::system("web-outbox");
        loop {
            if let Err(e) = app
                .directory
                .drain_outbox(&sender, app.district, mailer.as_ref(), 50)
                .await
            {
                tracing::warn!(error = %e, "outbox drain failed");
            }
            tokio::time::sleep(every).await;
        }
    })
}

/// The invitation link's query string.
#[derive(Debug, Deserialize)]
pub struct Token {
    /// The one-time token.
    #[serde(default)]
    pub token: String,
}

/// `GET /welcome?token=`: choose a password.
pub async fn welcome_form(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Query(token): Query<Token>,
) -> Response {
    let values = serde_json::json!({ "token": token.token });
    app.views
        .page(StatusCode::OK, &s, "Welcome", "welcome.html", values)
}

/// The welcome form.
#[derive(Debug, Deserialize)]
pub struct WelcomeForm {
    /// The one-time token.
    pub token: String,
    /// The password chosen.
    pub new: String,
}

/// `POST /welcome`: accepts the invitation, then signs the user in (a new session).
pub async fn welcome(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Form(form): Form<WelcomeForm>,
) -> Response {
    let accepted = async {
        let mut errors = ValidationErrors::new();
        let Some(password) = errors.check("new", Password::new(form.new.clone())) else {
            return Err(WebError::Invalid(errors));
        };
        Ok(app
            .directory
            .accept_invitation(app.district, &form.token, &password)
            .await?)
    }
    .await;
    match accepted {
        Ok(ok) => {
            let name = name_of(&app, ok.user).await.unwrap_or_else(|| "you".into());
            let me = SignedIn {
                district: app.district,
                user: ok.user,
                name,
                must_change: false,
            };
            match app.sessions.rotate(&s.id, Some(me)).await {
                Ok(new) => with_cookie(&app, see_other("/"), &new),
                Err(e) => app.views.error(&s, &e.into()),
            }
        }
        Err(e) => {
            let (status, body) = e.parts();
            let values = serde_json::json!({ "token": form.token, "error": body.message });
            app.views
                .page(status, &s, "Welcome", "welcome.html", values)
        }
    }
}
