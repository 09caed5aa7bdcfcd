//! `trace.jsonl`: one JSON line per finished turn, appended as turns finish.
//!
//! Each line is written with a single `write` call, so a killed process leaves
//! at most one partial last line; [`read_trace`] drops it (and `--resume` cuts
//! it off the file before appending), so the turn simply runs again.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use agents::roles::{DialogState, Stage};
use multiwoz::Domain;
use serde::{Deserialize, Serialize};

use crate::error::BenchError;
use crate::plan::TurnJob;
use manager::{StageReport, StateSource, TurnOutcome};

/// Whether a turn was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TurnStatus {
    /// The pipeline answered the turn.
    Ok,
    /// The turn failed after the backends' retries; `error` says why.
    Failed,
}

/// What one stage of a turn did, summed over its model calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTrace {
    /// The stage.
    pub stage: Stage,
    /// The backend name (`builtin` or a `[backends]` key).
    pub backend: String,
    /// Wall time of the stage in milliseconds.
    pub latency_ms: f64,
    /// Model calls made (repairs included; 1 for a built-in stage).
    pub calls: usize,
    /// Prompt tokens.
    pub tokens_in: u64,
    /// Completion tokens.
    pub tokens_out: u64,
    /// Whether every call was answered from the response cache.
    pub cache_hit: bool,
    /// Transport retries (rate limits, timeouts, 5xx, dropped connections).
    pub retries: u32,
    /// Repair retries after malformed replies.
    pub repairs: u32,
    /// Whether the stage fell back to its safe default.
    pub fallback: bool,
    /// Known cost in US dollars.
    pub cost_usd: f64,
}

