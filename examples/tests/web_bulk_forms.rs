//! The bulk forms that take a value: set status, change org units (add, remove, replace), send
//! a message (the preview shows the message as its first recipient reads it, and how many get
//! it), through the pages and the API; a building administrator cannot move a student into a
//! building they do not run. And the search filters for the invitation's status and for users
//! an import manages, with their counts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod web_support;

use axum::http::StatusCode;
use homeroom::{Actor, RecordStatus, User};
use homeroom_examples::web::seed::{ADMIN_LOGIN, PRINCIPAL_LOGIN};
use web_support::{Client, Host};

/// The org units' ids by path, as the API offers them.
async fn units(c: &mut Client) -> Vec<(String, String)> {
    let choices = c.get("/api/users/bulk/choices").await;
    assert_eq!(choices.status, StatusCode::OK, "{}", choices.body);
    choices.json()["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["path"].as_str().unwrap().to_string(),
                u["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn unit(units: &[(String, String)], path: &str) -> String {
    units.iter().find(|(p, _)| p == path).unwrap().1.clone()
}

#[tokio::test]
async fn set_status_through_the_page_previews_then_applies() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let page = c.get("/users").await;
    assert!(
        page.body
            .contains("<option value=\"set_status\">Set status</option>")
    );
    assert!(
        page.body.contains("<label for=\"to_status\">"),
        "{}",
        page.body
    );
    let all = host.students().await;
    let (a, b) = (all[0].id.to_string(), all[1].id.to_string());
    let fields = [
        ("action", "set_status"),
        ("to_status", "inactive"),
        ("scope", "selected"),
        ("user", a.as_str()),
        ("user", b.as_str()),
    ];
    let shown = c.form("/users/bulk/preview", &fields, true).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(
        shown
            .body
            .contains("Bulk set status (to inactive): preview"),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("This changes 2 users."),
        "{}",
        shown.body
    );
    let done = c.confirm_bulk(&shown).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let inactive = host
        .students()
        .await
        .iter()
        .filter(|u| u.status == RecordStatus::Inactive)
        .count();
    assert_eq!(inactive, 2);

    // A status that does not exist is a bad request, nothing previewed.
    let mut wrong = fields;
    wrong[1] = ("to_status", "expelled");
    let r = c.form("/users/bulk/preview", &wrong, true).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

/// Previews changing `user`'s org units (`change` of `unit`) and applies it when it touches
/// anyone; the preview.
async fn run(
    c: &mut Client,
    user: &str,
    unit: &str,
    change: &str,
    expect: u64,
) -> serde_json::Value {
    let body = serde_json::json!({
        "action": "org_units", "units_change": change, "units": [unit], "users": [user],
    });
    let shown = c.json("POST", "/api/users/bulk/preview", body).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let shown = shown.json();
    assert_eq!(shown["touched"], expect, "{change}: {shown}");
    if expect > 0 {
        let done = c.apply_api("users/bulk", &shown).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    }
    shown
}

#[tokio::test]
async fn org_units_are_added_replaced_and_removed_through_the_api() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let units = units(&mut c).await;
    assert_eq!(units.len(), 3, "{units:?}");
    let (lincoln, washington) = (
        unit(&units, "Lincoln Elementary"),
        unit(&units, "Washington High"),
    );
    let student = host
        .students()
        .await
        .into_iter()
        .find(|u| u.details.org_units.iter().any(|o| o.to_string() == lincoln))
        .unwrap();
    let id = student.id.to_string();
    let added = run(&mut c, &id, &washington, "add", 1).await;
    assert_eq!(added["detail"], "add Washington High", "{added}");
    let units_of = |u: &User| {
        let mut ids: Vec<String> = u.details.org_units.iter().map(|o| o.to_string()).collect();
        ids.sort();
        ids
    };
    let local = student
        .details
        .local_id
        .clone()
        .unwrap()
        .as_str()
        .to_string();
    let now = host.find(&local).await;
    let mut both = vec![lincoln.clone(), washington.clone()];
    both.sort();
    assert_eq!(units_of(&now[0]), both);
    // Adding again changes nothing: already a member.
    let again = run(&mut c, &id, &washington, "add", 0).await;
    assert_eq!(again["skipped"][0]["reason"], "already_in_state", "{again}");
    run(&mut c, &id, &washington, "replace", 1).await;
    assert_eq!(
        units_of(&host.find(&local).await[0]),
        vec![washington.clone()]
    );
    // Removing the last unit is the directory's to refuse or allow; removing a unit the
    // student is not in changes nothing.
    let body = serde_json::json!({
        "action": "org_units", "units_change": "remove", "units": [lincoln], "users": [id],
    });
    let shown = c.json("POST", "/api/users/bulk/preview", body).await.json();
    assert_eq!(shown["touched"], 0, "{shown}");

    // A change with no unit, or an unknown way of changing, is refused.
    let body = serde_json::json!({"action": "org_units", "units_change": "add", "users": [id]});
    let r = c.json("POST", "/api/users/bulk/preview", body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let body = serde_json::json!({"action": "org_units", "units_change": "swap", "units": [lincoln], "users": [id]});
    let r = c.json("POST", "/api/users/bulk/preview", body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

#[tokio::test]
async fn attack_building_admin_moves_a_student_into_a_building_they_do_not_run() {
    let host = Host::start().await;
    let pat = host.user("Pat", "Principal").await;
    let mut c = host.signed_in(PRINCIPAL_LOGIN).await;
    let mut admin = host.signed_in(ADMIN_LOGIN).await;
    let units = units(&mut admin).await;
    let lincoln = unit(&units, "Lincoln Elementary");
    let theirs = host
        .students()
        .await
        .into_iter()
        .find(|u| u.details.org_units.is_subset(&pat.details.org_units))
        .unwrap();
    for change in ["add", "replace"] {
        let body = serde_json::json!({
            "action": "org_units", "units_change": change, "units": [lincoln],
            "users": [theirs.id.to_string()],
        });
        let shown = c.json("POST", "/api/users/bulk/preview", body).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        let shown = shown.json();
        assert_eq!(shown["touched"], 0, "{change}: {shown}");
        assert_eq!(shown["skipped"][0]["reason"], "not_permitted", "{shown}");
    }
    let after = host
        .find(theirs.details.local_id.as_ref().unwrap().as_str())
        .await;
    assert_eq!(after[0].version, theirs.version, "nothing written");
}

#[tokio::test]
async fn send_message_previews_the_message_for_one_recipient_and_the_count() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let page = c.get("/users?kind=staff").await;
    assert!(
        page.body
            .contains("<option value=\"welcome\">welcome</option>"),
        "{}",
        page.body
    );
    let fields = [
        ("action", "send_message"),
        ("template", "welcome"),
        ("scope", "matching"),
        ("kind", "staff"),
    ];
    let shown = c.form("/users/bulk/preview", &fields, true).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains("It goes to 2 users"), "{}", shown.body);
    assert!(
        shown.body.contains("id=\"sample-subject\""),
        "{}",
        shown.body
    );
    let sample = shown.body.split("id=\"bulk-sample\"").nth(1).unwrap();
    let sample = sample.split("</dl>").next().unwrap();
    assert!(
        sample.contains("Dana") || sample.contains("Pat"),
        "rendered for one recipient: {sample}"
    );
    assert!(!sample.contains("{{"), "{sample}");
    let done = c.confirm_bulk(&shown).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let captured = web_support::Captured::default();
    host.app
        .directory
        .drain_outbox(&Actor::system("test"), host.district(), &captured, 50)
        .await
        .unwrap();
    assert_eq!(captured.messages.lock().unwrap().len(), 2);

    // Students have no e-mail: counted, none sent.
    let body = serde_json::json!({"action": "send_message", "template": "welcome", "search": {"kind": "student"}});
    let shown = c.json("POST", "/api/users/bulk/preview", body).await.json();
    assert_eq!(shown["touched"], 0, "{shown}");
    assert_eq!(shown["skipped"][0]["reason"], "no_email", "{shown}");
    // Invitations go through their own action, never as a message.
    let body = serde_json::json!({"action": "send_message", "template": "invitation", "search": {"kind": "staff"}});
    let r = c.json("POST", "/api/users/bulk/preview", body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test]
async fn the_search_filters_by_invitation_and_by_import_with_counts() {
    let host = Host::start().await;
    let mut c = host.signed_in(ADMIN_LOGIN).await;
    let pat = host.user("Pat", "Principal").await;
    let r = c
        .json(
            "POST",
            &format!("/api/users/{}/invitation", pat.id),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let file = b"Local ID,First Name,Last Name\n5001,Emmy,Noether\n";
    c.upload_api("staff.csv", file).await;
    let applied = c
        .json("POST", "/api/import/apply", serde_json::json!({}))
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);

    let page = c.get("/users").await;
    assert!(page.body.contains(">sent (1)</a>"), "{}", page.body);
    assert!(page.body.contains(">not_sent (26)</a>"), "{}", page.body);
    assert!(page.body.contains(">yes (1)</a>"), "{}", page.body);
    assert!(page.body.contains(">no (26)</a>"), "{}", page.body);

    let sent = c.get("/users?invitation=sent").await;
    assert!(sent.body.contains("1 user found"), "{}", sent.body);
    assert!(sent.body.contains("Pat Principal"), "{}", sent.body);
    let managed = c.get("/users?managed=yes").await;
    assert!(managed.body.contains("1 user found"), "{}", managed.body);
    assert!(managed.body.contains("Emmy Noether"), "{}", managed.body);
    let api = c.get("/api/users?managed=no&kind=staff").await.json();
    assert_eq!(api["total"], 2, "{api}");

    // A bulk action on everything matching keeps the filters.
    let fields = [
        ("action", "suspend"),
        ("scope", "matching"),
        ("managed", "yes"),
    ];
    let shown = c.form("/users/bulk/preview", &fields, true).await;
    assert!(
        shown.body.contains("This changes 1 user."),
        "{}",
        shown.body
    );
}
