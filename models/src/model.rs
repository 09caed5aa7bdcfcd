//! The model trait and its request and response types.
//!
//! [`ChatModel`] is the one seam between dard's agents and whatever produces text: a
//! remote API, a local GGUF model, or a scripted stand-in in tests. It is object safe
//! (the future is boxed) so [`ModelHandle`] can erase the backend chosen at run time.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// A boxed, sendable future, as returned by [`ChatModel::complete`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who wrote a message in the conversation. The system prompt is not a message: it is
/// [`ChatRequest::system`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user (or, for dard's agents, the prompt the pipeline builds).
    User,
    /// The model's own earlier replies, including few-shot examples.
    Assistant,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// Its text.
    pub content: String,
}

impl Message {
    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// A constraint on the shape of the output, for backends that can enforce one.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    /// The output must be JSON valid against this JSON Schema.
    JsonSchema(serde_json::Value),
    /// The output must match this GBNF grammar (llama.cpp's grammar format).
    Grammar(String),
}

/// Everything a backend needs for one completion. Two equal requests to the same
/// backend and model are answered from the response cache when it is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The system prompt, if any.
    pub system: Option<String>,
    /// The conversation so far, oldest first; it should end with a user message.
    pub messages: Vec<Message>,
    /// The most tokens the reply may have.
    pub max_tokens: u32,
    /// The sampling temperature; `None` leaves the backend's default, `Some(0.0)` asks
    /// for greedy decoding.
    pub temperature: Option<f32>,
    /// Sequences that end the reply when generated (not included in the text).
    pub stop: Vec<String>,
    /// An optional constraint on the output's shape.
    pub constraint: Option<Constraint>,
    /// A sampling seed, for backends that honour one.
    pub seed: Option<u64>,
    /// Whether the answer is one line. The llama backend then stops at the
    /// first line break after the answer's first visible character, so a base
    /// model does not run on to the token limit after a one-line JSON answer;
    /// the OpenAI and Bedrock backends ignore it (Bedrock refuses whitespace
    /// stop sequences, and OpenAI allows only four).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub single_line: bool,
    /// How many leading bytes of the last message read the same in every
    /// call of its kind (few-shot examples fixed for the stage). With the
    /// system prompt and the messages before it, they are the static prefix
    /// the llama backend evaluates once and keeps; the other backends ignore it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub static_prefix: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ChatRequest {
    /// The default for [`ChatRequest::max_tokens`].
    pub const DEFAULT_MAX_TOKENS: u32 = 512;

    /// A request with these messages, no system prompt and default settings.
    pub fn new(messages: Vec<Message>) -> Self {
        Self {
            system: None,
            messages,
            max_tokens: Self::DEFAULT_MAX_TOKENS,
            temperature: None,
            stop: Vec::new(),
            constraint: None,
            seed: None,
            single_line: false,
            static_prefix: 0,
        }
    }

    /// A request made of one user message.
    pub fn user(text: impl Into<String>) -> Self {
        Self::new(vec![Message::user(text)])
    }

    /// Sets the system prompt.
    pub fn with_system(mut self, system: impl Into<String>) -> Self {
        self.system = Some(system.into());
        self
    }

    /// Sets the token limit of the reply.
    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    /// Sets the sampling temperature.
    pub fn with_temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Adds a stop sequence.
    pub fn with_stop(mut self, stop: impl Into<String>) -> Self {
        self.stop.push(stop.into());
        self
    }

    /// Sets the output constraint.
    pub fn with_constraint(mut self, constraint: Constraint) -> Self {
        self.constraint = Some(constraint);
        self
    }

    /// Sets the sampling seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Marks the answer as one line (see [`ChatRequest::single_line`]).
    pub fn with_single_line(mut self) -> Self {
        self.single_line = true;
        self
    }

    /// Sets how many leading bytes of the last message are static (see
    /// [`ChatRequest::static_prefix`]).
    pub fn with_static_prefix(mut self, bytes: usize) -> Self {
        self.static_prefix = bytes;
        self
    }

    /// Checks what every backend needs: at least one message and a non-zero token limit.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.messages.is_empty() {
            return Err(ModelError::InvalidRequest(
                "the request has no messages".into(),
            ));
        }
        if self.max_tokens == 0 {
            return Err(ModelError::InvalidRequest("max_tokens is 0".into()));
        }
        if let Some(t) = self.temperature
            && !(t.is_finite() && t >= 0.0)
        {
            return Err(ModelError::InvalidRequest(format!(
                "temperature {t} is not a finite non-negative number"
            )));
        }
        Ok(())
    }
}

/// Why the model stopped writing.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// The model ended its turn.
    Stop,
    /// One of the request's stop sequences was generated.
    StopSequence,
    /// The token limit was reached; the text is cut short.
    Length,
    /// A provider filter withheld or cut the output.
    ContentFilter,
    /// A reason the provider named that has no variant here.
    Other(String),
}

/// One completion, with what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The generated text.
    pub text: String,
    /// Why generation stopped.
    pub finish_reason: FinishReason,
    /// Prompt tokens, as the backend counted them.
    pub input_tokens: u32,
    /// Generated tokens, as the backend counted them.
    pub output_tokens: u32,
    /// Wall time of the call; the accounting layer sets it to the whole call including
    /// retries and cache look-up.
    pub latency: Duration,
    /// How many retries the retry layer made before this answer.
    pub retries: u32,
    /// Whether the answer came from the response cache.
    pub cache_hit: bool,
    /// The price of the call in US dollars, when the price table knows the model
    /// (zero for cache hits).
    pub cost_usd: Option<f64>,
}

