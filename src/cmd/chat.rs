//! `dard chat`: the terminal chat (the `tui` crate) on a pipeline built from the
//! same flags as `dard bench`; `--replay DIALOG_ID` steps through a MultiWOZ
//! dialog with the gold reply next to dard's; `--replay-sim RUN[#N]` steps
//! through a dialog of a `dard simulate` run (see `replay_sim`); `--script FILE` (or a stdin that
//! is not a terminal) plays scripted user turns and prints one JSON line per
//! turn instead of opening the chat screen.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use manager::Dard;
use manager::script::{ScriptDialog, parse_script, run_script};
use multiwoz::model::{Dialog, Split, dialog_key};

use crate::cmd::backend_args::BackendArgs;
use crate::cmd::fetch::{FetchPolicy, ensure_data};

/// Flags of `dard chat`.
#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// The pipeline: config file or one-backend override, and the data folder.
    #[command(flatten)]
    pub pipeline: BackendArgs,
    /// Step through this MultiWOZ dialog (e.g. PMUL4398), showing the gold reply next to dard's.
    #[arg(long, value_name = "DIALOG_ID")]
    pub replay: Option<String>,
    /// Step through a dialog of a `dard simulate` run: RUN is the run folder
    /// (or its dialogs.jsonl), then `#N` (0-based line) or `#GOAL_ID`
    /// [default: the first]. Shows the reply recorded in the run next to
    /// dard's; prints JSON lines instead when stdin or stdout is not a terminal.
    #[arg(long, value_name = "RUN[#N]", conflicts_with_all = ["replay", "script"])]
    pub replay_sim: Option<String>,
    /// Where Ctrl-S saves transcripts.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub save_dir: PathBuf,
    /// Play the user turns of FILE (`-` for stdin): one per line, a blank line
    /// starts a new dialog, or JSON lines with a `"user"` key. Prints one JSON
    /// line per turn (reply, domain, reason, state, memory, DB count). Also
    /// used when stdin is not a terminal.
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    pub script: Option<PathBuf>,
    /// Seconds a turn may take before it is shown as timed out.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub timeout: u64,
}

/// The log of `dard chat` (warnings of the pipeline and backends), so that
/// nothing is printed over the chat's screen: `chat.log` in dard's XDG state
/// folder, opened without following a symbolic link.
pub fn log_file() -> Option<std::fs::File> {
    let path = crate::report::chat_log_path()?;
    match crate::report::open_log(&path) {
        Ok(file) => Some(file),
        Err(e) => {
            // The chat runs without a log rather than not at all.
            eprintln!("dard chat: not logging to {}: {e}", path.display());
            None
        }
    }
}

