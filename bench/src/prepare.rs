//! [`prepare`]: everything that can fail before a model call — flags,
//! configuration, data, the pipeline and the plan — and how a run is carried
//! out ([`RunOptions`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use models::BackendConfig;
use multiwoz::db::Database;
use multiwoz::evaldata::EvalData;
use multiwoz::locate::locate;

use crate::error::BenchError;
use crate::files;
use crate::plan::Plan;
use crate::runner::{Bench, now_rfc3339};
use crate::spec::{BenchSpec, Manifest, redacted};
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
    // Locked before anything is read or written there, and held until the run ends.
    let lock = crate::lock::RunLock::acquire(&out)?;
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
        _lock: lock,
    })
}

/// The folder model replies are cached in, as `cache` says: the config's
/// `[cache] dir`, else `runs/cache`; `None` when caching is off.
pub(crate) fn cache_dir(config: &Config, cache: &CacheChoice) -> Option<PathBuf> {
    match cache {
        CacheChoice::Default => Some(
            config
                .cache
                .dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("runs").join("cache")),
        ),
        CacheChoice::Dir(d) => Some(d.clone()),
        CacheChoice::Off => None,
    }
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
    let cache_dir = cache_dir(config, cache);
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
