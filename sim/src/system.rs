//! The system under test, as the simulator sees it: something that takes the
//! user's words and says something back.
//!
//! [`SystemTurn`] holds only what every dard backend produces for a turn —
//! the text people read, the delexicalized reply it was made from, the domain
//! the manager delegated to, the database record used to fill the reply and
//! the tracked state. The simulator's user reads the text (helped by the
//! placeholders and the record to locate values in it); the evaluator also
//! reads the state at booking time, as ConvLab's evaluator does.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use multiwoz::{Domain, Slot};
use serde::{Deserialize, Serialize};

/// The belief state per domain (the shape of `agents::roles::DialogState`).
pub type State = BTreeMap<Domain, BTreeMap<Slot, String>>;

/// A database record the reply was filled from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The record's id (`id` field, train id for trains; empty for taxis).
    pub id: String,
    /// Raw fields by name (`name`, `address`, `phone`, `leaveAt`, `car`, …).
    pub fields: BTreeMap<String, String>,
}

impl Record {
    /// A field's value.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
}

/// What the system said in one turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SystemTurn {
    /// The reply people read.
    pub text: String,
    /// The delexicalized reply (`[value_name]` …) the text was filled from;
    /// empty when the system has none.
    #[serde(default)]
    pub delex: String,
    /// The domain the turn was delegated to.
    #[serde(default)]
    pub domain: Option<Domain>,
    /// Why the manager picked that domain.
    #[serde(default)]
    pub reason: String,
    /// The record used to fill the reply.
    #[serde(default)]
    pub record: Option<Record>,
    /// How many records matched the state.
    #[serde(default)]
    pub count: Option<usize>,
    /// The belief state after the turn.
    #[serde(default)]
    pub state: State,
}

/// Why the system could not answer.
#[derive(Debug, thiserror::Error)]
#[error("the system failed: {message}")]
#[non_exhaustive]
pub struct SystemError {
    /// What went wrong.
    pub message: String,
    /// The underlying error.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl SystemError {
    /// An error wrapping `source`.
    pub fn new(source: impl std::error::Error + Send + Sync + 'static) -> SystemError {
        SystemError {
            message: source.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// An error with only a message.
    pub fn msg(message: impl Into<String>) -> SystemError {
        SystemError {
            message: message.into(),
            source: None,
        }
    }
}

/// The future a [`System`] returns.
pub type Reply<'a> = Pin<Box<dyn Future<Output = Result<SystemTurn, SystemError>> + Send + 'a>>;

/// A dialog system in one conversation: each call answers the next user turn.
pub trait System: Send {
    /// Answers `user`, remembering the conversation so far.
    fn reply<'a>(&'a mut self, user: &'a str) -> Reply<'a>;
}