impl StageTrace {
    fn of(report: &StageReport) -> StageTrace {
        StageTrace {
            stage: report.stage,
            backend: report.backend.clone(),
            latency_ms: ms(report.latency),
            calls: report.usage.len(),
            tokens_in: report.tokens_in(),
            tokens_out: report.tokens_out(),
            cache_hit: report.cache_hit(),
            retries: report.retries(),
            repairs: report.repairs(),
            fallback: report.fallback(),
            cost_usd: report.cost_usd(),
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One line of `trace.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceRecord {
    /// The dialog key (lower case, no `.json`).
    pub dialog: String,
    /// The system turn's index within the dialog.
    pub turn: usize,
    /// Answered or failed.
    pub status: TurnStatus,
    /// The domain the manager delegated to.
    pub domain: Option<Domain>,
    /// The manager's reason.
    pub reason: Option<String>,
    /// The gold domain of the user turn.
    pub gold_domain: Option<Domain>,
    /// The state the turn used.
    pub state: Option<DialogState>,
    /// Where that state came from.
    pub state_source: Option<StateSource>,
    /// The domains the reply is about (the evaluator's `active_domains`).
    #[serde(default)]
    pub active_domains: Vec<Domain>,
    /// The chosen domain's database match count.
    pub db_count: Option<usize>,
    /// The delexicalized reply, what the evaluator scores.
    pub response: Option<String>,
    /// The reply for people.
    pub reply: Option<String>,
    /// What each stage did.
    #[serde(default)]
    pub stages: Vec<StageTrace>,
    /// Wall time of the turn in milliseconds.
    pub latency_ms: f64,
    /// Why the turn failed.
    pub error: Option<String>,
}

impl TraceRecord {
    /// The record of an answered turn.
    pub fn answered(job: &TurnJob, outcome: &TurnOutcome) -> TraceRecord {
        TraceRecord {
            dialog: job.dialog.clone(),
            turn: job.turn,
            status: TurnStatus::Ok,
            domain: Some(outcome.domain),
            reason: Some(outcome.reason.clone()),
            gold_domain: job.gold_domain,
            state: Some(outcome.state.clone()),
            state_source: Some(outcome.state_source),
            active_domains: outcome.active_domains.clone(),
            db_count: Some(outcome.db.count),
            response: Some(manager::lexicalize::for_evaluator(
                &outcome.delex_reply,
                outcome.domain,
                &outcome.db,
                &outcome.state,
            )),
            reply: Some(outcome.reply.clone()),
            stages: outcome.stages.iter().map(StageTrace::of).collect(),
            latency_ms: ms(outcome.latency),
            error: None,
        }
    }

    /// The record of a turn that failed with `error`.
    pub fn failed(job: &TurnJob, error: String, latency: Duration) -> TraceRecord {
        TraceRecord {
            dialog: job.dialog.clone(),
            turn: job.turn,
            status: TurnStatus::Failed,
            domain: None,
            reason: None,
            gold_domain: job.gold_domain,
            state: None,
            state_source: None,
            active_domains: Vec::new(),
            db_count: None,
            response: None,
            reply: None,
            stages: Vec::new(),
            latency_ms: ms(latency),
            error: Some(error),
        }
    }

    /// Whether the turn was answered.
    pub fn is_ok(&self) -> bool {
        self.status == TurnStatus::Ok
    }
}

/// What [`read_trace`] found.
#[derive(Debug, Clone, Default)]
pub struct TraceLog {
    /// The records, in file order.
    pub records: Vec<TraceRecord>,
    /// Bytes up to the end of the last complete line.
    pub valid_len: u64,
    /// Bytes of a partial last line (a write cut short by a kill).
    pub partial_tail: u64,
    /// Complete lines that did not parse (skipped; their turns run again).
    pub bad_lines: Vec<usize>,
}

/// Reads `trace.jsonl`; a missing file is an empty trace.
pub fn read_trace(path: &Path) -> Result<TraceLog, BenchError> {
    let lines = read_lines::<TraceRecord>(path)?;
    Ok(TraceLog {
        records: lines.records,
        valid_len: lines.valid_len,
        partial_tail: lines.partial_tail,
        bad_lines: lines.bad_lines,
    })
}

/// What [`read_lines`] found in a JSON Lines file.
#[derive(Debug, Clone)]
pub struct Lines<T> {
    /// The records, in file order.
    pub records: Vec<T>,
    /// Bytes up to the end of the last complete line.
    pub valid_len: u64,
    /// Bytes of a partial last line (a write cut short by a kill).
    pub partial_tail: u64,
    /// Complete lines that did not parse (skipped; their work runs again).
    pub bad_lines: Vec<usize>,
}

/// Reads a JSON Lines file written by [`TraceWriter`] (`trace.jsonl`,
/// `dialogs.jsonl`); a missing file is empty, a partial last line and
/// malformed lines are skipped (and logged) so their work runs again.
pub fn read_lines<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Lines<T>, BenchError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Lines {
                records: Vec::new(),
                valid_len: 0,
                partial_tail: 0,
                bad_lines: Vec::new(),
            });
        }
        Err(e) => return Err(BenchError::io(path)(e)),
    };
    let valid_len = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let mut log = Lines {
        records: Vec::new(),
        valid_len: valid_len as u64,
        partial_tail: (bytes.len() - valid_len) as u64,
        bad_lines: Vec::new(),
    };
    for (i, line) in bytes[..valid_len].split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<T>(line) {
            Ok(r) => log.records.push(r),
            Err(e) => {
                tracing::warn!(file = %path.display(), line = i + 1, error = %e, "skipping a malformed line; its work runs again");
                log.bad_lines.push(i + 1);
            }
        }
    }
    Ok(log)
}

/// Appends records to `trace.jsonl`, one `write` per line.
#[derive(Debug)]
pub struct TraceWriter {
    file: File,
    path: PathBuf,
}

impl TraceWriter {
    /// Opens the trace for appending, first cutting it to `valid_len` bytes (the
    /// end of its last complete line).
    pub fn open(path: &Path, valid_len: u64) -> Result<TraceWriter, BenchError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(BenchError::io(path))?;
        let len = file.metadata().map_err(BenchError::io(path))?.len();
        if len > valid_len {
            file.set_len(valid_len).map_err(BenchError::io(path))?;
        }
        Ok(TraceWriter {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Appends one record as one line.
    pub fn append<T: Serialize>(&mut self, record: &T) -> Result<(), BenchError> {
        let mut line = serde_json::to_vec(record).map_err(|e| BenchError::Format {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .map_err(BenchError::io(&self.path))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn record(turn: usize) -> TraceRecord {
        TraceRecord {
            dialog: "d1".into(),
            turn,
            status: TurnStatus::Failed,
            domain: None,
            reason: None,
            gold_domain: Some(Domain::Hotel),
            state: None,
            state_source: None,
            active_domains: vec![],
            db_count: None,
            response: None,
            reply: None,
            stages: vec![],
            latency_ms: 1.5,
            error: Some("boom".into()),
        }
    }

    #[test]
    fn bench_trace_round_trips_and_drops_a_partial_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trace.jsonl");
        let mut w = TraceWriter::open(&path, 0).unwrap();
        w.append(&record(0)).unwrap();
        w.append(&record(1)).unwrap();
        drop(w);
        // A write cut short by SIGKILL.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"dialog\":\"d1\",\"tu").unwrap();
        drop(f);
        let log = read_trace(&path).unwrap();
        assert_eq!(log.records, vec![record(0), record(1)]);
        assert_eq!(log.partial_tail, 18);
        let mut w = TraceWriter::open(&path, log.valid_len).unwrap();
        w.append(&record(2)).unwrap();
        let log = read_trace(&path).unwrap();
        assert_eq!(log.records.len(), 3);
        assert_eq!(log.partial_tail, 0);
        assert!(log.bad_lines.is_empty());
    }

    #[test]
    fn bench_trace_skips_malformed_lines_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trace.jsonl");
        assert!(read_trace(&path).unwrap().records.is_empty());
        let good = serde_json::to_string(&record(0)).unwrap();
        std::fs::write(&path, format!("{good}\nnot json\n{good}\n")).unwrap();
        let log = read_trace(&path).unwrap();
        assert_eq!(log.records.len(), 2);
        assert_eq!(log.bad_lines, vec![2]);
    }
}
