//! The LLM-backed roles: [`LlmTracker`], [`LlmRouter`] and [`LlmDomainAgent`], each
//! on a [`ModelHandle`].
//!
//! Each role renders its prompt with a shared [`crate::prompt::Prompter`], sends it, and parses
//! the reply ([`parse`]). A reply that cannot be used gets one repair retry (the
//! prompt again, with the bad answer and what is wrong with it); if the repair
//! fails too, the role answers with a safe fallback, logs a warning and counts it
//! in [`LlmStats`] and in the call's [`StageUsage::fallback`]. Malformed output
//! never fails a turn; only a failed model call does.

mod roles;

pub mod parse;

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::prompt::Prompt;
use crate::roles::{AgentError, Stage, StageUsage};
use models::{ChatModel, ChatRequest, ModelHandle};

pub use roles::{LlmDomainAgent, LlmRouter, LlmTracker, fallback_domain, fallback_reply};

/// Generation settings of the LLM-backed roles (the `[generation]` config table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GenerationOptions {
    /// Sampling temperature (0 = greedy, deterministic with most backends).
    pub temperature: f32,
    /// Token limit of the router's answer (`{"domain": …, "reason": …}` is
    /// about 25 tokens).
    pub route_max_tokens: u32,
    /// Token limit of the tracker's answer (a large MultiWOZ state is about
    /// 100 tokens of JSON).
    pub track_max_tokens: u32,
    /// Token limit of a domain agent's reply (one or two short sentences).
    pub respond_max_tokens: u32,
}

impl Default for GenerationOptions {
    fn default() -> Self {
        GenerationOptions {
            temperature: 0.0,
            route_max_tokens: 64,
            track_max_tokens: 192,
            respond_max_tokens: 96,
        }
    }
}

/// Counters of an LLM-backed role, shared by its clones.
#[derive(Debug, Default)]
pub struct LlmStats {
    calls: AtomicU64,
    repairs: AtomicU64,
    fallbacks: AtomicU64,
}

/// A snapshot of [`LlmStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmCounts {
    /// Model calls made (repairs included).
    pub calls: u64,
    /// Repair retries after a malformed reply.
    pub repairs: u64,
    /// Turns answered with the safe fallback.
    pub fallbacks: u64,
}

impl LlmStats {
    /// The counts so far.
    pub fn counts(&self) -> LlmCounts {
        LlmCounts {
            calls: self.calls.load(Ordering::Relaxed),
            repairs: self.repairs.load(Ordering::Relaxed),
            fallbacks: self.fallbacks.load(Ordering::Relaxed),
        }
    }
}

/// The request of a repair retry: the original prompt, the unusable answer and
/// what is wrong with it, as one user message (valid for every backend, unlike
/// two user messages in a row or an empty assistant message).
pub fn repair_request(
    prompt: &Prompt,
    bad_reply: &str,
    problem: &str,
    max_tokens: u32,
    temperature: f32,
) -> ChatRequest {
    let bad = bad_reply.trim();
    let bad = if bad.is_empty() { "(nothing)" } else { bad };
    let repaired = Prompt {
        system: prompt.system.clone(),
        user: format!(
            "{}\n\nYour previous answer was:\n{bad}\nIt cannot be used: {problem}. Answer again, in exactly the format asked for and nothing else.",
            prompt.user
        ),
        // The original user message is still the start of this one.
        static_user: prompt.static_user,
    };
    repaired.to_request(max_tokens, temperature)
}

/// The outcome of [`call_parsed`]: the parsed value, or `None` after a failed
/// repair (the caller falls back), with the usage of every call.
pub(crate) struct Parsed<T> {
    pub value: Option<T>,
    pub usage: Vec<StageUsage>,
}

/// Sends `prompt`, parses the reply with `parse`, and on a parse failure sends
/// one repair retry. Model errors end the stage with [`AgentError::Model`].
///
/// Before `parse` sees a reply it is cut at the first of
/// [`crate::prompt::STOP_SEQUENCES`] (for backends that ignore stop
/// sequences), and it is rejected when it ran on to the token limit with no
/// stop in sight, or when it repeats a stretch of the system prompt
/// ([`parse::echoed_instructions`]).
pub(crate) async fn call_parsed<T>(
    model: &ModelHandle,
    stats: &LlmStats,
    stage: Stage,
    prompt: &Prompt,
    max_tokens: u32,
    temperature: f32,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Parsed<T>, AgentError> {
    let model_error = |e: models::ModelError| AgentError::Model {
        stage,
        backend: model.name().to_string(),
        source: Box::new(e),
    };
    let mut usage = Vec::with_capacity(2);
    stats.calls.fetch_add(1, Ordering::Relaxed);
    let first = model
        .complete(prompt.to_request(max_tokens, temperature))
        .await
        .map_err(model_error)?;
    usage.push(StageUsage::of_call(stage, model.info(), &first));
    let check = |resp: &models::ChatResponse| {
        let text = parse::cut_at_stop(&resp.text, &crate::prompt::STOP_SEQUENCES);
        let cut = text.len() < resp.text.len();
        if resp.finish_reason == models::FinishReason::Length && !cut {
            return Err(format!(
                "the answer ran on to the {max_tokens}-token limit; answer briefly"
            ));
        }
        if let Some(echo) = parse::echoed_instructions(text, &prompt.system) {
            return Err(format!(
                "it repeats the instructions (\"{echo}\") instead of answering"
            ));
        }
        parse(text)
    };
    let problem = match check(&first) {
        Ok(v) => {
            return Ok(Parsed {
                value: Some(v),
                usage,
            });
        }
        Err(problem) => problem,
    };
    tracing::debug!(%stage, backend = model.name(), %problem, "malformed reply; repairing");
    stats.calls.fetch_add(1, Ordering::Relaxed);
    stats.repairs.fetch_add(1, Ordering::Relaxed);
    let second = model
        .complete(repair_request(
            prompt,
            parse::cut_at_stop(&first.text, &crate::prompt::STOP_SEQUENCES),
            &problem,
            max_tokens,
            temperature,
        ))
        .await
        .map_err(model_error)?;
    let mut record = StageUsage::of_call(stage, model.info(), &second);
    record.repair = true;
    let value = match check(&second) {
        Ok(v) => Some(v),
        Err(problem) => {
            stats.fallbacks.fetch_add(1, Ordering::Relaxed);
            record.fallback = true;
            tracing::warn!(
                %stage,
                backend = model.name(),
                %problem,
                "reply still malformed after a repair retry; using the safe fallback"
            );
            None
        }
    };
    usage.push(record);
    Ok(Parsed { value, usage })
}
