//! `EXPLAIN QUERY PLAN` of every lookup and filter the `Storage` trait offers, on SQLite: each
//! must reach its rows through an index, never by scanning the users (or any other) table.

use std::collections::BTreeSet;

use homeroom::records::RecordKind;
use homeroom::{
    AccessKind, ActivityCursor, ActivityQuery, DistrictId, Grade, OrgUnitId, RecordQuery,
    RecordStatus, Subject, UserCursor, UserId, UserKey, UserKind, UserQuery,
};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Statement};

use crate::SeaStorage;
use crate::read::{activity, records, search, user_by_key_select};

fn district() -> DistrictId {
    DistrictId::from_uuid(uuid::Uuid::from_u128(1))
}

fn user_id() -> UserId {
    UserId::from_uuid(uuid::Uuid::from_u128(2))
}

fn unit() -> OrgUnitId {
    OrgUnitId::from_uuid(uuid::Uuid::from_u128(3))
}

/// The plan's lines for a statement.
async fn plan(storage: &SeaStorage, statement: Statement) -> Vec<String> {
    let explain = Statement {
        sql: format!("EXPLAIN QUERY PLAN {}", statement.sql),
        ..statement
    };
    storage
        .connection()
        .query_all_raw(explain)
        .await
        .expect("EXPLAIN QUERY PLAN failed")
        .iter()
        .map(|row| {
            row.try_get::<String>("", "detail")
                .expect("no detail column")
        })
        .collect()
}

/// Fails when a plan scans a table instead of searching an index. (`SCAN` of a table "USING
/// INDEX" walks an index in order; it is allowed only where `scans_ok` says so: listing every
/// user of a district in order.)
fn assert_indexed(what: &str, plan: &[String], scans_ok: bool) {
    for line in plan {
        let scan = line.starts_with("SCAN ") && !line.starts_with("SCAN CONSTANT ROW");
        assert!(
            !scan || (scans_ok && line.contains("USING") && line.contains("INDEX")),
            "{what}: the plan scans: {plan:#?}"
        );
    }
    assert!(
        plan.iter()
            .any(|l| l.contains("INDEX") || l.contains("PRIMARY KEY")),
        "{what}: the plan uses no index: {plan:#?}"
    );
    // Walking every user of the district (in listing order) is a scan in all but name.
    let walks_district = plan
        .iter()
        .any(|l| l.contains(" hr_users ") && l.ends_with("(district=?)"));
    assert!(
        scans_ok || !walks_district,
        "{what}: the plan walks every user of the district: {plan:#?}"
    );
}

fn build<E: EntityTrait>(select: sea_orm::Select<E>) -> Statement {
    select.build(DbBackend::Sqlite)
}

fn query() -> UserQuery {
    UserQuery {
        limit: 50,
        ..UserQuery::default()
    }
}

