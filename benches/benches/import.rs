//! Importing 100 000 rows: Homeroom's whole pipeline (read → plan → apply) side by side with
//! the raw limits it is measured against, in one criterion group, `import`.
//!
//! # What is compared
//!
//! - **`parse_only/N`**: the bare csv crate reading the file into one reused `StringRecord`:
//!   the least any import of this file can cost.
//! - **`plan_apply_memory/N`**: `homeroom::import::read` of the same bytes, `plan_import`
//!   (validation, matching, org units by name or code) and `apply_import` into a fresh
//!   `homeroom_memory::MemoryStorage` holding the district and its 20 schools: 100 000 users
//!   created, each with its activity entry, in one change set.
//! - **`plan_apply_sqlite/N`**: the same into a fresh `homeroom-sea` SQLite file (WAL,
//!   `synchronous=NORMAL`), commit included.
//! - **`raw_insert_many_sqlite/N`**: the raw cost of writing those users: the very users the
//!   import creates, turned into rows of the twelve columns `homeroom-sea` keeps per user (JSON
//!   `data` included) and written with SeaORM's `insert_many` in one transaction, into a table
//!   with a primary key and nothing else, on a fresh file with the same pragmas.
//! - **`raw_insert_many_indexed_sqlite/N`**: the same, with the six secondary indexes
//!   `homeroom-sea` keeps on those columns: what the user table's indexes alone cost.
//! - **`resync_nochange_memory/N`**: the nightly sync of the same file again into the memory
//!   store that already holds those users: read, plan (every row unchanged) and apply, which
//!   writes nothing (asserted: zero ops).
//! - **`resync_nochange_sqlite/N`**: the same against a SQLite file that the file was imported
//!   into once (outside the clock): with the import fingerprints the plan reads only the
//!   users' stamps (`Storage::import_stamps`: id, Local ID, status, version, fingerprint),
//!   never a whole user, and writes nothing (asserted).
//!
//! - **`plan_orgs/N`** (N = 10 000, whatever `HOMEROOM_BENCH_ROWS` says): planning, as the
//!   system, a OneRoster package whose `orgs.csv` creates N new org units (N/5 schools, each
//!   with four departments) for one user, into the memory store of the district above; the
//!   package is read outside the clock. Beside it **`parse_orgs_only/N`**, the bare csv parse
//!   of that `orgs.csv`, and **`plan_buildings/N`**: planning a Homeroom CSV of N users, each
//!   naming a new building, with the option to create org units. Planning is linear in org
//!   units: hashed look-ups and a tree that grows unit by unit.
//!
//! Only the named work is timed; making fresh stores happens outside the clock. Like every bench
//! here it runs on mimalloc (`--features system-allocator` for glibc's). Targets (issue #16):
//! `plan_apply_memory` ≤ 15× `parse_only`, `plan_apply_sqlite` ≤ 2× `raw_insert_many_sqlite`,
//! `resync_nochange_memory` ≤ 2× `parse_only`, `resync_nochange_sqlite` ≤ 8× `parse_only`.
//!
//! - **`plan_apply_postgres/N`** and **`raw_copy_postgres/N`** (built with `--features
//!   postgres`; run when a server is configured, as for the command bench): the import into a
//!   fresh `homeroom-sea` schema on PostgreSQL, against a bare `COPY ... FROM STDIN` (CSV, one
//!   transaction) of the same users' twelve columns into a table with only a primary key.
//!   Target: ≤ 3×.
//!
//! Run with `cargo bench -p homeroom-benches --bench import`. Set `HOMEROOM_BENCH_ROWS` to run
//! another size (e.g. `1000000` for the one-off million-row run).

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
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use homeroom::Leases;
use homeroom::import::{OneRosterPackage, ReadOptions, read};
use homeroom::{Actor, Approval, Directory, DistrictId, ImportOptions, Storage, User, UserSearch};
use homeroom_benches::roster::roster;
use homeroom_benches::{bare, files, roster};
use homeroom_memory::MemoryStorage;
use homeroom_sea::SeaStorage;
use tokio::runtime::Runtime;

