//! Creating 100 000 users: Homeroom's `apply` on a SQLite file (`homeroom-sea`) side by side
//! with a bare SeaORM `insert_many` of the same rows in one transaction, and on the memory
//! backend.
//!
//! # What is compared
//!
//! - **`sea_apply`**: one [`ChangeSet`] of 100 000 `InsertUser` ops applied to a fresh
//!   [`SeaStorage`] file database (WAL, `synchronous=NORMAL`). It writes each user row with its
//!   unique keys (Local ID, e-mail, username), listing, status and grade indexes, plus its
//!   search terms (five to seven rows per user) and its org-unit membership, all in one
//!   `BEGIN IMMEDIATE` transaction, in multi-row statements under SQLite's 32 766 bind limit.
//! - **`bare_insert_many_users_only`**: the raw cost of writing the user rows: the same
//!   100 000 users turned into rows of the same twelve columns (JSON `data` included) and
//!   written with SeaORM's `insert_many`, 2 730 rows per statement, in one transaction, into a
//!   table with a primary key and nothing else, on a fresh file with the same pragmas.
//! - **`bare_insert_many_same_rows`**: SeaORM's `insert_many` of exactly the rows `sea_apply`
//!   writes (users, their stored search terms, their memberships) into the same migrated
//!   schema, indexes included, in one transaction: what the writes cost without Homeroom's
//!   change-set handling around them.
//! - **`memory_apply`**: the same change set applied to `homeroom_memory::MemoryStorage`.
//!
//! Each iteration starts from a fresh, empty database (made outside the timed part); only the
//! write is timed, commit included. The target for `sea_apply` is at least 0.6× the speed of
//! `bare_insert_many`.
//!
//! Run with `cargo bench -p homeroom-benches --bench storage`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a bench binary, not library code: a broken fixture should stop it loudly"
)]
#![allow(
    missing_docs,
    reason = "criterion_group! generates a public function without a doc comment"
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use homeroom::conformance::Fixture;
use homeroom::{
    ChangeSet, District, DistrictId, Email, Grade, LocalId, Op, OrgUnit, Storage, User, UserId,
    Username,
};
use homeroom_benches::district::{district, schools, uuid};
use homeroom_benches::{bare, files};
use homeroom_memory::MemoryStorage;
use homeroom_sea::SeaStorage;
use homeroom_sea::tables::{self as same, stored_terms};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, TransactionTrait};
use tokio::runtime::Runtime;

const USERS: usize = 100_000;

/// An import's worth of students: names, Local ID, e-mail, username, grade, one school.
fn students(district: DistrictId, schools: &[OrgUnit]) -> Vec<User> {
    const FIRST: [&str; 8] = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John",
    ];
    const LAST: [&str; 8] = [
        "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus",
    ];
    (0..USERS)
        .map(|n| {
            let mut user = Fixture::new().user(
                district,
                &format!("{}{}", FIRST[n % 8], n % 97),
                &format!("{}{}", LAST[(n / 8) % 8], n),
            );
            user.id = UserId::from_uuid(uuid(1_000_000 + n as u128));
            let details = &mut user.details;
            details.local_id = Some(LocalId::parse(&format!("{n:07}")).unwrap());
            details.email = Some(Email::parse(&format!("student{n}@maple.k12.us")).unwrap());
            details.username = Some(Username::parse(&format!("s{n:07}")).unwrap());
            details.grade = Some(Grade::Numbered(u8::try_from(n % 12).unwrap() + 1));
            details.org_units.insert(schools[n % schools.len()].id);
            user
        })
        .collect()
}

/// A fresh file path for one iteration (under the target directory).
fn fresh_file(what: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("storage-bench");
    files::fresh_file(&dir, what).unwrap()
}

/// A `SeaStorage` on a fresh file with the district and its schools.
async fn fresh_sea(district: &District, schools: &[OrgUnit]) -> (SeaStorage, PathBuf) {
    let path = fresh_file("sea");
    let storage = SeaStorage::connect(&files::sqlite_url(&path))
        .await
        .unwrap();
    seed(&storage, district, schools).await;
    (storage, path)
}

async fn seed(storage: &dyn Storage, district: &District, schools: &[OrgUnit]) {
    let mut set = ChangeSet::new().with(Op::InsertDistrict(district.clone()));
    for school in schools {
        set.push(Op::InsertOrgUnit(school.clone()));
    }
    storage.apply(set).await.unwrap();
}

