//! The `dard` command-line tool: parses flags and calls into the library crates
//! (`bench` for `dard bench` and `dard export`, `eval` for `dard eval`, `tui` for
//! `dard chat`, `multiwoz` for `dard data`). It holds no logic of its own, and
//! no library crate depends on it.

mod cmd;

use anyhow::Result;
use clap::{Parser, Subcommand};

// mimalloc: the evaluator and the loaders make hundreds of thousands of small
// allocations, where it is markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// DARD (Domain Assigned Response Delegation) for MultiWOZ.
#[derive(Debug, Parser)]
#[command(name = "dard", version, about, long_about = None)]
struct Cli {
    /// Log filter, e.g. `info` or `dard=debug` (overrides RUST_LOG).
    #[arg(long, global = true)]
    log: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Play a MultiWOZ split through the pipeline and score it.
    Bench(cmd::bench::BenchArgs),
    /// Chat with the pipeline in the terminal, or replay a MultiWOZ dialog (--replay).
    Chat(cmd::chat::ChatArgs),
    /// Show the MultiWOZ data dard found, or download it.
    Data(cmd::data::DataArgs),
    /// Score a prediction file (mwzeval format) exactly as the standard evaluator does.
    Eval(cmd::eval::EvalArgs),
    /// Write fine-tuning data (JSON Lines) in exactly the prompt format the agents send.
    Export(cmd::export::ExportArgs),
    /// Play whole conversations with a goal-driven user simulator and score them per dialog.
    Simulate(cmd::simulate::SimulateArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    // The chat draws on the terminal: its log goes to a file, not over the screen.
    let log_file = matches!(cli.command, Command::Chat(_)).then(cmd::chat::log_file);
    init_tracing(cli.log.as_deref(), log_file);
    match cli.command {
        Command::Bench(args) => cmd::bench::run(args),
        Command::Chat(args) => cmd::chat::run(args),
        Command::Data(args) => cmd::data::run(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Export(args) => cmd::export::run(args),
        Command::Simulate(args) => cmd::simulate::run(args),
    }
}

fn init_tracing(filter: Option<&str>, file: Option<std::path::PathBuf>) {
    use tracing_subscriber::EnvFilter;
    let filter = filter
        .map(EnvFilter::new)
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let file = file.and_then(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
    });
    match file {
        Some(file) => builder
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .init(),
        None => builder.with_writer(std::io::stderr).init(),
    }
}
