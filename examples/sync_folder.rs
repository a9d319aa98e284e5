//! The folder runner: imports the files dropped in a folder (oldest first, one at a time) and
//! moves each to `processed/` or `failed/` with its report beside it.
//!
//! ```text
//! sync_folder --db URL --district NAME [--sync] [--format auto|csv|xlsx|oneroster]
//!             [--mode upsert|create-only|update-only] [--max-deactivate-percent N]
//!             [--create-org-units] [--json] [--once | --poll-seconds N] DIR
//! ```
//!
//! The logic lives in `homeroom_examples::folder_runner`; see docs/import.md.

#[tokio::main]
async fn main() {
    let code = homeroom_examples::folder_runner::main(
        std::env::args().skip(1),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
    .await;
    std::process::exit(code);
}
