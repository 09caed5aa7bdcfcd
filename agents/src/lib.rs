//! The `agents` crate of dard.
pub mod builtin;
pub mod llm;
pub mod prompt;
pub mod roles;

// The model layer: the `ChatModel` trait, its backends and the layers around them.
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
#[cfg(feature = "test-utils")]
pub mod scripted;
pub mod usage;

pub use config::{BackendConfig, BuildContext, LayerConfig, build, build_all};
pub use error::{ConfigError, ModelError};
pub use model::{
    BackendKind, BoxFuture, ChatModel, ChatRequest, ChatResponse, Constraint, FinishReason,
    Message, ModelHandle, ModelInfo, Role,
};
pub use usage::{PriceTable, StageUsage, UsageLedger};
