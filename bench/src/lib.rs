//! The runners that drive a DARD pipeline over a dataset: `dard bench`, which
//! plays a MultiWOZ split through the pipeline and scores it, and [`export`],
//! which writes fine-tuning data in the exact prompt format the agents send.
//!
//! This crate sits above the dialog manager (`manager`) and the evaluator
//! (`eval`); nothing below it may depend on it.
//!
//! # The benchmark
//!
//! Every system turn is answered from the gold history of its dialog, as the
//! standard corpus evaluation does, so turns are independent: they run
//! concurrently across the whole split, as many at a time as the concurrency
//! allows. Pipelines whose stages are all built in are CPU-bound; their dialogs
//! run on blocking threads, one dialog per thread in turn order (so the
//! built-in tracker's prefix cache is reused), and never stall the runtime.
//!
//! A run writes into its folder:
//! * `run.json`: what was asked (split, setting, dialogs, configuration), so
//!   that `--resume` continues exactly that run;
//! * `trace.jsonl`: one line per finished turn, appended as turns finish, so a
//!   crash or Ctrl-C loses nothing that was finished;
//! * `predictions.json`: the standard evaluator's format, in dialog and turn
//!   order, identical between an interrupted-and-resumed run and an
//!   uninterrupted one;
//! * `report.json` and `report.md`: the evaluator's metrics, router accuracy,
//!   tokens, cost, latency and the exact configuration.
//!
//! [`prepare`] checks everything (flags, configuration, data) and builds the
//! pipeline before any model call; [`Bench::run`] runs it.

mod backend_flag;
mod error;
pub mod export;
mod lock;
mod markdown;
mod output;
mod plan;
mod prepare;
mod report;
mod runner;
pub mod simulate;
mod spec;
mod sys;
mod trace;

pub use backend_flag::BackendOverride;
pub use error::BenchError;
pub use lock::{LOCK_FILE, RunLock};
pub use output::{PredictedTurn, Predictions};
pub use plan::{Plan, TurnJob, gold_dialog_state};
pub use prepare::{CacheChoice, RunOptions, prepare};
pub use report::{
    BenchReport, DialogCounts, LatencySummary, RouterAccuracy, Timing, TurnCounts, UsageSummary,
};
pub use runner::{Bench, BenchOutcome, NoProgress, Progress};
pub use spec::{BenchSpec, Manifest, Selection, Setting, SpecFlags};
pub use trace::{
    Lines, StageTrace, TraceLog, TraceRecord, TraceWriter, TurnStatus, read_lines, read_trace,
};

/// The files a run writes into its folder.
pub mod files {
    /// What was asked: the manifest `--resume` reads.
    pub const MANIFEST: &str = "run.json";
    /// One JSON line per finished turn.
    pub const TRACE: &str = "trace.jsonl";
    /// The predictions in the standard evaluator's format.
    pub const PREDICTIONS: &str = "predictions.json";
    /// Every figure, machine-readable.
    pub const REPORT_JSON: &str = "report.json";
    /// The figures for people.
    pub const REPORT_MD: &str = "report.md";
}
#[cfg(test)]
mod tests;
