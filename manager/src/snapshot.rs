//! What a [`Session`] carries between turns, as plain data.
//!
//! A snapshot lets a dialog outlive the process or the machine that started
//! it: `dard serve` keeps snapshots in memory or in Redis, so any replica can
//! answer the next turn of any dialog. Everything a session remembers belongs
//! here, so that a resumed session answers exactly as the original would.

use serde::{Deserialize, Serialize};

use agents::roles::{DialogState, Utterance};

use crate::dard::Dard;
use crate::memory::DialogMemory;
use crate::session::Session;

/// The whole state of one dialog: its history, belief state and memory.
///
/// New fields are added with `#[serde(default)]`, so snapshots written by an
/// older dard still load.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionSnapshot {
    /// The dialog so far, with the lexicalized replies people saw.
    #[serde(default)]
    pub history: Vec<Utterance>,
    /// The belief state after the last turn.
    #[serde(default)]
    pub state: DialogState,
    /// What the dialog offered and booked, so that a resumed dialog names the
    /// same venue, taxi and reference.
    #[serde(default)]
    pub memory: DialogMemory,
    /// The key the session's references and taxis derive from; a snapshot
    /// without one resumes with the new session's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Session {
    /// The session's dialog as plain data, to store and resume later.
    pub fn snapshot(&self) -> SessionSnapshot {
        SessionSnapshot {
            history: self.history().to_vec(),
            state: self.state().clone(),
            memory: self.memory().clone(),
            key: Some(self.key().to_string()),
        }
    }
}

impl Dard {
    /// A session that continues the dialog in `snapshot` on this pipeline.
    pub fn resume(&self, snapshot: SessionSnapshot) -> Session {
        let mut session = self.session();
        session.restore(snapshot);
        session
    }
}
