//! `dard simulate`: whole conversations between the goal-driven user
//! simulator and the pipeline, scored per dialog as ConvLab does. The work
//! is `bench::simulate`; this module reads flags and prints.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use bench::CacheChoice;
use bench::Selection;
use bench::simulate::{self, GoalSource, SimOptions, SimProgress, SimSpec, UserKind};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use multiwoz::model::Split;
use sim::DialogRecord;
use tokio_util::sync::CancellationToken;

use crate::cmd::eval::SplitArg;

/// Flags of `dard simulate`.
// clap prints these comments as `--help`, where `[cache]` is literal text.
#[allow(rustdoc::broken_intra_doc_links)]
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The MultiWOZ data folder [default: DARD_DATA, ./data/multiwoz, ../shared/multiwoz].
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The pipeline's TOML config [default: the built-in default].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The split whose goals are played [default: test].
    #[arg(long, value_enum, conflicts_with = "goals")]
    pub split: Option<SplitArg>,
    /// Play only the first N goals of the split.
    #[arg(long, value_name = "N", conflicts_with_all = ["ids", "goals"])]
    pub dialogs: Option<usize>,
    /// Play only the goals of these dialogs (comma-separated ids).
    #[arg(
        long,
        value_name = "ID,…",
        value_delimiter = ',',
        conflicts_with = "goals"
    )]
    pub ids: Option<Vec<String>>,
    /// `generated`: fresh goals from the database and the val goals' statistics.
    #[arg(long, value_enum)]
    pub goals: Option<GoalsArg>,
    /// How many goals to generate.
    #[arg(long, value_name = "N", requires = "goals", default_value_t = 100)]
    pub count: usize,
    /// The seed of generated goals and of the user's choices.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Who plays the customer (`llm`: the model the config's `[user] backend` names).
    #[arg(long, value_enum, default_value = "agenda")]
    pub user: UserArg,
    /// User turns before the user gives up.
    #[arg(long, value_name = "T", default_value_t = 20)]
    pub max_turns: usize,
    /// Dialogs in flight at once [default: the cores when all built in, else 8].
    #[arg(long, value_name = "K")]
    pub concurrency: Option<usize>,
    /// The run folder [default: runs/sim-<timestamp>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the run in --out: only dialogs not yet finished run.
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// The response cache folder [default: the config's [cache] dir, else runs/cache].
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
    /// Do not cache model replies.
    #[arg(long)]
    pub no_cache: bool,
}

/// Where goals come from besides a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GoalsArg {
    /// Sampled from the database and the val goals.
    Generated,
}

/// The simulated user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UserArg {
    /// The agenda-based user with templates mined from the val split.
    Agenda,
    /// A model plays the customer: the config's `[user] backend`.
    Llm,
}

/// Runs `dard simulate`.
pub fn run(args: SimulateArgs) -> Result<()> {
    let abs = |p: &PathBuf| std::path::absolute(p).unwrap_or_else(|_| p.clone());
    let goals = match args.goals {
        Some(GoalsArg::Generated) => GoalSource::Generated {
            count: args.count,
            seed: args.seed,
        },
        None => GoalSource::Split {
            split: match args.split {
                Some(SplitArg::Val) => Split::Val,
                _ => Split::Test,
            },
            selection: match (&args.dialogs, &args.ids) {
                (Some(n), _) => Selection::First(*n),
                (None, Some(ids)) => Selection::Ids(
                    ids.iter()
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                ),
                (None, None) => Selection::All,
            },
        },
    };
    let spec = SimSpec {
        goals,
        user: match args.user {
            UserArg::Agenda => UserKind::Agenda,
            UserArg::Llm => UserKind::Llm,
        },
        max_turns: args.max_turns,
        seed: args.seed,
        data_dir: args.data.as_ref().map(abs),
        config_file: args.config.as_ref().map(abs),
    };
    let out = args.out.clone().unwrap_or_else(default_out);
    let cache = match (&args.cache_dir, args.no_cache) {
        (_, true) => CacheChoice::Off,
        (Some(dir), false) => CacheChoice::Dir(dir.clone()),
        (None, false) => CacheChoice::Default,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let guard = runtime.enter();
    let prepared = simulate::prepare(
        spec,
        SimOptions {
            out,
            concurrency: args.concurrency,
            resume: args.resume,
            cache,
        },
    )?;
    drop(guard);
    eprintln!(
        "dard simulate: {} goals, {} at a time → {}",
        prepared.goals().len(),
        prepared.concurrency(),
        prepared.out().display()
    );
    let cancel = CancellationToken::new();
    let bar = Bar::new();
    let outcome = runtime.block_on(async {
        let on_signal = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_signal.cancel();
                if tokio::signal::ctrl_c().await.is_ok() {
                    super::exit(130);
                }
            }
        });
        prepared.run(&bar, cancel).await
    })?;
    let r = &outcome.report;
    println!("{}", r.summary.markdown());
    println!(
        "wall {:.2}s · peak RSS {} · {}",
        r.wall_s,
        r.peak_rss_bytes.map_or("unknown".into(), |b| format!(
            "{:.0} MiB",
            b as f64 / 1048576.0
        )),
        outcome.out.join(simulate::files::REPORT_MD).display()
    );
    if outcome.interrupted {
        eprintln!(
            "interrupted: every finished dialog is in {}; continue with `dard simulate --resume --out {}` and the same flags",
            outcome.out.join(simulate::files::DIALOGS).display(),
            outcome.out.display()
        );
        super::exit(130);
    }
    Ok(())
}

fn default_out() -> PathBuf {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    PathBuf::from("runs").join(format!("sim-{stamp}"))
}

/// The progress bar: dialogs/s, ETA and successes; hidden off a terminal.
struct Bar {
    bar: ProgressBar,
    success: AtomicUsize,
}

impl Bar {
    fn new() -> Bar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} dialogs · {per_sec} · ETA {eta} · {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Bar {
            bar,
            success: AtomicUsize::new(0),
        }
    }
}

impl SimProgress for Bar {
    fn begin(&self, total: usize, done: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        self.bar.reset_eta();
    }

    fn dialog(&self, record: &DialogRecord) {
        if record.score.success {
            let n = self.success.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.set_message(format!("{n} successful"));
        }
        self.bar.inc(1);
    }

    fn end(&self) {
        self.bar.finish_and_clear();
    }
}