#[tokio::test]
async fn every_lookup_and_filter_uses_an_index() {
    let storage = SeaStorage::connect("sqlite::memory:")
        .await
        .expect("connect");
    let d = district();
    let mut checks: Vec<(&str, Statement, bool)> = Vec::new();

    for (what, key) in [
        ("user by Local ID", UserKey::LocalId("00123".into())),
        ("user by e-mail", UserKey::Email("ada@x.org".into())),
        ("user by username", UserKey::Username("ada".into())),
    ] {
        let statement = build(user_by_key_select(d, &key));
        checks.push((what, statement, false));
    }
    checks.push((
        "user by id",
        build(crate::entity::user::Entity::find_by_id(user_id().as_uuid())),
        false,
    ));
    checks.push((
        "district by name",
        build(crate::entity::district::Entity::find().filter(
            <crate::entity::district::Column as sea_orm::ColumnTrait>::eq(
                &crate::entity::district::Column::NameKey,
                "maple valley",
            ),
        )),
        false,
    ));
    checks.push((
        "org units of a district",
        build(crate::entity::org_unit::Entity::find().filter(
            <crate::entity::org_unit::Column as sea_orm::ColumnTrait>::eq(
                &crate::entity::org_unit::Column::District,
                d.as_uuid(),
            ),
        )),
        false,
    ));

    let units: BTreeSet<OrgUnitId> = [unit()].into();
    let user_queries: Vec<(&str, UserQuery, bool)> = vec![
        ("list everyone", query(), true),
        (
            "list everyone after a cursor",
            UserQuery {
                after: Some(UserCursor {
                    sort_key: "lovelace".into(),
                    id: user_id(),
                }),
                ..query()
            },
            true,
        ),
        (
            "text prefix",
            UserQuery {
                text: Some("ada".into()),
                ..query()
            },
            false,
        ),
        (
            "org units",
            UserQuery {
                org_units: Some(units.clone()),
                ..query()
            },
            false,
        ),
        (
            "scope",
            UserQuery {
                scope: Some(units.clone()),
                ..query()
            },
            false,
        ),
        (
            "status",
            UserQuery {
                statuses: Some([RecordStatus::Archived].into()),
                ..query()
            },
            false,
        ),
        (
            "grade",
            UserQuery {
                grade: Some(Grade::Numbered(6)),
                ..query()
            },
            false,
        ),
        (
            "every filter",
            UserQuery {
                text: Some("ada".into()),
                kind: Some(UserKind::Student),
                grade: Some(Grade::Numbered(6)),
                org_units: Some(units.clone()),
                scope: Some(units),
                statuses: Some([RecordStatus::Active].into()),
                access: Some(AccessKind::Allowed),
                ..query()
            },
            false,
        ),
    ];
    for (what, q, scans_ok) in &user_queries {
        let page = search::page_select(d, q).expect("a query that can match");
        let count = search::count_select(d, q).expect("a query that can match");
        checks.push((what, build(page), *scans_ok));
        checks.push((what, build(count), *scans_ok));
    }

    let activity_query = ActivityQuery {
        subject: Subject::User(user_id()),
        after: Some(ActivityCursor {
            at: chrono::DateTime::UNIX_EPOCH,
            id: homeroom::ActivityId::from_uuid(uuid::Uuid::from_u128(9)),
        }),
        limit: 20,
    };
    checks.push((
        "activity page",
        build(activity::page_select(d, &activity_query).expect("subject key")),
        false,
    ));
    checks.push((
        "activity count",
        build(activity::count_select(d, &activity_query).expect("subject key")),
        false,
    ));
    let record_query = RecordQuery {
        user: user_id(),
        kind: RecordKind::Checkout,
        open_only: true,
        after: None,
        limit: 20,
    };
    checks.push((
        "records page",
        build(records::page_select(d, &record_query)),
        false,
    ));
    checks.push((
        "records count",
        build(records::count_select(d, &record_query)),
        false,
    ));

    for (what, statement, scans_ok) in checks {
        let lines = plan(&storage, statement).await;
        assert_indexed(what, &lines, scans_ok);
    }
}

#[tokio::test]
async fn key_lookups_use_their_unique_index() {
    let storage = SeaStorage::connect("sqlite::memory:")
        .await
        .expect("connect");
    for (key, index) in [
        (UserKey::LocalId("1".into()), "ux_hr_users_local_id"),
        (UserKey::Email("a@x.org".into()), "ux_hr_users_email_key"),
        (UserKey::Username("a".into()), "ux_hr_users_username_key"),
    ] {
        let lines = plan(&storage, build(user_by_key_select(district(), &key))).await;
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("SEARCH hr_users USING INDEX") && l.contains(index)),
            "{key:?}: {lines:#?}"
        );
    }
}

#[tokio::test]
async fn text_and_membership_filters_drive_the_search() {
    let storage = SeaStorage::connect("sqlite::memory:")
        .await
        .expect("connect");
    let q = UserQuery {
        text: Some("ada".into()),
        ..query()
    };
    let lines = plan(
        &storage,
        build(search::page_select(district(), &q).expect("query")),
    )
    .await;
    assert!(
        lines.iter().any(|l| l.contains("hr_user_terms")
            && l.contains("PRIMARY KEY")
            && l.contains("term>? AND term<?")),
        "{lines:#?}"
    );
    // The matching ids lead: users are fetched by id, not walked.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("SEARCH hr_users") && l.ends_with("(id=?)")),
        "{lines:#?}"
    );
    let q = UserQuery {
        scope: Some([unit()].into()),
        ..query()
    };
    let lines = plan(
        &storage,
        build(search::page_select(district(), &q).expect("query")),
    )
    .await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains("hr_user_org_units") && l.contains("PRIMARY KEY")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("SEARCH hr_users") && l.ends_with("(id=?)")),
        "{lines:#?}"
    );
}