impl ChatResponse {
    /// A response with this text and finish reason and zero counts, for backends and
    /// tests to fill in.
    pub fn new(text: impl Into<String>, finish_reason: FinishReason) -> Self {
        Self {
            text: text.into(),
            finish_reason,
            input_tokens: 0,
            output_tokens: 0,
            latency: Duration::ZERO,
            retries: 0,
            cache_hit: false,
            cost_usd: None,
        }
    }
}

/// A source of chat completions.
///
/// Implementations must be cheap to share across tasks: the manager calls one model
/// from many dialogs at once.
pub trait ChatModel: Send + Sync {
    /// Completes one request.
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>>;
}

impl<M: ChatModel + ?Sized> ChatModel for Arc<M> {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        (**self).complete(req)
    }
}

impl<M: ChatModel + ?Sized> ChatModel for Box<M> {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        (**self).complete(req)
    }
}

/// The kinds of backend a configuration can name.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Any OpenAI-compatible chat-completions server.
    Openai,
    /// Claude and other models on AWS Bedrock, through the Converse API.
    Bedrock,
    /// A local GGUF model through llama.cpp (the `llama` feature).
    Llama,
    /// The manager's rule-based agents: not a model.
    Builtin,
    /// The scripted test model.
    Scripted,
}

impl BackendKind {
    /// The kind's name as written in a config file.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Openai => "openai",
            BackendKind::Bedrock => "bedrock",
            BackendKind::Llama => "llama",
            BackendKind::Builtin => "builtin",
            BackendKind::Scripted => "scripted",
        }
    }

    /// Every kind, for messages that list them.
    pub const ALL: [BackendKind; 5] = [
        BackendKind::Openai,
        BackendKind::Bedrock,
        BackendKind::Llama,
        BackendKind::Builtin,
        BackendKind::Scripted,
    ];
}

impl std::fmt::Display for BackendKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for BackendKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BackendKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = BackendKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown backend kind \"{s}\" (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// What a [`ModelHandle`] is: the name it has in the config, its kind and its model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The backend's key under `[backends]` (or a name the caller chose).
    pub name: String,
    /// The backend's kind.
    pub kind: BackendKind,
    /// The model id or path the backend serves.
    pub model: String,
}

/// A cloneable, type-erased model with its description: what the manager holds for
/// each configured backend. Clones share the backend, its connection pool, its
/// concurrency limit and its cache.
#[derive(Clone)]
pub struct ModelHandle {
    inner: Arc<dyn ChatModel>,
    info: Arc<ModelInfo>,
    budget: Option<PromptBudget>,
}

/// How many prompt tokens a model should be given, and its tokenizer to count
/// them: Flan-T5 was trained on 512-token inputs, and a longer prompt is read
/// worse, not better. The LLM-backed roles trim few-shot examples and then the
/// oldest history to fit.
#[derive(Clone)]
pub struct PromptBudget {
    /// The most tokens a prompt (system and user text together) may have.
    pub max_tokens: usize,
    count: Arc<dyn Fn(&str) -> usize + Send + Sync>,
}

impl PromptBudget {
    /// A budget of `max_tokens` counted by `count`.
    pub fn new(max_tokens: usize, count: impl Fn(&str) -> usize + Send + Sync + 'static) -> Self {
        Self {
            max_tokens,
            count: Arc::new(count),
        }
    }

    /// The number of tokens `text` is.
    pub fn count(&self, text: &str) -> usize {
        (self.count)(text)
    }

    /// Whether `text` fits the budget.
    pub fn fits(&self, text: &str) -> bool {
        self.count(text) <= self.max_tokens
    }
}

impl std::fmt::Debug for PromptBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromptBudget")
            .field("max_tokens", &self.max_tokens)
            .finish_non_exhaustive()
    }
}

impl ModelHandle {
    /// Wraps a model (usually already wrapped in layers) with its description.
    pub fn new(info: ModelInfo, model: impl ChatModel + 'static) -> Self {
        Self {
            inner: Arc::new(model),
            info: Arc::new(info),
            budget: None,
        }
    }

    /// The same handle with a prompt budget.
    pub fn with_prompt_budget(mut self, budget: PromptBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The model's prompt budget, if it has one.
    pub fn prompt_budget(&self) -> Option<&PromptBudget> {
        self.budget.as_ref()
    }

    /// What this handle is.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The backend's name.
    pub fn name(&self) -> &str {
        &self.info.name
    }
}

impl std::fmt::Debug for ModelHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelHandle")
            .field("info", &self.info)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl ChatModel for ModelHandle {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        self.inner.complete(req)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in BackendKind::ALL {
            assert_eq!(kind.as_str().parse::<BackendKind>(), Ok(kind));
        }
        let err = "gpt".parse::<BackendKind>().unwrap_err();
        assert!(err.contains("\"gpt\"") && err.contains("openai"), "{err}");
    }

    #[test]
    fn validate_rejects_empty_and_zero_token_requests() {
        assert!(ChatRequest::new(vec![]).validate().is_err());
        assert!(
            ChatRequest::user("hi")
                .with_max_tokens(0)
                .validate()
                .is_err()
        );
        assert!(
            ChatRequest::user("hi")
                .with_temperature(f32::NAN)
                .validate()
                .is_err()
        );
        assert!(
            ChatRequest::user("hi")
                .with_temperature(0.0)
                .validate()
                .is_ok()
        );
    }
}
