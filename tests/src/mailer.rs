//! A [`Mailer`] double that records every call and answers as told: accept, fail for now, or
//! refuse for good.

use std::sync::Mutex;

use async_trait::async_trait;
use homeroom::messaging::{Mailer, MailerError, OutboxMessage};

/// How a [`RecordingMailer`] answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Accept every message.
    Accept,
    /// Fail every message, for now (it is retried).
    Fail,
    /// Refuse every message for good (it is dead at once).
    Refuse,
}

/// One call the mailer saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The idempotency key it was given.
    pub key: String,
    /// The address the message went to.
    pub to: String,
    /// Its subject.
    pub subject: String,
}

/// Records every call; shared by several directories, it counts the sends of all of them.
#[derive(Debug)]
pub struct RecordingMailer {
    answer: Mutex<Answer>,
    calls: Mutex<Vec<Call>>,
}

impl RecordingMailer {
    /// A mailer answering `answer`.
    pub fn new(answer: Answer) -> Self {
        Self {
            answer: Mutex::new(answer),
            calls: Mutex::new(Vec::new()),
        }
    }

    /// Answers `answer` from now on.
    pub fn answer(&self, answer: Answer) {
        if let Ok(mut a) = self.answer.lock() {
            *a = answer;
        }
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, message: &OutboxMessage, key: &str) -> Result<(), MailerError> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(Call {
                key: key.to_owned(),
                to: message.to_address.clone(),
                subject: message.content.subject.clone(),
            });
        }
        // Let another drain run between the call and its outcome, as a real send would.
        tokio::task::yield_now().await;
        let answer = self.answer.lock().map(|a| *a).unwrap_or(Answer::Fail);
        match answer {
            Answer::Accept => Ok(()),
            Answer::Fail => Err(MailerError {
                message: "421 try again later".into(),
                permanent: false,
            }),
            Answer::Refuse => Err(MailerError {
                message: "550 no such mailbox".into(),
                permanent: true,
            }),
        }
    }
}