/// Beside a text prefix, a scope is a probe per match, never a walk of the scope's members (a
/// building of a million-user district holds tens of thousands).
#[tokio::test]
async fn a_scoped_text_search_is_led_by_the_text() {
    let storage = SeaStorage::connect("sqlite::memory:")
        .await
        .expect("connect");
    let q = UserQuery {
        text: Some("ada".into()),
        scope: Some([unit()].into()),
        ..query()
    };
    for statement in [
        build(search::page_select(district(), &q).expect("query")),
        build(search::count_select(district(), &q).expect("query")),
    ] {
        let lines = plan(&storage, statement).await;
        assert!(
            lines
                .iter()
                .any(|l| l.contains("hr_user_terms") && l.contains("term>? AND term<?")),
            "{lines:#?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("hr_user_org_units")
                && l.contains("PRIMARY KEY")
                && l.contains("user_id=?")),
            "{lines:#?}"
        );
        assert!(
            !lines
                .iter()
                .any(|l| l.contains("hr_user_org_units") && l.ends_with("org_unit_id=?)")),
            "{lines:#?}"
        );
    }
}

#[tokio::test]
async fn records_are_read_through_the_user_index() {
    let storage = SeaStorage::connect("sqlite::memory:")
        .await
        .expect("connect");
    for open_only in [false, true] {
        let q = RecordQuery {
            user: user_id(),
            kind: RecordKind::Checkout,
            open_only,
            after: None,
            limit: 20,
        };
        for statement in [
            build(records::page_select(district(), &q)),
            build(records::count_select(district(), &q)),
        ] {
            let lines = plan(&storage, statement).await;
            assert!(
                lines.iter().any(|l| l.contains("ix_hr_records_user")
                    && l.contains("district=? AND user_id=? AND kind=?")),
                "open_only {open_only}: {lines:#?}"
            );
        }
    }
}

#[tokio::test]
async fn import_stamps_are_read_from_their_covering_index() {
    let storage = SeaStorage::connect("sqlite::memory:")
        .await
        .expect("connect");
    use crate::read::stamps::{StampPages, joined_sql};
    let page = |pages: StampPages, after: sea_orm::Value| {
        Statement::from_sql_and_values(
            DbBackend::Sqlite,
            joined_sql(pages),
            [district().as_uuid().into(), true.into(), after, 8192.into()],
        )
    };
    let statements = [
        (
            build(crate::read::stamps::stamps_select(district())),
            "district=? AND import_managed=?",
        ),
        (
            page(StampPages::WithoutLocalId, Vec::<u8>::new().into()),
            "district=? AND import_managed=? AND local_id=? AND id>?",
        ),
        (
            page(StampPages::ByLocalId, String::new().into()),
            "district=? AND import_managed=? AND local_id>?",
        ),
    ];
    for (statement, range) in statements {
        let lines = plan(&storage, statement).await;
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("SEARCH hr_users USING COVERING INDEX")
                    && l.contains("ix_hr_users_import_stamps")
                    && l.contains(range)),
            "{range}: {lines:#?}"
        );
        // Walked in index order: no sort of the page.
        assert!(
            !lines.iter().any(|l| l.contains("TEMP B-TREE")),
            "{lines:#?}"
        );
    }
}

#[tokio::test]
async fn a_profile_reads_every_record_of_its_user_through_the_user_index() {
    let storage = SeaStorage::connect("sqlite::memory:")
        .await
        .expect("connect");
    let select = records::user_records_select(district(), user_id(), 500);
    let lines = plan(&storage, build(select)).await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains("ix_hr_records_user") && l.contains("district=? AND user_id=?")),
        "{lines:#?}"
    );
}
