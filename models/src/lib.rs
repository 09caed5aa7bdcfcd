//! The model clients of dard: one small async trait, [`ChatModel`], and everything
//! that answers it.
//!
//! * [`model`]: [`ChatModel`], [`ChatRequest`], [`ChatResponse`] and the
//!   type-erased [`ModelHandle`] the rest of dard holds.
//! * Backends, each taking its own settings: [`openai`] (any OpenAI-compatible
//!   server), [`bedrock`] (the Converse API), `llama` (a local GGUF through
//!   llama.cpp, behind the `llama` feature, `cuda` for GPU offload) and `scripted`
//!   (canned replies for tests, behind the `test-utils` feature).
//! * [`layers`]: timeout, concurrency limit, retry, response cache and accounting,
//!   each a `ChatModel` around an inner one, with their settings ([`LayerConfig`]).
//! * [`usage`]: what each call used, what models cost ([`PriceTable`]) and the
//!   shared log of calls ([`UsageLedger`]).
//! * [`config`]: the `[backends]` entries of dard's TOML ([`BackendConfig`]) and
//!   [`build`], which turns one into a live, layered [`ModelHandle`]; the config
//!   builds backends, backends never read the config.
//!
//! This crate knows nothing of dialogs, MultiWOZ, prompts or roles: it must not
//! depend on `multiwoz`, `agents` or anything above them.

pub mod bedrock;
pub mod config;
pub mod error;
pub mod layers;
#[cfg(feature = "llama")]
pub mod llama;
#[cfg(feature = "llama")]
mod llama_lazy;
pub mod model;
pub mod openai;
pub mod redact;
#[cfg(feature = "test-utils")]
pub mod scripted;
pub mod usage;

pub use config::{BackendConfig, BuildContext, build, build_all};
pub use error::{ConfigError, ModelError};
pub use layers::LayerConfig;
pub use model::{
    BackendKind, BoxFuture, ChatModel, ChatRequest, ChatResponse, Constraint, FinishReason,
    Message, ModelHandle, ModelInfo, PromptBudget, Role,
};
pub use usage::{CallUsage, PriceTable, UsageLedger};
