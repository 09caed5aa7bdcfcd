//! [`Bench::run`]: the concurrent run, the trace and the outputs of a run that
//! [`crate::prepare`] checked and built.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use multiwoz::db::Database;
use multiwoz::evaldata::EvalData;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::error::BenchError;
use crate::plan::{Plan, TurnJob};
use crate::report::{BenchReport, ReportInputs};
use crate::spec::{BenchSpec, Manifest, Setting};
use crate::trace::{TraceRecord, TraceWriter, read_trace};
use crate::{files, output, sys};
use manager::Dard;
use manager::TurnRequest;

/// Receives progress as turns finish (a progress bar, a log). Called from the
/// task that writes the trace; keep it cheap.
pub trait Progress: Send + Sync {
    /// The run starts: `total` turns planned, `done` already answered earlier.
    fn begin(&self, _total: usize, _done: usize) {}
    /// A turn finished (answered or failed).
    fn turn(&self, _record: &TraceRecord) {}
    /// Ctrl-C (or the caller) asked the run to stop.
    fn stopping(&self) {}
    /// The run ended.
    fn end(&self) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// A checked, ready run: the pipeline built, the data loaded, the plan laid out.
pub struct Bench {
    pub(crate) spec: BenchSpec,
    pub(crate) dard: Dard,
    pub(crate) plan: Plan,
    pub(crate) eval_data: EvalData,
    pub(crate) db: Arc<Database>,
    pub(crate) data_root: PathBuf,
    pub(crate) out: PathBuf,
    pub(crate) concurrency: usize,
    pub(crate) blocking: bool,
    pub(crate) manifest: Manifest,
    pub(crate) created: Instant,
    /// The run folder's lock, released when the run (and so the `Bench`) ends.
    pub(crate) _lock: crate::lock::RunLock,
}

impl std::fmt::Debug for Bench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bench")
            .field("spec", &self.spec)
            .field("turns", &self.plan.turn_count())
            .field("out", &self.out)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// What a run ended with.
#[derive(Debug, Clone)]
pub struct BenchOutcome {
    /// Every figure (also in `report.json`).
    pub report: BenchReport,
    /// The run folder.
    pub out: PathBuf,
    /// Whether the run was stopped before every turn finished.
    pub interrupted: bool,
}

pub(crate) fn now_rfc3339() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

type Key = (String, usize);

impl Bench {
    /// The pipeline.
    pub fn dard(&self) -> &Dard {
        &self.dard
    }

    /// The turns planned.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The run folder.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Turns (or dialogs, for an all-built-in pipeline) in flight at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Runs every turn not yet answered (all of them, unless resuming; failed
    /// turns of an earlier attempt run again), appending each to the trace as it
    /// finishes, then writes the predictions and the report for every finished
    /// dialog. `cancel` stops the run cleanly: no new turns start, turns in
    /// flight are dropped, everything finished is kept.
    pub async fn run(
        self,
        progress: &dyn Progress,
        cancel: CancellationToken,
    ) -> Result<BenchOutcome, BenchError> {
        let trace_path = self.out.join(files::TRACE);
        let log = read_trace(&trace_path)?;
        if log.partial_tail > 0 {
            tracing::warn!(
                bytes = log.partial_tail,
                "dropping a partial last trace line; its turn runs again"
            );
        }
        let planned: HashMap<Key, &TurnJob> = self
            .plan
            .turns()
            .map(|j| ((j.dialog.clone(), j.turn), j))
            .collect();
        let mut results: HashMap<Key, TraceRecord> = HashMap::with_capacity(planned.len());
        for r in log.records {
            let key = (r.dialog.clone(), r.turn);
            if planned.contains_key(&key) {
                results.insert(key, r);
            }
        }
        let earlier = results.values().filter(|r| r.is_ok()).count();
        let mut queue: VecDeque<Vec<TurnJob>> = VecDeque::new();
        for (_, turns) in &self.plan.dialogs {
            let todo: Vec<TurnJob> = turns
                .iter()
                .filter(|j| {
                    !results
                        .get(&(j.dialog.clone(), j.turn))
                        .is_some_and(TraceRecord::is_ok)
                })
                .cloned()
                .collect();
            if todo.is_empty() {
                continue;
            }
            match self.blocking {
                true => queue.push_back(todo),
                false => queue.extend(todo.into_iter().map(|j| vec![j])),
            }
        }
        let mut writer = TraceWriter::open(&trace_path, log.valid_len)?;
        progress.begin(self.plan.turn_count(), earlier);
        let cpu_before = sys::cpu_time();
        let clock = Instant::now();
        let (interrupted, ran) = self
            .execute(queue, &mut writer, &mut results, progress, &cancel)
            .await?;
        let run_time = clock.elapsed();
        let cpu = cpu_before
            .zip(sys::cpu_time())
            .map(|(a, b)| b.saturating_sub(a));
        progress.end();
        drop(writer);
        self.finish(results, earlier, interrupted, run_time, cpu, ran)
    }

