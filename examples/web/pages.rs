//! The admin pages: sign in (and the must-change flow), user search, a profile with the tabs
//! this admin may see, edit with the version-conflict message, invitations, the activity log.
//! Each page calls the same [`Directory`](homeroom::Directory) command as its JSON twin in
//! [`api`](super::api); errors show as a page with the status `docs/errors.md` gives.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use homeroom::password::Password;
use homeroom::{ActivityEntry, Permission, User, ValidationErrors, Version};
use serde::{Deserialize, Serialize};

use super::error::WebError;
use super::session::{self, Session, SignedIn};
use super::views::see_other;
use super::{App, Client, signed_in, user_id};

/// A user as a list or a profile shows them.
#[derive(Clone, Debug, Serialize)]
pub struct UserRow {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `student` or `staff`.
    pub kind: String,
    /// E-mail, or empty.
    pub email: String,
    /// Local ID, or empty.
    pub local_id: String,
    /// Grade, or empty.
    pub grade: String,
    /// Status.
    pub status: String,
    /// The version to send back with an edit.
    pub version: u64,
}

impl From<&User> for UserRow {
    fn from(u: &User) -> Self {
        let show = |v: Option<String>| v.unwrap_or_default();
        Self {
            id: u.id.to_string(),
            name: u.details.name.display(),
            kind: u.details.kind.to_string(),
            email: show(u.details.email.as_ref().map(|e| e.as_str().to_string())),
            local_id: show(u.details.local_id.as_ref().map(|l| l.as_str().to_string())),
            grade: show(u.details.grade.as_ref().map(ToString::to_string)),
            status: u.status.to_string(),
            version: u.version.get(),
        }
    }
}

/// An activity entry as the log page and API show it.
#[derive(Clone, Debug, Serialize)]
pub struct EntryRow {
    /// When (UTC).
    pub at: String,
    /// What.
    pub action: String,
    /// Who.
    pub actor: String,
    /// Field changes, one sentence each (empty when the reader may not see them).
    pub changes: Vec<String>,
}

impl From<&ActivityEntry> for EntryRow {
    fn from(e: &ActivityEntry) -> Self {
        Self {
            at: e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            action: e.action.to_string(),
            actor: e.actor.to_string(),
            changes: e.changes.iter().map(ToString::to_string).collect(),
        }
    }
}

/// A page, or the page of its error.
pub type Page = Result<Response, Response>;

/// A profile tab as the page shows it: its title, a line about it, and its entries (the
/// activity log's).
#[derive(Clone, Debug, Serialize)]
pub struct TabView {
    /// The tab's title.
    pub title: String,
    /// One line: AUP and fee for User Information, how many records for a history.
    pub summary: String,
    /// The Activity Log tab's first page.
    pub entries: Vec<EntryRow>,
}

impl From<&homeroom::profile::Tab> for TabView {
    fn from(tab: &homeroom::profile::Tab) -> Self {
        use homeroom::profile::Tab;
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let (summary, entries) = match tab {
            Tab::UserInformation(info) => (
                format!(
                    "AUP signed: {}. Fee paid: {}. Guardians: {}. Devices out: {}. Open incidents: {}.",
                    yes_no(info.aup_signed),
                    yes_no(info.fee_paid),
                    info.guardians.len(),
                    info.current_checkouts.len(),
                    info.open_incidents.len()
                ),
                Vec::new(),
            ),
            Tab::History { page, .. } | Tab::Billing { page, .. } => {
                (format!("{} record(s).", page.total), Vec::new())
            }
            Tab::ActivityLog(page) => (
                format!("{} change(s), newest first.", page.total),
                page.items.iter().map(EntryRow::from).collect(),
            ),
            _ => (String::new(), Vec::new()),
        };
        Self {
            title: tab.title().to_string(),
            summary,
            entries,
        }
    }
}

/// Turns an error into its page.
pub fn fail(app: &App, session: &Session) -> impl Fn(WebError) -> Response {
    move |e| app.views.error(session, &e)
}

