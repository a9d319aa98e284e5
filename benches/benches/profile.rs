//! Assembling a busy user's full profile (50 checkouts, 20 incidents, 30 invoices with
//! payments, 40 notes; first page of 25 per tab, balance over every invoice), on each backend.
//!
//! Each assembly also appends the profile-view audit entry (on by default for students), so
//! the figure includes that write, as it does in production.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // bench code; criterion's macros make undocumented items

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use homeroom::{Actor, Storage};
use homeroom_benches::busy_profile;

fn bench(
    c: &mut Criterion,
    name: &str,
    runtime: &tokio::runtime::Runtime,
    storage: Arc<dyn Storage>,
) {
    let (directory, district, user) = runtime.block_on(busy_profile(storage)).unwrap();
    let admin = Actor::system("bench");
    let profile = runtime
        .block_on(directory.profile(&admin, district, user, 25))
        .unwrap();
    assert_eq!(profile.tabs.len(), 7, "every tab but Insurance");
    c.bench_function(&format!("profile/{name}"), |b| {
        b.to_async(runtime)
            .iter(|| directory.profile(&admin, district, user, 25));
    });
}

fn profile(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    bench(
        c,
        "memory",
        &runtime,
        Arc::new(homeroom_memory::MemoryStorage::new()),
    );
    let file =
        std::env::temp_dir().join(format!("homeroom-profile-bench-{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let sqlite = runtime
        .block_on(homeroom_sea::SeaStorage::connect(&url))
        .unwrap();
    bench(c, "sqlite_file", &runtime, Arc::new(sqlite));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = profile
}
criterion_main!(benches);
