//! The manager's errors: [`BuildError`] while turning a config into a live
//! pipeline (before any model call), [`TurnError`] when a turn cannot be answered.

use std::path::PathBuf;

use agents::roles::{AgentError, Stage};

/// Shows `file: ` before a message when the error came from a file.
fn at(file: &Option<PathBuf>) -> String {
    file.as_ref()
        .map(|f| format!("{}: ", f.display()))
        .unwrap_or_default()
}

/// Why a pipeline could not be built. Every variant names the file and key, or
/// the path, at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The config file could not be read.
    #[error("cannot read config file {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The config is malformed (TOML syntax, a misspelt key, a bad value); the
    /// message names the line and key.
    #[error("{}{message}", at(.file))]
    Config {
        /// The config file, if the config came from one.
        file: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// A stage names a backend that `[backends]` does not define.
    #[error("{}{key}: unknown backend `{name}` (defined under [backends]: {defined}; or \"builtin\")", at(.file))]
    UnknownBackend {
        /// The config file, if any.
        file: Option<PathBuf>,
        /// The key that names it (`pipeline.agents.train`).
        key: String,
        /// The name given.
        name: String,
        /// The names that are defined.
        defined: String,
    },
    /// A backend could not be built (missing model, unset API key, missing GGUF).
    #[error("{}[backends] {source}", at(.file))]
    Backend {
        /// The config file, if any.
        file: Option<PathBuf>,
        /// The backend layer's error, naming the backend and key.
        #[source]
        source: models::ConfigError,
    },
    /// The prompt templates could not be loaded.
    #[error("{}[prompts] {source}", at(.file))]
    Prompts {
        /// The config file, if any.
        file: Option<PathBuf>,
        /// The template error, naming the template file.
        #[source]
        source: agents::prompt::PromptError,
    },
    /// The MultiWOZ data (dialogs or database) could not be found or read.
    #[error("MultiWOZ data: {message}")]
    Data {
        /// What is missing or unreadable, with the path.
        message: String,
    },
}

/// Why a turn could not be answered (malformed model output is not an error:
/// the stages repair or fall back; this is a failed model call or bad input).
#[derive(Debug, thiserror::Error)]
#[error("{stage} stage failed: {source}")]
pub struct TurnError {
    /// The stage that failed.
    pub stage: Stage,
    /// The stage's error.
    #[source]
    pub source: AgentError,
}
