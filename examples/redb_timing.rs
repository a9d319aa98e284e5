//! A small, honest timing of the redb adapter beside `homeroom-memory` and SQLite
//! (`homeroom-sea`): insert 10 000 users in one change set, look one up by e-mail, and run a
//! text search (first page of 50), each on a fresh file in a temporary directory (the figures in
//! docs/adapters.md come from here).
//!
//! ```text
//! cargo run --release --example redb_timing
//! ```

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use homeroom::conformance::Fixture;
use homeroom::{
    ChangeSet, District, Email, Grade, LocalId, Op, Storage, User, UserKey, UserQuery, Username,
};
use homeroom_examples::redb_adapter::RedbStorage;
use homeroom_memory::MemoryStorage;
use homeroom_sea::SeaStorage;

const USERS: usize = 10_000;
const LOOKUPS: u32 = 1_000;
const SEARCHES: u32 = 10;

type Failure = Box<dyn std::error::Error>;

/// `USERS` students with a Local ID, an e-mail, a username and a grade.
fn students(fixture: &mut Fixture, district: &District) -> Result<Vec<User>, Failure> {
    const FIRST: [&str; 8] = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John",
    ];
    const LAST: [&str; 8] = [
        "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus",
    ];
    (0..USERS)
        .map(|n| {
            let first = format!("{}{}", FIRST[n % 8], n % 97);
            let mut user = fixture.user(district.id, &first, &format!("{}{n}", LAST[(n / 8) % 8]));
            let details = &mut user.details;
            details.local_id = Some(LocalId::parse(&format!("{n:07}"))?);
            details.email = Some(Email::parse(&format!("student{n}@maple.example"))?);
            details.username = Some(Username::parse(&format!("s{n:07}"))?);
            details.grade = Some(Grade::parse(&(n % 12 + 1).to_string())?);
            Ok(user)
        })
        .collect()
}

/// Times the three operations on one store, which already holds `district`.
async fn time(
    name: &str,
    store: &dyn Storage,
    district: &District,
    users: &[User],
) -> Result<(), Failure> {
    let set: ChangeSet = users
        .iter()
        .map(|u| Op::InsertUser(Box::new(u.clone())))
        .collect();
    let started = Instant::now();
    store.apply(set).await?;
    let insert = started.elapsed();

    let key = UserKey::Email("student4242@maple.example".into());
    let started = Instant::now();
    for _ in 0..LOOKUPS {
        store
            .user_by_key(district.id, &key)
            .await?
            .ok_or("the user is missing")?;
    }
    let lookup = started.elapsed() / LOOKUPS;

    // The first search may build an index (homeroom-memory's is rebuilt after a bulk write):
    // it is timed apart from the average of the next ten.
    let query = UserQuery {
        text: Some("grace1".into()),
        limit: 50,
        ..UserQuery::default()
    };
    let started = Instant::now();
    let page = store.search_users(district.id, &query).await?;
    let first_search = started.elapsed();
    let started = Instant::now();
    for _ in 0..SEARCHES {
        store.search_users(district.id, &query).await?;
    }
    let search = started.elapsed() / SEARCHES;

    println!(
        "{name:<7} insert {USERS} users: {:>8}  by e-mail: {:>8}  search 'grace1' ({} hits): first {:>8}, then {:>8}",
        show(insert),
        show(lookup),
        page.total,
        show(first_search),
        show(search)
    );
    Ok(())
}

fn show(d: Duration) -> String {
    match d.as_nanos() {
        ns if ns < 10_000 => format!("{ns} ns"),
        ns if ns < 10_000_000 => format!("{} µs", ns / 1000),
        ns => format!("{} ms", ns / 1_000_000),
    }
}

async fn with_district(store: &dyn Storage, district: &District) -> Result<(), Failure> {
    Ok(store
        .apply(ChangeSet::new().with(Op::InsertDistrict(district.clone())))
        .await?)
}

async fn run(dir: &Path) -> Result<(), Failure> {
    let mut fixture = Fixture::new();
    let district = fixture.district("Maple Valley USD");
    let users = students(&mut fixture, &district)?;

    let redb = RedbStorage::create(dir.join("timing.redb"))?;
    let memory = Arc::new(MemoryStorage::new());
    let url = format!("sqlite://{}?mode=rwc", dir.join("timing.db").display());
    let sqlite = SeaStorage::connect(&url).await?;
    let stores: [(&str, &dyn Storage); 3] =
        [("redb", &redb), ("memory", &*memory), ("sqlite", &sqlite)];
    for (name, store) in stores {
        with_district(store, &district).await?;
        time(name, store, &district, &users).await?;
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Failure> {
    let dir = std::env::temp_dir().join(format!("homeroom-redb-timing-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let outcome = run(&dir).await;
    std::fs::remove_dir_all(&dir)?;
    outcome
}
