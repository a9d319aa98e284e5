//! Attacks on the `web` host. A building administrator: another building's users do not exist
//! for them through any page or API route, URL tampering included (every answer about an
//! outsider is the answer about an id nobody has: 404, same code, same page once the id is
//! blanked out; nothing is written). A planted session id is worth nothing after sign-in, a
//! signed-out session is gone on the server, and what users type is escaped on every page.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod web_support;

use axum::http::StatusCode;
use homeroom_examples::web::seed::{ADMIN_LOGIN, PRINCIPAL_LOGIN};
use web_support::{Answer, Client, Host};

const NOBODY: &str = "0190c2a4-0000-7000-8000-000000000001";

/// Every route that takes a user id, tried with `id`; the answers with `id` blanked out.
async fn every_route(c: &mut Client, id: &str) -> Vec<(String, StatusCode, String)> {
    let edit = serde_json::json!({"version": 1, "first": "Evil", "last": "Edit"});
    let mut answers: Vec<(String, Answer)> = Vec::new();
    for path in ["/users/{}", "/users/{}/edit", "/users/{}/activity"] {
        let path = path.replace("{}", id);
        answers.push((format!("GET {path}"), c.get(&path).await));
    }
    let path = format!("/users/{id}/edit");
    let r = c
        .form(
            &path,
            &[("version", "1"), ("first", "Evil"), ("last", "Edit")],
            true,
        )
        .await;
    answers.push((format!("POST {path}"), r));
    let path = format!("/users/{id}/invite");
    answers.push((format!("POST {path}"), c.form(&path, &[], true).await));
    for path in ["/api/users/{}", "/api/users/{}/activity"] {
        let path = path.replace("{}", id);
        answers.push((format!("GET {path}"), c.get(&path).await));
    }
    let path = format!("/api/users/{id}");
    answers.push((format!("PUT {path}"), c.json("PUT", &path, edit).await));
    let path = format!("/api/users/{id}/invitation");
    let r = c.json("POST", &path, serde_json::json!({})).await;
    answers.push((format!("POST {path}"), r));
    answers
        .into_iter()
        .map(|(route, a)| {
            let route = route.replace(id, "ID");
            // The page's CSRF token differs per request only if the session rotated; it does not.
            (route, a.status, a.body.replace(id, "ID"))
        })
        .collect()
}