/// `GET /`: 200 once the host is up.
pub async fn home(State(app): State<Arc<App>>, Extension(s): Extension<Session>) -> Response {
    let name = homeroom::Actor::system("web");
    let district = app
        .directory
        .district(&name, app.district)
        .await
        .map(|d| d.name)
        .unwrap_or_default();
    app.views.page(
        StatusCode::OK,
        &s,
        "Home",
        "home.html",
        serde_json::json!({ "district": district }),
    )
}

/// `GET /signin`.
pub async fn signin_form(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
) -> Response {
    app.views
        .page(StatusCode::OK, &s, "Sign in", "signin.html", ())
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    /// E-mail or username.
    pub login: String,
    /// Password.
    pub password: String,
}

/// Checks a login and password; on success a new session (id and CSRF token) for the user.
/// Past the rate limit for this account from `client`, refused without checking the password
/// ([`WebError::TooManyAttempts`], whether the account exists or not).
pub async fn sign_in(
    app: &App,
    old: &Session,
    form: &SignInForm,
    client: &Client,
) -> Result<Session, WebError> {
    let key = session::limit::key(&form.login, &client.0);
    let attempt = app
        .sessions
        .attempt(&key)
        .await?
        .ok_or(WebError::TooManyAttempts)?;
    let ok = app
        .directory
        .verify_password(app.district, &form.login, &form.password)
        .await?;
    app.sessions.attempt_succeeded(attempt).await?;
    let name = name_of(app, ok.user)
        .await
        .unwrap_or_else(|| form.login.clone());
    let me = SignedIn {
        district: app.district,
        user: ok.user,
        name,
        must_change: ok.must_change,
    };
    Ok(app.sessions.rotate(&old.id, Some(me)).await?)
}

/// The signed-in user's own name (their self view; none while they must change their password).
pub async fn name_of(app: &App, user: homeroom::UserId) -> Option<String> {
    let actor = homeroom::Actor::user(app.district, user);
    let me = app.directory.self_view(&actor).await.ok()?;
    Some(me.user.details.name.display())
}

/// A response that also sets the (new) session cookie.
pub fn with_cookie(app: &App, mut response: Response, session: &Session) -> Response {
    if let Ok(value) = app.sessions.set_cookie(&session.id).parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `POST /signin`.
pub async fn signin(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Extension(client): Extension<Client>,
    Form(form): Form<SignInForm>,
) -> Response {
    match sign_in(&app, &s, &form, &client).await {
        Ok(new) => {
            let to = if new.signed_in.as_ref().is_some_and(|m| m.must_change) {
                "/password"
            } else {
                "/users"
            };
            with_cookie(&app, see_other(to), &new)
        }
        // A refused sign-in (or too many) shows on the form again.
        Err(e)
            if matches!(&e, WebError::TooManyAttempts)
                || matches!(&e, WebError::Directory(d) if d.refusal().is_some()) =>
        {
            let (status, body) = e.parts();
            let values = serde_json::json!({ "error": body.message, "login": form.login });
            app.views.page(status, &s, "Sign in", "signin.html", values)
        }
        Err(e) => app.views.error(&s, &e),
    }
}

/// Signs the session out: its row and work deleted, a new anonymous session in its place.
pub async fn sign_out(app: &App, s: &Session) -> Result<Session, WebError> {
    Ok(app.sessions.rotate(&s.id, None).await?)
}

/// `POST /signout`: a new anonymous session.
pub async fn signout(State(app): State<Arc<App>>, Extension(s): Extension<Session>) -> Page {
    let new = sign_out(&app, &s).await.map_err(fail(&app, &s))?;
    Ok(with_cookie(&app, see_other("/"), &new))
}

/// `GET /password`.
pub async fn password_form(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
) -> Response {
    if s.signed_in.is_none() {
        return see_other("/signin");
    }
    app.views.page(
        StatusCode::OK,
        &s,
        "Choose your password",
        "password.html",
        (),
    )
}

/// The change-password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    /// The password signed in with.
    pub current: String,
    /// The new one.
    pub new: String,
}

