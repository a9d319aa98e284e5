//! Cookie sessions and CSRF tokens.
//!
//! A browser gets a session on its first request: a random id in an `HttpOnly`, `SameSite=Lax`
//! cookie, and a random CSRF token kept with it. Every request that changes something (any
//! method but GET and HEAD) must carry the token: in the form field `csrf` (every form has it
//! as a hidden input) or the `X-CSRF-Token` header (the JSON API; `GET /api/session` hands it
//! out). Signing in and out starts a new session (new id, new token), so a session id planted
//! before sign-in is worth nothing after.
//!
//! Sessions live in this process's memory: a restart signs everyone out, and several instances
//! behind one address need sticky sessions (or a shared session store in their place).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use homeroom::IdGen;
use homeroom::import::ImportData;
use homeroom::{DistrictId, ImportOutcome, ImportPlan, UserId};

/// The cookie that carries the session id.
pub const COOKIE: &str = "homeroom_session";
/// The header the JSON API sends its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Who is signed in.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The district.
    pub district: DistrictId,
    /// The user.
    pub user: UserId,
    /// Their name, for the page header.
    pub name: String,
    /// They signed in with a temporary password and must choose their own first.
    pub must_change: bool,
}

/// An import being looked at: the file read, its dry-run plan, and what applying it did.
#[derive(Clone, Debug)]
pub struct PendingImport {
    /// The uploaded file's name.
    pub file: String,
    /// What was read from it (for the report).
    pub data: Arc<ImportData>,
    /// The dry run.
    pub plan: Arc<ImportPlan>,
    /// Set once applied.
    pub outcome: Option<ImportOutcome>,
}

/// One browser's session.
#[derive(Clone, Debug)]
pub struct Session {
    /// The session id (the cookie's value).
    pub id: String,
    /// The CSRF token every changing request must carry.
    pub csrf: String,
    /// Who is signed in, if anyone.
    pub signed_in: Option<SignedIn>,
    /// The import in progress.
    pub import: Option<PendingImport>,
    /// The bulk action previewed, waiting for its confirmation.
    pub bulk: Option<homeroom::BulkPreview>,
}

/// Every live session, by id.
#[derive(Debug)]
pub struct Sessions {
    ids: Arc<dyn IdGen>,
    by_id: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// An empty store drawing ids and tokens from `ids`.
    pub fn new(ids: Arc<dyn IdGen>) -> Self {
        Self {
            ids,
            by_id: Mutex::new(HashMap::new()),
        }
    }

    fn token(&self) -> String {
        self.ids
            .secret_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A new anonymous session.
    pub fn start(&self) -> Session {
        let session = Session {
            id: self.token(),
            csrf: self.token(),
            signed_in: None,
            import: None,
            bulk: None,
        };
        self.put(session.clone());
        session
    }

    /// The session with this id.
    pub fn get(&self, id: &str) -> Option<Session> {
        self.lock().get(id).cloned()
    }

    /// Stores (or replaces) a session.
    pub fn put(&self, session: Session) {
        self.lock().insert(session.id.clone(), session);
    }

    /// Ends the session `old` and starts a new one for `signed_in` (a new id and token).
    pub fn rotate(&self, old: &str, signed_in: Option<SignedIn>) -> Session {
        self.lock().remove(old);
        let mut session = self.start();
        session.signed_in = signed_in;
        self.put(session.clone());
        session
    }

    /// Changes the session `id` in place, if it still exists.
    pub fn update(&self, id: &str, change: impl FnOnce(&mut Session)) {
        if let Some(session) = self.lock().get_mut(id) {
            change(session);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves the map whole (each change is one insert).
        self.by_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The session id in a `Cookie` header, if any.
pub fn cookie_value(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// The `Set-Cookie` value for a session id.
pub fn set_cookie(id: &str) -> String {
    format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax")
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
