//! The `web` host's import takes every format the readers do: an Excel workbook and a
//! OneRoster zip, uploaded through the API, planned and applied.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
mod web_support;

use axum::http::StatusCode;
use homeroom_examples::web::seed::ADMIN_LOGIN;
use web_support::Host;

#[tokio::test]
async fn a_workbook_and_a_oneroster_zip_are_planned_and_applied() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;

    let plan = c.upload_api("students.xlsx", &support::workbook()).await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
    let plan = plan.json();
    assert_eq!(plan["has_errors"], false, "{plan}");
    let counts = &plan["counts"];
    let touched = counts["created"].as_u64().unwrap() + counts["updated"].as_u64().unwrap();
    assert_eq!(touched, 3, "{plan}");
    let applied = c
        .json("POST", "/api/import/apply", serde_json::json!({}))
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(host.find("grace@example.org").await.len(), 1);

    // A fresh district for the package (it has some of the workbook's people too).
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let zip = support::zip_folder(&support::fixture("oneroster-1.1"));
    let plan = c.upload_api("sis.zip", &zip).await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
    let plan = plan.json();
    assert_eq!(plan["has_errors"], false, "{plan}");
    assert!(plan["counts"]["created"].as_u64().unwrap() > 0, "{plan}");
    let applied = c
        .json("POST", "/api/import/apply", serde_json::json!({}))
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert!(
        applied.json()["applied"]["counts"]["created"]
            .as_u64()
            .unwrap()
            > 0
    );

    // Not an import file at all: 400 with the reader's words, nothing planned.
    let junk = c.upload_api("notes.pdf", b"%PDF-1.7 not a roster").await;
    assert_eq!(junk.status, StatusCode::BAD_REQUEST, "{}", junk.body);
    assert_eq!(junk.json()["code"], "bad_request");
}
