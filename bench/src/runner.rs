//! [`prepare`] (everything that can fail before a model call) and
//! [`Bench::run`] (the concurrent run, the trace, the outputs).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use models::BackendConfig;
use multiwoz::db::Database;
use multiwoz::evaldata::EvalData;
use multiwoz::locate::locate;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::error::BenchError;
use crate::plan::{Plan, TurnJob};
use crate::report::{BenchReport, ReportInputs};
use crate::spec::{BenchSpec, Manifest, Setting, redacted};
use crate::trace::{TraceRecord, TraceWriter, read_trace};
use crate::{files, output, sys};
use manager::TurnRequest;
use manager::{BUILTIN, Config};
use manager::{BuildError, Dard};

/// Turns in flight at once against remote backends when `--concurrency` is not given.
pub const DEFAULT_REMOTE_CONCURRENCY: usize = 8;

/// Where model replies are cached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheChoice {
    /// The config's `[cache] dir`, else `runs/cache`.
    #[default]
    Default,
    /// This folder.
    Dir(PathBuf),
    /// No cache.
    Off,
}

/// How a run is carried out (as opposed to what it plays, [`BenchSpec`]).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The run folder.
    pub out: PathBuf,
    /// Turns (or, with an all-built-in pipeline, dialogs) in flight at once;
    /// default 8 with model backends, the number of cores otherwise.
    pub concurrency: Option<usize>,
    /// Continue the run in `out` instead of starting one.
    pub resume: bool,
    /// The response cache.
    pub cache: CacheChoice,
}

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

/// Checks the flags and the configuration, loads the data, builds the pipeline
/// and lays out the turns — everything that can fail before a model call, with
/// the flag, key or file at fault named.
pub fn prepare(spec: BenchSpec, options: RunOptions) -> Result<Bench, BenchError> {
    let created = Instant::now();
    spec.check()?;
    if options.concurrency == Some(0) {
        return Err(BenchError::flag("--concurrency", "must be at least 1"));
    }
    let config = spec.config(options.concurrency.unwrap_or(DEFAULT_REMOTE_CONCURRENCY))?;
    let out = options.out.clone();
    check_out_dir(&out, options.resume)?;

    let data_dir = spec.data_dir.clone().or_else(|| config.data.dir.clone());
    let layout = locate(data_dir.as_deref()).map_err(|e| BenchError::Data(e.to_string()))?;
    let Some(db_dir) = layout.db_dir.clone() else {
        return Err(BenchError::Data(format!(
            "{} has no database folder (db/*_db.json)",
            layout.root.display()
        )));
    };
    let db = Arc::new(Database::load(&db_dir).map_err(|e| BenchError::Data(e.to_string()))?);
    tracing::debug!(ms = created.elapsed().as_millis() as u64, "database loaded");
    let blocking = all_builtin(&config);

    // The pipeline (trains the built-in default) and the split's dialogs load
    // side by side.
    let (built, loaded) = std::thread::scope(|s| {
        let built = s.spawn(|| {
            let dard = build_pipeline(
                &config,
                spec.config_file.as_deref(),
                &db,
                &layout.root,
                &options.cache,
            );
            tracing::debug!(ms = created.elapsed().as_millis() as u64, "pipeline built");
            dard
        });
        let loaded = multiwoz::load::load_splits(&layout, &[spec.split])
            .map_err(|e| BenchError::Data(e.to_string()))
            .and_then(|dialogs| {
                tracing::debug!(ms = created.elapsed().as_millis() as u64, "split loaded");
                let plan = Plan::build(&dialogs, &spec.selection, spec.setting)?;
                Ok((plan, EvalData::derive(&dialogs)))
            });
        (built.join(), loaded)
    });
    let dard = built.map_err(|_| BenchError::Data("building the pipeline panicked".into()))??;
    let (plan, eval_data) = loaded?;

    let config_json = redacted(dard.config());
    let manifest = if options.resume {
        let saved = Manifest::read(&out)?;
        check_same_run(&saved, &plan, &config_json, &out)?;
        saved
    } else {
        let m = Manifest {
            dard_version: crate::report::VERSION.to_string(),
            started: now_rfc3339(),
            spec: spec.clone(),
            dialogs: plan.dialog_ids(),
            config: config_json,
        };
        std::fs::create_dir_all(&out).map_err(BenchError::io(&out))?;
        m.write(&out)?;
        m
    };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let concurrency = options.concurrency.unwrap_or(match blocking {
        true => cores,
        false => DEFAULT_REMOTE_CONCURRENCY,
    });
    tracing::info!(
        turns = plan.turn_count(),
        dialogs = plan.dialogs.len(),
        concurrency,
        blocking,
        prepare_ms = created.elapsed().as_millis() as u64,
        "bench prepared"
    );
    Ok(Bench {
        spec,
        dard,
        plan,
        eval_data,
        db,
        data_root: layout.root,
        out,
        concurrency,
        blocking,
        manifest,
        created,
    })
}