#[tokio::test]
async fn attack_building_admin_reaches_another_buildings_users_by_any_route() {
    let host = Host::start().await;
    let outsider = host.user("Ada", "Lovelace").await; // Lincoln Elementary
    let insider = host.user("Grace", "Dijkstra").await; // Roosevelt Middle, Pat's building
    let mut pat = host.signed_in(PRINCIPAL_LOGIN).await;

    // The control: Pat opens and edits their own building's student.
    let own = pat.get(&format!("/users/{}", insider.id)).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let own_api = pat.get(&format!("/api/users/{}", insider.id)).await;
    assert_eq!(own_api.status, StatusCode::OK);

    // Search: only Roosevelt Middle, and the outsider's name finds nobody.
    let all = pat.get("/api/users").await.json();
    let mut admin = host.signed_in(ADMIN_LOGIN).await;
    let everyone = admin.get("/api/users").await.json();
    assert!(all["total"].as_u64().unwrap() < everyone["total"].as_u64().unwrap());
    let roosevelt = host.user("Pat", "Principal").await.details.org_units;
    for u in all["users"].as_array().unwrap() {
        let user = host.find(u["name"].as_str().unwrap()).await;
        assert!(user.iter().any(|x| x.details.org_units == roosevelt), "{u}");
    }
    let local_id = outsider
        .details
        .local_id
        .as_ref()
        .unwrap()
        .as_str()
        .to_string();
    let search = pat.get(&format!("/api/users?q={local_id}")).await.json();
    assert_eq!(search["total"], 0, "{search}");
    let page = pat.get(&format!("/users?q={local_id}")).await;
    assert!(page.body.contains("0 users found") && !page.body.contains("Ada Lovelace"));
    let found = admin.get(&format!("/api/users?q={local_id}")).await.json();
    assert_eq!(found["total"], 1, "the district admin finds them");

    // Every route by the outsider's id answers as for an id nobody has.
    let outside = every_route(&mut pat, &outsider.id.to_string()).await;
    let missing = every_route(&mut pat, NOBODY).await;
    for ((route, status, body), (_, status_missing, body_missing)) in outside.iter().zip(&missing) {
        assert_eq!(*status, StatusCode::NOT_FOUND, "{route}: {body}");
        assert_eq!((status, body), (status_missing, body_missing), "{route}");
        assert!(!body.contains("Ada Lovelace"), "{route}: {body}");
    }
    assert_eq!(outside.len(), 9);

    // An import row naming the outsider's Local ID does not reach them either.
    let csv = format!("Local ID,First Name,Last Name\n{local_id},Evil,Rename\n");
    // (The demo's Building Administrator role has no Import Users at all; the import's own
    // reach checks are tested in the core's attack tests.)
    let plan = pat.upload_api("tamper.csv", csv.as_bytes()).await;
    assert_eq!(plan.status, StatusCode::FORBIDDEN, "{}", plan.body);
    assert!(!plan.body.contains("Lovelace"), "{}", plan.body);

    let after = host.user("Ada", "Lovelace").await;
    assert_eq!(
        after.version, outsider.version,
        "nothing written to the outsider"
    );
    assert_eq!(after.details, outsider.details);
}

#[tokio::test]
async fn attack_session_fixation_and_reuse_after_sign_out() {
    let host = Host::start().await;
    // The attacker gets a session id and plants it in the victim's browser.
    let mut attacker = host.client();
    attacker.get("/").await;
    let planted = attacker.cookie.clone().unwrap();
    let mut victim = host.client();
    victim.cookie = Some(planted.clone());
    victim.get("/signin").await;
    let r = victim
        .form(
            "/signin",
            &[
                ("login", ADMIN_LOGIN),
                ("password", homeroom_examples::web::seed::DEMO_PASSWORD),
            ],
            true,
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/users"));
    assert_ne!(
        victim.cookie.as_deref(),
        Some(planted.as_str()),
        "a new session id"
    );
    // The planted id is not signed in.
    assert_eq!(
        attacker.get("/users").await.location.as_deref(),
        Some("/signin")
    );
    assert_eq!(
        attacker.get("/api/users").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Signed out, the old cookie (kept by someone) no longer opens anything.
    let signed_in_cookie = victim.cookie.clone();
    victim.get("/users").await; // the page after signing in carries the new token
    let out = victim.form("/signout", &[], true).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    let mut thief = host.client();
    thief.cookie = signed_in_cookie;
    assert_eq!(
        thief.get("/api/users").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn attack_markup_in_a_name_is_shown_as_text() {
    let host = Host::start().await;
    let ada = host.user("Ada", "Lovelace").await;
    let mut admin = host.signed_in(ADMIN_LOGIN).await;
    let script = "<script>alert(1)</script>";
    let saved = admin
        .json(
            "PUT",
            &format!("/api/users/{}", ada.id),
            serde_json::json!({"version": ada.version.get(), "first": script, "last": "\"><img src=x onerror=alert(2)>"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    for path in [
        format!("/users/{}", ada.id),
        format!("/users/{}/edit", ada.id),
        format!("/users/{}/activity", ada.id),
        "/users?q=00100".to_string(),
    ] {
        let page = admin.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            !page.body.contains("<script>alert"),
            "{path}: {}",
            page.body
        );
        assert!(!page.body.contains("<img src=x"), "{path}");
        assert!(
            page.body.contains("&lt;script&gt;"),
            "{path}: {}",
            page.body
        );
    }
}
