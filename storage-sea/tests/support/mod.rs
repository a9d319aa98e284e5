//! What the integration tests share: fresh databases per case.

#![allow(dead_code)] // each test file uses a part
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support: a failure fails the calling test

use std::path::PathBuf;

use homeroom_sea::{SeaOptions, SeaStorage};

/// A fresh directory for one test's files, under the target directory (removed and made anew).
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("homeroom-sea")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("cannot create a scratch directory");
    dir
}

/// The URL of a fresh SQLite file for `name`.
pub fn sqlite_file_url(name: &str) -> String {
    scratch_dir(name);
    existing_sqlite_file_url(name)
}

/// The URL of the SQLite file for `name`, as [`sqlite_file_url`] made it (not emptied).
pub fn existing_sqlite_file_url(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("homeroom-sea")
        .join(name)
        .join("homeroom.db");
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A storage on a fresh SQLite file for `name`.
pub async fn sqlite_file(name: &str) -> SeaStorage {
    let url = sqlite_file_url(name);
    SeaStorage::connect_with(SeaOptions::new(url.clone()))
        .await
        .unwrap_or_else(|e| panic!("cannot open {url}: {e}"))
}

/// Why the PostgreSQL tests cannot run, when no server is configured: neither
/// `HOMEROOM_TEST_POSTGRES_URL` nor the `PGHOST` / `PGDATABASE` that `pg_virtualenv` sets.
pub fn postgres_missing() -> Option<&'static str> {
    let configured = ["HOMEROOM_TEST_POSTGRES_URL", "PGHOST", "PGDATABASE"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    (!configured).then_some(
        "no PostgreSQL server configured (set HOMEROOM_TEST_POSTGRES_URL, or run under \
         pg_virtualenv, which sets PGHOST and PGDATABASE)",
    )
}

/// Whether the PostgreSQL tests must run (`HOMEROOM_REQUIRE_POSTGRES=1`, as CI sets it), so
/// a missing server fails them instead of skipping them.
pub fn postgres_required() -> bool {
    std::env::var("HOMEROOM_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// The PostgreSQL server the tests use: `HOMEROOM_TEST_POSTGRES_URL`, or `postgres://`, which
/// takes every part from the standard `PG*` variables.
pub fn postgres_url() -> String {
    std::env::var("HOMEROOM_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "postgres://".to_owned())
}

/// A schema name for `name`: `hr_` and the name, cut to PostgreSQL's 63 bytes (with a hash of
/// the whole name when cut, so two long names never share a schema).
pub fn schema_for(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let full = format!("hr_{clean}");
    if full.len() <= 63 {
        return full;
    }
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{}_{hash:016x}", &full[..46])
}

/// Drops the schema for `name` if a previous run left it.
pub async fn drop_postgres_schema(name: &str) {
    use sea_orm::ConnectionTrait;
    let url = postgres_url();
    let db = sea_orm::Database::connect(url.as_str())
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {url}: {e}"));
    db.execute_unprepared(&format!(
        "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
        schema_for(name)
    ))
    .await
    .expect("cannot drop a test schema");
    let _ = db.close().await;
}

/// A storage in a fresh schema of its own for `name`.
pub async fn postgres_fresh(name: &str) -> SeaStorage {
    drop_postgres_schema(name).await;
    postgres_in(name).await
}

/// A storage on the (existing) schema for `name`: a second replica, with a pool of its own.
pub async fn postgres_in(name: &str) -> SeaStorage {
    let options = SeaOptions::new(postgres_url())
        .schema(schema_for(name))
        .max_connections(4);
    SeaStorage::connect_with(options)
        .await
        .unwrap_or_else(|e| panic!("cannot open PostgreSQL schema {}: {e}", schema_for(name)))
}

/// Rows for the integration tests, made by the conformance kit's fixture (so they follow the
/// model as it grows) and given fixed ids.
pub mod rows {
    use chrono::{DateTime, Utc};
    use homeroom::conformance::Fixture;
    use homeroom::{
        ActivityEntry, ActivityId, District, DistrictId, Email, LocalId, OrgUnit, OrgUnitId,
        Subject, User, UserId,
    };
    use uuid::Uuid;

    pub fn at() -> DateTime<Utc> {
        Fixture::time(0)
    }

    pub fn district(n: u128, name: &str) -> District {
        District {
            id: DistrictId::from_uuid(Uuid::from_u128(n)),
            ..Fixture::new().district(name)
        }
    }

    pub fn org_unit(district: DistrictId, n: u128, name: &str) -> OrgUnit {
        OrgUnit {
            id: OrgUnitId::from_uuid(Uuid::from_u128(n)),
            ..Fixture::new().org_unit(district, name, None)
        }
    }

    /// Student `n` of `district`, with a Local ID and an e-mail.
    pub fn student(district: DistrictId, n: u128) -> User {
        let mut user = Fixture::new().user(district, &format!("First{n}"), &format!("Last{n}"));
        user.id = UserId::from_uuid(Uuid::from_u128((1 << 64) + n));
        user.details.local_id = Some(LocalId::parse(&format!("S{n:06}")).expect("local id"));
        user.details.email =
            Some(Email::parse(&format!("student{n}@maple.k12.us")).expect("email"));
        user
    }

    /// `user` as an update would carry it: changed by `change`, at the next version.
    pub fn revised(user: &User, change: impl FnOnce(&mut User)) -> User {
        let mut next = user.clone();
        change(&mut next);
        next.version = user.version.next();
        next
    }

    pub fn activity(district: DistrictId, n: u128, subject: Subject) -> ActivityEntry {
        ActivityEntry {
            id: ActivityId::from_uuid(Uuid::from_u128((2 << 64) + n)),
            ..Fixture::new().activity_about(district, subject, 0)
        }
    }
}
