//! Local GGUF models through llama.cpp (the `llama` feature; `cuda` adds GPU
//! offload).
//!
//! [`LlamaModel`] is a cheap, cloneable handle to a worker thread that owns
//! the llama.cpp model and context; requests run one after another on it.
//! Decoder-only models (Llama, Mistral, Gemma…) and encoder–decoder ones
//! (T5 / Flan-T5, detected from `general.architecture`) are both supported.
//! Each request's static prefix — the system prompt, and the few-shot block
//! when it is fixed — is evaluated once and its KV cache pinned, so a call
//! evaluates only its own suffix, always in the same chunks: outputs do not
//! depend on call order, concurrency or the reuse setting. Prompts are rendered with the GGUF's chat template when
//! it has one llama.cpp understands, else with [`PromptTemplate`].
//!
//! Building this module compiles llama.cpp, which needs `cmake` and libclang.

mod chat;
mod config;
mod engine;
mod error;
mod prefix;
mod text;
mod tokens;
mod worker;

use std::sync::{Arc, mpsc};
use std::time::Duration;

use tokio::sync::oneshot;

pub use config::{LlamaConfig, PromptTemplate, Sampling, T5_MAX_PROMPT_TOKENS};
pub use error::LlamaError;
pub use text::{Turn, TurnRole};
pub use tokens::TokenCounter;
pub use worker::{WorkerCounts, shutdown};

use engine::Job;
use worker::{Command, WorkerStats};

/// What to complete: raw text, or a conversation rendered with the model's template.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Prompt {
    /// Text given to the tokenizer as is (special-token text is parsed).
    Text(String),
    /// Messages rendered with the chat template, ending with the assistant cue.
    Chat(Vec<Turn>),
}

/// One generation request in the backend's own terms.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateRequest {
    /// The prompt.
    pub prompt: Prompt,
    /// Leading bytes of the prompt that read the same in every call of its
    /// kind: of the text for [`Prompt::Text`]; of the last turn's content for
    /// [`Prompt::Chat`], whose earlier turns (the system prompt) are static
    /// too. Their KV-cache entries are evaluated once and kept (pinned), and
    /// each call evaluates only the rest, always in the same chunks.
    pub static_prefix: usize,
    /// Largest number of tokens to generate (the config's default when `None`).
    pub max_tokens: Option<u32>,
    /// Stop sequences, in addition to the config's; the text ends before the first match.
    pub stop: Vec<String>,
    /// The decoding policy (the config's when `None`).
    pub sampling: Option<Sampling>,
    /// A GBNF grammar (root rule `root`) the output must follow.
    pub grammar: Option<String>,
    /// The sampler seed (the config's when `None`); only sampled decoding uses it.
    pub seed: Option<u32>,
}

impl GenerateRequest {
    /// A request for `prompt` with every option at the config's default.
    pub fn new(prompt: Prompt) -> Self {
        Self {
            prompt,
            static_prefix: 0,
            max_tokens: None,
            stop: Vec::new(),
            sampling: None,
            grammar: None,
            seed: None,
        }
    }

    /// A request completing raw text.
    pub fn text(prompt: impl Into<String>) -> Self {
        Self::new(Prompt::Text(prompt.into()))
    }

    /// Sets how many leading bytes of the prompt are static (see
    /// [`GenerateRequest::static_prefix`]).
    pub fn with_static_prefix(mut self, bytes: usize) -> Self {
        self.static_prefix = bytes;
        self
    }

    /// Sets the largest number of generated tokens.
    pub fn with_max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = Some(n);
        self
    }

    /// Adds stop sequences.
    pub fn with_stop(mut self, stop: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.stop.extend(stop.into_iter().map(Into::into));
        self
    }

    /// Sets the decoding policy.
    pub fn with_sampling(mut self, sampling: Sampling) -> Self {
        self.sampling = Some(sampling);
        self
    }

    /// Constrains the output with a GBNF grammar.
    pub fn with_grammar(mut self, grammar: impl Into<String>) -> Self {
        self.grammar = Some(grammar.into());
        self
    }

    /// Constrains the output to JSON valid against `schema`, through the GBNF
    /// grammar llama.cpp derives from it.
    ///
    /// # Errors
    /// [`LlamaError::Grammar`] when llama.cpp cannot convert the schema.
    pub fn with_json_schema(self, schema: &serde_json::Value) -> Result<Self, LlamaError> {
        Ok(self.with_grammar(engine::schema_to_grammar(&schema.to_string())?))
    }
}

/// Why generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FinishReason {
    /// The model produced an end-of-generation token.
    EndOfGeneration,
    /// A stop sequence appeared (it is not part of the text).
    StopSequence,
    /// `max_tokens` tokens were generated.
    MaxTokens,
    /// The context window filled up.
    ContextFull,
    /// The caller went away before the end.
    Cancelled,
}