/// Builds the pipeline of `config` on the loaded database, with model replies
/// cached as `cache` says (shared by `dard bench` and `dard simulate`).
pub(crate) fn build_pipeline(
    config: &Config,
    config_file: Option<&Path>,
    db: &Arc<Database>,
    data_root: &Path,
    cache: &CacheChoice,
) -> Result<Dard, BuildError> {
    let cache_dir = match cache {
        CacheChoice::Default => Some(
            config
                .cache
                .dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("runs").join("cache")),
        ),
        CacheChoice::Dir(d) => Some(d.clone()),
        CacheChoice::Off => None,
    };
    let mut b = Dard::builder()
        .config(config.clone())
        .database(db.clone())
        .data_dir(data_root.to_path_buf());
    if let Some(f) = config_file {
        b = b.config_file(f.to_path_buf());
    }
    match cache_dir {
        Some(dir) => b = b.cache_dir(dir),
        None => {
            let mut c = config.clone();
            c.cache.dir = None;
            b = b.config(c);
        }
    }
    b.build()
}

/// Whether every stage runs on the built-in default (CPU-bound, no I/O).
pub(crate) fn all_builtin(config: &Config) -> bool {
    let builtin = |name: &str| {
        name == BUILTIN || matches!(config.backends.get(name), Some(BackendConfig::Builtin))
    };
    config.references().iter().all(|(_, name)| builtin(name))
}

/// A new run needs a fresh folder; a resumed one needs an existing run.
pub(crate) fn check_out_dir(out: &Path, resume: bool) -> Result<(), BenchError> {
    let has_run = out.join(files::MANIFEST).exists() || out.join(files::TRACE).exists();
    if !resume && has_run {
        return Err(BenchError::flag(
            "--out",
            format!(
                "{} already holds a run; pass --resume to continue it, or another --out",
                out.display()
            ),
        ));
    }
    Ok(())
}

fn check_same_run(
    saved: &Manifest,
    plan: &Plan,
    config: &serde_json::Value,
    dir: &Path,
) -> Result<(), BenchError> {
    let ids = plan.dialog_ids();
    if ids != saved.dialogs {
        return Err(BenchError::Mismatch {
            dir: dir.to_path_buf(),
            field: "the dialogs played".into(),
            was: format!("{} dialogs", saved.dialogs.len()),
            now: format!("{} dialogs (has the data changed?)", ids.len()),
        });
    }
    if *config != saved.config {
        return Err(BenchError::Mismatch {
            dir: dir.to_path_buf(),
            field: "the pipeline configuration".into(),
            was: "the configuration in run.json".into(),
            now: "a different one (has the config file changed?)".into(),
        });
    }
    Ok(())
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

/// An error with its sources, `outer: inner: …`.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

pub(crate) fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