/// Changes the signed-in user's own password and lifts the must-change flag of the session.
pub async fn change_password(app: &App, s: &Session, form: &PasswordForm) -> Result<(), WebError> {
    let me = s.signed_in.as_ref().ok_or(WebError::SignedOut)?;
    let mut errors = ValidationErrors::new();
    let Some(new) = errors.check("new", Password::new(form.new.clone())) else {
        return Err(WebError::Invalid(errors));
    };
    let actor = homeroom::Actor::user(me.district, me.user);
    app.directory
        .change_own_password(&actor, me.district, &form.current, &new)
        .await?;
    app.sessions.password_changed(&s.id).await?;
    Ok(())
}

/// `POST /password`.
pub async fn password(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Form(form): Form<PasswordForm>,
) -> Response {
    match change_password(&app, &s, &form).await {
        Ok(()) => see_other("/users"),
        Err(WebError::SignedOut) => see_other("/signin"),
        Err(e) => {
            let (status, body) = e.parts();
            let values = serde_json::json!({ "error": body.message });
            app.views
                .page(status, &s, "Choose your password", "password.html", values)
        }
    }
}

/// The profile page's query string.
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    /// `invited` after sending an invitation, `saved` after an edit.
    #[serde(default)]
    pub notice: String,
}

/// `GET /users/{id}`: the tabs this admin may see.
pub async fn profile(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Page {
    let fail = fail(&app, &s);
    let actor = signed_in(&s).map_err(&fail)?;
    let id = user_id(&id).map_err(&fail)?;
    let profile = app
        .directory
        .profile(&actor, app.district, id, 10)
        .await
        .map_err(|e| fail(e.into()))?;
    let actions = app
        .directory
        .allowed_actions(&actor, app.district, id)
        .await
        .map_err(|e| fail(e.into()))?;
    let notice = match notice.notice.as_str() {
        "invited" => "Invitation sent.",
        "saved" => "Saved.",
        _ => "",
    };
    let tabs: Vec<TabView> = profile.tabs.iter().map(TabView::from).collect();
    let values = serde_json::json!({
        "user": UserRow::from(&profile.user),
        "tabs": tabs,
        "can_edit": actions.contains(Permission::EditUsers),
        "can_log": actions.contains(Permission::ViewActivityLog),
        "can_invite": actions.contains(Permission::ManageInvitations),
        "notice": notice,
    });
    let title = profile.user.details.name.display();
    Ok(app
        .views
        .page(StatusCode::OK, &s, &title, "profile.html", values))
}

/// The edit form's fields.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct EditForm {
    /// The version the form was loaded at.
    pub version: u64,
    /// First name.
    pub first: String,
    /// Last name.
    pub last: String,
    /// Preferred name (empty: none).
    #[serde(default)]
    pub preferred: String,
    /// E-mail (empty: none).
    #[serde(default)]
    pub email: String,
    /// Grade (empty: none).
    #[serde(default)]
    pub grade: String,
}

impl EditForm {
    /// The form filled from a user.
    pub fn of(user: &User) -> Self {
        let row = UserRow::from(user);
        Self {
            version: row.version,
            first: user.details.name.first.clone(),
            last: user.details.name.last.clone(),
            preferred: user.details.name.preferred.clone().unwrap_or_default(),
            email: row.email,
            grade: row.grade,
        }
    }
}

/// Saves an edit made on `form` over the user's current details (the directory checks the
/// version: someone who saved first makes it a conflict).
pub async fn save_edit(
    app: &App,
    s: &Session,
    raw: &str,
    form: &EditForm,
) -> Result<User, WebError> {
    let actor = signed_in(s)?;
    let id = user_id(raw)?;
    let current = app.directory.user(&actor, app.district, id).await?;
    let mut details = current.details.clone();
    let mut errors = ValidationErrors::new();
    fn optional(v: &str) -> Option<&str> {
        Some(v.trim()).filter(|v| !v.is_empty())
    }
    details.name.first = form.first.trim().to_string();
    details.name.last = form.last.trim().to_string();
    details.name.preferred = optional(&form.preferred).map(str::to_string);
    details.email = match optional(&form.email) {
        Some(e) => errors.check("email", homeroom::Email::parse(e)),
        None => None,
    };
    details.grade = match optional(&form.grade) {
        Some(g) => errors.check("grade", homeroom::Grade::parse(g)),
        None => None,
    };
    if !errors.is_empty() {
        return Err(WebError::Invalid(errors));
    }
    let expected = Version::new(form.version);
    Ok(app
        .directory
        .update_user(&actor, app.district, id, expected, details)
        .await?)
}

