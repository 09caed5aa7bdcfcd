//! `dard chat`: the terminal chat (the `tui` crate) on a pipeline built from the
//! same flags as `dard bench`; `--replay DIALOG_ID` steps through a MultiWOZ
//! dialog with the gold reply next to dard's.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use manager::Dard;
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
    /// Where Ctrl-S saves transcripts.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub save_dir: PathBuf,
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
    let timeout = Duration::from_secs(args.timeout.max(1));
    let options = tui::Options {
        save_dir: args.save_dir.clone(),
        started: Some(started),
    };
    let result = match replay {
        None => {
            let engine = tui::ChatEngine::new(&dard, timeout);
            runtime.block_on(tui::run(engine, tui::Mode::Chat, dard.info(), options))
        }
        Some(dialog) => {
            let engine = tui::ReplayEngine::new(&dard, &dialog, timeout)?;
            let mode = tui::Mode::Replay {
                dialog: dialog.id.clone(),
                turns: engine.turns(),
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
