//! `report.json`: the evaluator's metrics, router accuracy, JGA, tokens and
//! cost, latency percentiles, timing, and exactly what ran, gathered from the
//! trace. `report.md` renders it for people (`markdown`).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use multiwoz::Domain;
use multiwoz::model::Split;
use serde::Serialize;

use crate::output::Predictions;
use crate::runner::{Bench, now_rfc3339};
use crate::spec::{Selection, Setting};
use crate::sys;
use crate::trace::TraceRecord;
use manager::PipelineInfo;

/// The dard version written into run manifests and reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Turns by outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TurnCounts {
    /// Turns planned.
    pub planned: usize,
    /// Turns answered (this run and earlier attempts).
    pub answered: usize,
    /// Turns that failed after the backends' retries (scored as empty replies).
    pub failed: usize,
    /// Turns never finished (an interrupted run; `--resume` runs them).
    pub missing: usize,
    /// Turns answered by an earlier attempt of a resumed run.
    pub from_earlier_attempts: usize,
    /// Turns finished by this invocation.
    pub this_invocation: usize,
}

/// Dialogs by outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DialogCounts {
    /// Dialogs planned.
    pub planned: usize,
    /// Dialogs with every turn finished (written to `predictions.json`, scored).
    pub scored: usize,
    /// Scored dialogs with at least one failed turn.
    pub with_failures: usize,
}

/// The manager's routing against the gold domain of each user turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RouterAccuracy {
    /// Answered turns with a gold domain.
    pub turns: usize,
    /// Turns routed to the gold domain.
    pub correct: usize,
    /// `correct / turns` in percent.
    pub accuracy: f64,
    /// Per gold domain: `(turns, correct, accuracy %)`.
    pub per_domain: BTreeMap<Domain, (usize, usize, f64)>,
}

/// Model usage over every finished turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UsageSummary {
    /// Model calls (built-in stages count as one call each).
    pub calls: usize,
    /// Prompt tokens.
    pub tokens_in: u64,
    /// Completion tokens.
    pub tokens_out: u64,
    /// Known cost in US dollars (models missing from `[prices]` count 0).
    pub cost_usd: f64,
    /// Stages answered entirely from the response cache.
    pub cache_hits: usize,
    /// Transport retries.
    pub retries: u64,
    /// Repair retries after malformed replies.
    pub repairs: u64,
    /// Stages that fell back to their safe default.
    pub fallbacks: usize,
    /// The same per backend name.
    pub per_backend: BTreeMap<String, BackendUsage>,
}

/// Usage of one backend.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BackendUsage {
    /// Calls.
    pub calls: usize,
    /// Prompt tokens.
    pub tokens_in: u64,
    /// Completion tokens.
    pub tokens_out: u64,
    /// Known cost in US dollars.
    pub cost_usd: f64,
}

/// Latency percentiles in milliseconds (nearest rank).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Median turn latency.
    pub turn_p50_ms: f64,
    /// 95th percentile turn latency.
    pub turn_p95_ms: f64,
    /// Per stage: `(p50, p95)`.
    pub per_stage: BTreeMap<String, (f64, f64)>,
}

/// Wall and CPU time of this invocation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timing {
    /// From `prepare` (data loading, training, building) to the report.
    pub total_s: f64,
    /// The concurrent run alone.
    pub run_s: f64,
    /// Turns finished per second of the run.
    pub turns_per_s: f64,
    /// Process CPU time during the run (all threads), when known.
    pub run_cpu_s: Option<f64>,
    /// Run CPU time per finished turn, in milliseconds.
    pub cpu_ms_per_turn: Option<f64>,
    /// Peak resident memory of the process so far, in MiB.
    pub peak_rss_mib: Option<f64>,
}

/// A failed turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedTurn {
    /// The dialog key.
    pub dialog: String,
    /// The system turn index.
    pub turn: usize,
    /// Why it failed.
    pub error: String,
}

