//! `dard bench`: play a MultiWOZ split through the pipeline at full concurrency,
//! with a progress bar, Ctrl-C that keeps every finished turn, `--resume`, and a
//! report. The work is `bench`; this module reads flags and prints.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use bench::{
    self, BenchReport, CacheChoice, Manifest, Progress, RunOptions, Selection, Setting, SpecFlags,
    TraceRecord,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use multiwoz::model::Split;
use tokio_util::sync::CancellationToken;

use crate::cmd::backend_args::BackendArgs;
use crate::cmd::eval::SplitArg;
use crate::cmd::fetch::{FetchPolicy, ensure_data};

/// The exit status of a run in which some turns failed after every retry: the
/// outputs are written (failed turns are marked `"failed": true` in the
/// predictions) and `dard bench --resume --out DIR` runs those turns again.
pub const EXIT_FAILED_TURNS: i32 = 3;

/// The exit status of a run stopped by Ctrl-C (finished turns are kept).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Flags of `dard bench`.
// clap prints these comments as `--help`, where `[cache]` and `<timestamp>` are
// literal text, not links or HTML.
#[allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The data folder, the config file and the quick backend override.
    #[command(flatten)]
    pub pipeline: BackendArgs,
    /// The split to play [default: test].
    #[arg(long, value_enum)]
    pub split: Option<SplitArg>,
    /// Play only the first N dialogs of the split.
    #[arg(long, value_name = "N", conflicts_with = "ids")]
    pub dialogs: Option<usize>,
    /// Play only these dialogs (comma-separated ids, case-insensitive).
    #[arg(long, value_name = "ID,…", value_delimiter = ',')]
    pub ids: Option<Vec<String>>,
    /// `gold-state` feeds the gold belief state; `end-to-end` uses the tracker [default: gold-state].
    #[arg(long, value_enum)]
    pub setting: Option<SettingArg>,
    /// Turns in flight at once [default: 8 with model backends, the number of cores when all built in].
    #[arg(long, value_name = "K")]
    pub concurrency: Option<usize>,
    /// The run folder [default: runs/<timestamp>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the run in --out: only turns not yet answered run.
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// The response cache folder [default: the config's [cache] dir, else runs/cache].
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
    /// Do not cache model replies.
    #[arg(long)]
    pub no_cache: bool,
}

/// The benchmark settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SettingArg {
    /// The gold state replaces the tracker (policy optimization).
    GoldState,
    /// The pipeline's own tracker.
    EndToEnd,
}

/// Runs `dard bench`.
pub fn run(args: BenchArgs, fetch: FetchPolicy) -> Result<()> {
    let flags = spec_flags(&args)?;
    let (spec, out) = match (&args.out, args.resume) {
        (Some(out), true) => {
            let saved = Manifest::read(out)?;
            (flags.resume(&saved, out)?, out.clone())
        }
        (out, _) => (flags.into_spec(), out.clone().unwrap_or_else(default_out)),
    };
    let explicit = spec
        .data_dir
        .clone()
        .or_else(|| spec.config(1).ok().and_then(|c| c.data.dir));
    ensure_data(explicit.as_deref(), fetch)?;
    let cache = match (&args.cache_dir, args.no_cache) {
        (_, true) => CacheChoice::Off,
        (Some(dir), false) => CacheChoice::Dir(dir.clone()),
        (None, false) => CacheChoice::Default,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // Backends may look for a runtime while they are built.
    let guard = runtime.enter();
    let prepared = bench::prepare(
        spec,
        RunOptions {
            out,
            concurrency: args.concurrency,
            resume: args.resume,
            cache,
        },
    )?;
    drop(guard);
    eprintln!(
        "dard bench: {} turns in {} dialogs, {} at a time → {}",
        prepared.plan().turn_count(),
        prepared.plan().dialogs.len(),
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
                // A second Ctrl-C does not wait for the outputs.
                if tokio::signal::ctrl_c().await.is_ok() {
                    super::exit(EXIT_INTERRUPTED);
                }
            }
        });
        prepared.run(&bar, cancel).await
    })?;
    print_summary(&outcome.report);
    if outcome.interrupted {
        eprintln!(
            "interrupted: every finished turn is in {}; continue with `dard bench --resume --out {}`",
            outcome.out.join(bench::files::TRACE).display(),
            outcome.out.display()
        );
        super::exit(EXIT_INTERRUPTED);
    }
    let failed = outcome.report.turns.failed;
    if failed > 0 {
        eprintln!(
            "error: {failed} of {} turns failed after every retry (marked \"failed\" in {}; see report.md); \
             `dard bench --resume --out {}` runs them again",
            outcome.report.turns.planned,
            outcome.out.join(bench::files::PREDICTIONS).display(),
            outcome.out.display()
        );
        super::exit(EXIT_FAILED_TURNS);
    }
    Ok(())
}

