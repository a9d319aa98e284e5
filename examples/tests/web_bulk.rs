//! Facet counts and bulk actions on the `web` host over HTTP: the search page shows each
//! filter's count, a bulk action is previewed then applied exactly as previewed (a conflict
//! when the users moved since), a building administrator's selection never touches another
//! building's users (counted as out of reach, never named), and the apply needs the CSRF token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod web_support;

use axum::http::StatusCode;
use homeroom::{AccessKind, Actor, RecordStatus, User};
use homeroom_examples::web::seed::{ADMIN_LOGIN, PRINCIPAL_LOGIN};
use web_support::{Client, Host, fingerprint};

async fn preview(c: &mut Client, action: &str, users: &[&User]) -> web_support::Answer {
    let ids: Vec<String> = users.iter().map(|u| u.id.to_string()).collect();
    let mut fields = vec![("action", action), ("scope", "selected")];
    fields.extend(ids.iter().map(|id| ("user", id.as_str())));
    c.form("/users/bulk/preview", &fields, true).await
}

/// Confirms a preview page's fingerprint (with the CSRF token when `csrf`).
async fn confirm(c: &mut Client, fingerprint: &str, csrf: bool) -> web_support::Answer {
    c.form("/users/bulk/apply", &[("fingerprint", fingerprint)], csrf)
        .await
}

#[tokio::test]
async fn the_search_page_shows_each_filters_count_and_the_api_returns_them() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let page = c.get("/users").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(">student (24)</a>"), "{}", page.body);
    assert!(page.body.contains(">staff (2)</a>"), "{}", page.body);
    assert!(page.body.contains(">allowed (26)</a>"), "{}", page.body);
    assert!(page.body.contains(">suspended (0)</a>"), "{}", page.body);
    // A facet is a link that filters; picked, the others count within it.
    assert!(
        page.body
            .contains("href=\"&#x2f;users?q=&amp;kind=&amp;status=&amp;access=suspended&amp;invitation=&amp;managed=\"")
    );
    let staff = c.get("/users?kind=staff").await;
    assert!(staff.body.contains("2 users found"), "{}", staff.body);
    assert!(staff.body.contains(">allowed (2)</a>"), "{}", staff.body);
    assert!(
        staff
            .body
            .contains("aria-current=\"true\">&#10003; staff (2)"),
        "{}",
        staff.body
    );

    let api = c.get("/api/users/facets?kind=student").await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let json = api.json();
    assert_eq!(json["total"], 24);
    assert_eq!(json["kind"]["Student"], 24, "{json}");
    assert_eq!(
        json["kind"]["Staff"], 2,
        "the kind facet leaves its own filter out"
    );
}

#[tokio::test]
async fn a_bulk_archive_is_previewed_then_applied_and_the_counts_follow() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let all = host.students().await;
    let (first, second) = (&all[0], &all[1]);

    let shown = preview(&mut c, "archive", &[first, second]).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(
        shown.body.contains("This changes 2 users."),
        "{}",
        shown.body
    );
    // Nothing is written by a preview.
    assert_eq!(
        host.user(&first.details.name.first, &first.details.name.last)
            .await
            .status,
        RecordStatus::Active
    );

    let done = confirm(&mut c, &fingerprint(&shown.body), true).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("2 users changed."), "{}", done.body);
    let now = host.students().await;
    let archived = now
        .iter()
        .filter(|u| u.status == RecordStatus::Archived)
        .count();
    assert_eq!(archived, 2);
    let page = c.get("/users").await;
    assert!(page.body.contains(">archived (2)</a>"), "{}", page.body);
    assert!(page.body.contains(">student (22)</a>"), "{}", page.body);

    // The same preview again: already archived, nothing to apply; the old one is spent.
    let again = preview(&mut c, "archive", &[first]).await;
    assert!(
        again.body.contains("This changes 0 users."),
        "{}",
        again.body
    );
    assert!(
        again
            .body
            .contains("data-reason=\"already_in_state\">Already done: 1"),
        "{}",
        again.body
    );
    assert!(!again.body.contains("id=\"bulk-apply\""));
}