/// The same rows `sea_apply` writes, written with `insert_many` in one transaction into the
/// schema of `db` (a fresh `SeaStorage` file).
async fn same_rows_insert(db: &DatabaseConnection, users: &[User]) {
    use sea_orm::ActiveValue::Set;
    let txn = db.begin().await.unwrap();
    for chunk in users.chunks(32_766 / 14) {
        let rows = chunk.iter().map(|u| {
            let b = bare::row(u).unwrap();
            same::users::ActiveModel {
                id: b.id,
                district: b.district,
                version: b.version,
                local_id: b.local_id,
                email_key: b.email_key,
                username_key: b.username_key,
                sort_key: b.sort_key,
                kind: b.kind,
                grade: b.grade,
                status: b.status,
                access: b.access,
                data: b.data,
                import_managed: Set(u.import_managed),
                import_fingerprint: Set(u.import_fingerprint.map(|f| f.to_string())),
            }
        });
        same::users::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await
            .unwrap();
        let terms: Vec<same::terms::ActiveModel> = chunk
            .iter()
            .flat_map(|u| {
                stored_terms(u)
                    .into_iter()
                    .map(|term| same::terms::ActiveModel {
                        district: Set(u.district.as_uuid()),
                        term: Set(term),
                        user_id: Set(u.id.as_uuid()),
                    })
            })
            .collect();
        for part in terms.chunks(32_766 / 3) {
            same::terms::Entity::insert_many(part.to_vec())
                .exec_without_returning(&txn)
                .await
                .unwrap();
        }
        let members = chunk.iter().flat_map(|u| {
            u.details
                .org_units
                .iter()
                .map(|unit| same::members::ActiveModel {
                    district: Set(u.district.as_uuid()),
                    org_unit_id: Set(unit.as_uuid()),
                    user_id: Set(u.id.as_uuid()),
                })
        });
        same::members::Entity::insert_many(members)
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
}

fn create_users(c: &mut Criterion) {
    let runtime = Runtime::new().unwrap();
    let district = district();
    let schools = schools(district.id);
    let users = students(district.id, &schools);
    let set: ChangeSet = users
        .iter()
        .cloned()
        .map(|u| Op::InsertUser(Box::new(u)))
        .collect();

    let mut group = c.benchmark_group("create_100k_users");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(40))
        .throughput(Throughput::Elements(USERS as u64));

    group.bench_function("sea_apply_sqlite_file", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let (storage, path) = runtime.block_on(fresh_sea(&district, &schools));
                let changes = set.clone();
                let start = Instant::now();
                runtime.block_on(storage.apply(changes)).unwrap();
                total += start.elapsed();
                runtime.block_on(storage.close()).unwrap();
                files::remove(&path);
            }
            total
        });
    });

    group.bench_function("bare_insert_many_same_rows_sqlite_file", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let (storage, path) = runtime.block_on(fresh_sea(&district, &schools));
                runtime.block_on(storage.close()).unwrap();
                let db = runtime
                    .block_on(Database::connect(files::sqlite_url(&path).as_str()))
                    .unwrap();
                runtime
                    .block_on(db.execute_unprepared("PRAGMA synchronous = NORMAL"))
                    .unwrap();
                let start = Instant::now();
                runtime.block_on(same_rows_insert(&db, &users));
                total += start.elapsed();
                runtime.block_on(db.close()).unwrap();
                files::remove(&path);
            }
            total
        });
    });

    group.bench_function("bare_insert_many_users_only_sqlite_file", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let path = fresh_file("bare");
                let db = runtime.block_on(bare::open(&path)).unwrap();
                let start = Instant::now();
                runtime.block_on(bare::insert(&db, &users)).unwrap();
                total += start.elapsed();
                runtime.block_on(db.close()).unwrap();
                files::remove(&path);
            }
            total
        });
    });

    group.bench_function("memory_apply", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let storage = MemoryStorage::new();
                runtime.block_on(seed(&storage, &district, &schools));
                let changes = set.clone();
                let start = Instant::now();
                runtime.block_on(storage.apply(changes)).unwrap();
                total += start.elapsed();
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, create_users);
criterion_main!(benches);
