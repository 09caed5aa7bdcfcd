//! The roles of the DARD pipeline and the data that flows between them.
//!
//! One system turn runs three roles in order: a [`Tracker`] updates the belief
//! state, a [`Router`] (the dialog manager) delegates the turn to exactly one
//! domain, and that domain's [`DomainAgent`] writes the delexicalized reply.
//! Each role has an LLM-backed implementation (`agents::llm`) and a built-in
//! one (`agents::builtin`); the manager holds them as `Arc<dyn …>` and mixes them
//! freely, so the traits are object safe and return boxed futures.
//!
//! Every call reports what it cost as [`StageUsage`] records (one per model call,
//! or one for a built-in stage) so that callers can show and sum them.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use multiwoz::{Domain, Slot};
use serde::{Deserialize, Serialize};

mod usage;

pub use usage::{Stage, StageUsage, duration_ms};

/// The belief state: informable and booking slots per domain, with values
/// normalized as the standard evaluator normalizes gold states.
pub type DialogState = BTreeMap<Domain, BTreeMap<Slot, String>>;

/// Who said an utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Speaker {
    /// The customer.
    User,
    /// The dialog system (or the wizard, in MultiWOZ).
    System,
}

impl Speaker {
    /// The lower-case name, as used in prompts and traces.
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::User => "user",
            Speaker::System => "system",
        }
    }
}

impl fmt::Display for Speaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One utterance of the dialog history, as people wrote it (lexicalized).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Utterance {
    /// Who said it.
    pub speaker: Speaker,
    /// What was said.
    pub text: String,
}

impl Utterance {
    /// A user utterance.
    pub fn user(text: impl Into<String>) -> Utterance {
        Utterance {
            speaker: Speaker::User,
            text: text.into(),
        }
    }

    /// A system utterance.
    pub fn system(text: impl Into<String>) -> Utterance {
        Utterance {
            speaker: Speaker::System,
            text: text.into(),
        }
    }
}

/// One database record, owned and flattened to string fields so that it can be
/// shown, serialized into traces and rendered into prompts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbRecord {
    /// The id the evaluator uses: the `id` field, or the train id for trains.
    pub id: String,
    /// The record's raw fields by name (`name`, `address`, `phone`, `postcode`,
    /// `pricerange`, `leaveAt`, …), as strings.
    pub fields: BTreeMap<String, String>,
}

impl DbRecord {
    /// The value of a raw field, if the record has it.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    /// The venue name (or the train id for trains), if the record has one.
    pub fn name(&self) -> Option<&str> {
        self.get("name").or_else(|| self.get("trainID"))
    }
}

/// What the database says for one domain under the current state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbResult {
    /// The domain queried.
    pub domain: Domain,
    /// How many records match the state's informable constraints.
    pub count: usize,
    /// The record offered to the user (the first match), when there is one.
    pub record: Option<DbRecord>,
}

impl DbResult {
    /// A result with no match, for domains without a queryable database.
    pub fn empty(domain: Domain) -> DbResult {
        DbResult {
            domain,
            count: 0,
            record: None,
        }
    }
}

/// The input of a [`Tracker`].
#[derive(Debug, Clone, Copy)]
pub struct TrackInput<'a> {
    /// The dialog so far; the last utterance is the user turn being answered.
    pub history: &'a [Utterance],
    /// The state after the previous turn (empty at the start of a dialog).
    pub previous: &'a DialogState,
    /// The MultiWOZ dialog id when replaying a corpus dialog, so that few-shot
    /// examples are never drawn from it.
    pub dialog_id: Option<&'a str>,
}

/// The input of a [`Router`].
#[derive(Debug, Clone, Copy)]
pub struct RouteInput<'a> {
    /// The dialog so far; the last utterance is the user turn being routed.
    pub history: &'a [Utterance],
    /// The belief state after tracking this turn.
    pub state: &'a DialogState,
    /// The MultiWOZ dialog id when replaying a corpus dialog (few-shot exclusion).
    pub dialog_id: Option<&'a str>,
}

/// The input of a [`DomainAgent`].
#[derive(Debug, Clone, Copy)]
pub struct RespondInput<'a> {
    /// The dialog so far; the last utterance is the user turn being answered.
    pub history: &'a [Utterance],
    /// The domain the turn was delegated to.
    pub domain: Domain,
    /// The whole belief state (agents usually look at `state[domain]`).
    pub state: &'a DialogState,
    /// The database result for `domain`.
    pub db: &'a DbResult,
    /// The MultiWOZ dialog id when replaying a corpus dialog (few-shot exclusion).
    pub dialog_id: Option<&'a str>,
}

/// The output of a [`Tracker`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackOutput {
    /// The updated belief state.
    pub state: DialogState,
    /// What tracking cost.
    pub usage: Vec<StageUsage>,
}

