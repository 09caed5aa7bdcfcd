//! `dard eval`: score a prediction file (the standard evaluator's format) with the
//! standard evaluator's exact semantics and print a table or every figure as JSON.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use eval::{EvalInputs, Options, Predictions, Report, evaluate};
use multiwoz::db::Database;
use multiwoz::evaldata::{CacheStatus, EvalData, EvalDataCache};
use multiwoz::load::{map_split, split_sources};
use multiwoz::locate::{DataLayout, locate};
use multiwoz::model::Split;
use multiwoz::normalize::Mapping;

use crate::cmd::fetch::{FetchPolicy, ensure_data};

/// Flags of `dard eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Predictions in the standard evaluator's format:
    /// `{dialog_id: [{"response": str, "state"?: {...}, "active_domains"?: [...]}, …]}`.
    pub predictions: PathBuf,
    /// The split the predictions belong to (selects the dialogs the data is derived from).
    #[arg(long, value_enum, default_value_t = SplitArg::Test)]
    pub split: SplitArg,
    /// Placeholder-name mapping: `stock` is the evaluator's; `dard` is the one DARD's
    /// authors scored their released predictions with (it also maps names such as
    /// `[restaurant_ref]`, `[bookarea]`, and `[train_name]` as a train id).
    #[arg(long, value_enum, default_value_t = MappingArg::Stock)]
    pub mapping: MappingArg,
    /// Print every figure as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// The MultiWOZ data folder (default: DARD_DATA, ./data/multiwoz, ../shared/multiwoz).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// A database folder (`*_db.json`) to use instead of the data folder's `db/`.
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Goals in the evaluator's format (`goals.json`); needs the other three files too.
    #[arg(long, value_name = "FILE", requires_all = ["references", "gold_states", "booked_domains"])]
    pub goals: Option<PathBuf>,
    /// Reference responses in the evaluator's format (`references/mwz22.json`).
    #[arg(long, value_name = "FILE", requires = "goals")]
    pub references: Option<PathBuf>,
    /// Gold states in the evaluator's format (`gold_states.json`).
    #[arg(long, value_name = "FILE", requires = "goals")]
    pub gold_states: Option<PathBuf>,
    /// Booked domains in the evaluator's format (`booked_domains.json`).
    #[arg(long, value_name = "FILE", requires = "goals")]
    pub booked_domains: Option<PathBuf>,
}

/// The splits that have references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SplitArg {
    /// The test split.
    Test,
    /// The validation split.
    Val,
}

/// The placeholder-name mappings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MappingArg {
    /// mwzeval's table (unknown names are deleted).
    Stock,
    /// mwzeval's table with DARD's additions.
    Dard,
}

/// Runs `dard eval`.
pub fn run(args: EvalArgs, fetch: FetchPolicy) -> Result<()> {
    // Without --db and the four evaluator files, the data folder is needed.
    if args.db.is_none() || args.goals.is_none() {
        ensure_data(args.data.as_deref(), fetch)?;
    }
    let started = Instant::now();
    // Reading the predictions overlaps with loading the data and the database.
    let (predictions, loaded_data) = std::thread::scope(|s| {
        let predictions = s.spawn(|| Predictions::from_path(&args.predictions));
        let loaded_data = load_data(&args);
        (predictions.join(), loaded_data)
    });
    let predictions =
        predictions.map_err(|_| anyhow::anyhow!("the prediction reader thread panicked"))??;
    let (data, db) = loaded_data?;
    let loaded = started.elapsed();
    let options = Options {
        mapping: match args.mapping {
            MappingArg::Stock => Mapping::Stock,
            MappingArg::Dard => Mapping::Dard,
        },
    };
    let report = evaluate(&predictions, &EvalInputs::new(&data, &db), &options)
        .with_context(|| format!("scoring {}", args.predictions.display()))?;
    tracing::info!(
        load_ms = loaded.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        db_queries = report.db_queries,
        "evaluated"
    );
    print_warnings(&report);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("dard eval {}", args.predictions.display());
        print!("{report}");
    }
    // The process ends here: freeing the hundreds of thousands of small allocations
    // of the data, the DB and the predictions would only add to the wall time.
    std::mem::forget((predictions, data, db, report));
    Ok(())
}

