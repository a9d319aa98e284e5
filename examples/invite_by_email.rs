//! Invite a building's staff by e-mail: a district whose invitation links point at the host's
//! welcome page, a building with two new staff members, one `invite_all`, and the outbox drained
//! through [`SmtpMailer`](homeroom_examples::smtp_mailer::SmtpMailer) to a real SMTP server.
//! Prints where each message went, never its link.
//!
//! ```text
//! cargo run --example invite_by_email                          # plain SMTP to localhost:2525
//! cargo run --example invite_by_email -- --smtp mail.example:2525 --from noreply@maple.example
//! ```
//!
//! Any SMTP server that accepts mail works, for example a local test catcher listening on 2525.
//! For a real relay, set `SmtpConfig::security` and `credentials` (see the module's docs).

use homeroom_examples::email_invites;
use homeroom_examples::smtp_mailer::{SmtpConfig, SmtpMailer};

const USAGE: &str = "\
Usage: invite_by_email [--smtp HOST:PORT] [--from ADDRESS]

Creates a district (in memory) with a building and two staff members, invites the building's
staff in one call, and sends the invitations over plain SMTP.

Options:
  --smtp HOST:PORT   the SMTP server (default localhost:2525)
  --from ADDRESS     the sender (default \"Maple Valley USD <noreply@maple.example>\")
  -h, --help         this help";

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut smtp = "localhost:2525".to_owned();
    let mut from = "Maple Valley USD <noreply@maple.example>".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--smtp" => smtp = args.next().ok_or("--smtp needs HOST:PORT")?,
            "--from" => from = args.next().ok_or("--from needs an address")?,
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}").into()),
        }
    }
    let (host, port) = smtp.rsplit_once(':').ok_or("--smtp takes HOST:PORT")?;
    let port: u16 = port
        .parse()
        .map_err(|_| "--smtp: the port is not a number")?;
    let mailer = SmtpMailer::new(&SmtpConfig::plain(host, port, from))?;
    println!("Sending through {host}:{port} (plain SMTP).");
    let run = email_invites::run(&mailer, &mut std::io::stdout()).await?;
    if run.report.sent as usize != email_invites::STAFF.len() {
        return Err(format!(
            "{} of {} invitations sent (is an SMTP server listening on {smtp}?)",
            run.report.sent,
            email_invites::STAFF.len()
        )
        .into());
    }
    Ok(())
}
