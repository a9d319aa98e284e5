//! The `web` host over HTTP, without a browser: the pages and the JSON API answer with the
//! statuses `docs/errors.md` gives, forms without the session's CSRF token are refused, and an
//! edit made on a stale version is a conflict the page explains.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod web_support;

use axum::http::StatusCode;
use homeroom::password::Password;
use homeroom::{Actor, Version};
use homeroom_examples::web::seed::{ADMIN_LOGIN, DEMO_PASSWORD};
use web_support::Host;

#[tokio::test]
async fn home_answers_200_and_starts_a_session() {
    let host = Host::start().await;
    let mut c = host.client();
    let r = c.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Maple Valley USD (demo)"), "{}", r.body);
    let cookie = c.cookie.clone().expect("a session cookie");
    assert!(cookie.starts_with("homeroom_session="));
    // The same session on the next request: no new cookie.
    c.get("/").await;
    assert_eq!(c.cookie, Some(cookie));
}

#[tokio::test]
async fn sign_in_through_the_page_then_search() {
    let host = Host::start().await;
    let mut c = host.client();
    let form = c.get("/signin").await;
    assert!(
        form.body.contains("<label for=\"login\">"),
        "labelled fields"
    );
    let before = c.cookie.clone();

    let wrong = c
        .form(
            "/signin",
            &[("login", ADMIN_LOGIN), ("password", "not-the-password")],
            true,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("role=\"alert\""), "{}", wrong.body);

    let ok = c
        .form(
            "/signin",
            &[("login", ADMIN_LOGIN), ("password", DEMO_PASSWORD)],
            true,
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location.as_deref(), Some("/users"));
    assert_ne!(c.cookie, before, "signing in starts a new session");

    let list = c.get("/users?q=ada").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("3 users found"), "{}", list.body);
    assert!(list.body.contains("Ada Lovelace"));
    let students = c.get("/users?kind=staff").await;
    assert!(students.body.contains("Dana Admin") && !students.body.contains("Ada Lovelace"));

    // Signed out, the pages send one to sign in and the API answers 401.
    let out = c.form("/signout", &[], true).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(c.get("/users").await.location.as_deref(), Some("/signin"));
    let api = c.get("/api/users").await;
    assert_eq!(
        (api.status, api.json()["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("signed_out"))
    );
}

#[tokio::test]
async fn changing_requests_without_the_csrf_token_are_refused() {
    let host = Host::start().await;
    let mut c = host.client();
    c.get("/signin").await;
    let none = c
        .form(
            "/signin",
            &[("login", ADMIN_LOGIN), ("password", DEMO_PASSWORD)],
            false,
        )
        .await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    assert_eq!(none.json()["code"], "csrf");
    c.csrf = Some("0".repeat(64));
    let forged = c
        .form(
            "/signin",
            &[("login", ADMIN_LOGIN), ("password", DEMO_PASSWORD)],
            true,
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Signed in, an API write with another session's token is refused too.
    let mut admin = host.signed_in(ADMIN_LOGIN).await;
    let mut other = host.client();
    let foreign = other.token().await;
    let ada = host.user("Ada", "Lovelace").await;
    let request = axum::http::Request::put(format!("/api/users/{}", ada.id))
        .header("content-type", "application/json")
        .header("x-csrf-token", foreign)
        .body(axum::body::Body::from(
            serde_json::json!({"version": 1, "first": "X", "last": "Y"}).to_string(),
        ))
        .unwrap();
    let r = admin.send(request).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        host.user("Ada", "Lovelace").await.version,
        ada.version,
        "nothing written"
    );
    // A multipart upload without the token is not read.
    let upload = admin
        .upload_page("x.csv", b"Local ID,First Name,Last Name\n1,A,B\n", None)
        .await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn profile_shows_the_tabs_and_edit_conflicts_are_explained() {
    let host = Host::start().await;
    let ada = host.user("Ada", "Lovelace").await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;

    let page = c.get(&format!("/users/{}", ada.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<h2 id=\"tab-1\">User Information</h2>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Activity Log"));
    let api = c.get(&format!("/api/users/{}", ada.id)).await.json();
    assert_eq!(api["tabs"][0], "User Information");
    assert_eq!(api["user"]["version"], 1);

    // The edit form, loaded at version 1.
    let form = c.get(&format!("/users/{}/edit", ada.id)).await;
    assert!(form.body.contains("name=\"version\" value=\"1\""));
    // Someone else saves first (through the API).
    let mut other = host.signed_in(ADMIN_LOGIN).await;
    let saved = other
        .json(
            "PUT",
            &format!("/api/users/{}", ada.id),
            serde_json::json!({"version": 1, "first": "Ada", "last": "Lovelace", "preferred": "Countess"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.json()["version"], 2);

    // This admin saves on version 1: a conflict, explained, their values kept, nothing lost.
    let stale = c
        .form(
            &format!("/users/{}/edit", ada.id),
            &[
                ("version", "1"),
                ("first", "Augusta"),
                ("last", "Lovelace"),
                ("grade", "2"),
            ],
            true,
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale.body.contains("changed by someone else"),
        "{}",
        stale.body
    );
    assert!(stale.body.contains("value=\"Augusta\""));
    assert!(stale.body.contains("name=\"version\" value=\"2\""));
    let now = host.user("Countess", "Lovelace").await;
    assert_eq!(
        (now.version, now.details.name.first.as_str()),
        (Version::new(2), "Ada")
    );

    // The API says the same with a typed body.
    let api = c
        .json(
            "PUT",
            &format!("/api/users/{}", ada.id),
            serde_json::json!({"version": 1, "first": "X", "last": "Y"}),
        )
        .await;
    assert_eq!(
        (api.status, api.json()["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    // A malformed e-mail: 422 with the field.
    let bad = c
        .json(
            "PUT",
            &format!("/api/users/{}", ada.id),
            serde_json::json!({"version": 2, "first": "Ada", "last": "Lovelace", "email": "nope"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["fields"][0]["field"], "email");

    // Saving again on the version the conflict page gave: saved, and in the activity log.
    let again = c
        .form(
            &format!("/users/{}/edit", ada.id),
            &[
                ("version", "2"),
                ("first", "Augusta"),
                ("last", "Lovelace"),
                ("preferred", "Countess"),
            ],
            true,
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let log = c.get(&format!("/users/{}/activity", ada.id)).await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("Augusta"), "{}", log.body);
    // The profile's Activity Log tab shows the same entries.
    let profile = c.get(&format!("/users/{}", ada.id)).await;
    assert!(
        profile.body.contains("3 change(s), newest first."),
        "{}",
        profile.body
    );
    assert!(profile.body.contains("AUP signed: no."), "{}", profile.body);
    let api_log = c
        .get(&format!("/api/users/{}/activity", ada.id))
        .await
        .json();
    assert_eq!(api_log["total"], 3, "{api_log}");
}

#[tokio::test]
async fn must_change_password_comes_first() {
    let host = Host::start().await;
    let ada = host.user("Ada", "Lovelace").await;
    let temporary = Password::new("temporary-pass-1").unwrap();
    let mut details = ada.details.clone();
    details.email = Some(homeroom::Email::parse("ada@maplevalley.example").unwrap());
    let system = Actor::system("test");
    host.app
        .directory
        .update_user(&system, host.district(), ada.id, ada.version, details)
        .await
        .unwrap();
    host.app
        .directory
        .set_password(&system, host.district(), ada.id, &temporary, true)
        .await
        .unwrap();
    let mut c = host.client();
    c.get("/signin").await;
    let r = c
        .form(
            "/signin",
            &[
                ("login", "ada@maplevalley.example"),
                ("password", "temporary-pass-1"),
            ],
            true,
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/password"));
    assert_eq!(c.get("/users").await.location.as_deref(), Some("/password"));
    let form = c.get("/password").await;
    assert_eq!(form.status, StatusCode::OK);
    let short = c
        .form(
            "/password",
            &[("current", "temporary-pass-1"), ("new", "x")],
            true,
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = c
        .form(
            "/password",
            &[
                ("current", "temporary-pass-1"),
                ("new", "my-own-password-42"),
            ],
            true,
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/users"), "{}", done.body);
    // Ada is a student without rights over others: she sees nobody but herself, or nobody.
    assert_eq!(c.get("/users").await.status, StatusCode::OK);
    let ok = host
        .app
        .directory
        .verify_password(
            host.district(),
            "ada@maplevalley.example",
            "my-own-password-42",
        )
        .await
        .unwrap();
    assert!(!ok.must_change);
}

#[tokio::test]
async fn import_with_errors_shows_them_by_row_and_column_then_applies_when_fixed() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let bad = b"Local ID,First Name,Last Name,Email\n900,Augusta,Byron,augusta@example.org\n901,Mary,Somerville,not-an-email\n";

    // Through the API: the plan, its counts and the problem; applying it is refused.
    let plan = c.upload_api("staff.csv", bad).await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
    let plan = plan.json();
    assert_eq!(plan["has_errors"], true);
    assert_eq!(plan["counts"]["error_rows"], 1);
    let issue = &plan["issues"][0];
    assert_eq!(
        (issue["row"].as_u64(), issue["column"].as_str()),
        (Some(3), Some("Email")),
        "{plan}"
    );
    let refused = c
        .json("POST", "/api/import/apply", serde_json::json!({}))
        .await;
    assert_eq!(
        (refused.status, refused.json()["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("import_has_errors"))
    );
    let report = c.get("/api/import/report.csv").await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.content_type.starts_with("text/csv"));
    assert!(report.body.contains("Import Status"), "{}", report.body);
    assert!(host.find("Augusta").await.is_empty(), "nothing written");

    // Through the pages: upload, the plan page lists the error by row and column.
    let page = c.get("/import").await;
    let token = page.csrf().unwrap();
    let up = c.upload_page("staff.csv", bad, Some(&token)).await;
    assert_eq!(up.location.as_deref(), Some("/import/plan"), "{}", up.body);
    let shown = c.get("/import/plan").await;
    assert!(
        shown
            .body
            .contains("<td>error</td><td>3</td><td>Email</td>"),
        "{}",
        shown.body
    );
    assert!(!shown.body.contains("id=\"apply\""));

    // Fixed and uploaded again: applied.
    let good = b"Local ID,First Name,Last Name,Email\n900,Augusta,Byron,augusta@example.org\n901,Mary,Somerville,mary@example.org\n";
    c.upload_page("staff.csv", good, Some(&token)).await;
    let shown = c.get("/import/plan").await;
    assert!(shown.body.contains("id=\"apply\""), "{}", shown.body);
    let applied = c.form("/import/apply", &[], true).await;
    assert_eq!(
        applied.location.as_deref(),
        Some("/import/plan"),
        "{}",
        applied.body
    );
    assert!(
        c.get("/import/plan")
            .await
            .body
            .contains("Applied: 2 created")
    );
    assert_eq!(host.find("Augusta").await.len(), 1);
}

#[tokio::test]
async fn an_invitation_link_from_the_captured_email_signs_the_user_in_once() {
    let host = Host::start().await;
    homeroom_examples::web::onboarding::set_links(
        &host.app.directory,
        host.district(),
        "http://127.0.0.1:9",
    )
    .await
    .unwrap();
    let pat = host.user("Pat", "Principal").await;
    let mut admin = host.signed_in(ADMIN_LOGIN).await;
    let sent = admin
        .form(&format!("/users/{}/invite", pat.id), &[], true)
        .await;
    assert_eq!(
        sent.location,
        Some(format!("/users/{}?notice=invited", pat.id)),
        "{}",
        sent.body
    );
    let links = host.captured_links().await;
    assert_eq!(links.len(), 1, "{links:?}");
    let path = links[0]
        .strip_prefix("http://127.0.0.1:9")
        .unwrap()
        .to_string();
    assert!(path.starts_with("/welcome?token="), "{path}");
    let token = path.trim_start_matches("/welcome?token=").to_string();

    let mut newcomer = host.client();
    let form = newcomer.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{path}: {}", form.body);
    let accepted = newcomer
        .form(
            "/welcome",
            &[("token", &token), ("new", "pats-own-password-1")],
            true,
        )
        .await;
    assert_eq!(accepted.location.as_deref(), Some("/"), "{}", accepted.body);
    assert!(
        newcomer
            .get("/")
            .await
            .body
            .contains("Signed in as Pat Principal")
    );

    // The link works once.
    let mut again = host.client();
    again.get(&path).await;
    let reused = again
        .form(
            "/welcome",
            &[("token", &token), ("new", "another-password-2")],
            true,
        )
        .await;
    assert_eq!(reused.status, StatusCode::GONE, "{}", reused.body);
}

#[tokio::test]
async fn search_pages_follow_each_other_without_repeats() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let first = c.get("/api/users?kind=student&limit=10").await.json();
    let total = first["total"].as_u64().unwrap();
    assert_eq!(total, 24);
    let mut seen: Vec<String> = Vec::new();
    let mut page = first;
    loop {
        for u in page["users"].as_array().unwrap() {
            seen.push(u["id"].as_str().unwrap().to_string());
        }
        let Some(next) = page["next"].as_str() else {
            break;
        };
        page = c.get(&format!("/api/users?{next}")).await.json();
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (24, 24));
    // The page links to the next page with the same filters.
    let html = c.get("/users?kind=student&limit=10").await;
    assert!(html.body.contains("Next page"), "{}", html.body);
    assert!(
        html.body
            .contains("kind=student&amp;status=&amp;access=&amp;invitation=&amp;managed=&amp;limit=10&amp;after_key=")
    );
}
