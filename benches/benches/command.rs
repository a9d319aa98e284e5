//! One ordinary command, `update_user` (a building administrator edits a student of their
//! building: authorization, the user read, the unique-key checks, one versioned update and its
//! activity entry), with the authority cache and without it, on a SQLite file and, when a
//! server is configured, on PostgreSQL; beside it the reads authorization pays either way,
//! issued straight to the storage:
//!
//! - `acting_stamp_<backend>`: the one read a command pays with the cache
//!   (`Storage::acting_stamp`);
//! - `acting_reads_<backend>`: the reads it pays without (district, org units, the actor,
//!   their credential, their grants, the roles).
//!
//! PostgreSQL runs when built with `--features postgres` and `HOMEROOM_BENCH_POSTGRES_URL` is
//! set, or under `pg_virtualenv` (`PGHOST`/`PGDATABASE` set), in a schema of its own
//! (`hr_bench_command`, dropped first).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // bench code; criterion's macros make undocumented items

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use homeroom::{
    Actor, Directory, DistrictId, ManualClock, NewOrgUnit, Preset, Scope, SequentialIds, Storage,
    UserDetails, UserId, UserKind, Version,
};
use homeroom_sea::SeaStorage;

/// A district of 10 schools and 200 students; Ada administers school 0; Sam is a student there.
struct Scene {
    directory: Directory,
    district: DistrictId,
    ada: UserId,
    sam: UserId,
}

async fn scene(storage: Arc<dyn Storage>) -> Scene {
    let clock = Arc::new(ManualClock::new(chrono::DateTime::UNIX_EPOCH));
    let directory = Directory::new(storage, clock, Arc::new(SequentialIds::new(11)));
    let admin = Actor::system("bench");
    let district = directory
        .create_district(&admin, "Bench USD")
        .await
        .unwrap()
        .id;
    let mut schools = Vec::new();
    for n in 0..10 {
        let school = NewOrgUnit::school(format!("School {n}"));
        schools.push(
            directory
                .create_org_unit(&admin, district, school)
                .await
                .unwrap()
                .id,
        );
    }
    let mut students = Vec::new();
    for n in 0..200 {
        let details = UserDetails::new(UserKind::Student, format!("First{n}"), format!("Last{n}"))
            .with_local_id(&format!("S{n:05}"))
            .unwrap()
            .in_org_unit(schools[n % schools.len()]);
        students.push(
            directory
                .create_user(&admin, district, details)
                .await
                .unwrap()
                .id,
        );
    }
    let ada = UserDetails::new(UserKind::Staff, "Ada", "Lovelace").in_org_unit(schools[0]);
    let ada = directory
        .create_user(&admin, district, ada)
        .await
        .unwrap()
        .id;
    let roles = directory.roles(&admin, district).await.unwrap();
    let principal = roles
        .iter()
        .find(|r| r.preset == Some(Preset::BuildingAdministrator))
        .unwrap()
        .id;
    directory
        .grant_role(&admin, district, ada, principal, Scope::unit(schools[0]))
        .await
        .unwrap();
    Scene {
        directory,
        district,
        ada,
        sam: students[0],
    }
}

/// What the uncached `acting` reads for a user actor, straight from the storage.
async fn acting_reads(storage: &dyn Storage, district: DistrictId, user: UserId) {
    storage.district(district).await.unwrap().unwrap();
    storage.org_units(district).await.unwrap();
    storage.user(district, user).await.unwrap().unwrap();
    storage.password_credential(district, user).await.unwrap();
    storage.grants(district, Some(user)).await.unwrap();
    storage.roles(district).await.unwrap();
}

fn bench(
    c: &mut Criterion,
    name: &str,
    runtime: &tokio::runtime::Runtime,
    storage: Arc<dyn Storage>,
) {
    let scene = runtime.block_on(scene(Arc::clone(&storage)));
    let (district, ada, sam) = (scene.district, scene.ada, scene.sam);
    let actor = Actor::user(district, ada);
    let current = runtime
        .block_on(scene.directory.user(&actor, district, sam))
        .unwrap();
    let version = Arc::new(AtomicU64::new(current.version.get()));
    let round = Arc::new(AtomicU64::new(0));
    for (label, directory) in [
        ("cached", scene.directory.clone()),
        ("uncached", scene.directory.clone().with_authority_cache(0)),
    ] {
        c.bench_function(&format!("command/update_user_{name}/{label}"), |b| {
            b.to_async(runtime).iter(|| {
                let (directory, actor, current) = (&directory, &actor, &current);
                let (version, round) = (Arc::clone(&version), Arc::clone(&round));
                async move {
                    let n = round.fetch_add(1, Ordering::Relaxed);
                    let mut details = current.details.clone();
                    details.job_title = Some(format!("edit {n}"));
                    let expected = Version::new(version.load(Ordering::Relaxed));
                    let user = directory
                        .update_user(actor, district, sam, expected, details)
                        .await
                        .unwrap();
                    version.store(user.version.get(), Ordering::Relaxed);
                }
            });
        });
    }
    c.bench_function(&format!("command/acting_stamp_{name}"), |b| {
        b.to_async(runtime)
            .iter(|| async { storage.acting_stamp(district, Some(ada)).await.unwrap() });
    });
    c.bench_function(&format!("command/acting_reads_{name}"), |b| {
        b.to_async(runtime)
            .iter(|| acting_reads(&*storage, district, ada));
    });
}

fn command(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let file =
        std::env::temp_dir().join(format!("homeroom-command-bench-{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let sqlite = runtime.block_on(SeaStorage::connect(&url)).unwrap();
    bench(c, "sqlite_file", &runtime, Arc::new(sqlite));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    #[cfg(feature = "postgres")]
    if let Some(url) = homeroom_benches::postgres::url() {
        let postgres = runtime
            .block_on(homeroom_benches::postgres::fresh(&url, "hr_bench_command"))
            .unwrap();
        bench(c, "postgres", &runtime, Arc::new(postgres));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = command
}
criterion_main!(benches);
