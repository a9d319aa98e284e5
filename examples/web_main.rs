//! `web`: the directory behind an admin UI and a JSON API (axum). See
//! `homeroom_examples::web` for what it serves.
//!
//! ```text
//! cargo run --example web                                # ./homeroom-web.db on 127.0.0.1:8080
//! cargo run --example web -- --db postgres://... --listen 0.0.0.0:8080 --secure-cookies
//! ```

use std::sync::Arc;

use homeroom::Directory;
use homeroom::system::{RandomIds, SystemClock};
use homeroom_examples::web::{self, App, BlockingHashes, args, onboarding, seed, session};
use homeroom_sea::SeaStorage;
use tracing_subscriber::EnvFilter;

/// Where the development mailer writes the outbox's messages.
const MAIL_DIR: &str = "homeroom-web-mail";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let storage = SeaStorage::connect(&args.db).await?;
    // Sessions live in the same database, on the same pool: every instance shares them.
    let db = storage.connection().clone();
    let ids = Arc::new(RandomIds);
    let clock = Arc::new(SystemClock);
    // Argon2 runs on the blocking pool, at most 4 hashes at once.
    let storage: Arc<dyn homeroom::Storage> = Arc::new(storage);
    let directory = Directory::new(storage, clock.clone(), ids.clone())
        .with_hash_runner(Arc::new(BlockingHashes), 4);
    let demo = seed::demo_district(&directory).await?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let url = format!("{base}/");
    // Invitation links lead to this host's /welcome page.
    onboarding::set_links(&directory, demo.district, &base).await?;
    let sessions =
        session::Sessions::open(db, demo.district, ids, clock, args.secure_cookies).await?;
    let app = Arc::new(App::new(directory, demo.district, sessions)?);
    web::purge_every(app.clone(), std::time::Duration::from_secs(600));
    // Development mail: the outbox drained every 5 s into a folder (see smtp_mailer for SMTP).
    let mail = std::path::PathBuf::from(MAIL_DIR);
    onboarding::drain_every(
        app.clone(),
        Arc::new(onboarding::FolderMailer { dir: mail }),
        std::time::Duration::from_secs(5),
    );
    println!("Homeroom is ready at {url}");
    println!(
        "District: {} ({})",
        seed::DISTRICT,
        if demo.created {
            "seeded now"
        } else {
            "from the database"
        }
    );
    println!(
        "Sign in as {} with password {}",
        seed::ADMIN_LOGIN,
        seed::DEMO_PASSWORD
    );
    println!("Invitation e-mails are written to ./{MAIL_DIR}/");
    println!(
        "(a building administrator, Roosevelt Middle only: {} with the same password)",
        seed::PRINCIPAL_LOGIN
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        println!("Shutting down: finishing the requests in flight.");
    };
    web::serve(listener, web::router(app), shutdown).await?;
    Ok(())
}
