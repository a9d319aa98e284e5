//! Keeping the database URL's secrets out of everything the commands print: the password of
//! `user:password@host` and of `password=`-style parameters (DESIGN.md §8: secrets never appear
//! in logs, reports or error messages).
//!
//! Messages name the database by [`homeroom_sea::redacted_url`]; as a second line of defence,
//! every line the commands write goes through a [`Scrubbed`] writer that replaces any secret
//! found in the command line, however a dependency's error message happens to quote it.

use std::io::Write;

pub use homeroom_sea::redacted_url;

/// What a secret is replaced by.
const MASK: &str = "***";

/// Secrets shorter than this are not searched for in output: replacing every `a` of a message
/// would garble it, and such a password protects nothing.
const SHORTEST: usize = 3;

/// The secrets in a database URL (or any argument shaped like one): the password of
/// `user:password@host` and the values of parameters named like secrets (`password`,
/// `sslpassword`, `pwd`, `token`, `key`, ...), as written and percent-decoded.
///
/// ```
/// use homeroom_examples::import_cli::url_secrets;
/// assert_eq!(url_secrets("postgres://ann:s3cret@db/hr"), ["s3cret"]);
/// assert_eq!(url_secrets("postgres://db/hr?sslpassword=p%40ss&password=x9y"), ["p%40ss", "p@ss", "x9y"]);
/// assert!(url_secrets("sqlite://hr.db?mode=rwc").is_empty());
/// ```
pub fn url_secrets(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    if let Some(at) = rest.rfind('@')
        && let Some((_, password)) = rest.get(..at).and_then(|c| c.split_once(':'))
    {
        found.push(password.to_owned());
    }
    let separators = |c: char| matches!(c, '?' | '&' | ';' | '#') || c.is_whitespace();
    for piece in url.split(separators) {
        if let Some((name, value)) = piece.split_once('=') {
            let name = name.to_ascii_lowercase();
            if ["pass", "pwd", "secret", "token", "key"]
                .iter()
                .any(|w| name.contains(w))
            {
                found.push(value.to_owned());
            }
        }
    }
    let mut all = Vec::new();
    for secret in found {
        let decoded = percent_decoded(&secret);
        all.push(secret);
        all.extend(decoded);
    }
    all.retain(|s| s.chars().count() >= SHORTEST);
    all.dedup();
    all
}

/// `text` with `%XX` escapes decoded, when it has any and they decode to UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    if !text.contains('%') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().filter(|d| d != text)
}

/// The secrets of every argument of a command line (see [`url_secrets`]), longest first.
pub fn argument_secrets<S: AsRef<str>>(args: &[S]) -> Vec<String> {
    let mut secrets: Vec<String> = args.iter().flat_map(|a| url_secrets(a.as_ref())).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    secrets
}

/// Runs a command whose output must never carry the database password, whatever quotes it:
/// everything `run` writes to `stdout` and `stderr` has the command line's secrets scrubbed.
pub async fn run_scrubbed(
    args: Vec<String>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    run: impl AsyncFnOnce(Vec<String>, &mut dyn Write, &mut dyn Write) -> i32,
) -> i32 {
    let secrets = argument_secrets(&args);
    let mut stdout = Scrubbed::new(stdout, &secrets);
    let mut stderr = Scrubbed::new(stderr, &secrets);
    let code = run(args, &mut stdout, &mut stderr).await;
    let _ = stdout.flush();
    let _ = stderr.flush();
    code
}

/// `text` with every secret replaced by `***`.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_owned(), |text, secret| {
        text.replace(secret.as_str(), MASK)
    })
}

/// A writer that scrubs the secrets out of each line before passing it on. Output is passed on
/// line by line; what follows the last line break is passed on by [`Write::flush`] or when the
/// writer is dropped.
pub struct Scrubbed<'a> {
    inner: &'a mut dyn Write,
    secrets: &'a [String],
    line: Vec<u8>,
}

impl<'a> Scrubbed<'a> {
    /// Scrubs `secrets` out of what is written to `inner`.
    pub fn new(inner: &'a mut dyn Write, secrets: &'a [String]) -> Self {
        Self {
            inner,
            secrets,
            line: Vec::new(),
        }
    }

    fn pass_on(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let text = String::from_utf8_lossy(bytes);
        self.inner.write_all(scrub(&text, self.secrets).as_bytes())
    }
}

impl std::fmt::Debug for Scrubbed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrubbed")
            .field("secrets", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

impl Write for Scrubbed<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        if let Some(end) = self.line.iter().rposition(|b| *b == b'\n') {
            let rest = self.line.split_off(end + 1);
            let lines = std::mem::replace(&mut self.line, rest);
            self.pass_on(&lines)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.line);
        if !rest.is_empty() {
            self.pass_on(&rest)?;
        }
        self.inner.flush()
    }
}

impl Drop for Scrubbed<'_> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
