//! Several `web` instances on one database, without sticky sessions: the sessions and the work
//! under review live in the database, so a browser signed in on one instance goes on on
//! another. On one SQLite file and (when a server is configured) one PostgreSQL database:
//! sign in on A and use the session on B; upload an import on A and apply it on B; preview a
//! bulk action on B and apply it on A; an import whose data changed in between is refused
//! with 409 and writes nothing; signing out on B ends the session on A.
//!
//! ```text
//! pg_virtualenv -- env HOMEROOM_REQUIRE_POSTGRES=1 cargo test -p homeroom-examples --test web_instances
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
mod web_support;

use axum::http::StatusCode;
use homeroom::{AccessKind, RecordStatus};
use homeroom_examples::web::seed::ADMIN_LOGIN;
use homeroom_sea::SeaStorage;
use web_support::Host;

async fn two_hosts(db: &str) -> (Host, Host) {
    let open = || async { SeaStorage::connect(db).await.unwrap() };
    let (a, b) = (open().await, open().await);
    let ((one, _), (two, _)) = tokio::join!(Host::on_sea(a), Host::on_sea(b));
    assert_eq!(one.district(), two.district());
    (one, two)
}

/// A Local ID no earlier run on a kept database used.
fn fresh_local_id() -> String {
    let uuid = homeroom::IdGen::next_uuid(&homeroom::system::RandomIds);
    format!("T{}", &uuid.simple().to_string()[..12])
}

