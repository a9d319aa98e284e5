//! A browser-like client for the `web` host's router: requests go straight into the router
//! (no socket), the session cookie is kept between them, the CSRF token read from pages or
//! `GET /api/session`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeroom::system::RandomIds;
use homeroom::{Actor, Directory, DistrictId, ManualClock, Storage, User, UserSearch};
use homeroom_examples::web::session::Sessions;
use homeroom_examples::web::{self, App, BlockingHashes, seed};
use homeroom_sea::SeaStorage;
use tower::ServiceExt;

/// The host over an in-memory directory with the demo district.
pub struct Host {
    pub app: Arc<App>,
    pub router: Router,
    /// The directory's and the sessions' clock.
    pub clock: Arc<ManualClock>,
    /// The database the sessions are in.
    pub db: sea_orm::DatabaseConnection,
}

impl Host {
    /// A host over an in-memory directory, its sessions in an in-memory SQLite database.
    pub async fn start() -> Self {
        let storage: Arc<dyn Storage> = Arc::new(homeroom_memory::MemoryStorage::new());
        let sessions = SeaStorage::connect("sqlite::memory:").await.unwrap();
        let (host, created) = Self::on(storage, sessions.connection().clone()).await;
        assert!(created);
        host
    }

    /// A host on `storage` with its sessions on `db`, and whether it seeded the demo district
    /// (false: found it).
    pub async fn on(storage: Arc<dyn Storage>, db: sea_orm::DatabaseConnection) -> (Self, bool) {
        Self::with(storage, db, false).await
    }

    /// [`Host::on`], with `Secure` session cookies when `secure`.
    pub async fn with(
        storage: Arc<dyn Storage>,
        db: sea_orm::DatabaseConnection,
        secure: bool,
    ) -> (Self, bool) {
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let ids = Arc::new(RandomIds);
        let directory = Directory::new(storage, clock.clone(), ids.clone())
            .with_hash_runner(Arc::new(BlockingHashes), 4);
        let demo = seed::demo_district(&directory).await.unwrap();
        let sessions = Sessions::open(db.clone(), demo.district, ids, clock.clone(), secure)
            .await
            .unwrap();
        let app = Arc::new(App::new(directory, demo.district, sessions).unwrap());
        let host = Self {
            router: web::router(app.clone()),
            app,
            clock,
            db,
        };
        (host, demo.created)
    }

    /// A host on the SeaORM database `storage` (a SQLite file, PostgreSQL), its sessions in
    /// the same database.
    pub async fn on_sea(storage: SeaStorage) -> (Self, bool) {
        let db = storage.connection().clone();
        Self::on(Arc::new(storage), db).await
    }

    pub fn district(&self) -> DistrictId {
        self.app.district
    }

    /// Every user matching `text`, as the system sees them.
    pub async fn find(&self, text: &str) -> Vec<User> {
        self.search(UserSearch::text(text)).await
    }

    /// Every student, as the system sees them (any status).
    pub async fn students(&self) -> Vec<User> {
        let search = UserSearch::default().kind(homeroom::UserKind::Student);
        self.search(search.any_status()).await
    }

    /// The first hundred users `search` finds, as the system sees them.
    pub async fn search(&self, search: UserSearch) -> Vec<User> {
        self.app
            .directory
            .search_users(&Actor::system("test"), self.district(), &search.limit(100))
            .await
            .unwrap()
            .items
    }

    /// Someone else makes `user` Inactive: a new version under any plan made before.
    pub async fn someone_else_deactivates(&self, user: &User) {
        self.app
            .directory
            .set_status(
                &Actor::system("someone else"),
                self.district(),
                user.id,
                user.version,
                homeroom::RecordStatus::Inactive,
            )
            .await
            .unwrap();
    }

    /// The one user named `first last`.
    pub async fn user(&self, first: &str, last: &str) -> User {
        let found: Vec<User> = self
            .find(first)
            .await
            .into_iter()
            .filter(|u| u.details.name.last == last)
            .collect();
        assert_eq!(found.len(), 1, "{first} {last}: {found:?}");
        found.into_iter().next().unwrap()
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookie: None,
            csrf: None,
            peer: None,
        }
    }

    /// A client signed in through the API.
    pub async fn signed_in(&self, login: &str) -> Client {
        let mut c = self.client();
        let r = c
            .json(
                "POST",
                "/api/session",
                serde_json::json!({ "login": login, "password": seed::DEMO_PASSWORD }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // Signing in rotated the session and its token.
        c.token().await;
        c
    }
}

/// One answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    /// The `Set-Cookie` header, if any.
    pub set_cookie: Option<String>,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The CSRF token of the page's first form.
    pub fn csrf(&self) -> Option<String> {
        let at = self.body.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
        let end = self.body[at..].find('"')?;
        Some(self.body[at..at + end].to_string())
    }
}

pub struct Client {
    router: Router,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    /// The client's address, as the server would see it (none: `unknown`).
    pub peer: Option<std::net::SocketAddr>,
}