/// The result of one generation, with token counts and timings.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOutput {
    /// The generated text (stop sequence excluded).
    pub text: String,
    /// Why it ended.
    pub finish: FinishReason,
    /// Tokens in the rendered prompt.
    pub prompt_tokens: u32,
    /// Prompt tokens this request did not evaluate: a pinned static prefix, or
    /// the chunks a cancelled attempt at the same prompt had evaluated.
    pub reused_prompt_tokens: u32,
    /// Tokens generated (an end-of-generation token is not counted).
    pub completion_tokens: u32,
    /// Time to tokenize and evaluate the prompt (encoder included).
    pub prompt_eval: Duration,
    /// Time spent generating after the prompt.
    pub generation: Duration,
    /// Wall time of the whole request on the worker.
    pub total: Duration,
}

impl GenerateOutput {
    /// Generated tokens per second of generation time.
    pub fn tokens_per_second(&self) -> f64 {
        let secs = self.generation.as_secs_f64();
        if secs > 0.0 {
            f64::from(self.completion_tokens) / secs
        } else {
            0.0
        }
    }
}

/// Facts about a loaded model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// `general.architecture` (`llama`, `gemma3`, `t5`…).
    pub architecture: String,
    /// `general.name`, when present.
    pub name: Option<String>,
    /// Whether generation goes through llama.cpp's encoder path.
    pub encoder_decoder: bool,
    /// The context size in use.
    pub n_ctx: u32,
    /// The context size the model was trained with.
    pub n_ctx_train: u32,
    /// Vocabulary size.
    pub n_vocab: u32,
    /// Number of parameters.
    pub n_params: u64,
    /// Size of the weights in bytes.
    pub size_bytes: u64,
    /// The prompt template in use: `gguf`, `builtin:<name>` or `plain`.
    pub template: String,
    /// The stop sequences the template adds to every request: the plain
    /// template's next speaker tag, a chat template's end of turn.
    pub stops: Vec<String>,
}

/// A handle to a GGUF model running on its own worker thread.
///
/// Clones share the worker (and its KV cache); it stops when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct LlamaModel {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    tx: mpsc::Sender<Command>,
    info: ModelInfo,
    config: LlamaConfig,
    stats: Arc<WorkerStats>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Command::Generate { .. } => "Generate",
            Command::Reset { .. } => "Reset",
        })
    }
}

impl LlamaModel {
    /// Loads the GGUF on a new worker thread; resolves when it is ready.
    ///
    /// # Errors
    /// [`LlamaError::ModelFile`] for a missing or unreadable path,
    /// [`LlamaError::Load`] when llama.cpp rejects the file,
    /// [`LlamaError::Context`] / [`LlamaError::Template`] for settings it cannot honour.
    pub async fn load(config: LlamaConfig) -> Result<Self, LlamaError> {
        let stats = Arc::new(WorkerStats::default());
        let (tx, info) = worker::spawn(config.clone(), Arc::clone(&stats)).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                tx,
                info,
                config,
                stats,
            }),
        })
    }

    /// What the worker has done so far: jobs, cancellations, generated tokens.
    pub fn counts(&self) -> WorkerCounts {
        self.inner.stats.counts()
    }

    /// Facts about the loaded model.
    pub fn info(&self) -> &ModelInfo {
        &self.inner.info
    }

    /// The configuration it was loaded with.
    pub fn config(&self) -> &LlamaConfig {
        &self.inner.config
    }

    /// Generates a completion. Dropping the future (a timeout does) stops the
    /// generation at the next token or prompt chunk; the prompt chunks
    /// evaluated so far stay in the KV cache, so a retry of the same prompt
    /// that comes next resumes from there rather than starting over.
    ///
    /// # Errors
    /// Prompt, template, grammar and llama.cpp evaluation errors; [`LlamaError::WorkerGone`]
    /// when the worker thread has died.
    pub async fn generate(&self, req: GenerateRequest) -> Result<GenerateOutput, LlamaError> {
        let cfg = &self.inner.config;
        let mut stop = cfg.stop.clone();
        stop.extend(req.stop);
        let job = Job {
            prompt: req.prompt,
            static_prefix: req.static_prefix,
            max_tokens: req.max_tokens.unwrap_or(cfg.max_tokens),
            stop,
            sampling: req.sampling.unwrap_or(cfg.sampling),
            grammar: req.grammar,
            seed: req.seed.unwrap_or(cfg.seed),
        };
        let (reply, rx) = oneshot::channel();
        self.inner
            .tx
            .send(Command::Generate { job, reply })
            .map_err(|_| LlamaError::WorkerGone)?;
        rx.await.map_err(|_| LlamaError::WorkerGone)?
    }

    /// Empties the KV cache and drops the pinned prefixes, so that the next
    /// request starts cold.
    ///
    /// # Errors
    /// [`LlamaError::WorkerGone`] when the worker thread has died.
    pub async fn reset_cache(&self) -> Result<(), LlamaError> {
        let (reply, rx) = oneshot::channel();
        self.inner
            .tx
            .send(Command::Reset { reply })
            .map_err(|_| LlamaError::WorkerGone)?;
        rx.await.map_err(|_| LlamaError::WorkerGone)
    }
}