fn rows() -> usize {
    std::env::var("HOMEROOM_BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000)
}

async fn district(storage: Arc<dyn Storage>) -> (Directory, DistrictId) {
    roster::district(storage).await.unwrap()
}

/// The whole pipeline: read the bytes, plan, apply. Returns the users created.
async fn import(directory: &Directory, district: DistrictId, bytes: &[u8]) -> u64 {
    import_outcome(directory, district, bytes)
        .await
        .counts
        .created
}

/// [`import`], returning what was written.
async fn import_outcome(
    directory: &Directory,
    district: DistrictId,
    bytes: &[u8],
) -> homeroom::ImportOutcome {
    let admin = Actor::system("bench");
    let data = read(bytes, "roster.csv", &ReadOptions::default()).unwrap();
    let options = ImportOptions {
        sync: true,
        ..ImportOptions::default()
    };
    let plan = directory
        .plan_import(&admin, district, &data, &options)
        .await
        .unwrap();
    assert!(!plan.has_errors(), "{:?}", &plan.issues()[..1]);
    // A sync is applied under the district's sync lease (uncontended here: one renewal).
    let leases = homeroom_memory::MemoryLeases::new();
    let ttl = chrono::Duration::minutes(2);
    let lease = leases
        .try_acquire(&homeroom::Lease::sync_name(district), "bench", ttl)
        .await
        .unwrap()
        .unwrap();
    let outcome = directory
        .apply_sync(
            &admin,
            district,
            &plan,
            Approval::Required,
            homeroom::HeldLease::new(&leases, &lease, ttl),
            &|_| {},
        )
        .await
        .unwrap();
    leases.release(&lease).await.unwrap();
    outcome
}

/// Every user of the district, as the import stored them.
async fn all_users(directory: &Directory, district: DistrictId) -> Vec<User> {
    let admin = Actor::system("bench");
    let mut search = UserSearch::default().any_status();
    search.limit = homeroom::query::MAX_PAGE_SIZE;
    let mut users = Vec::new();
    loop {
        let page = directory
            .search_users(&admin, district, &search)
            .await
            .unwrap();
        users.extend(page.items);
        match page.next {
            Some(next) => search.after = Some(next),
            None => return users,
        }
    }
}

/// A fresh file path for one iteration (under the target directory).
fn fresh_file(what: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("import-bench");
    files::fresh_file(&dir, what).unwrap()
}

/// Times `run` over fresh state made by `setup` (not timed) for each iteration.
fn timed<T, F, R>(runtime: &Runtime, iterations: u64, setup: F, run: R) -> Duration
where
    F: Fn() -> T,
    R: Fn(T) -> Duration,
{
    let _guard = runtime.enter();
    (0..iterations).map(|_| run(setup())).sum()
}

fn import_group(c: &mut Criterion) {
    let runtime = Runtime::new().unwrap();
    let n = rows();
    let bytes = roster(n);

    // The users the import creates, for the raw insert; and a store holding them, for the
    // no-change re-sync.
    let (synced, district_id) = runtime.block_on(async {
        let (directory, district) = district(Arc::new(MemoryStorage::new())).await;
        assert_eq!(import(&directory, district, &bytes).await, n as u64);
        (directory, district)
    });
    let users = runtime.block_on(all_users(&synced, district_id));
    assert_eq!(users.len(), n);

    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(n as u64));

    group.bench_function(BenchmarkId::new("parse_only", n), |b| {
        b.iter(|| {
            let mut reader = csv::Reader::from_reader(bytes.as_slice());
            let mut record = csv::StringRecord::new();
            let mut rows = 0_usize;
            while reader.read_record(&mut record).unwrap() {
                rows += record.len().min(1);
            }
            assert_eq!(rows, n);
        });
    });

    group.bench_function(BenchmarkId::new("plan_apply_memory", n), |b| {
        b.iter_custom(|iterations| {
            timed(
                &runtime,
                iterations,
                || runtime.block_on(district(Arc::new(MemoryStorage::new()))),
                |(directory, district)| {
                    let start = Instant::now();
                    let created = runtime.block_on(import(&directory, district, &bytes));
                    let took = start.elapsed();
                    assert_eq!(created, n as u64);
                    drop(directory); // freeing the store is not part of the import
                    took
                },
            )
        });
    });

    group.bench_function(BenchmarkId::new("resync_nochange_memory", n), |b| {
        b.iter(|| {
            let outcome = runtime.block_on(import_outcome(&synced, district_id, &bytes));
            assert_eq!((outcome.counts.created, outcome.ops), (0, 0));
        });
    });

    group.bench_function(BenchmarkId::new("resync_nochange_sqlite", n), |b| {
        // One SQLite file holding the imported users, made once (not timed); every iteration
        // syncs the same file into it again and must write nothing.
        let path = fresh_file("resync");
        let storage = runtime
            .block_on(SeaStorage::connect(&files::sqlite_url(&path)))
            .unwrap();
        let (directory, district) = runtime.block_on(district(Arc::new(storage)));
        assert_eq!(
            runtime.block_on(import(&directory, district, &bytes)),
            n as u64
        );
        b.iter(|| {
            let outcome = runtime.block_on(import_outcome(&directory, district, &bytes));
            assert_eq!((outcome.counts.unchanged, outcome.ops), (n as u64, 0));
        });
        drop(directory);
        files::remove(&path);
    });

    group.bench_function(BenchmarkId::new("plan_apply_sqlite", n), |b| {
        b.iter_custom(|iterations| {
            timed(
                &runtime,
                iterations,
                || {
                    let path = fresh_file("sea");
                    let storage = runtime
                        .block_on(SeaStorage::connect(&files::sqlite_url(&path)))
                        .unwrap();
                    let (directory, district) = runtime.block_on(district(Arc::new(storage)));
                    (directory, district, path)
                },
                |(directory, district, path)| {
                    let start = Instant::now();
                    let created = runtime.block_on(import(&directory, district, &bytes));
                    let took = start.elapsed();
                    assert_eq!(created, n as u64);
                    drop(directory);
                    files::remove(&path);
                    took
                },
            )
        });
    });

    for (id, indexed) in [
        ("raw_insert_many_sqlite", false),
        ("raw_insert_many_indexed_sqlite", true),
    ] {
        group.bench_function(BenchmarkId::new(id, n), |b| {
            b.iter_custom(|iterations| {
                timed(
                    &runtime,
                    iterations,
                    || {
                        let path = fresh_file("bare");
                        let indexes: &[&str] = if indexed { &bare::INDEXES } else { &[] };
                        let db = runtime.block_on(bare::open_with(&path, indexes));
                        (db.unwrap(), path)
                    },
                    |(db, path)| {
                        let start = Instant::now();
                        runtime.block_on(bare::insert(&db, &users)).unwrap();
                        let took = start.elapsed();
                        runtime.block_on(db.close()).unwrap();
                        files::remove(&path);
                        took
                    },
                )
            });
        });
    }
    #[cfg(feature = "postgres")]
    if let Some(url) = postgres::url() {
        postgres::bench(&mut group, &runtime, &url, &bytes, &users);
    }
    group.finish();
}