/// The value of the hidden `fingerprint` field of a page (a bulk preview, an import plan).
pub fn fingerprint(body: &str) -> String {
    let at = body.find("name=\"fingerprint\" value=\"").expect(body) + 26;
    body[at..].split('"').next().unwrap().to_string()
}

impl Client {
    /// Confirms the bulk preview page `shown` (with the CSRF token).
    pub async fn confirm_bulk(&mut self, shown: &Answer) -> Answer {
        let print = fingerprint(&shown.body);
        self.form("/users/bulk/apply", &[("fingerprint", &print)], true)
            .await
    }

    /// Applies through the API (`/api/{what}/apply`) the plan or preview whose fingerprint
    /// `shown` carries.
    pub async fn apply_api(&mut self, what: &str, shown: &serde_json::Value) -> Answer {
        let body = serde_json::json!({ "fingerprint": shown["fingerprint"] });
        self.json("POST", &format!("/api/{what}/apply"), body).await
    }

    /// Applies the import plan page whose fingerprint is `print` (the page form).
    pub async fn apply_import_page(&mut self, print: &str) -> Answer {
        self.form("/import/apply", &[("fingerprint", print)], true)
            .await
    }

    /// From now on, talks to `host` (another instance), with the same cookie.
    pub fn switch_to(&mut self, host: &Host) {
        self.router = host.router.clone();
    }

    pub async fn send(&mut self, mut request: Request<Body>) -> Answer {
        if let Some(peer) = self.peer {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        if let Some(cookie) = &self.cookie {
            request
                .headers_mut()
                .insert(header::COOKIE, cookie.parse().unwrap());
        }
        let response = self.router.clone().oneshot(request).await.unwrap();
        let headers = response.headers().clone();
        if let Some(set) = headers.get(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
            self.cookie = Some(pair);
        }
        let text = |name| {
            headers
                .get(name)
                .map(|v: &header::HeaderValue| v.to_str().unwrap().to_string())
        };
        let status = response.status();
        let location = text(header::LOCATION);
        let set_cookie = text(header::SET_COOKIE);
        let content_type = text(header::CONTENT_TYPE).unwrap_or_default();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let answer = Answer {
            status,
            location,
            set_cookie,
            content_type,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        if let Some(token) = answer.csrf() {
            self.csrf = Some(token);
        }
        answer
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// The session's CSRF token, from the API.
    pub async fn token(&mut self) -> String {
        let r = self.get("/api/session").await;
        let token = r.json()["csrf"].as_str().unwrap().to_string();
        self.csrf = Some(token.clone());
        token
    }

    /// A form post with the page's CSRF token (when `csrf` is true).
    pub async fn form(&mut self, path: &str, fields: &[(&str, &str)], csrf: bool) -> Answer {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        if csrf {
            let token = match self.csrf.clone() {
                Some(t) => t,
                None => self.token().await,
            };
            pairs.append_pair("csrf", &token);
        }
        for (k, v) in fields {
            pairs.append_pair(k, v);
        }
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(pairs.finish()))
            .unwrap();
        self.send(request).await
    }

    /// A JSON request with the session's CSRF token in its header.
    pub async fn json(&mut self, method: &str, path: &str, body: serde_json::Value) -> Answer {
        let token = self.token().await;
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", token)
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(request).await
    }

    /// A raw upload to the API.
    pub async fn upload_api(&mut self, file: &str, bytes: &[u8]) -> Answer {
        let token = self.token().await;
        let request = Request::post(format!("/api/import?file={file}"))
            .header("x-csrf-token", token)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(bytes.to_vec()))
            .unwrap();
        self.send(request).await
    }

    /// A browser's multipart upload of the import form.
    pub async fn upload_page(&mut self, file: &str, bytes: &[u8], csrf: Option<&str>) -> Answer {
        let boundary = "----homeroom-test-boundary";
        let mut body = Vec::new();
        if let Some(token) = csrf {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file}\"\r\nContent-Type: text/csv\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = Request::post("/import")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }
}

/// A mailer that keeps what it is given: the captured e-mails.
#[derive(Default)]
pub struct Captured {
    pub messages: std::sync::Mutex<Vec<homeroom::messaging::OutboxMessage>>,
}

#[async_trait::async_trait]
impl homeroom::messaging::Mailer for Captured {
    async fn send(
        &self,
        message: &homeroom::messaging::OutboxMessage,
        _key: &str,
    ) -> Result<(), homeroom::messaging::MailerError> {
        self.messages.lock().unwrap().push(message.clone());
        Ok(())
    }
}

impl Host {
    /// Drains the outbox into a [`Captured`] mailer; the links found in the messages sent.
    pub async fn captured_links(&self) -> Vec<String> {
        let captured = Captured::default();
        self.app
            .directory
            .drain_outbox(&Actor::system("test"), self.district(), &captured, 50)
            .await
            .unwrap();
        let messages = captured.messages.lock().unwrap();
        messages
            .iter()
            .flat_map(|m| {
                m.content
                    .text
                    .split_whitespace()
                    .filter(|w| w.starts_with("http://"))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}
