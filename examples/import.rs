//! Bulk import and nightly sync from the command line: how districts' scripts call Homeroom.
//!
//! ```text
//! import --db URL --district NAME [--format auto|csv|xlsx|oneroster]
//!        [--mode upsert|create-only|update-only] [--sync] [--max-deactivate-percent N]
//!        [--create-org-units] [--dry-run] [--json] PATH
//! ```
//!
//! PATH is a CSV file, an Excel workbook, a OneRoster zip, or a folder holding a OneRoster
//! package. Exit status: 0 applied (or a clean dry run), 1 errors found and nothing written
//! (or `sync_in_progress`), 3 held by a guard, 2 usage. The logic lives in
//! `homeroom_examples::import_cli`; see docs/import.md.

#[tokio::main]
async fn main() {
    let code = homeroom_examples::import_cli::main(
        std::env::args().skip(1),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
    .await;
    std::process::exit(code);
}
