//! What one turn of the pipeline takes and gives: [`TurnRequest`] (a history
//! to answer, with a gold state or the previous state) and [`TurnOutcome`]
//! (the reply, its domain and reason, the state, the database result, and
//! each stage's backend, latency and token use).

use std::time::Duration;

use agents::roles::{DbResult, DialogState, Stage, StageUsage, Utterance};
use multiwoz::Domain;
use serde::{Deserialize, Serialize};

use crate::memory::DialogMemory;

/// What one stage of a turn did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageReport {
    /// The stage.
    pub stage: Stage,
    /// The backend name it ran on (`"builtin"` or a `[backends]` key).
    pub backend: String,
    /// Wall time of the stage (model calls, parsing and repairs); milliseconds
    /// when serialized.
    #[serde(rename = "latency_ms", with = "agents::roles::duration_ms")]
    pub latency: Duration,
    /// One record per model call (one for a built-in stage).
    pub usage: Vec<StageUsage>,
}

impl StageReport {
    /// Prompt tokens over the stage's calls.
    pub fn tokens_in(&self) -> u64 {
        self.usage.iter().map(|u| u64::from(u.call.tokens_in)).sum()
    }

    /// Completion tokens over the stage's calls.
    pub fn tokens_out(&self) -> u64 {
        self.usage
            .iter()
            .map(|u| u64::from(u.call.tokens_out))
            .sum()
    }

    /// Transport retries over the stage's calls.
    pub fn retries(&self) -> u32 {
        self.usage.iter().map(|u| u.call.retries).sum()
    }

    /// Repair retries after malformed replies.
    pub fn repairs(&self) -> u32 {
        self.usage.iter().filter(|u| u.repair).count() as u32
    }

    /// Whether every call of the stage was answered from the cache.
    pub fn cache_hit(&self) -> bool {
        !self.usage.is_empty() && self.usage.iter().all(|u| u.call.cache_hit)
    }

    /// Whether the stage fell back to its safe default.
    pub fn fallback(&self) -> bool {
        self.usage.iter().any(|u| u.fallback)
    }

    /// The known cost of the stage's calls in US dollars.
    pub fn cost_usd(&self) -> f64 {
        self.usage.iter().filter_map(|u| u.call.cost_usd).sum()
    }
}

/// Where a turn's state came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum StateSource {
    /// The pipeline's tracker.
    Tracker,
    /// The caller's gold state (the policy-optimization setting).
    Gold,
}

/// Everything about one answered turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnOutcome {
    /// The domain agent the manager delegated to.
    pub domain: Domain,
    /// The manager's reason.
    pub reason: String,
    /// The belief state used for the turn.
    pub state: DialogState,
    /// Whether the state was tracked or given.
    pub state_source: StateSource,
    /// The domains the turn is about, the chosen one first (for the evaluator's
    /// `active_domains`).
    pub active_domains: Vec<Domain>,
    /// The database result of the chosen domain (match count and offered record).
    pub db: DbResult,
    /// The delexicalized reply (`[value_name]` …), what the evaluator scores.
    pub delex_reply: String,
    /// The reply for people, placeholders filled.
    pub reply: String,
    /// Whether the router found the turn outside every domain; the reply then
    /// says what dard can help with and no agent was asked.
    #[serde(default)]
    pub off_topic: bool,
    /// What the dialog has offered and booked after this turn (sessions
    /// only; turns answered from a gold history have no memory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<DialogMemory>,
    /// What each stage did, in order.
    pub stages: Vec<StageReport>,
    /// Wall time of the whole turn; milliseconds when serialized.
    #[serde(rename = "latency_ms", with = "agents::roles::duration_ms")]
    pub latency: Duration,
}

impl TurnOutcome {
    /// The report of `stage`, if it ran.
    pub fn stage(&self, stage: Stage) -> Option<&StageReport> {
        self.stages.iter().find(|s| s.stage == stage)
    }

    /// How many stages fell back to their safe default.
    pub fn fallbacks(&self) -> usize {
        self.stages.iter().filter(|s| s.fallback()).count()
    }
}

/// One system turn to answer from a given history (what `dard bench` plays).
#[derive(Debug, Clone, Copy)]
pub struct TurnRequest<'a> {
    /// The dialog so far, ending with the user utterance to answer.
    pub history: &'a [Utterance],
    /// The corpus dialog id, so that few-shot examples never come from it.
    pub dialog_id: Option<&'a str>,
    /// A gold state that replaces the tracker's output.
    pub gold_state: Option<&'a DialogState>,
    /// The state after the previous turn, for the tracker (empty if `None`).
    pub previous_state: Option<&'a DialogState>,
}

impl<'a> TurnRequest<'a> {
    /// A request with only a history.
    pub fn new(history: &'a [Utterance]) -> Self {
        TurnRequest {
            history,
            dialog_id: None,
            gold_state: None,
            previous_state: None,
        }
    }
}