/// `plan_apply_postgres/N` and `raw_copy_postgres/N`: built with `--features postgres`, run
/// when `HOMEROOM_BENCH_POSTGRES_URL` is set or under `pg_virtualenv` (as the command bench).
#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use criterion::measurement::WallTime;
    use homeroom::{Email, Grade, Username};
    use sea_orm::{ConnectionTrait, DatabaseConnection};

    pub(super) use homeroom_benches::postgres::url;

    /// A `homeroom-sea` store in a schema of its own, emptied first.
    async fn fresh_store(url: &str) -> SeaStorage {
        homeroom_benches::postgres::fresh(url, "hr_bench_import")
            .await
            .unwrap()
    }

    /// The bare table (the twelve columns `homeroom-sea` keeps per user, a primary key and
    /// nothing else), fresh.
    async fn fresh_bare(url: &str) -> DatabaseConnection {
        let db = sea_orm::Database::connect(url).await.unwrap();
        for statement in [
            "DROP TABLE IF EXISTS hr_bench_bare_users",
            "CREATE TABLE hr_bench_bare_users (id uuid NOT NULL PRIMARY KEY, \
             district uuid NOT NULL, version bigint NOT NULL, local_id text, email_key text, \
             username_key text, sort_key text NOT NULL, kind text NOT NULL, grade text, \
             status text NOT NULL, access text NOT NULL, data text NOT NULL)",
        ] {
            db.execute_unprepared(statement).await.unwrap();
        }
        db
    }

    /// The bare write: the users' rows as CSV, sent with one `COPY ... FROM STDIN` in one
    /// transaction (rows built inside the clock, as `raw_insert_many_sqlite` builds its).
    async fn copy(db: &DatabaseConnection, users: &[User]) {
        let mut out = csv::Writer::from_writer(Vec::with_capacity(users.len() * 1024));
        for u in users {
            let d = &u.details;
            let opt = |v: Option<String>| v.unwrap_or_default();
            // An empty unquoted CSV field is NULL; required text is never empty here.
            out.write_record([
                u.id.as_uuid().to_string(),
                u.district.as_uuid().to_string(),
                u.version.get().to_string(),
                opt(d.local_id.as_ref().map(|l| l.as_str().to_owned())),
                opt(d.email.as_ref().map(Email::key)),
                opt(d.username.as_ref().map(Username::key)),
                u.sort_key(),
                d.kind.as_str().to_owned(),
                opt(d.grade.as_ref().map(Grade::code)),
                u.status.as_str().to_owned(),
                u.access.kind().as_str().to_owned(),
                serde_json::to_string(u).unwrap(),
            ])
            .unwrap();
        }
        let bytes = out.into_inner().unwrap();
        let pool = db.get_postgres_connection_pool();
        let mut txn = pool.begin().await.unwrap();
        let mut copy = txn
            .copy_in_raw("COPY hr_bench_bare_users FROM STDIN (FORMAT csv)")
            .await
            .unwrap();
        copy.send(bytes).await.unwrap();
        assert_eq!(copy.finish().await.unwrap(), users.len() as u64);
        txn.commit().await.unwrap();
    }

    pub(super) fn bench(
        group: &mut criterion::BenchmarkGroup<'_, WallTime>,
        runtime: &Runtime,
        url: &str,
        bytes: &[u8],
        users: &[User],
    ) {
        let n = users.len();
        group.bench_function(BenchmarkId::new("plan_apply_postgres", n), |b| {
            b.iter_custom(|iterations| {
                timed(
                    runtime,
                    iterations,
                    || {
                        let storage = runtime.block_on(fresh_store(url));
                        runtime.block_on(district(Arc::new(storage)))
                    },
                    |(directory, district)| {
                        let start = Instant::now();
                        let created = runtime.block_on(import(&directory, district, bytes));
                        let took = start.elapsed();
                        assert_eq!(created, n as u64);
                        drop(directory);
                        took
                    },
                )
            });
        });
        group.bench_function(BenchmarkId::new("raw_copy_postgres", n), |b| {
            b.iter_custom(|iterations| {
                timed(
                    runtime,
                    iterations,
                    || runtime.block_on(fresh_bare(url)),
                    |db| {
                        let start = Instant::now();
                        runtime.block_on(copy(&db, users));
                        let took = start.elapsed();
                        runtime.block_on(db.close()).unwrap();
                        took
                    },
                )
            });
        });
    }
}

