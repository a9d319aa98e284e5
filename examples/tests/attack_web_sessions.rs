//! Attacks on the `web` host's sessions and sign-in: guessing passwords is limited per account
//! and client (the same 429 whether the account exists or not, parallel guesses included); a
//! copy of the session table opens no session (ids are stored hashed); an expired session
//! opens nothing; cookieless requests write no session, yet an anonymous form still needs its
//! own token; the session's pending import applies only as the plan shown; with
//! `--secure-cookies` the cookie is `Secure`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod web_support;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::StatusCode;
use homeroom_examples::web::seed::{ADMIN_LOGIN, DEMO_PASSWORD};
use homeroom_examples::web::session::{self, limit, tables};
use sea_orm::EntityTrait;
use web_support::{Client, Host};

fn peer(last: u8) -> Option<SocketAddr> {
    Some(SocketAddr::from(([10, 0, 0, last], 40000)))
}

async fn try_sign_in(c: &mut Client, login: &str, password: &str) -> web_support::Answer {
    c.json(
        "POST",
        "/api/session",
        serde_json::json!({ "login": login, "password": password }),
    )
    .await
}

#[tokio::test]
async fn attack_password_guessing_is_limited_per_account_and_client() {
    let host = Host::start().await;
    let mut guesser = host.client();
    guesser.peer = peer(1);
    let mut blocked = Vec::new();
    for login in [ADMIN_LOGIN, "nobody@maplevalley.example"] {
        for _ in 0..limit::MAX_FAILURES {
            let r = try_sign_in(&mut guesser, login, "wrong-password-1").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        }
        // Past the limit even the right password is not checked.
        let r = try_sign_in(&mut guesser, login, DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        blocked.push(r.body);
    }
    assert_eq!(
        blocked[0], blocked[1],
        "the same answer whether the account exists or not"
    );
    assert!(blocked[0].contains("too_many_attempts"), "{}", blocked[0]);
    // The sign-in page says so too.
    guesser.get("/signin").await;
    let page = guesser
        .form(
            "/signin",
            &[("login", ADMIN_LOGIN), ("password", DEMO_PASSWORD)],
            true,
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
    assert!(
        page.body.contains("too many failed sign-ins"),
        "{}",
        page.body
    );

    // Another client is not held back by this one's guesses; nor is another account.
    let mut admin = host.client();
    admin.peer = peer(2);
    let r = try_sign_in(&mut admin, ADMIN_LOGIN, DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = try_sign_in(
        &mut guesser,
        homeroom_examples::web::seed::PRINCIPAL_LOGIN,
        DEMO_PASSWORD,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Once the window has passed, the right password works again, and a success forgets the
    // failures.
    host.clock
        .advance(limit::WINDOW + chrono::Duration::seconds(1));
    let mut later = host.client();
    later.peer = peer(1);
    let r = try_sign_in(&mut later, ADMIN_LOGIN, DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_parallel_guesses_get_no_more_checks_than_the_limit() {
    let host = Arc::new(Host::start().await);
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..12 {
        let host = host.clone();
        guesses.spawn(async move {
            let mut c = host.client();
            c.peer = peer(3);
            try_sign_in(&mut c, ADMIN_LOGIN, &format!("wrong-guess-{i}"))
                .await
                .status
        });
    }
    let mut checked = 0;
    let mut refused = 0;
    while let Some(status) = guesses.join_next().await {
        match status.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        checked <= limit::MAX_FAILURES,
        "{checked} passwords checked"
    );
    assert_eq!(checked + refused, 12);
}

#[tokio::test]
async fn attack_a_copy_of_the_session_table_opens_no_session() {
    let host = Host::start().await;
    let c = host.signed_in(ADMIN_LOGIN).await;
    let cookie = c.cookie.clone().unwrap();
    let id = cookie.split_once('=').unwrap().1.to_string();
    assert_eq!(id.len(), 64, "32 random bytes");
    let rows = tables::session::Entity::find().all(&host.db).await.unwrap();
    assert!(rows.iter().all(|r| r.id_hash != id), "the id is not stored");
    let row = rows
        .iter()
        .find(|r| r.id_hash == session::sha256_hex(id.as_bytes()))
        .expect("stored as its hash");
    assert!(row.user_id.is_some());
    // The hash as a cookie is no session.
    let mut thief = host.client();
    thief.cookie = Some(format!("{}={}", session::COOKIE, row.id_hash));
    assert_eq!(
        thief.get("/api/users").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn attack_an_expired_session_opens_nothing_and_is_deleted() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let idle = host.signed_in(ADMIN_LOGIN).await;
    assert_eq!(c.get("/api/users").await.status, StatusCode::OK);
    host.clock
        .advance(session::SIGNED_IN_TTL - chrono::Duration::seconds(5));
    assert_eq!(c.get("/api/users").await.status, StatusCode::OK);
    host.clock.advance(chrono::Duration::seconds(6));
    let kept = c.cookie.clone();
    assert_eq!(c.get("/api/users").await.status, StatusCode::UNAUTHORIZED);
    assert_ne!(c.cookie, kept, "a new (anonymous) session in its place");
    let rows = tables::session::Entity::find().all(&host.db).await.unwrap();
    assert_eq!(rows.len(), 1, "the expired row is gone; the idle one waits");
    // The purge deletes every expired session.
    assert_eq!(host.app.sessions.purge().await.unwrap(), 1);
    assert!(
        tables::session::Entity::find()
            .all(&host.db)
            .await
            .unwrap()
            .is_empty()
    );
    drop(idle);
}

#[tokio::test]
async fn attack_a_flood_of_cookieless_requests_writes_no_session() {
    let host = Host::start().await;
    for path in ["/", "/signin", "/api/session", "/api/users", "/users"] {
        for _ in 0..5 {
            let r = host.client().get(path).await;
            assert!(r.set_cookie.is_some(), "{path}");
        }
    }
    let rows = tables::session::Entity::find().all(&host.db).await.unwrap();
    assert!(rows.is_empty(), "anonymous sessions are cookies only");

    // Still, an anonymous session's form needs its own token: another visitor's is refused,
    // and so is a malformed session id.
    let mut attacker = host.client();
    let theirs = attacker.token().await;
    let mut victim = host.client();
    victim.get("/signin").await;
    victim.csrf = Some(theirs);
    let fields = [("login", ADMIN_LOGIN), ("password", DEMO_PASSWORD)];
    let forged = victim.form("/signin", &fields, true).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    let mut odd = host.client();
    odd.cookie = Some(format!("{}=not-a-session", session::COOKIE));
    let r = odd.get("/").await;
    assert!(r.set_cookie.is_some(), "a new session for a malformed id");
    victim.token().await;
    let signed = victim.form("/signin", &fields, true).await;
    assert_eq!(
        signed.location.as_deref(),
        Some("/users"),
        "{}",
        signed.body
    );
}

#[tokio::test]
async fn attack_an_import_applies_only_as_the_plan_shown_and_only_in_its_session() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let file = b"Local ID,First Name,Last Name\n777,Hedy,Lamarr\n";
    let plan = c.upload_api("staff.csv", file).await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);

    // A fingerprint of some other plan: refused, nothing written.
    let forged = c
        .json(
            "POST",
            "/api/import/apply",
            serde_json::json!({ "fingerprint": "00".repeat(32) }),
        )
        .await;
    assert_eq!(forged.status, StatusCode::CONFLICT, "{}", forged.body);
    assert_eq!(forged.json()["code"], "changed");
    assert!(host.find("Lamarr").await.is_empty());

    // Another admin's session has no import to apply.
    let mut other = host.signed_in(ADMIN_LOGIN).await;
    let theirs = other
        .json("POST", "/api/import/apply", serde_json::json!({}))
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);
    assert!(host.find("Lamarr").await.is_empty());

    // Signed out, the pending work is gone with the session.
    c.json("DELETE", "/api/session", serde_json::json!({}))
        .await;
    let work = tables::work::Entity::find().all(&host.db).await.unwrap();
    assert!(work.is_empty(), "{work:?}");
}

#[tokio::test]
async fn with_secure_cookies_the_session_cookie_is_secure() {
    let memory = || Arc::new(homeroom_memory::MemoryStorage::new()) as Arc<dyn homeroom::Storage>;
    let sessions = homeroom_sea::SeaStorage::connect("sqlite::memory:")
        .await
        .unwrap();
    let (secure, _) = Host::with(memory(), sessions.connection().clone(), true).await;
    let first = secure.client().get("/").await;
    let cookie = first.set_cookie.unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));

    let plain = Host::start().await;
    let cookie = plain.client().get("/").await.set_cookie.unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
}
