//! A minimal SMTP server for tests, on a tokio `TcpListener`: EHLO/HELO, MAIL FROM, RCPT TO,
//! DATA, RSET, NOOP, QUIT (and AUTH, refused, when told), which is all lettre needs for plain SMTP. It keeps every message it
//! accepted, and can be told to answer RCPT TO for an address with a given reply (a 550 to
//! refuse it for good, a 451 to defer it).

#![allow(dead_code)] // each test uses a part
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support: a failure fails the calling test

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One message the server accepted.
#[derive(Clone, Debug)]
pub struct Received {
    /// The envelope sender (MAIL FROM).
    pub from: String,
    /// The envelope recipients (RCPT TO), in order.
    pub to: Vec<String>,
    /// The message as sent after DATA (headers and body), dot-stuffing undone.
    pub data: String,
}

impl Received {
    /// The value of the first header called `name` (any case), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push_str(line.trim_start());
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_owned());
            }
        }
        value
    }

    /// The message with quoted-printable undone (soft line breaks joined, `=XX` decoded): the
    /// bodies as the recipient reads them.
    pub fn decoded(&self) -> String {
        let joined = self.data.replace("=\r\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The token of the first link in the message: the hex digits after `token=`.
    pub fn token(&self) -> String {
        let decoded = self.decoded();
        let Some((_, after)) = decoded.split_once("token=") else {
            panic!("no link with a token in the message to {:?}", self.to);
        };
        after.chars().take_while(char::is_ascii_hexdigit).collect()
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    rcpt_replies: HashMap<String, String>,
    refuse_auth: bool,
    connections: usize,
}

/// A running server; stops when dropped.
pub struct SmtpServer {
    /// Where it listens (127.0.0.1, a free port).
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpServer {
    /// Starts a server on a free local port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                shared.lock().unwrap().connections += 1;
                tokio::spawn(session(stream, shared.clone()));
            }
        });
        Self { addr, state, task }
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// How many connections were opened.
    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// Offers AUTH from now on, and refuses every attempt with a 535.
    pub fn refuse_auth(&self) {
        self.state.lock().unwrap().refuse_auth = true;
    }

    /// Answers RCPT TO for `address` with `reply` (for example `550 5.1.1 no such mailbox`).
    pub fn answer_rcpt(&self, address: &str, reply: &str) {
        self.state
            .lock()
            .unwrap()
            .rcpt_replies
            .insert(address.to_lowercase(), reply.to_owned());
    }
}

/// The address inside `MAIL FROM:<a>` / `RCPT TO:<a>`.
fn angle(arg: &str) -> String {
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg.rfind('>').unwrap_or(arg.len());
    arg.get(start..end).unwrap_or_default().trim().to_owned()
}

async fn session(stream: TcpStream, state: Arc<Mutex<State>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let _ = write.write_all(b"220 test.local ESMTP ready\r\n").await;
    let mut from = String::new();
    let mut to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" if state.lock().unwrap().refuse_auth => {
                "250-test.local\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME".to_owned()
            }
            "EHLO" => "250-test.local\r\n250-8BITMIME\r\n250 SMTPUTF8".to_owned(),
            "AUTH" => "535 5.7.8 authentication credentials invalid".to_owned(),
            "HELO" => "250 test.local".to_owned(),
            "MAIL" => {
                from = angle(command);
                to.clear();
                "250 2.1.0 ok".to_owned()
            }
            "RCPT" => {
                let address = angle(command);
                let told = state
                    .lock()
                    .unwrap()
                    .rcpt_replies
                    .get(&address.to_lowercase())
                    .cloned();
                match told {
                    Some(reply) => reply,
                    None => {
                        to.push(address);
                        "250 2.1.5 ok".to_owned()
                    }
                }
            }
            "DATA" if to.is_empty() => "554 5.5.1 no valid recipients".to_owned(),
            "DATA" => {
                let _ = write
                    .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await;
                let mut data = String::new();
                loop {
                    line.clear();
                    match lines.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(unstuffed);
                }
                state.lock().unwrap().received.push(Received {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    data,
                });
                "250 2.0.0 queued".to_owned()
            }
            "RSET" => {
                from.clear();
                to.clear();
                "250 2.0.0 ok".to_owned()
            }
            "NOOP" => "250 2.0.0 ok".to_owned(),
            "QUIT" => {
                let _ = write.write_all(b"221 2.0.0 bye\r\n").await;
                return;
            }
            _ => "502 5.5.2 command not implemented".to_owned(),
        };
        if write
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}
