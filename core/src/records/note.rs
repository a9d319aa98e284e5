//! Staff notes: internal, never shown to the user.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::activity::ActorRef;

/// A staff observation on a user's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Who wrote it.
    pub author: ActorRef,
    /// What they wrote.
    pub text: String,
    /// When.
    pub written_at: DateTime<Utc>,
}
