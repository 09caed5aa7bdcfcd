//! `dard simulate`: whole conversations between the goal-driven user
//! simulator of `sim` (or, with `--user llm`, a model playing the customer:
//! [`llm_user`]) and a DARD pipeline, through the same `Session` API the chat
//! and embedders use, scored per dialog as ConvLab's `MultiWozEvaluator` does.
//!
//! Dialogs run concurrently (each one turn after turn); pipelines whose stages
//! are all built in run theirs on blocking threads. A run writes into its
//! folder `run.json` (what was asked, for `--resume`), `dialogs.jsonl` (one
//! line per finished dialog: the goal, every turn with the user's and the
//! system's acts, state, domain and reason, and the scores; appended as
//! dialogs finish), `report.json` and `report.md`. Every dialog depends only
//! on the seed and its goal — the user is seeded by goal id and the session's
//! made-up details by the same key — so a run killed and resumed gives the
//! same dialogs as one never interrupted.

pub mod llm_user;
mod play;
mod report;
mod spec;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use manager::{Config, Dard};
use multiwoz::db::Database;
use multiwoz::locate::locate;
use multiwoz::model::{Split, dialog_key};
use serde::{Deserialize, Serialize};
use sim::generate::Generator;
use sim::goal::{Goal, goals_of};
use sim::{DialogRecord, EndReason, Nlg};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

pub use llm_user::{END_MARKER, LlmUsers};
pub use play::{SessionSystem, Users, play_goal};
pub use report::{SimReport, write_reports};
pub use spec::{GoalSource, SimSpec, UserKind};

use crate::error::BenchError;
use crate::prepare::{CacheChoice, all_builtin, build_pipeline, cache_dir, check_out_dir};
use crate::runner::now_rfc3339;
use crate::spec::{Selection, redacted};
use crate::trace::{TraceWriter, read_lines};

/// The files of a simulation run.
pub mod files {
    pub use crate::files::{MANIFEST, REPORT_JSON, REPORT_MD};
    /// One JSON line per finished dialog.
    pub const DIALOGS: &str = "dialogs.jsonl";
}

/// `run.json` of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimManifest {
    /// The dard version that started the run.
    pub dard_version: String,
    /// When the run started (RFC 3339).
    pub started: String,
    /// The settings.
    pub spec: SimSpec,
    /// The goal ids played, in order.
    pub goals: Vec<String>,
    /// The pipeline configuration, secrets redacted.
    pub config: serde_json::Value,
}

/// How a run is carried out.
#[derive(Debug, Clone, Default)]
pub struct SimOptions {
    /// The run folder.
    pub out: PathBuf,
    /// Dialogs in flight at once (default: the cores when all built in, else 8).
    pub concurrency: Option<usize>,
    /// Continue the run in `out`.
    pub resume: bool,
    /// The response cache.
    pub cache: CacheChoice,
}

/// Receives progress as dialogs finish.
pub trait SimProgress: Send + Sync {
    /// The run starts: `total` dialogs, `done` finished earlier.
    fn begin(&self, _total: usize, _done: usize) {}
    /// A dialog finished.
    fn dialog(&self, _record: &DialogRecord) {}
    /// The run ended.
    fn end(&self) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSimProgress;

impl SimProgress for NoSimProgress {}

/// A checked, ready simulation.
pub struct Simulation {
    spec: SimSpec,
    dard: Dard,
    db: Arc<Database>,
    users: Users,
    goals: Vec<Goal>,
    done: Vec<DialogRecord>,
    valid_len: u64,
    out: PathBuf,
    concurrency: usize,
    blocking: bool,
    manifest: SimManifest,
}

impl Simulation {
    /// The goals to play (finished ones included).
    pub fn goals(&self) -> &[Goal] {
        &self.goals
    }