/// The reply to a turn outside every domain (a greeting, small talk): what
/// the system can help with. The manager gives it when a [`Router`] finds a
/// turn [`RouteOutput::off_topic`].
pub const OFF_TOPIC_REPLY: &str = "I can help you find a restaurant, a hotel, an attraction or a \
train, book a taxi, or reach the police or Addenbrookes Hospital. What can I do for you?";

/// The output of a [`Router`].
#[derive(Debug, Clone, PartialEq)]
pub struct RouteOutput {
    /// The domain agent that answers the turn.
    pub domain: Domain,
    /// The manager's short reason for the choice.
    pub reason: String,
    /// Whether the turn is outside every domain (a greeting, small talk): the
    /// manager then says what it can help with instead of asking `domain`'s
    /// agent.
    pub off_topic: bool,
    /// What routing cost.
    pub usage: Vec<StageUsage>,
}

/// The output of a [`DomainAgent`].
#[derive(Debug, Clone, PartialEq)]
pub struct RespondOutput {
    /// The delexicalized reply, with placeholders the stock evaluator mapping
    /// recognizes (`[value_name]`, `[value_reference]`, …).
    pub reply: String,
    /// What the response cost.
    pub usage: Vec<StageUsage>,
}

/// The error of a pipeline role. Malformed model output is not an error (roles
/// repair or fall back); these are failures the turn cannot recover from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The model call failed after the backend's own retries.
    #[error("{stage} stage: model call to backend `{backend}` failed: {source}")]
    Model {
        /// The stage that made the call.
        stage: Stage,
        /// The backend's name from the config.
        backend: String,
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A prompt template could not be rendered.
    #[error("prompt template `{template}`: {message}")]
    Prompt {
        /// The template's name or file.
        template: String,
        /// What went wrong.
        message: String,
    },
    /// The input cannot be handled (for example an empty history).
    #[error("{stage} stage: invalid input: {message}")]
    Input {
        /// The stage that rejected the input.
        stage: Stage,
        /// What is wrong with it.
        message: String,
    },
}

/// The boxed future the role traits return (object safe, `Send`).
pub type AgentFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, AgentError>> + Send + 'a>>;

/// Updates the belief state from the dialog so far.
pub trait Tracker: Send + Sync {
    /// Returns the state after the last user utterance of `input.history`.
    fn track<'a>(&'a self, input: TrackInput<'a>) -> AgentFuture<'a, TrackOutput>;
}

/// The dialog manager's delegation: picks the one domain agent for a turn.
pub trait Router: Send + Sync {
    /// Returns the domain that answers the last user utterance, with a reason.
    fn route<'a>(&'a self, input: RouteInput<'a>) -> AgentFuture<'a, RouteOutput>;
}

/// A domain specialist that writes the system reply.
pub trait DomainAgent: Send + Sync {
    /// Returns the delexicalized system reply to the last user utterance.
    fn respond<'a>(&'a self, input: RespondInput<'a>) -> AgentFuture<'a, RespondOutput>;
}

impl<T: Tracker + ?Sized> Tracker for Arc<T> {
    fn track<'a>(&'a self, input: TrackInput<'a>) -> AgentFuture<'a, TrackOutput> {
        (**self).track(input)
    }
}

impl<T: Router + ?Sized> Router for Arc<T> {
    fn route<'a>(&'a self, input: RouteInput<'a>) -> AgentFuture<'a, RouteOutput> {
        (**self).route(input)
    }
}

impl<T: DomainAgent + ?Sized> DomainAgent for Arc<T> {
    fn respond<'a>(&'a self, input: RespondInput<'a>) -> AgentFuture<'a, RespondOutput> {
        (**self).respond(input)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use std::time::Duration;

    use super::*;

    struct Echo;

    impl DomainAgent for Echo {
        fn respond<'a>(&'a self, input: RespondInput<'a>) -> AgentFuture<'a, RespondOutput> {
            Box::pin(async move {
                Ok(RespondOutput {
                    reply: format!("{} has {} matches", input.domain, input.db.count),
                    usage: vec![StageUsage::builtin(Stage::Respond, Duration::ZERO)],
                })
            })
        }
    }

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn roles_are_object_safe_and_futures_are_send() {
        let agent: Arc<dyn DomainAgent> = Arc::new(Echo);
        let history = [Utterance::user("a cheap restaurant please")];
        let state = DialogState::new();
        let db = DbResult::empty(Domain::Restaurant);
        let fut = agent.respond(RespondInput {
            history: &history,
            domain: Domain::Restaurant,
            state: &state,
            db: &db,
            dialog_id: None,
        });
        assert_send(&fut);
        drop(fut);
    }

    #[test]
    fn db_record_name_falls_back_to_train_id() {
        let mut record = DbRecord {
            id: "TR1234".into(),
            ..DbRecord::default()
        };
        record.fields.insert("trainID".into(), "TR1234".into());
        assert_eq!(record.name(), Some("TR1234"));
        record.fields.insert("name".into(), "the gandhi".into());
        assert_eq!(record.name(), Some("the gandhi"));
    }
}
