//! One bulk archive of a graduating class, timed phase by phase (preview, then apply), beside
//! the bare SeaORM update of the same rows: the `bulk` bench's work at a size of your choice,
//! once, to profile or to iterate on without running the whole criterion group.
//!
//! ```text
//! cargo run --release -p homeroom-benches --example bulk_once -- [seniors] [sqlite|bare|memory|all]
//! ```
//!
//! `seniors` defaults to 50 000 (with a fifth as many students in other grades); the mode to
//! `all`. The SQLite files are written under the system's temporary directory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a measuring tool, not library code: a failure should stop it loudly"
)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use homeroom::{Actor, Storage};
use homeroom_benches::district::{district, schools};
use homeroom_benches::files;
use homeroom_benches::graduation::{bare_update, directory, preview_archive, seed_set, students};
use homeroom_memory::MemoryStorage;
use homeroom_sea::SeaStorage;
use sea_orm::{ConnectionTrait, Database};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let seniors: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(50_000);
    let mode = args.next().unwrap_or_else(|| "all".to_owned());
    let district = district();
    let schools = schools(district.id);
    let users = students(district.id, &schools, seniors, seniors / 5);
    let seed = seed_set(&district, &schools, &users);
    let dir = std::env::temp_dir().join("homeroom-bulk-once");
    println!("{seniors} seniors among {} students", users.len());

    if mode == "sqlite" || mode == "all" {
        let path = files::fresh_file(&dir, "sea").unwrap();
        let storage = Arc::new(
            SeaStorage::connect(&files::sqlite_url(&path))
                .await
                .unwrap(),
        );
        storage.apply(seed.clone()).await.unwrap();
        let total = archive(storage.clone(), district.id).await;
        println!("SQLite file: {total:.3} s");
        storage.close().await.unwrap();
        files::remove(&path);
    }
    if mode == "bare" || mode == "all" {
        let path: PathBuf = files::fresh_file(&dir, "bare").unwrap();
        let storage = SeaStorage::connect(&files::sqlite_url(&path))
            .await
            .unwrap();
        storage.apply(seed.clone()).await.unwrap();
        storage.close().await.unwrap();
        let db = Database::connect(files::sqlite_url(&path).as_str())
            .await
            .unwrap();
        db.execute_unprepared("PRAGMA synchronous = NORMAL")
            .await
            .unwrap();
        let start = Instant::now();
        assert_eq!(
            bare_update(&db, &users[..seniors]).await.unwrap(),
            seniors as u64
        );
        println!("bare update: {:.3} s", start.elapsed().as_secs_f64());
        db.close().await.unwrap();
        files::remove(&path);
    }
    if mode == "memory" || mode == "all" {
        let storage = Arc::new(MemoryStorage::new());
        storage.apply(seed.clone()).await.unwrap();
        let total = archive(storage, district.id).await;
        println!("memory: {total:.3} s");
    }
}

/// Previews then applies the archive, printing each phase; the total in seconds.
async fn archive(storage: Arc<dyn Storage>, district: homeroom::DistrictId) -> f64 {
    let d = directory(storage);
    let start = Instant::now();
    let preview = preview_archive(&d, district).await.unwrap();
    let previewed = start.elapsed();
    let done = d
        .apply_bulk(&Actor::system("bench"), district, &preview)
        .await
        .unwrap();
    let total = start.elapsed();
    assert_eq!(done.touched, preview.touched);
    println!(
        "  preview {:.3} s, apply {:.3} s ({} archived)",
        previewed.as_secs_f64(),
        (total - previewed).as_secs_f64(),
        done.touched
    );
    total.as_secs_f64()
}