/// Runs `dard chat`.
pub fn run(args: ChatArgs, fetch: FetchPolicy, started: Instant) -> Result<()> {
    let config = args.pipeline.pipeline_config(1)?;
    ensure_data(config.data.dir.as_deref(), fetch)?;
    // Before the (slower) pipeline build, so that a wrong id fails fast.
    let replay = match &args.replay {
        Some(id) => Some(find_dialog(&args.pipeline, id)?),
        None => None,
    };
    let replay_sim = match &args.replay_sim {
        Some(spec) => Some(crate::cmd::replay_sim::load(spec)?),
        None => None,
    };
    let script = read_script(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // Backends may look for a runtime while they are built.
    let entered = runtime.enter();
    eprintln!(
        "dard chat: loading the pipeline… (log: {})",
        crate::report::chat_log_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "none".to_string())
    );
    let mut builder = Dard::builder().config(config);
    if let Some(file) = &args.pipeline.config {
        // Only to name the file in errors: the configuration is already read.
        builder = builder.config_file(file);
    }
    if let Some(dir) = &args.pipeline.data {
        builder = builder.data_dir(dir);
    }
    let dard = builder.build().context("building the pipeline")?;
    if let Some((name, dialogs)) = script {
        let result = runtime.block_on(play_script(&dard, &dialogs));
        drop(entered);
        runtime.shutdown_background();
        return result.with_context(|| format!("playing the script {name}"));
    }
    let timeout = Duration::from_secs(args.timeout.max(1));
    if let Some(sim) = &replay_sim
        && !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal())
    {
        let result = runtime.block_on(crate::cmd::replay_sim::print(&dard, sim));
        drop(entered);
        runtime.shutdown_background();
        return result;
    }
    let options = tui::Options {
        save_dir: args.save_dir.clone(),
        started: Some(started),
    };
    let result = match (replay, replay_sim) {
        (None, Some(sim)) => {
            let engine = tui::SimReplayEngine::new(&dard, &sim.id, sim.turns, timeout);
            let mode = tui::Mode::Replay {
                dialog: sim.id.clone(),
                turns: engine.turns(),
                simulated: true,
            };
            runtime.block_on(tui::run(engine, mode, dard.info(), options))
        }
        (None, None) => {
            let engine = tui::ChatEngine::new(&dard, timeout);
            runtime.block_on(tui::run(engine, tui::Mode::Chat, dard.info(), options))
        }
        (Some(dialog), _) => {
            let engine = tui::ReplayEngine::new(&dard, &dialog, timeout)?;
            let mode = tui::Mode::Replay {
                dialog: dialog.id.clone(),
                turns: engine.turns(),
                simulated: false,
            };
            runtime.block_on(tui::run(engine, mode, dard.info(), options))
        }
    };
    drop(entered);
    // A turn still in flight (a slow model) must not hold the exit.
    runtime.shutdown_background();
    result.context("running the chat")?;
    Ok(())
}

/// The script to play, if `--script` is given or stdin is not a terminal: its
/// name for messages and its dialogs. Read before the pipeline is built, so
/// that a bad line fails fast.
fn read_script(args: &ChatArgs) -> Result<Option<(String, Vec<ScriptDialog>)>> {
    let (name, text) = match &args.script {
        Some(path) if path.as_os_str() != "-" => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the script {}", path.display()))?;
            (path.display().to_string(), text)
        }
        Some(_) => ("stdin".to_string(), read_stdin()?),
        None if args.replay.is_none()
            && args.replay_sim.is_none()
            && !std::io::stdin().is_terminal() =>
        {
            ("stdin".to_string(), read_stdin()?)
        }
        None => return Ok(None),
    };
    let dialogs = parse_script(&text, &name)?;
    Ok(Some((name, dialogs)))
}

fn read_stdin() -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the script from stdin")?;
    Ok(text)
}

/// Plays the script's dialogs, each in a new session, printing one JSON line
/// per turn as soon as it is answered.
async fn play_script(dard: &Dard, dialogs: &[ScriptDialog]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let mut failed = None;
    run_script(dard, dialogs, |record| {
        let line = serde_json::to_string(&record).map_err(anyhow::Error::from);
        let written = line.and_then(|l| writeln!(out, "{l}").map_err(anyhow::Error::from));
        if let Err(e) = written
            && failed.is_none()
        {
            failed = Some(e);
        }
    })
    .await
    .context("answering a scripted turn")?;
    match failed {
        Some(e) => Err(e.context("writing a turn's record")),
        None => Ok(()),
    }
}

/// The dialog `id` from the located data, looking in test, val, then train.
fn find_dialog(pipeline: &BackendArgs, id: &str) -> Result<Dialog> {
    let layout = multiwoz::locate::locate(pipeline.data.as_deref())
        .context("finding the MultiWOZ data for --replay")?;
    let key = dialog_key(id.trim());
    let available = layout.dialogs.splits();
    for split in [Split::Test, Split::Val, Split::Train] {
        if !available.contains(&split) {
            continue;
        }
        let dialogs = multiwoz::load::load_splits(&layout, &[split])
            .with_context(|| format!("loading the {split:?} dialogs"))?;
        if let Some(d) = dialogs.into_iter().find(|d| d.key() == key) {
            return Ok(d);
        }
    }
    bail!(
        "--replay: dialog `{id}` is not in the MultiWOZ data at {}",
        layout.root.display()
    )
}
