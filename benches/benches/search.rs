//! Search at scale: a generated district of 1 000 000 users in 40 buildings, prefix searches on
//! the last name, the e-mail and the Local ID, first page of 50 with its `total`, through
//! `Directory::search_users` (authorization, the storage query, the page decoded), as
//!
//! - (a) `district`: a District Administrator (sees everyone), and
//! - (b) `scoped`: the Building Administrator of building 0 (sees 1/40 of the district),
//!
//! on the memory backend, a SQLite file and, when a server is configured, PostgreSQL. Side by
//! side in the same run, on the same database, the bare limit `bare_<key>`: a hand-written
//! query on the one indexed column the prefix is about,
//! `SELECT data FROM hr_users WHERE district = ? AND key >= ? AND key < ? ORDER BY key LIMIT 50`
//! (`sort_key` for the last name, `email_key`, `local_id`).
//!
//! The searches (`N` users; a user has a first name from 64, a last name from 2 000 made of
//! three syllables, `first.lastN@maple.k12.us`, Local ID `N` on 7 digits):
//!
//! - `last_name`: a whole last name, `marlowen` (~N/2 000 matches);
//! - `email`: `ada.marlowen` (~N/128 000 matches);
//! - `local_id`: `00123` (100 matches from 100 000 users up);
//! - `one_letter`: `m`, the first letter of 1/10 of the last names (~N/10 matches), to show
//!   what counting a huge match set costs.
//!
//! Generating a million users takes minutes, so the SQLite file is kept between runs under
//! `target/tmp/search-bench/` keyed by [`GENERATOR`] and the size (delete it, or bump
//! [`GENERATOR`] when the generator changes, to regenerate); PostgreSQL and memory are filled
//! each run. The size is `HOMEROOM_BENCH_SEARCH_USERS` (default 1 000 000; develop at 100 000).
//!
//! PostgreSQL runs when built with `--features postgres` and `HOMEROOM_BENCH_POSTGRES_URL` is
//! set, or under `pg_virtualenv` (`PGHOST`/`PGDATABASE` set), in a schema of its own
//! (`hr_bench_search`, dropped first). For example:
//!
//! ```text
//! HOMEROOM_BENCH_SEARCH_USERS=1000000 pg_virtualenv -- cargo bench -p homeroom-benches \
//!   --features postgres --bench search -- --warm-up-time 1 --measurement-time 3 --sample-size 10
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // bench code; criterion's macros make undocumented items

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use homeroom::conformance::Fixture;
use homeroom::{
    Actor, ChangeSet, Directory, DistrictId, Email, Grade, LocalId, ManualClock, NewOrgUnit, Op,
    OrgUnitId, Preset, Scope, SequentialIds, Storage, User, UserDetails, UserId, UserKind,
    UserSearch,
};
use homeroom_benches::files;
use homeroom_memory::MemoryStorage;
use homeroom_sea::SeaStorage;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};

/// The generator's version: part of the cached file's name.
const GENERATOR: u32 = 2;
const BUILDINGS: usize = 40;
/// Users written per change set.
const CHUNK: usize = 50_000;

const FIRST: [&str; 64] = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Maria",
    "James",
    "Linda",
    "Robert",
    "Susan",
    "David",
    "Karen",
    "Joseph",
    "Nancy",
    "Thomas",
    "Lisa",
    "Daniel",
    "Betty",
    "Paul",
    "Sandra",
    "Mark",
    "Ashley",
    "Steven",
    "Kimberly",
    "Andrew",
    "Emily",
    "Joshua",
    "Donna",
    "Kevin",
    "Michelle",
    "Brian",
    "Carol",
    "George",
    "Amanda",
    "Edward",
    "Melissa",
    "Ronald",
    "Deborah",
    "Timothy",
    "Stephanie",
    "Jason",
    "Rebecca",
    "Jeffrey",
    "Sharon",
    "Ryan",
    "Laura",
    "Jacob",
    "Cynthia",
    "Gary",
    "Dorothy",
    "Nicholas",
    "Amy",
    "Eric",
    "Kathleen",
    "Jonathan",
    "Angela",
    "Stephen",
    "Shirley",
    "Larry",
    "Brenda",
    "Justin",
];
const SYLLABLE_A: [&str; 20] = [
    "mar", "bel", "cor", "dan", "el", "fen", "gar", "hol", "ing", "jor", "kel", "lan", "nor", "or",
    "pen", "quin", "ros", "sal", "tor", "wal",
];
const SYLLABLE_B: [&str; 10] = ["lo", "ri", "de", "ma", "ten", "si", "va", "bu", "ke", "no"];
const SYLLABLE_C: [&str; 10] = [
    "wen", "son", "ley", "ford", "ton", "berg", "ez", "man", "ski", "ner",
];

/// The ids the bench needs from a generated district (kept next to the cached file).
#[derive(Clone)]
struct Scene {
    district: DistrictId,
    district_admin: UserId,
    building_admin: UserId,
    users: usize,
}