/// Everything `report.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// The dard version.
    pub dard_version: String,
    /// When the run first started.
    pub started: String,
    /// When this report was written.
    pub finished: String,
    /// The run folder.
    pub out: PathBuf,
    /// The split played.
    pub split: Split,
    /// Gold states or end-to-end.
    pub setting: Setting,
    /// Which dialogs.
    pub selection: Selection,
    /// The data folder.
    pub data_dir: PathBuf,
    /// The config file, if any.
    pub config_file: Option<PathBuf>,
    /// The full pipeline configuration (header values redacted).
    pub config: serde_json::Value,
    /// The backend of each stage.
    pub pipeline: PipelineInfo,
    /// The evaluator's placeholder mapping.
    pub mapping: String,
    /// Turns (or dialogs, on blocking threads) in flight at once.
    pub concurrency: usize,
    /// `blocking threads` (all built in) or `async tasks` (model backends).
    pub execution: String,
    /// Whether the run was stopped before every turn finished.
    pub interrupted: bool,
    /// Turns by outcome.
    pub turns: TurnCounts,
    /// Dialogs by outcome.
    pub dialogs: DialogCounts,
    /// The evaluator's report over the scored dialogs.
    pub eval: Option<eval::Report>,
    /// Why nothing was scored, if so.
    pub eval_error: Option<String>,
    /// Router accuracy against the gold domains.
    pub router: RouterAccuracy,
    /// Joint goal accuracy (the evaluator's DST) of the states used; 100 by
    /// construction in the gold-state setting.
    pub jga: Option<f64>,
    /// Tokens, cost, cache hits, retries.
    pub usage: UsageSummary,
    /// Latency percentiles.
    pub latency: LatencySummary,
    /// Wall and CPU time of this invocation.
    pub timing: Timing,
    /// Every failed turn.
    pub failures: Vec<FailedTurn>,
}

/// What [`BenchReport::build`] reads.
pub(crate) struct ReportInputs<'a> {
    pub bench: &'a Bench,
    pub results: &'a HashMap<(String, usize), TraceRecord>,
    pub predictions: &'a Predictions,
    pub eval: Result<eval::Report, String>,
    pub earlier: usize,
    pub interrupted: bool,
    pub run_time: Duration,
    pub cpu: Option<Duration>,
    pub ran: usize,
}

/// The nearest-rank percentile `p` (0–100) of sorted values.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn pct(part: usize, whole: usize) -> f64 {
    match whole {
        0 => 0.0,
        _ => 100.0 * part as f64 / whole as f64,
    }
}

impl BenchReport {
    pub(crate) fn build(i: ReportInputs<'_>) -> BenchReport {
        let b = i.bench;
        // Records in plan order, so every figure is independent of finish order.
        let records: Vec<&TraceRecord> = b
            .plan
            .turns()
            .filter_map(|j| i.results.get(&(j.dialog.clone(), j.turn)))
            .collect();
        let answered = records.iter().filter(|r| r.is_ok()).count();
        let failed = records.len() - answered;
        let mut failures: Vec<FailedTurn> = records
            .iter()
            .filter(|r| !r.is_ok())
            .map(|r| FailedTurn {
                dialog: r.dialog.clone(),
                turn: r.turn,
                error: r.error.clone().unwrap_or_default(),
            })
            .collect();
        failures.truncate(1000);
        let with_failures = b
            .plan
            .dialogs
            .iter()
            .filter(|(key, jobs)| {
                i.predictions.dialogs.contains_key(key)
                    && jobs.iter().any(|j| {
                        i.results
                            .get(&(j.dialog.clone(), j.turn))
                            .is_some_and(|r| !r.is_ok())
                    })
            })
            .count();
        let (eval, eval_error) = match i.eval {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e)),
        };
        let run_s = i.run_time.as_secs_f64();
        BenchReport {
            dard_version: VERSION.to_string(),
            started: b.manifest.started.clone(),
            finished: now_rfc3339(),
            out: b.out.clone(),
            split: b.spec.split,
            setting: b.spec.setting,
            selection: b.spec.selection.clone(),
            data_dir: b.data_root.clone(),
            config_file: b.spec.config_file.clone(),
            config: b.manifest.config.clone(),
            pipeline: b.dard.info(),
            mapping: eval.as_ref().map_or("stock", |e| e.mapping).to_string(),
            concurrency: b.concurrency,
            execution: match b.blocking {
                true => "blocking threads, one dialog each".to_string(),
                false => "async tasks, one turn each".to_string(),
            },
            interrupted: i.interrupted,
            turns: TurnCounts {
                planned: b.plan.turn_count(),
                answered,
                failed,
                missing: b.plan.turn_count() - records.len(),
                from_earlier_attempts: i.earlier,
                this_invocation: i.ran,
            },
            dialogs: DialogCounts {
                planned: b.plan.dialogs.len(),
                scored: i.predictions.dialogs.len(),
                with_failures,
            },
            jga: eval.as_ref().map(|e| e.dst.joint_accuracy),
            eval,
            eval_error,
            router: router_accuracy(&records),
            usage: usage(&records),
            latency: latency(&records),
            timing: Timing {
                total_s: b.created.elapsed().as_secs_f64(),
                run_s,
                turns_per_s: if run_s > 0.0 {
                    i.ran as f64 / run_s
                } else {
                    0.0
                },
                run_cpu_s: i.cpu.map(|c| c.as_secs_f64()),
                cpu_ms_per_turn: i
                    .cpu
                    .filter(|_| i.ran > 0)
                    .map(|c| c.as_secs_f64() * 1000.0 / i.ran as f64),
                peak_rss_mib: sys::peak_rss_bytes().map(|b| b as f64 / (1024.0 * 1024.0)),
            },
            failures,
        }
    }
}

