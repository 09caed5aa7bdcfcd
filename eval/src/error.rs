//! Errors of the prediction reader and of the evaluation.

use std::path::PathBuf;

/// A prediction file that cannot be read; every variant names the source and, where
/// it applies, the dialog, turn and field.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be read.
    #[error("cannot read predictions {path}: {source}")]
    Io {
        /// The prediction file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid JSON (serde_json's message carries line and column).
    #[error("{origin}: malformed JSON: {source}")]
    Json {
        /// The prediction file.
        origin: String,
        /// The parser error.
        source: serde_json::Error,
    },
    /// The JSON does not have the prediction format.
    #[error("{origin}: {location}: {message}")]
    Invalid {
        /// The prediction file.
        origin: String,
        /// Where: `dialog \`id\`, turn N, field`.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// Two ids name the same dialog once case and `.json` are ignored.
    #[error("{origin}: dialog ids `{first}` and `{second}` name the same dialog")]
    DuplicateDialog {
        /// The prediction file.
        origin: String,
        /// The id seen first.
        first: String,
        /// The id seen second.
        second: String,
    },
}

/// Predictions that do not fit the evaluation data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// There is nothing to score (the standard evaluator crashes here).
    #[error("the predictions contain no turns to score")]
    Empty,
    /// A predicted dialog is missing from part of the evaluation data.
    #[error(
        "dialog `{id}` is not in the evaluation {part} (is it from another split? {known} dialogs are known)"
    )]
    UnknownDialog {
        /// The id as written in the predictions.
        id: String,
        /// Which part of the data lacks it: goals, references, gold states or booked domains.
        part: &'static str,
        /// How many dialogs that part knows.
        known: usize,
    },
    /// A predicted dialog has more turns than the evaluation data.
    #[error("dialog `{id}` has {predicted} predicted turns but the {part} have only {reference}")]
    TooManyTurns {
        /// The id as written in the predictions.
        id: String,
        /// Predicted turns.
        predicted: usize,
        /// Turns in the evaluation data.
        reference: usize,
        /// Which part of the data: references, gold states or booked domains.
        part: &'static str,
    },
}