    /// The run folder.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Dialogs in flight at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }
}

/// What a run ended with.
#[derive(Debug, Clone)]
pub struct SimOutcome {
    /// The figures (also in `report.json`).
    pub report: SimReport,
    /// The run folder.
    pub out: PathBuf,
    /// Whether the run stopped before every dialog finished.
    pub interrupted: bool,
}

/// Checks flags, configuration and data, builds the pipeline and lays out the
/// goals — everything that can fail before a dialog runs.
pub fn prepare(spec: SimSpec, options: SimOptions) -> Result<Simulation, BenchError> {
    spec.check()?;
    if options.concurrency == Some(0) {
        return Err(BenchError::flag("--concurrency", "must be at least 1"));
    }
    let config = match &spec.config_file {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    if spec.user == UserKind::Llm && config.user.backend.is_none() {
        // Said before the data loads and the pipeline builds.
        return Err(llm_user::missing_backend(spec.config_file.as_deref()));
    }
    check_out_dir(&options.out, options.resume)?;
    let data_dir = spec.data_dir.clone().or_else(|| config.data.dir.clone());
    let layout = locate(data_dir.as_deref()).map_err(|e| BenchError::Data(e.to_string()))?;
    let Some(db_dir) = layout.db_dir.clone() else {
        return Err(BenchError::Data(format!(
            "{} has no database folder (db/*_db.json)",
            layout.root.display()
        )));
    };
    let db = Arc::new(Database::load(&db_dir).map_err(|e| BenchError::Data(e.to_string()))?);
    let val = multiwoz::load::load_splits(&layout, &[Split::Val])
        .map_err(|e| BenchError::Data(e.to_string()))?;
    let goals = match &spec.goals {
        GoalSource::Generated { count, seed } => {
            Generator::new(goals_of(&val), &db).generate(*seed, *count)
        }
        GoalSource::Split { split, selection } => {
            let dialogs = if *split == Split::Val {
                val.clone()
            } else {
                multiwoz::load::load_splits(&layout, &[*split])
                    .map_err(|e| BenchError::Data(e.to_string()))?
            };
            let settled = goals_of(&dialogs).into_iter().map(|g| g.settle(&db));
            select(settled.collect(), selection, *split)?
        }
    };
    let dard = build_pipeline(
        &config,
        spec.config_file.as_deref(),
        &db,
        &layout.root,
        &options.cache,
    )?;
    let users = match spec.user {
        UserKind::Agenda => {
            Users::Agenda(Arc::new(Nlg::mine(&val, &sim::nlg::database_values(&db))))
        }
        UserKind::Llm => Users::Llm(Arc::new(LlmUsers::build(
            &config,
            spec.config_file.as_deref(),
            cache_dir(&config, &options.cache),
            dard.ledger().clone(),
        )?)),
    };
    let out = options.out.clone();
    let ids: Vec<String> = goals.iter().map(|g| g.id.clone()).collect();
    let config_json = redacted(dard.config());
    let manifest = if options.resume {
        let saved = read_manifest(&out)?;
        let mismatch = |field: &str, was: String, now: String| BenchError::Mismatch {
            dir: out.clone(),
            field: field.to_string(),
            was,
            now,
        };
        if saved.spec != spec {
            return Err(mismatch(
                "the settings",
                format!("{:?}", saved.spec),
                format!("{spec:?}"),
            ));
        }
        if saved.goals != ids {
            return Err(mismatch(
                "the goals",
                format!("{} goals", saved.goals.len()),
                format!("{} goals", ids.len()),
            ));
        }
        if saved.config != config_json {
            return Err(mismatch(
                "the configuration",
                "run.json's".into(),
                "the config now".into(),
            ));
        }
        saved
    } else {
        let m = SimManifest {
            dard_version: crate::report::VERSION.to_string(),
            started: now_rfc3339(),
            spec: spec.clone(),
            goals: ids,
            config: config_json,
        };
        std::fs::create_dir_all(&out).map_err(BenchError::io(&out))?;
        write_json(&out.join(files::MANIFEST), &m)?;
        m
    };
    let log = read_lines::<DialogRecord>(&out.join(files::DIALOGS))?;
    let wanted: BTreeSet<&str> = manifest.goals.iter().map(String::as_str).collect();
    let mut seen = BTreeSet::new();
    let done: Vec<DialogRecord> = log
        .records
        .into_iter()
        .filter(|d| wanted.contains(d.id.as_str()) && seen.insert(d.id.clone()))
        .collect();
    // A model-played customer waits on the network: dialogs run as tasks.
    let blocking = all_builtin(&config) && spec.user == UserKind::Agenda;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let concurrency = options
        .concurrency
        .unwrap_or(if blocking { cores } else { 8 });
    Ok(Simulation {
        spec,
        dard,
        db,
        users,
        goals,
        done,
        valid_len: log.valid_len,
        out,
        concurrency,
        blocking,
        manifest,
    })
}

/// The selected goals of a split; an unknown id is an error naming it.
fn select(goals: Vec<Goal>, selection: &Selection, split: Split) -> Result<Vec<Goal>, BenchError> {
    match selection {
        Selection::All => Ok(goals),
        Selection::First(n) => Ok(goals.into_iter().take(*n).collect()),
        Selection::Ids(ids) => ids
            .iter()
            .map(|id| {
                let key = dialog_key(id);
                goals
                    .iter()
                    .find(|g| dialog_key(&g.id) == key)
                    .cloned()
                    .ok_or_else(|| {
                        BenchError::flag(
                            "--ids",
                            format!("no dialog {id} with a goal in the {split} split"),
                        )
                    })
            })
            .collect(),
    }
}

fn read_manifest(dir: &Path) -> Result<SimManifest, BenchError> {
    let path = dir.join(files::MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => BenchError::flag(
            "--resume",
            format!(
                "{} holds no run ({} is missing)",
                dir.display(),
                files::MANIFEST
            ),
        ),
        _ => BenchError::Io {
            path: path.clone(),
            source: e,
        },
    })?;
    serde_json::from_str(&text).map_err(|e| BenchError::Format {
        path,
        message: e.to_string(),
    })
}

pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), BenchError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| BenchError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    std::fs::write(path, text + "\n").map_err(BenchError::io(path))
}

