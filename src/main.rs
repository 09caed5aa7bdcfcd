//! The `dard` command-line tool: parses flags and calls into the library crates
//! (`bench` for `dard bench` and `dard export`, `eval` for `dard eval`, `tui` for
//! `dard chat`, `multiwoz` for `dard data`). It holds no logic of its own, and
//! no library crate depends on it.

mod alloc;
mod cmd;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// DARD (Domain Assigned Response Delegation) for MultiWOZ.
#[derive(Debug, Parser)]
#[command(name = "dard", version, about, long_about = None)]
struct Cli {
    /// Log filter, e.g. `info` or `dard=debug` (overrides RUST_LOG).
    #[arg(long, global = true)]
    log: Option<String>,
    /// Never fetch MultiWOZ when none is found (also `DARD_OFFLINE=1`).
    #[arg(long, global = true)]
    offline: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Play a MultiWOZ split through the pipeline and score it.
    ///
    /// Exit status: 0 when every turn was answered; 3 when some turns failed after
    /// every retry (the outputs are written; `--resume` runs those turns again);
    /// 130 when interrupted; 1 on any other error.
    Bench(cmd::bench::BenchArgs),
    /// Chat with the pipeline in the terminal, or replay a MultiWOZ dialog (--replay).
    Chat(cmd::chat::ChatArgs),
    /// Show the MultiWOZ data dard found, or download it.
    Data(cmd::data::DataArgs),
    /// Score a prediction file (mwzeval format) exactly as the standard evaluator does.
    Eval(cmd::eval::EvalArgs),
    /// Write fine-tuning data (JSON Lines) in exactly the prompt format the agents send.
    Export(cmd::export::ExportArgs),
    /// Serve the pipeline over HTTP: session API, OpenAI-compatible endpoint, web chat.
    Serve(cmd::serve::ServeArgs),
    /// Play whole conversations with a goal-driven user simulator and score them per dialog.
    Simulate(cmd::simulate::SimulateArgs),
}

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    let colour = report::stderr_colour();
    // The chat draws on the terminal: its log goes to a file, not over the screen.
    let log_file = match cli.command {
        Command::Chat(_) => cmd::chat::log_file(),
        _ => None,
    };
    init_tracing(cli.log.as_deref(), log_file, colour);
    let fetch = cmd::fetch::FetchPolicy::new(cli.offline);
    let result = match cli.command {
        Command::Bench(args) => cmd::bench::run(args, fetch),
        Command::Chat(args) => cmd::chat::run(args, fetch, started),
        Command::Data(args) => cmd::data::run(args),
        Command::Eval(args) => cmd::eval::run(args, fetch),
        Command::Export(args) => cmd::export::run(args, fetch),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Simulate(args) => cmd::simulate::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One message and its causes for people; never anyhow's Debug output,
            // which adds a backtrace under RUST_BACKTRACE=1.
            eprintln!("{}", report::error_text(&err, colour));
            ExitCode::FAILURE
        }
    }
}

/// What is logged without `RUST_LOG` or `--log`: warnings, except llama.cpp's
/// own load-time ones (a GGUF's token types, its KV cache layout), which are
/// for llama.cpp's developers and were printed on every model load; dard's
/// warnings about a model stay. `RUST_LOG=warn` shows them again.
const DEFAULT_LOG_FILTER: &str = "warn,llama-cpp-2=error";

fn init_tracing(filter: Option<&str>, file: Option<std::fs::File>, colour: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = filter
        .map(EnvFilter::new)
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_LOG_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match file {
        Some(file) => builder
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .init(),
        None => builder
            .with_writer(std::io::stderr)
            .with_ansi(colour)
            .init(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::DEFAULT_LOG_FILTER;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn llama_cpp_load_warnings_are_not_printed_by_default() {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER))
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "llama-cpp-2", "control-looking token: 212 '</s>'");
            tracing::warn!(target: "models::llama::engine", "the GGUF has no chat template");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        // The timestamp may hold "212" too: look for the token itself.
        assert!(!text.contains("token: 212"), "{text}");
        assert!(text.contains("no chat template"), "{text}");
    }
}
