//! The command line of `web`: `web [--db URL] [--listen ADDR] [--secure-cookies]`.

use std::net::SocketAddr;

/// The SQLite file `web` uses when given no `--db`.
pub const DEFAULT_FILE: &str = "homeroom-web.db";
/// Where `web` listens when given no `--listen`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// What `web` was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    /// The database URL (SQLite or PostgreSQL).
    pub db: String,
    /// The address to listen on.
    pub listen: SocketAddr,
    /// Mark the session cookie `Secure` (the host is served over HTTPS, by itself or behind a
    /// proxy): browsers then never send it over plain HTTP.
    pub secure_cookies: bool,
}

/// Reads the arguments (without the program name).
///
/// ```
/// use homeroom_examples::web::args::parse;
/// let args = parse(["--listen", "127.0.0.1:9000"].map(String::from)).unwrap();
/// assert_eq!(args.listen.port(), 9000);
/// assert!(args.db.starts_with("sqlite://"));
/// assert!(!args.secure_cookies);
/// assert!(parse(["--secure-cookies".to_string()]).unwrap().secure_cookies);
/// assert!(parse(["--nope".to_string()]).is_err());
/// ```
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut db = None;
    let mut listen = None;
    let mut secure_cookies = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--db" => db = Some(value("--db")?),
            "--listen" => listen = Some(value("--listen")?),
            "--secure-cookies" => secure_cookies = true,
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument {other}\n{}", usage())),
        }
    }
    let listen = listen.as_deref().unwrap_or(DEFAULT_LISTEN);
    let listen = listen
        .parse()
        .map_err(|_| format!("--listen {listen}: not an address such as {DEFAULT_LISTEN}"))?;
    Ok(Args {
        db: db.unwrap_or_else(|| format!("sqlite://{DEFAULT_FILE}?mode=rwc")),
        listen,
        secure_cookies,
    })
}

/// How to call `web`.
pub fn usage() -> String {
    format!(
        "usage: web [--db URL] [--listen ADDR] [--secure-cookies]\n  --db      sqlite://FILE?mode=rwc or postgres://... (default: ./{DEFAULT_FILE})\n  --listen  address to serve on (default: {DEFAULT_LISTEN})\n  --secure-cookies  mark the session cookie Secure (serve over HTTPS, or behind a proxy that does)"
    )
}