fn router_accuracy(records: &[&TraceRecord]) -> RouterAccuracy {
    let mut acc = RouterAccuracy::default();
    for r in records.iter().filter(|r| r.is_ok()) {
        let (Some(gold), Some(chosen)) = (r.gold_domain, r.domain) else {
            continue;
        };
        let row = acc.per_domain.entry(gold).or_insert((0, 0, 0.0));
        row.0 += 1;
        acc.turns += 1;
        if gold == chosen {
            row.1 += 1;
            acc.correct += 1;
        }
    }
    for row in acc.per_domain.values_mut() {
        row.2 = pct(row.1, row.0);
    }
    acc.accuracy = pct(acc.correct, acc.turns);
    acc
}

fn usage(records: &[&TraceRecord]) -> UsageSummary {
    let mut u = UsageSummary::default();
    for s in records.iter().flat_map(|r| &r.stages) {
        u.calls += s.calls;
        u.tokens_in += s.tokens_in;
        u.tokens_out += s.tokens_out;
        u.cost_usd += s.cost_usd;
        u.cache_hits += usize::from(s.cache_hit);
        u.retries += u64::from(s.retries);
        u.repairs += u64::from(s.repairs);
        u.fallbacks += usize::from(s.fallback);
        let b = u.per_backend.entry(s.backend.clone()).or_default();
        b.calls += s.calls;
        b.tokens_in += s.tokens_in;
        b.tokens_out += s.tokens_out;
        b.cost_usd += s.cost_usd;
    }
    u
}

fn latency(records: &[&TraceRecord]) -> LatencySummary {
    let sorted = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v
    };
    let turns = sorted(
        records
            .iter()
            .filter(|r| r.is_ok())
            .map(|r| r.latency_ms)
            .collect(),
    );
    let mut stages: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for s in records.iter().flat_map(|r| &r.stages) {
        stages
            .entry(s.stage.as_str().to_string())
            .or_default()
            .push(s.latency_ms);
    }
    LatencySummary {
        turn_p50_ms: percentile(&turns, 50.0),
        turn_p95_ms: percentile(&turns, 95.0),
        per_stage: stages
            .into_iter()
            .map(|(k, v)| {
                let v = sorted(v);
                (k, (percentile(&v, 50.0), percentile(&v, 95.0)))
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_percentile_is_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 10.0);
        assert_eq!(percentile(&v, 95.0), 19.0);
        assert_eq!(percentile(&v, 100.0), 20.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
        assert_eq!(percentile(&[7.0], 95.0), 7.0);
    }
}
