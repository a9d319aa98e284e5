//! Archiving a graduating class of 50 000 students selected by a search: Homeroom's bulk
//! preview and apply (one `ChangeSet` through `Storage::apply`) on a SQLite file
//! (`homeroom-sea`) and on the memory backend, side by side with a bare SeaORM update of the
//! same rows in one transaction.
//!
//! # What is compared
//!
//! - **`directory_preview_and_apply_sqlite_file`**: `Directory::preview_bulk` of
//!   `BulkAction::Archive` over `UserSearch::grade(12)` then `Directory::apply_bulk` of that
//!   preview, as the system actor, on a fresh `SeaStorage` file holding the district, 20
//!   schools, the 50 000 seniors and 10 000 other students. The apply re-plans (reads the
//!   selection again) and writes each senior's row at its version with an activity entry
//!   naming the operation, and the operation's record, in one transaction.
//! - **`bare_update_same_rows_sqlite_file`**: SeaORM `update_many` of the same 50 000 rows
//!   (new JSON `data`, status, version, each `WHERE id = ? AND version = ?`) in one
//!   transaction on the same schema: what the row updates cost with nothing around them (no
//!   reads, no search, no activity log).
//! - **`directory_preview_and_apply_memory`**: the same commands over `MemoryStorage`.
//!
//! Each iteration starts from a freshly seeded database (outside the timed part). The target
//! for the SQLite directory figure is at most 3× the bare update.
//!
//! Run with `cargo bench -p homeroom-benches --bench bulk`.

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

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use homeroom::Storage;
use homeroom_benches::district::{district, schools};
use homeroom_benches::files;
use homeroom_benches::graduation::{archive_seniors, bare_update, directory, seed_set, students};
use homeroom_memory::MemoryStorage;
use homeroom_sea::SeaStorage;
use sea_orm::{ConnectionTrait, Database};
use tokio::runtime::Runtime;

const SENIORS: usize = 50_000;
const OTHERS: usize = 10_000;

fn fresh_file(what: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bulk-bench");
    files::fresh_file(&dir, what).unwrap()
}

fn bulk(c: &mut Criterion) {
    let runtime = Runtime::new().unwrap();
    let district = district();
    let schools = schools(district.id);
    let users = students(district.id, &schools, SENIORS, OTHERS);
    let seed = seed_set(&district, &schools, &users);
    let seniors = &users[..SENIORS];

    let mut group = c.benchmark_group("bulk");
    group
        .sample_size(10)
        // Each iteration seeds a fresh database: one iteration per sample, not 1 + 2 + ... + 10.
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(60))
        .throughput(Throughput::Elements(SENIORS as u64));

    group.bench_function("directory_preview_and_apply_sqlite_file", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let path = fresh_file("sea");
                let storage = runtime
                    .block_on(SeaStorage::connect(&files::sqlite_url(&path)))
                    .unwrap();
                runtime.block_on(storage.apply(seed.clone())).unwrap();
                let storage = Arc::new(storage);
                let d = directory(storage.clone());
                let start = Instant::now();
                assert_eq!(
                    runtime.block_on(archive_seniors(&d, district.id)).unwrap(),
                    SENIORS as u64
                );
                total += start.elapsed();
                runtime.block_on(storage.close()).unwrap();
                files::remove(&path);
            }
            total
        });
    });

    group.bench_function("bare_update_same_rows_sqlite_file", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let path = fresh_file("bare");
                let storage = runtime
                    .block_on(SeaStorage::connect(&files::sqlite_url(&path)))
                    .unwrap();
                runtime.block_on(storage.apply(seed.clone())).unwrap();
                runtime.block_on(storage.close()).unwrap();
                let db = runtime
                    .block_on(Database::connect(files::sqlite_url(&path).as_str()))
                    .unwrap();
                runtime
                    .block_on(db.execute_unprepared("PRAGMA synchronous = NORMAL"))
                    .unwrap();
                let start = Instant::now();
                assert_eq!(
                    runtime.block_on(bare_update(&db, seniors)).unwrap(),
                    SENIORS as u64
                );
                total += start.elapsed();
                runtime.block_on(db.close()).unwrap();
                files::remove(&path);
            }
            total
        });
    });

    group.bench_function("directory_preview_and_apply_memory", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let storage = Arc::new(MemoryStorage::new());
                runtime.block_on(storage.apply(seed.clone())).unwrap();
                let d = directory(storage);
                let start = Instant::now();
                assert_eq!(
                    runtime.block_on(archive_seniors(&d, district.id)).unwrap(),
                    SENIORS as u64
                );
                total += start.elapsed();
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, bulk);
criterion_main!(benches);
