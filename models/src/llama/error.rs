//! Errors of the local GGUF backend. They carry strings rather than
//! llama-cpp-2's error types so that none of its types leak out.

use std::path::PathBuf;

/// What can go wrong loading or running a GGUF model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LlamaError {
    /// The model file does not exist or cannot be read.
    #[error("GGUF model file {path}: {reason}")]
    ModelFile {
        /// The configured path.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// llama.cpp refused to load the file (corrupt, unsupported architecture…).
    #[error("llama.cpp could not load the GGUF model {path}: {reason}")]
    Load {
        /// The configured path.
        path: PathBuf,
        /// llama.cpp's reason, as far as it says.
        reason: String,
    },
    /// The llama.cpp backend could not be initialised in this process.
    #[error("llama.cpp backend initialisation failed: {0}")]
    Backend(String),
    /// Creating the inference context failed (often: not enough memory for `n_ctx`).
    #[error("llama.cpp could not create a context with n_ctx={n_ctx}: {reason}")]
    Context {
        /// The requested context size.
        n_ctx: u32,
        /// llama.cpp's reason.
        reason: String,
    },
    /// The prompt does not fit the context window.
    #[error("prompt of {prompt_tokens} tokens does not fit the context of {n_ctx} tokens")]
    PromptTooLong {
        /// Tokens in the rendered prompt.
        prompt_tokens: usize,
        /// The context size.
        n_ctx: u32,
    },
    /// The prompt rendered to no tokens at all.
    #[error("the prompt is empty after tokenization")]
    EmptyPrompt,
    /// The chat template could not be applied to the messages.
    #[error("chat template {template}: {reason}")]
    Template {
        /// Which template (the GGUF's or a configured name).
        template: String,
        /// What failed.
        reason: String,
    },
    /// The GBNF grammar in the request did not parse.
    #[error("invalid GBNF grammar: {0}")]
    Grammar(String),
    /// The request asks for something this backend cannot do.
    #[error("unsupported by the llama backend: {0}")]
    Unsupported(String),
    /// Evaluating tokens failed inside llama.cpp.
    #[error("llama.cpp {stage} failed: {reason}")]
    Eval {
        /// `encode`, `decode` or `kv-cache`.
        stage: &'static str,
        /// llama.cpp's reason.
        reason: String,
    },
    /// [`crate::llama::shutdown`] was called: the process is exiting.
    #[error("the llama backend is shutting down")]
    ShuttingDown,
    /// The worker thread is gone (it panicked or the model was dropped).
    #[error("the llama worker thread has stopped")]
    WorkerGone,
}