impl Scene {
    fn to_json(&self) -> String {
        serde_json::json!({
            "district": self.district.as_uuid().to_string(),
            "district_admin": self.district_admin.as_uuid().to_string(),
            "building_admin": self.building_admin.as_uuid().to_string(),
            "users": self.users,
        })
        .to_string()
    }

    fn from_json(text: &str) -> Self {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let id = |k: &str| uuid::Uuid::parse_str(v[k].as_str().unwrap()).unwrap();
        Self {
            district: DistrictId::from_uuid(id("district")),
            district_admin: UserId::from_uuid(id("district_admin")),
            building_admin: UserId::from_uuid(id("building_admin")),
            users: usize::try_from(v["users"].as_u64().unwrap()).unwrap(),
        }
    }
}

fn users_wanted() -> usize {
    std::env::var("HOMEROOM_BENCH_SEARCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// A cheap, fixed mix of `n` (so names do not follow the Local IDs).
fn mix(n: usize) -> usize {
    let x = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((x >> 32) ^ x) as usize
}

/// User number `n`: a student (one in ten staff) of building `n % 40`.
fn user(district: DistrictId, buildings: &[OrgUnitId], n: usize) -> User {
    let h = mix(n);
    let first = FIRST[h % 64];
    let last_index = (h / 64) % 2000;
    let last = format!(
        "{}{}{}",
        SYLLABLE_A[last_index / 100],
        SYLLABLE_B[(last_index / 10) % 10],
        SYLLABLE_C[last_index % 10]
    );
    let mut last = last.chars();
    let last: String = last
        .next()
        .map(|c| c.to_uppercase().chain(last).collect())
        .unwrap_or_default();
    let mut user = Fixture::new().user(district, first, &last);
    user.id = UserId::from_uuid(uuid::Uuid::from_u128(1_000_000_000 + n as u128));
    let details = &mut user.details;
    if n % 10 == 9 {
        details.kind = UserKind::Staff;
    } else {
        details.grade = Some(Grade::Numbered(u8::try_from(n % 12).unwrap() + 1));
    }
    details.local_id = Some(LocalId::parse(&format!("{n:07}")).unwrap());
    let email = format!(
        "{}.{}{n}@maple.k12.us",
        first.to_lowercase(),
        last.to_lowercase()
    );
    details.email = Some(Email::parse(&email).unwrap());
    details.org_units.insert(buildings[n % BUILDINGS]);
    user
}

/// Fills `storage` with the district, its buildings, the two administrators and `users`
/// generated users (written in change sets of [`CHUNK`]).
async fn generate(storage: Arc<dyn Storage>, users: usize) -> Scene {
    let started = Instant::now();
    let directory = directory(Arc::clone(&storage));
    let system = Actor::system("bench");
    let district = directory
        .create_district(&system, "Maple Valley USD")
        .await
        .unwrap()
        .id;
    let mut buildings = Vec::new();
    for n in 0..BUILDINGS {
        let unit = NewOrgUnit::school(format!("Building {n}")).with_code(format!("B{n:02}"));
        let unit = directory.create_org_unit(&system, district, unit).await;
        buildings.push(unit.unwrap().id);
    }
    let roles = directory.roles(&system, district).await.unwrap();
    let role = |preset| roles.iter().find(|r| r.preset == Some(preset)).unwrap().id;
    let admin = |first: &str, scope: Scope, preset| {
        let details = UserDetails::new(UserKind::Staff, first, "Admin").in_org_unit(buildings[0]);
        let (directory, system) = (&directory, &system);
        async move {
            let id = directory
                .create_user(system, district, details)
                .await
                .unwrap()
                .id;
            directory
                .grant_role(system, district, id, role(preset), scope)
                .await
                .unwrap();
            id
        }
    };
    let district_admin = admin("District", Scope::District, Preset::DistrictAdministrator).await;
    let building_admin = admin(
        "Building",
        Scope::unit(buildings[0]),
        Preset::BuildingAdministrator,
    )
    .await;
    for start in (0..users).step_by(CHUNK) {
        let mut set = ChangeSet::new();
        for n in start..users.min(start + CHUNK) {
            set.push(Op::InsertUser(Box::new(user(district, &buildings, n))));
        }
        storage.apply(set).await.unwrap();
    }
    eprintln!(
        "search bench: generated {users} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Scene {
        district,
        district_admin,
        building_admin,
        users,
    }
}

fn directory(storage: Arc<dyn Storage>) -> Directory {
    let clock = Arc::new(ManualClock::new(chrono::DateTime::UNIX_EPOCH));
    Directory::new(storage, clock, Arc::new(SequentialIds::new(11)))
}

/// The SQLite file of `users` users, generated once and kept under `target/tmp`.
async fn cached_sqlite(users: usize) -> (SeaStorage, Scene) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("search-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("search-v{GENERATOR}-{users}.db"));
    let sidecar = path.with_extension("json");
    let url = files::sqlite_url(&path);
    if let Ok(text) = std::fs::read_to_string(&sidecar) {
        let scene = Scene::from_json(&text);
        eprintln!("search bench: reusing {}", path.display());
        return (SeaStorage::connect(&url).await.unwrap(), scene);
    }
    files::remove(&path);
    let storage = SeaStorage::connect(&url).await.unwrap();
    let scene = generate(Arc::new(storage.clone()), users).await;
    // No ANALYZE: homeroom-sea never runs one, so the plans are those a host gets.
    let db = storage.connection();
    db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    std::fs::write(&sidecar, scene.to_json()).unwrap();
    (storage, scene)
}

/// The searches: (name, text, bare column, bare prefix).
const SEARCHES: [(&str, &str, &str, &str); 4] = [
    ("last_name", "marlowen", "sort_key", "marlowen"),
    ("email", "ada.marlowen", "email_key", "ada.marlowen"),
    ("local_id", "00123", "local_id", "00123"),
    ("one_letter", "m", "sort_key", "m"),
];

/// The bare limit: one range of one indexed column, first 50 rows.
async fn bare(db: &DatabaseConnection, district: DistrictId, column: &str, prefix: &str) -> usize {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => format!(
            "SELECT data FROM hr_users WHERE district = $1 AND {column} >= $2 AND {column} < $3 \
             ORDER BY {column} LIMIT 50"
        ),
        _ => format!(
            "SELECT data FROM hr_users WHERE district = ? AND {column} >= ? AND {column} < ? \
             ORDER BY {column} LIMIT 50"
        ),
    };
    let mut upper = prefix.to_owned();
    let last = upper.pop().unwrap();
    upper.push(char::from_u32(u32::from(last) + 1).unwrap());
    let values: Vec<Value> = vec![
        district.as_uuid().into(),
        prefix.to_owned().into(),
        upper.into(),
    ];
    let statement = Statement::from_sql_and_values(backend, sql, values);
    db.query_all_raw(statement).await.unwrap().len()
}

fn bench(
    c: &mut Criterion,
    backend: &str,
    runtime: &tokio::runtime::Runtime,
    storage: Arc<dyn Storage>,
    db: Option<&DatabaseConnection>,
    scene: &Scene,
) {
    let directory = directory(storage);
    let district = scene.district;
    let n = scene.users;
    let mut group = c.benchmark_group("search");
    for (who, actor) in [
        ("district", Actor::user(district, scene.district_admin)),
        ("scoped", Actor::user(district, scene.building_admin)),
    ] {
        for (name, text, _, _) in SEARCHES {
            let search = UserSearch::text(text);
            let page = runtime
                .block_on(directory.search_users(&actor, district, &search))
                .unwrap();
            eprintln!(
                "search bench: {backend} {who} {name} {text:?}: total {}, page {}",
                page.total,
                page.items.len()
            );
            group.bench_function(format!("{backend}_{who}_{name}/{n}"), |b| {
                b.to_async(runtime).iter(|| async {
                    let page = directory
                        .search_users(&actor, district, &search)
                        .await
                        .unwrap();
                    (page.total, page.items.len())
                });
            });
        }
    }
    if let Some(db) = db {
        for (name, _, column, prefix) in SEARCHES {
            let rows = runtime.block_on(bare(db, district, column, prefix));
            eprintln!("search bench: {backend} bare {name} ({column} {prefix:?}): {rows} rows");
            group.bench_function(format!("{backend}_bare_{name}/{n}"), |b| {
                b.to_async(runtime)
                    .iter(|| bare(db, district, column, prefix));
            });
        }
    }
    group.finish();
}

#[cfg(feature = "postgres")]
async fn fresh_postgres(url: &str, users: usize) -> (SeaStorage, Scene) {
    let storage = homeroom_benches::postgres::fresh(url, "hr_bench_search")
        .await
        .unwrap();
    let scene = generate(Arc::new(storage.clone()), users).await;
    // Autovacuum would analyze the new rows within the minute; do not wait for it.
    storage
        .connection()
        .execute_unprepared("ANALYZE")
        .await
        .unwrap();
    (storage, scene)
}

fn search(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let users = users_wanted();
    {
        let memory: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
        let scene = runtime.block_on(generate(Arc::clone(&memory), users));
        bench(c, "memory", &runtime, memory, None, &scene);
    }
    let (sqlite, scene) = runtime.block_on(cached_sqlite(users));
    let db = sqlite.connection().clone();
    bench(c, "sqlite", &runtime, Arc::new(sqlite), Some(&db), &scene);
    #[cfg(feature = "postgres")]
    if let Some(url) = homeroom_benches::postgres::url() {
        let (postgres, scene) = runtime.block_on(fresh_postgres(&url, users));
        let db = postgres.connection().clone();
        bench(
            c,
            "postgres",
            &runtime,
            Arc::new(postgres),
            Some(&db),
            &scene,
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = search
}
criterion_main!(benches);
