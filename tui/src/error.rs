//! The errors of the terminal chat.

use std::path::PathBuf;

/// Why the chat could not start, run, or save.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TuiError {
    /// The terminal could not be set up, drawn on, or read from.
    #[error("terminal: {action}: {source}")]
    Terminal {
        /// What was being done (`entering raw mode`, `drawing`, …).
        action: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A transcript file could not be written.
    #[error("{}: {source}", .path.display())]
    Save {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A transcript could not be serialized.
    #[error("serializing the transcript: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The dialog asked for with `--replay` is not in the data.
    #[error("dialog `{id}` is not in the MultiWOZ data at {}", .root.display())]
    UnknownDialog {
        /// The id asked for.
        id: String,
        /// The data folder searched.
        root: PathBuf,
    },
    /// The dialog could not be laid out for replay.
    #[error("replaying dialog `{id}`: {message}")]
    Replay {
        /// The dialog's id.
        id: String,
        /// What went wrong.
        message: String,
    },
}

impl TuiError {
    /// A terminal error while doing `action`.
    pub(crate) fn terminal(action: &'static str) -> impl FnOnce(std::io::Error) -> TuiError {
        move |source| TuiError::Terminal { action, source }
    }
}
