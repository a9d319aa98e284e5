//! One import of a large generated roster, timed phase by phase: read, plan, apply, then a
//! no-change re-sync. For sizes too large to run many times in a criterion bench (the
//! million-row run); run it under `/usr/bin/time -v` for the peak memory.
//!
//! ```text
//! cargo run --release -p homeroom-benches --example import_once -- 1000000 [sqlite-file]
//! ```
//!
//! Without a file the memory backend is used. `HOMEROOM_RESYNCS=N` runs N no-change re-syncs
//! instead of one. Each pass prints the resident and peak memory after reading, planning and
//! applying.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a measuring tool, not library code: a failure should stop it loudly"
)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use homeroom::Leases;
use homeroom::import::{ReadOptions, read};
use homeroom::{Actor, Approval, ImportOptions, Storage};
use homeroom_benches::{files, roster};
use homeroom_memory::MemoryStorage;
use homeroom_sea::SeaStorage;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let file = args.next().map(PathBuf::from);
    let storage: Arc<dyn Storage> = match &file {
        Some(path) => {
            files::remove(path);
            Arc::new(SeaStorage::connect(&files::sqlite_url(path)).await.unwrap())
        }
        None => Arc::new(MemoryStorage::new()),
    };
    let backend = if file.is_some() {
        "SQLite file"
    } else {
        "memory"
    };
    let bytes = roster::roster(rows);
    println!(
        "{rows} rows ({:.1} MB), {backend}",
        bytes.len() as f64 / 1e6
    );
    let (directory, district) = roster::district(storage).await.unwrap();
    let admin = Actor::system("import_once");
    let options = ImportOptions {
        sync: true,
        ..ImportOptions::default()
    };
    // More no-change re-syncs on request, to time or profile that path alone.
    let resyncs: usize = std::env::var("HOMEROOM_RESYNCS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let passes =
        std::iter::once("first import").chain(std::iter::repeat_n("no-change re-sync", resyncs));
    for pass in passes {
        let start = Instant::now();
        let data = read(&bytes, "roster.csv", &ReadOptions::default()).unwrap();
        let read_took = start.elapsed();
        let read_memory = memory();
        let plan = directory
            .plan_import(&admin, district, &data, &options)
            .await
            .unwrap();
        let plan_took = start.elapsed() - read_took;
        let planned_memory = memory();
        // The plan owns everything the apply reads: a host lets the read table go before
        // applying, and so does this run (the table of a million rows is about 240 MB).
        drop(data);
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
        let total = start.elapsed();
        println!(
            "{pass}: {total:.2?} (read {read_took:.2?}, plan {plan_took:.2?}, apply {:.2?}); created {}, unchanged {}, {} ops",
            total - read_took - plan_took,
            outcome.counts.created,
            outcome.counts.unchanged,
            outcome.ops
        );
        println!(
            "  memory after reading: {read_memory}; after planning: {planned_memory}; after applying: {}",
            memory()
        );
    }
}

/// The process's resident and peak resident memory, from `/proc/self/status` (Linux; empty
/// elsewhere): where in an import the peak is reached.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(|rest| rest.trim().to_owned())
            .unwrap_or_else(|| "?".to_owned())
    };
    format!("resident {}, peak {}", field("VmRSS:"), field("VmHWM:"))
}
