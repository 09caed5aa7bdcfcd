//! `dard chat`: a terminal chat with the DARD pipeline that shows the agents at
//! work — which domain agent the manager delegated to and why, the belief
//! state, what the database found, and each stage's backend, latency and
//! tokens.
//!
//! The shape follows ratatui's usual pattern: [`App`] holds the state and has
//! `run`, `render(&self, frame)` and `handle_event(&mut self, event)`. The
//! pipeline runs in a background task ([`engine::spawn`]) that the UI talks to
//! over channels, so drawing never waits on a model; a spinner turns while a
//! turn is answered, and errors (timeouts, API errors, even panics in the
//! pipeline) are shown inside the chat. [`terminal::TerminalGuard`] restores
//! the terminal on every exit path.
//!
//! [`run`] is the entry point the `dard` binary calls. The chat sits beside
//! `bench` above the dialog manager (`manager`); it takes the replay's turns
//! from `bench`'s plan, and nothing but the binary depends on it.

mod app;
pub mod engine;
mod error;
mod input;
mod panel;
mod render;
pub mod terminal;
mod transcript;
mod wrap;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use manager::PipelineInfo;
use ratatui::crossterm::event::{self, Event as TermEvent};
use tokio::sync::mpsc;

pub use app::{App, Event, Mode, TICK};
pub use engine::{ChatEngine, Command, Engine, ReplayEngine, Reply, SimReplayEngine, TurnRecord};
pub use error::TuiError;
pub use input::Input;
pub use render::{PANEL_MIN_TERMINAL_WIDTH, agents_summary};
pub use transcript::{Entry, Transcript};
pub use wrap::{ellipsize, wrap};

/// How the chat runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where Ctrl-S writes transcripts.
    pub save_dir: PathBuf,
    /// When the process started, if the caller knows: the log then says how
    /// long after it the input prompt was first drawn (`benches/chat_startup.sh`
    /// reads that line).
    pub started: Option<std::time::Instant>,
}

/// Runs the chat on a terminal until the user quits: enters full-screen mode,
/// runs `engine` in a background task, and restores the terminal on the way
/// out (also after an error). Call it inside a tokio runtime. Returns the
/// conversation as a transcript.
pub async fn run<E: Engine>(
    engine: E,
    mode: Mode,
    pipeline: PipelineInfo,
    options: Options,
) -> Result<Transcript, TuiError> {
    let (commands, replies) = engine::spawn(engine);
    let mut app = App::new(mode, pipeline, commands, options.save_dir);
    app.started = options.started;
    let mut guard = terminal::TerminalGuard::enter()?;
    let (events, stop) = spawn_key_reader();
    let result = app.run(guard.terminal(), events, replies).await;
    stop.store(true, Ordering::SeqCst);
    drop(guard);
    result.map(|app| app.transcript())
}

/// Reads terminal events on a thread of its own (crossterm's reads block) and
/// forwards them; the thread ends when `stop` is set or nobody listens.
fn spawn_key_reader() -> (mpsc::UnboundedReceiver<Event>, Arc<AtomicBool>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    std::thread::spawn(move || {
        while !stopped.load(Ordering::SeqCst) {
            match event::poll(Duration::from_millis(50)) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "terminal events stopped");
                    break;
                }
            }
            let event = match event::read() {
                Ok(TermEvent::Key(key)) => Event::Key(key),
                Ok(TermEvent::Paste(text)) => Event::Paste(text),
                Ok(TermEvent::Resize(..)) => Event::Resize,
                Ok(_) => continue,
                Err(e) => {
                    tracing::debug!(error = %e, "terminal events stopped");
                    break;
                }
            };
            if tx.send(event).is_err() {
                break;
            }
        }
    });
    (rx, stop)
}
