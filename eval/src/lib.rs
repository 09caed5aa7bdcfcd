//! MultiWOZ end-to-end evaluation with the standard evaluator's exact semantics.
//!
//! [`evaluate`] reproduces `mwzeval`'s `Evaluator(bleu=True, success=True,
//! richness=True, dst=True).evaluate(predictions)`: Inform and Success per domain and
//! in total, sacrebleu corpus BLEU against the delexicalized references, lexical
//! richness, and DST joint accuracy and slot precision / recall / F1, each the same
//! number the Python evaluator prints for the same files. Its quirks are kept on
//! purpose (the all-or-nothing fallback to gold states and to estimated active
//! domains, dict-order-sensitive domain estimation, Python rounding); the
//! [`Report`] says which fallbacks applied.
//!
//! Predictions come from [`Predictions`] (the evaluator's JSON format); the data from
//! `multiwoz::evaldata::EvalData` and `multiwoz::db::Database`.
//!
//! The evaluator depends on `multiwoz` alone: it scores files, whoever wrote them,
//! and must not depend on the models, the agents or the dialog manager.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bleu;
pub mod domains;
pub mod dst;
pub mod error;
mod evaluate;
mod fastread;
mod json;
pub mod predictions;
mod pytext;
pub mod report;
pub mod richness;
mod success;

pub use error::{EvalError, ReadError};
pub use evaluate::{EvalInputs, Options, evaluate, mapping_name};
pub use predictions::{PredictedDialog, PredictedTurn, Predictions, ReadWarnings, TurnState};
pub use pytext::py_round;
pub use report::{DomainRow, Report, Source, UnknownPlaceholders, Warnings};
pub use success::VenueDb;