/// `GET /users/{id}/edit`.
pub async fn edit_form(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Path(raw): Path<String>,
) -> Page {
    let fail = fail(&app, &s);
    let actor = signed_in(&s).map_err(&fail)?;
    let id = user_id(&raw).map_err(&fail)?;
    let user = app
        .directory
        .user(&actor, app.district, id)
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(edit_page(
        &app,
        &s,
        &user,
        EditForm::of(&user),
        StatusCode::OK,
        None,
    ))
}

fn edit_page(
    app: &App,
    s: &Session,
    user: &User,
    form: EditForm,
    status: StatusCode,
    error: Option<&WebError>,
) -> Response {
    let (message, fields) = match error.map(WebError::parts) {
        Some((_, body)) => (body.message, body.fields),
        None => (String::new(), Vec::new()),
    };
    let values = serde_json::json!({
        "id": user.id.to_string(), "name": user.details.name.display(),
        "version": form.version, "form": form, "error": message, "fields": fields,
    });
    app.views.page(status, s, "Edit user", "edit.html", values)
}

/// `POST /users/{id}/edit`: saved → the profile; refused → the form again with the message.
/// On a version conflict the form keeps what this admin typed and takes the current version,
/// so saving again is a deliberate overwrite after reading the message.
pub async fn edit(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Path(raw): Path<String>,
    Form(mut form): Form<EditForm>,
) -> Page {
    let fail = fail(&app, &s);
    match save_edit(&app, &s, &raw, &form).await {
        Ok(user) => Ok(see_other(&format!("/users/{}?notice=saved", user.id))),
        Err(e @ (WebError::Invalid(_) | WebError::Directory(_))) if e.redirect().is_none() => {
            let (status, _) = e.parts();
            if !matches!(
                status,
                StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
            ) {
                return Err(fail(e));
            }
            let actor = signed_in(&s).map_err(&fail)?;
            let id = user_id(&raw).map_err(&fail)?;
            let user = app
                .directory
                .user(&actor, app.district, id)
                .await
                .map_err(|e| fail(e.into()))?;
            if status == StatusCode::CONFLICT {
                form.version = user.version.get();
            }
            Ok(edit_page(&app, &s, &user, form, status, Some(&e)))
        }
        Err(e) => Err(fail(e)),
    }
}

/// `GET /users/{id}/activity`.
pub async fn activity(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Path(raw): Path<String>,
) -> Page {
    let fail = fail(&app, &s);
    let actor = signed_in(&s).map_err(&fail)?;
    let id = user_id(&raw).map_err(&fail)?;
    let log = app
        .directory
        .user_activity(&actor, app.district, id, None, 50)
        .await
        .map_err(|e| fail(e.into()))?;
    let user = app
        .directory
        .user(&actor, app.district, id)
        .await
        .map_err(|e| fail(e.into()))?;
    let entries: Vec<EntryRow> = log.items.iter().map(EntryRow::from).collect();
    let values = serde_json::json!({
        "id": user.id.to_string(), "name": user.details.name.display(), "entries": entries,
    });
    Ok(app
        .views
        .page(StatusCode::OK, &s, "Activity log", "activity.html", values))
}

/// `POST /users/{id}/invite`: sends the user's invitation (through the outbox).
pub async fn invite(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Path(raw): Path<String>,
) -> Page {
    let fail = fail(&app, &s);
    let actor = signed_in(&s).map_err(&fail)?;
    let id = user_id(&raw).map_err(&fail)?;
    app.directory
        .invite_user(&actor, app.district, id)
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(see_other(&format!("/users/{id}?notice=invited")).into_response())
}