/// Org units an org-planning case creates.
const ORG_UNITS: usize = 10_000;

/// A OneRoster `orgs.csv` of the district and `units` new units: a school, then four
/// departments under it, and so on.
fn orgs_csv(units: usize) -> Vec<u8> {
    let mut out =
        String::from("sourcedId,name,type,parentSourcedId\nd1,Maple Valley USD,district,\n");
    let mut school = 0;
    for n in 0..units {
        if n % 5 == 0 {
            school = n;
            out.push_str(&format!("o{n},New School {n},school,d1\n"));
        } else {
            out.push_str(&format!("o{n},Department {n},department,o{school}\n"));
        }
    }
    out.into_bytes()
}

/// A Homeroom CSV of `rows` users, each in a building of their own that does not exist yet.
fn buildings_csv(rows: usize) -> Vec<u8> {
    let mut out = String::from("Local ID,First Name,Last Name,Building\r\n");
    for n in 0..rows {
        out.push_str(&format!("B{n:07},Kid,Number{n},Annex {n}\r\n"));
    }
    out.into_bytes()
}

fn org_group(c: &mut Criterion) {
    let runtime = Runtime::new().unwrap();
    let n = ORG_UNITS;
    let admin = Actor::system("bench");
    let orgs = orgs_csv(n);
    let package = OneRosterPackage::from_files([
        (
            "manifest.csv",
            b"propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\n".to_vec(),
        ),
        ("orgs.csv", orgs.clone()),
        (
            "users.csv",
            b"sourcedId,enabledUser,orgSourcedIds,role,givenName,familyName,identifier\nu1,true,o0,student,Ada,Lovelace,00123\n"
                .to_vec(),
        ),
    ]);
    let roster_data = package.read(&ReadOptions::default()).unwrap();
    assert!(
        !roster_data.has_errors(),
        "{:?}",
        roster_data.issues.first()
    );
    let buildings = read(&buildings_csv(n), "buildings.csv", &ReadOptions::default()).unwrap();
    let create_units = ImportOptions {
        create_org_units: true,
        ..ImportOptions::default()
    };
    let (directory, district) = runtime.block_on(district(Arc::new(MemoryStorage::new())));

    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new("parse_orgs_only", n), |b| {
        b.iter(|| {
            let mut reader = csv::Reader::from_reader(orgs.as_slice());
            let mut record = csv::StringRecord::new();
            let mut rows = 0_usize;
            while reader.read_record(&mut record).unwrap() {
                rows += record.len().min(1);
            }
            assert_eq!(rows, n + 1);
        });
    });
    group.bench_function(BenchmarkId::new("plan_orgs", n), |b| {
        b.iter(|| {
            let plan = runtime
                .block_on(directory.plan_import(
                    &admin,
                    district,
                    &roster_data,
                    &ImportOptions::default(),
                ))
                .unwrap();
            assert!(!plan.has_errors(), "{:?}", plan.issues().first());
            assert_eq!(plan.org_units().len(), n);
        });
    });
    group.bench_function(BenchmarkId::new("plan_buildings", n), |b| {
        b.iter(|| {
            let plan = runtime
                .block_on(directory.plan_import(&admin, district, &buildings, &create_units))
                .unwrap();
            assert!(!plan.has_errors(), "{:?}", plan.issues().first());
            assert_eq!(plan.org_units().len(), n);
        });
    });
    group.finish();
}

criterion_group!(benches, org_group, import_group);
criterion_main!(benches);