/// The evaluation data (derived from the dialogs, or the four evaluator files) and
/// the DB, loaded side by side.
fn load_data(args: &EvalArgs) -> Result<(EvalData, Database)> {
    let layout = locate(args.data.as_deref());
    let db_dir = match (&args.db, &layout) {
        (Some(dir), _) => dir.clone(),
        (None, Ok(layout)) => layout_db(layout)?,
        (None, Err(e)) => bail!("{e}\n(or pass --db DIR with the *_db.json files)"),
    };
    let (db, data) = std::thread::scope(|s| {
        let db = s.spawn(|| {
            let clock = Instant::now();
            let db = Database::load(&db_dir)
                .with_context(|| format!("loading the database from {}", db_dir.display()));
            tracing::debug!(ms = clock.elapsed().as_secs_f64() * 1e3, "database loaded");
            db
        });
        let data = load_eval_data(args, layout);
        (db.join(), data)
    });
    let db = db.map_err(|_| anyhow::anyhow!("the database loader thread panicked"))??;
    Ok((data?, db))
}

fn load_eval_data(
    args: &EvalArgs,
    layout: Result<DataLayout, multiwoz::error::LocateError>,
) -> Result<EvalData> {
    let clock = Instant::now();
    let cache = EvalDataCache::from_env();
    let (data, status) = match (
        &args.goals,
        &args.references,
        &args.gold_states,
        &args.booked_domains,
    ) {
        (Some(goals), Some(references), Some(gold_states), Some(booked)) => {
            let sources = [goals, references, gold_states, booked].map(|p| p.to_path_buf());
            cached(cache.as_ref(), "files", &sources, || {
                Ok(EvalData::from_files(
                    goals,
                    references,
                    gold_states,
                    booked,
                )?)
            })?
        }
        _ => {
            let layout = layout?;
            let split = match args.split {
                SplitArg::Test => Split::Test,
                SplitArg::Val => Split::Val,
            };
            let sources = split_sources(&layout, split);
            let tag = format!("derived {split}");
            cached(cache.as_ref(), &tag, &sources, || {
                // Each piece of the split's file is derived as soon as it is parsed,
                // while the rest of the file is still being unzipped.
                let parts = map_split(&layout, split, &|dialogs| EvalData::derive(&dialogs))
                    .with_context(|| {
                        format!("loading the {split} dialogs from {}", layout.root.display())
                    })?;
                Ok(EvalData::merge(parts))
            })?
        }
    };
    tracing::debug!(
        ms = clock.elapsed().as_secs_f64() * 1e3,
        cache = ?status,
        "evaluation data loaded"
    );
    Ok(data)
}

/// Builds the evaluation data through the cache when there is one (see
/// `multiwoz::evaldata::cache`; `DARD_EVAL_CACHE=off` disables it).
fn cached(
    cache: Option<&EvalDataCache>,
    tag: &str,
    sources: &[PathBuf],
    build: impl FnOnce() -> Result<EvalData>,
) -> Result<(EvalData, Option<CacheStatus>)> {
    match cache {
        Some(cache) if !sources.is_empty() => {
            let (data, status) = cache.load_or_build(tag, sources, build)?;
            Ok((data, Some(status)))
        }
        _ => Ok((build()?, None)),
    }
}

fn layout_db(layout: &DataLayout) -> Result<PathBuf> {
    let Some(dir) = layout.db_dir.as_deref() else {
        bail!(
            "the data folder {} has no db/ folder; pass --db DIR",
            layout.root.display()
        );
    };
    Ok(Path::to_path_buf(dir))
}

fn print_warnings(report: &Report) {
    let w = &report.warnings;
    for (field, count) in &w.read.ignored_fields {
        eprintln!("warning: ignored the turn field `{field}` ({count} turns)");
    }
    for (name, count) in &w.read.unknown_domains {
        eprintln!("warning: `{name}` is not a MultiWOZ domain ({count} occurrences)");
    }
    if w.short_dialogs > 0 {
        eprintln!(
            "warning: {} dialogs have fewer predicted turns than the reference (scored as given)",
            w.short_dialogs
        );
    }
    if w.discarded_states > 0 {
        eprintln!(
            "warning: some turns lack a state, so the gold states replaced all {} predicted ones (as the standard evaluator does)",
            w.discarded_states
        );
    }
    if w.discarded_active_domains > 0 {
        eprintln!(
            "warning: some turns lack active_domains, so all {} predicted ones were replaced by estimates (as the standard evaluator does)",
            w.discarded_active_domains
        );
    }
}