fn spec_flags(args: &BenchArgs) -> Result<SpecFlags> {
    let backend = args.pipeline.backend_override()?;
    let selection = match (&args.dialogs, &args.ids) {
        (Some(n), _) => Some(Selection::First(*n)),
        (None, Some(ids)) => Some(Selection::Ids(
            ids.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        )),
        (None, None) => None,
    };
    Ok(SpecFlags {
        split: args.split.map(|s| match s {
            SplitArg::Test => Split::Test,
            SplitArg::Val => Split::Val,
        }),
        setting: args.setting.map(|s| match s {
            SettingArg::GoldState => Setting::GoldState,
            SettingArg::EndToEnd => Setting::EndToEnd,
        }),
        selection,
        data_dir: args.pipeline.data.clone(),
        config_file: args.pipeline.config.clone(),
        backend,
    })
}

fn default_out() -> PathBuf {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    PathBuf::from("runs").join(stamp.to_string())
}

/// The progress bar: turns/s, ETA and errors; hidden when stderr is not a terminal.
struct Bar {
    bar: ProgressBar,
    errors: AtomicUsize,
}

impl Bar {
    fn new() -> Bar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} turns · {per_sec} · ETA {eta} · {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message("0 errors");
        Bar {
            bar,
            errors: AtomicUsize::new(0),
        }
    }
}

impl Progress for Bar {
    fn begin(&self, total: usize, done: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        self.bar.reset_eta();
    }

    fn turn(&self, record: &TraceRecord) {
        if !record.is_ok() {
            let n = self.errors.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.set_message(format!("{n} errors"));
        }
        self.bar.inc(1);
    }

    fn stopping(&self) {
        self.bar
            .println("stopping: keeping every finished turn, writing the outputs…");
    }

    fn end(&self) {
        self.bar.finish_and_clear();
    }
}

fn print_summary(r: &BenchReport) {
    println!(
        "dard bench · {} split · {} · {} dialogs scored of {}",
        r.split,
        r.setting.as_str(),
        r.dialogs.scored,
        r.dialogs.planned
    );
    match (&r.eval, &r.eval_error) {
        (Some(eval), _) => print!("{eval}"),
        (None, Some(e)) => println!("not scored: {e}"),
        (None, None) => {}
    }
    println!(
        "router accuracy {:.2}% ({} / {} turns){}",
        r.router.accuracy,
        r.router.correct,
        r.router.turns,
        r.jga.map(|j| format!(" · JGA {j:.2}")).unwrap_or_default()
    );
    let t = &r.turns;
    println!(
        "turns: {} planned · {} answered · {} failed · {} missing",
        t.planned, t.answered, t.failed, t.missing
    );
    let u = &r.usage;
    println!(
        "usage: {} calls · {} tokens in · {} out · ${:.4} · {} cache hits · {} retries",
        u.calls, u.tokens_in, u.tokens_out, u.cost_usd, u.cache_hits, u.retries
    );
    let tm = &r.timing;
    println!(
        "time: {:.2} s total · {:.2} s run · {:.0} turns/s · latency p50 {:.1} ms p95 {:.1} ms{}{}",
        tm.total_s,
        tm.run_s,
        tm.turns_per_s,
        r.latency.turn_p50_ms,
        r.latency.turn_p95_ms,
        tm.cpu_ms_per_turn
            .map(|c| format!(" · {c:.3} ms CPU/turn"))
            .unwrap_or_default(),
        tm.peak_rss_mib
            .map(|m| format!(" · peak RSS {m:.0} MiB"))
            .unwrap_or_default()
    );
    println!("wrote {}", r.out.display());
}