#[tokio::test]
async fn everything_matching_through_the_api_and_a_conflict_when_the_users_moved() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let body = serde_json::json!({"action": "suspend", "search": {"q": "ada", "kind": "student"}});
    let shown = c.json("POST", "/api/users/bulk/preview", body).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let shown = shown.json();
    let touched = shown["touched"].as_u64().unwrap();
    assert!(touched >= 2, "{shown}");

    // Someone suspends one of them meanwhile: the apply changes nothing and says so.
    let ada = host
        .find("ada")
        .await
        .into_iter()
        .find(|u| u.details.kind == homeroom::UserKind::Student)
        .unwrap();
    host.app
        .directory
        .set_access(
            &Actor::system("test"),
            host.district(),
            ada.id,
            ada.version,
            homeroom::Access::Suspended,
        )
        .await
        .unwrap();
    let stale = c
        .json(
            "POST",
            "/api/users/bulk/apply",
            serde_json::json!({"fingerprint": shown["fingerprint"]}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(stale.json()["code"], "conflict");
    assert!(
        stale.json()["message"]
            .as_str()
            .unwrap()
            .contains("preview again")
    );
    let suspended = |users: &[User]| {
        users
            .iter()
            .filter(|u| u.access.kind() == AccessKind::Suspended)
            .count()
    };
    assert_eq!(
        suspended(&host.students().await),
        1,
        "nothing else was written"
    );

    // Preview again, apply: the rest are suspended; the one already suspended is a skip.
    let body = serde_json::json!({"action": "suspend", "search": {"q": "ada", "kind": "student"}});
    let fresh = c.json("POST", "/api/users/bulk/preview", body).await.json();
    assert_eq!(fresh["touched"].as_u64(), Some(touched - 1), "{fresh}");
    assert_eq!(fresh["skipped"][0]["reason"], "already_in_state", "{fresh}");
    let done = c
        .json(
            "POST",
            "/api/users/bulk/apply",
            serde_json::json!({"fingerprint": fresh["fingerprint"]}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(suspended(&host.students().await) as u64, touched);
}

#[tokio::test]
async fn attack_building_admin_bulk_selection_reaches_another_buildings_users() {
    let host = Host::start().await;
    let pat = host.user("Pat", "Principal").await;
    let all = host.students().await;
    let (inside, outside): (Vec<&User>, Vec<&User>) = all
        .iter()
        .partition(|u| u.details.org_units.is_subset(&pat.details.org_units));
    assert_eq!((inside.len(), outside.len()), (8, 16));
    let mut c = host.signed_in(PRINCIPAL_LOGIN).await;

    // Explicit ids, one of another building: counted as out of reach, never named.
    let stranger = outside[0];
    let shown = preview(&mut c, "suspend", &[inside[0], stranger]).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(
        shown.body.contains("This changes 1 user."),
        "{}",
        shown.body
    );
    assert!(
        shown
            .body
            .contains("data-reason=\"out_of_reach\">Not found or outside your reach: 1"),
        "{}",
        shown.body
    );
    assert!(
        !shown.body.contains(&stranger.details.name.last),
        "{}",
        shown.body
    );
    assert!(!shown.body.contains(&stranger.id.to_string()));
    let done = confirm(&mut c, &fingerprint(&shown.body), true).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);

    // Everything matching (all students, as far as Pat sees): only Pat's building.
    let all_students = [
        ("action", "suspend"),
        ("scope", "matching"),
        ("kind", "student"),
    ];
    let shown = c.form("/users/bulk/preview", &all_students, true).await;
    assert!(
        shown.body.contains("This changes 7 users."),
        "{}",
        shown.body
    );
    let done = confirm(&mut c, &fingerprint(&shown.body), true).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    // The facets Pat sees count only their building.
    let page = c.get("/users?kind=student").await;
    assert!(page.body.contains(">suspended (8)</a>"), "{}", page.body);
    assert!(
        page.body.contains("&#10003; student (8)</a>"),
        "{}",
        page.body
    );

    for user in host.students().await {
        let suspended = user.access.kind() == AccessKind::Suspended;
        let theirs = user.details.org_units.is_subset(&pat.details.org_units);
        assert_eq!(suspended, theirs, "{user:?}");
    }
}

#[tokio::test]
async fn attack_bulk_apply_without_the_csrf_token_or_with_another_fingerprint() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let all = host.students().await;
    let shown = preview(&mut c, "archive", &[&all[0]]).await;
    let print = fingerprint(&shown.body);

    let forged = confirm(&mut c, &print, false).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    let forged_api = c
        .send(
            axum::http::Request::post("/api/users/bulk/apply")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(format!(
                    "{{\"fingerprint\":\"{print}\"}}"
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(
        forged_api.status,
        StatusCode::FORBIDDEN,
        "{}",
        forged_api.body
    );
    let other = confirm(&mut c, "0000", true).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.body);
    assert!(
        host.students()
            .await
            .iter()
            .all(|u| u.status == RecordStatus::Active)
    );

    let done = confirm(&mut c, &print, true).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    // A preview applies once.
    let twice = confirm(&mut c, &print, true).await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND, "{}", twice.body);
}

#[tokio::test]
async fn the_confirm_page_explains_the_conflict_when_a_user_moved_since_the_preview() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let all = host.students().await;
    let (first, second) = (&all[0], &all[1]);
    let shown = preview(&mut c, "suspend", &[first, second]).await;
    assert!(
        shown.body.contains("This changes 2 users."),
        "{}",
        shown.body
    );
    // Someone edits one of them meanwhile (a new version).
    host.app
        .directory
        .set_status(
            &Actor::system("test"),
            host.district(),
            first.id,
            first.version,
            RecordStatus::Inactive,
        )
        .await
        .unwrap();
    let stale = confirm(&mut c, &fingerprint(&shown.body), true).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(
        stale.body.contains("Changed by someone else"),
        "{}",
        stale.body
    );
    assert!(
        stale
            .body
            .contains("the selection changed since the preview"),
        "{}",
        stale.body
    );
    assert!(
        host.students()
            .await
            .iter()
            .all(|u| u.access.kind() == AccessKind::Allowed),
        "nothing was written"
    );
}