async fn sessions_and_work_move_between_instances(db: &str) {
    let (a, b) = two_hosts(db).await;

    // Signed in on A, the same cookie is signed in on B.
    let mut c = a.signed_in(ADMIN_LOGIN).await;
    c.switch_to(&b);
    let me = c.get("/api/session").await.json();
    assert_eq!(me["user"]["name"], "Dana Admin", "{me}");
    assert_eq!(c.get("/api/users?q=ada").await.status, StatusCode::OK);

    // An import uploaded on A is applied on B.
    c.switch_to(&a);
    let local = fresh_local_id();
    let file = format!("Local ID,First Name,Last Name\n{local},Emmy,Noether\n");
    let plan = c.upload_api("staff.csv", file.as_bytes()).await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
    let plan = plan.json();
    assert_eq!(plan["counts"]["created"], 1, "{plan}");
    c.switch_to(&b);
    let again = c.get("/api/import").await.json();
    assert_eq!(
        again["fingerprint"], plan["fingerprint"],
        "the same plan on B"
    );
    assert_eq!(again["changed"], false);
    let applied = c.apply_api("import", &plan).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(applied.json()["applied"]["counts"]["created"], 1);
    let emmy = a
        .find(&local)
        .await
        .into_iter()
        .next()
        .expect("created on B, seen on A");
    // The report of what was applied, from A.
    c.switch_to(&a);
    let report = c.get("/api/import/report.csv").await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.body.contains(&local), "{}", report.body);

    // A bulk action previewed on B is applied on A.
    c.switch_to(&b);
    let shown = c
        .json(
            "POST",
            "/api/users/bulk/preview",
            serde_json::json!({ "action": "suspend", "users": [emmy.id.to_string()] }),
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let shown = shown.json();
    assert_eq!(shown["touched"], 1, "{shown}");
    c.switch_to(&a);
    let done = c.apply_api("users/bulk", &shown).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let emmy = a.find(&local).await.remove(0);
    assert_eq!(emmy.access.kind(), AccessKind::Suspended);

    // An import uploaded on A, then the user it updates is edited: applying on B plans again,
    // sees another plan, and writes nothing.
    let file = format!("Local ID,First Name,Last Name\n{local},Amalie,Noether\n");
    let plan = c.upload_api("staff.csv", file.as_bytes()).await.json();
    assert_eq!(plan["counts"]["updated"], 1, "{plan}");
    a.someone_else_deactivates(&emmy).await;
    c.switch_to(&b);
    let stale = c.apply_api("import", &plan).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(stale.json()["code"], "changed");
    assert!(
        stale.json()["message"]
            .as_str()
            .unwrap()
            .contains("the data changed since you reviewed it; review again")
    );
    // Without a fingerprint, the one last shown counts: refused too.
    let stale = c
        .json("POST", "/api/import/apply", serde_json::json!({}))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let now = b.find(&local).await.remove(0);
    assert_eq!(now.details.name.first, "Emmy", "nothing written");
    assert_eq!(now.status, RecordStatus::Inactive);

    // Reviewed again (on B), the new plan applies (on A).
    let review = c.get("/api/import").await.json();
    assert_eq!(review["changed"], true, "{review}");
    assert_ne!(review["fingerprint"], plan["fingerprint"]);
    c.switch_to(&a);
    let applied = c.apply_api("import", &review).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(a.find(&local).await[0].details.name.first, "Amalie");

    // Signed out on B: the cookie opens nothing on A.
    c.switch_to(&b);
    let kept = c.cookie.clone();
    let out = c
        .json("DELETE", "/api/session", serde_json::json!({}))
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    let mut thief = a.client();
    thief.cookie = kept;
    assert_eq!(
        thief.get("/api/users").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_sessions_on_one_sqlite_file() {
    sessions_and_work_move_between_instances(&support::sqlite_url("web-instances")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_sessions_on_one_postgres_database() {
    let Some(db) = support::postgres_url("web instances") else {
        return;
    };
    sessions_and_work_move_between_instances(&db).await;
}

#[tokio::test]
async fn the_page_flow_moves_between_instances_too() {
    let (a, b) = two_hosts(&support::sqlite_url("web-instances-pages")).await;
    let mut c = a.client();
    c.get("/signin").await;
    let r = c
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
    c.switch_to(&b);
    let page = c.get("/import").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = page.csrf().unwrap();
    let local = fresh_local_id();
    let file = format!("Local ID,First Name,Last Name\n{local},Sophie,Germain\n");
    let up = c
        .upload_page("staff.csv", file.as_bytes(), Some(&token))
        .await;
    assert_eq!(up.location.as_deref(), Some("/import/plan"), "{}", up.body);
    c.switch_to(&a);
    let shown = c.get("/import/plan").await;
    assert!(shown.body.contains("id=\"apply\""), "{}", shown.body);
    let print = web_support::fingerprint(&shown.body);
    c.switch_to(&b);
    let applied = c.apply_import_page(&print).await;
    assert_eq!(
        applied.location.as_deref(),
        Some("/import/plan"),
        "{}",
        applied.body
    );
    let sophie = a.find(&local).await.remove(0);
    assert_eq!(sophie.details.name.first, "Sophie");

    // An update reviewed on A; someone edits her; applied on B: 409, the plan as it is now.
    let file = format!("Local ID,First Name,Last Name\n{local},Marie-Sophie,Germain\n");
    c.upload_page("staff.csv", file.as_bytes(), Some(&token))
        .await;
    c.switch_to(&a);
    let shown = c.get("/import/plan").await;
    let reviewed = web_support::fingerprint(&shown.body);
    a.someone_else_deactivates(&sophie).await;
    c.switch_to(&b);
    let stale = c.apply_import_page(&reviewed).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains("id=\"plan-changed\""), "{}", stale.body);
    assert_eq!(
        a.find(&local).await[0].details.name.first,
        "Sophie",
        "nothing written"
    );
    let now = web_support::fingerprint(&stale.body);
    assert_ne!(now, reviewed);
    let applied = c.apply_import_page(&now).await;
    assert_eq!(
        applied.location.as_deref(),
        Some("/import/plan"),
        "{}",
        applied.body
    );
    assert_eq!(a.find(&local).await[0].details.name.first, "Marie-Sophie");
}