impl Simulation {
    /// Plays every goal not yet played, appending each finished dialog to
    /// `dialogs.jsonl`, then writes the reports. `shutdown` stops new dialogs
    /// from starting; those in flight finish.
    pub async fn run(
        self,
        progress: &dyn SimProgress,
        shutdown: CancellationToken,
    ) -> Result<SimOutcome, BenchError> {
        let started = Instant::now();
        let done_ids: BTreeSet<String> = self.done.iter().map(|d| d.id.clone()).collect();
        let todo: Vec<Goal> = self
            .goals
            .iter()
            .filter(|g| !done_ids.contains(&g.id))
            .cloned()
            .collect();
        progress.begin(self.goals.len(), self.done.len());
        let path = self.out.join(files::DIALOGS);
        let mut writer = TraceWriter::open(&path, self.valid_len)?;
        let (tx, mut rx) = mpsc::channel::<DialogRecord>(64);
        let sem = Arc::new(Semaphore::new(self.concurrency));
        let handle = tokio::runtime::Handle::current();
        let launcher = {
            let (dard, users, db) = (self.dard.clone(), self.users.clone(), self.db.clone());
            let (seed, max_turns, blocking) = (self.spec.seed, self.spec.max_turns, self.blocking);
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                let mut tasks = tokio::task::JoinSet::new();
                for goal in todo {
                    let permit = tokio::select! {
                        p = sem.clone().acquire_owned() => p,
                        () = shutdown.cancelled() => break,
                    };
                    let Ok(permit) = permit else { break };
                    let (dard, users, db, tx, handle) = (
                        dard.clone(),
                        users.clone(),
                        db.clone(),
                        tx.clone(),
                        handle.clone(),
                    );
                    if blocking {
                        tasks.spawn_blocking(move || {
                            let d = handle
                                .block_on(play_goal(&dard, &users, &db, &goal, seed, max_turns));
                            drop(permit);
                            let _ = tx.blocking_send(d);
                        });
                    } else {
                        tasks.spawn(async move {
                            let d = play_goal(&dard, &users, &db, &goal, seed, max_turns).await;
                            drop(permit);
                            let _ = tx.send(d).await;
                        });
                    }
                }
                while let Some(r) = tasks.join_next().await {
                    if let Err(e) = r {
                        tracing::error!(error = %e, "a simulated dialog panicked");
                    }
                }
            })
        };
        let mut all = self.done;
        while let Some(d) = rx.recv().await {
            writer.append(&d)?;
            progress.dialog(&d);
            all.push(d);
        }
        let _ = launcher.await;
        progress.end();
        let order: std::collections::HashMap<&str, usize> = self
            .manifest
            .goals
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        all.sort_by_key(|d| order.get(d.id.as_str()).copied().unwrap_or(usize::MAX));
        let interrupted = all.len() < self.goals.len();
        let report = SimReport::new(&all, &self.manifest, started.elapsed());
        write_reports(&self.out, &report, &all)?;
        Ok(SimOutcome {
            report,
            out: self.out,
            interrupted,
        })
    }
}

/// Whether a dialog ended on an error.
pub fn failed(d: &DialogRecord) -> bool {
    matches!(d.end, EndReason::SystemError(_) | EndReason::UserError(_))
}