    /// Runs the queued units, at most `concurrency` at a time. Returns whether
    /// the run was stopped, and how many turns finished.
    async fn execute(
        &self,
        mut queue: VecDeque<Vec<TurnJob>>,
        writer: &mut TraceWriter,
        results: &mut HashMap<Key, TraceRecord>,
        progress: &dyn Progress,
        cancel: &CancellationToken,
    ) -> Result<(bool, usize), BenchError> {
        let (tx, mut rx) = mpsc::unbounded_channel::<TraceRecord>();
        let stop = Arc::new(AtomicBool::new(false));
        let mut set: JoinSet<()> = JoinSet::new();
        let mut units: HashMap<tokio::task::Id, Vec<TurnJob>> = HashMap::new();
        let mut stopping = false;
        let mut finished = 0usize;
        let mut record = |rec: TraceRecord, results: &mut HashMap<Key, TraceRecord>| {
            writer.append(&rec)?;
            finished += 1;
            progress.turn(&rec);
            results.insert((rec.dialog.clone(), rec.turn), rec);
            Ok::<(), BenchError>(())
        };
        loop {
            while !stopping && set.len() < self.concurrency {
                let Some(unit) = queue.pop_front() else { break };
                let handle = self.spawn(&mut set, unit.clone(), tx.clone(), stop.clone());
                units.insert(handle.id(), unit);
            }
            if set.is_empty() {
                break;
            }
            tokio::select! {
                _ = cancel.cancelled(), if !stopping => {
                    stopping = true;
                    stop.store(true, Ordering::SeqCst);
                    progress.stopping();
                    if !self.blocking {
                        set.abort_all();
                    }
                }
                Some(rec) = rx.recv() => record(rec, results)?,
                Some(joined) = set.join_next_with_id() => {
                    let (id, panic) = match joined {
                        Ok((id, ())) => (id, None),
                        Err(e) if e.is_panic() => (e.id(), Some(panic_text(e.into_panic()))),
                        Err(e) => (e.id(), None),
                    };
                    let unit = units.remove(&id).unwrap_or_default();
                    if let Some(message) = panic {
                        // Records the task sent before panicking are in the
                        // channel; take them first, then mark the rest failed.
                        while let Ok(rec) = rx.try_recv() {
                            record(rec, results)?;
                        }
                        for job in unit {
                            let key = (job.dialog.clone(), job.turn);
                            if !results.get(&key).is_some_and(TraceRecord::is_ok) {
                                let error = format!("the turn panicked: {message}");
                                record(TraceRecord::failed(&job, error, Duration::ZERO), results)?;
                            }
                        }
                    }
                }
            }
        }
        while let Ok(rec) = rx.try_recv() {
            record(rec, results)?;
        }
        Ok((stopping, finished))
    }

    fn spawn(
        &self,
        set: &mut JoinSet<()>,
        unit: Vec<TurnJob>,
        tx: mpsc::UnboundedSender<TraceRecord>,
        stop: Arc<AtomicBool>,
    ) -> tokio::task::AbortHandle {
        let dard = self.dard.clone();
        let setting = self.spec.setting;
        if self.blocking {
            let handle = tokio::runtime::Handle::current();
            set.spawn_blocking(move || {
                for job in unit {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let rec = handle.block_on(answer(&dard, &job, setting));
                    if tx.send(rec).is_err() {
                        break;
                    }
                }
            })
        } else {
            set.spawn(async move {
                for job in unit {
                    let rec = answer(&dard, &job, setting).await;
                    if tx.send(rec).is_err() {
                        break;
                    }
                }
            })
        }
    }

    fn finish(
        &self,
        results: HashMap<Key, TraceRecord>,
        earlier: usize,
        interrupted: bool,
        run_time: Duration,
        cpu: Option<Duration>,
        ran: usize,
    ) -> Result<BenchOutcome, BenchError> {
        let preds = output::Predictions::collect(&self.plan, &results);
        let pred_path = self.out.join(files::PREDICTIONS);
        let bytes = preds.to_json();
        std::fs::write(&pred_path, &bytes).map_err(BenchError::io(&pred_path))?;
        let eval = output::evaluate(&bytes, &pred_path, &self.eval_data, &self.db);
        let report = BenchReport::build(ReportInputs {
            bench: self,
            results: &results,
            predictions: &preds,
            eval,
            earlier,
            interrupted,
            run_time,
            cpu,
            ran,
        });
        output::write_report(&self.out, &report)?;
        Ok(BenchOutcome {
            report,
            out: self.out.clone(),
            interrupted,
        })
    }
}

/// Answers one turn; a failure becomes a failed record, never an empty answer.
async fn answer(dard: &Dard, job: &TurnJob, setting: Setting) -> TraceRecord {
    let start = Instant::now();
    let req = TurnRequest {
        history: job.history(),
        dialog_id: Some(&job.dialog),
        gold_state: (setting == Setting::GoldState).then_some(&job.gold_state),
        previous_state: None,
    };
    match dard.answer(req).await {
        Ok(outcome) => TraceRecord::answered(job, &outcome),
        Err(e) => TraceRecord::failed(job, error_chain(&e), start.elapsed()),
    }
}

/// An error with its sources, `outer: inner: …`, with credentials taken out of
/// any URL it quotes.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    models::redact::redact_urls(&models::error::chain_text(e))
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
