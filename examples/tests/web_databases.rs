//! The `web` host on the databases it runs on: two instances started together on one SQLite
//! file (and one PostgreSQL database, when a server is configured) seed the demo district once,
//! both serve it, and an edit saved through one is a version conflict for a form loaded from
//! the other.
//!
//! ```text
//! pg_virtualenv -- env HOMEROOM_REQUIRE_POSTGRES=1 cargo test -p homeroom-examples --test web_databases
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
mod web_support;

use axum::http::StatusCode;
use homeroom_examples::web::seed::ADMIN_LOGIN;
use homeroom_sea::SeaStorage;
use web_support::Host;

async fn two_instances_side_by_side(db: &str) {
    let open = || async { SeaStorage::connect(db).await.unwrap() };
    let (a, b) = (open().await, open().await);
    let ((one, one_seeded), (two, two_seeded)) = tokio::join!(Host::on_sea(a), Host::on_sea(b));
    assert_eq!(one.district(), two.district(), "one demo district");
    assert!(!(one_seeded && two_seeded), "seeded once");
    // A database kept from an earlier run (PostgreSQL) may have it already.
    for host in [&one, &two] {
        assert_eq!(host.client().get("/").await.status, StatusCode::OK);
    }

    let ada = one.user("Ada", "Lovelace").await;
    let mut on_one = one.signed_in(ADMIN_LOGIN).await;
    let mut on_two = two.signed_in(ADMIN_LOGIN).await;
    let form = on_two.get(&format!("/users/{}/edit", ada.id)).await;
    let version = ada.version.get().to_string();
    assert!(
        form.body
            .contains(&format!("name=\"version\" value=\"{version}\""))
    );
    let first = ada.details.name.first.clone();
    let saved = on_one
        .json(
            "PUT",
            &format!("/api/users/{}", ada.id),
            serde_json::json!({"version": ada.version.get(), "first": first, "last": "Lovelace", "preferred": "Countess"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let stale = on_two
        .form(
            &format!("/users/{}/edit", ada.id),
            &[
                ("version", &version),
                ("first", "Augusta"),
                ("last", "Lovelace"),
            ],
            true,
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    // Put her back for the next run on a kept database.
    let now = one.user("Countess", "Lovelace").await;
    on_one
        .json(
            "PUT",
            &format!("/api/users/{}", ada.id),
            serde_json::json!({"version": now.version.get(), "first": first, "last": "Lovelace"}),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_sqlite_file() {
    two_instances_side_by_side(&support::sqlite_url("web-two-instances")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_database() {
    let Some(db) = support::postgres_url("web two instances") else {
        return;
    };
    two_instances_side_by_side(&db).await;
}
