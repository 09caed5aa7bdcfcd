//! The chat's state and how events change it: [`App::handle_event`] for keys
//! and pipeline replies, [`App::run`] for the loop that draws and waits.

use std::cell::Cell;
use std::path::PathBuf;
use std::time::Duration;

use manager::PipelineInfo;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::engine::{Command, Reply};
use crate::error::TuiError;
use crate::input::Input;
use crate::terminal::ChatTerminal;
use crate::transcript::{Entry, Transcript};

/// How often the spinner turns while a turn is answered.
pub const TICK: Duration = Duration::from_millis(100);

/// What the chat is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mode {
    /// Talking with the pipeline.
    Chat,
    /// Stepping through a MultiWOZ dialog, or a dialog of a `dard simulate` run.
    Replay {
        /// The dialog's id.
        dialog: String,
        /// How many turns it has.
        turns: usize,
        /// Whether it is a simulated dialog: the reply shown beside dard's is
        /// the one recorded in the run, not the corpus's.
        simulated: bool,
    },
}

/// Something that happened: a key, a paste, a resize, a spinner tick, or an
/// answer from the pipeline.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A key was pressed.
    Key(KeyEvent),
    /// Text was pasted.
    Paste(String),
    /// The terminal was resized (the next draw adapts).
    Resize,
    /// Time passed.
    Tick,
    /// The pipeline answered.
    Reply(Reply),
}

/// A line for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Notice {
    /// Information (saved files, new dialog).
    Info(String),
    /// Something went wrong.
    Error(String),
}

/// Rows of the conversation pane at the last draw, so that scrolling by pages
/// knows the page and where the top is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PaneSize {
    pub total: usize,
    pub height: usize,
}

/// The terminal chat.
#[derive(Debug)]
pub struct App {
    pub(crate) mode: Mode,
    pub(crate) pipeline: PipelineInfo,
    pub(crate) entries: Vec<Entry>,
    /// The message being answered (empty in replay), `None` when idle.
    pub(crate) pending: Option<String>,
    pub(crate) input: Input,
    /// Rows scrolled up from the bottom of the conversation.
    pub(crate) scroll: usize,
    pub(crate) panel: bool,
    pub(crate) ticks: usize,
    pub(crate) notice: Option<Notice>,
    pub(crate) finished: bool,
    pub(crate) pane: Cell<PaneSize>,
    save_dir: PathBuf,
    commands: UnboundedSender<Command>,
    /// Resets sent whose [`Reply::Reset`] has not come back: replies before it
    /// belong to the dialog that was cleared.
    resets_in_flight: usize,
    quit: bool,
    clear_screen: bool,
    clock: fn() -> u64,
    /// When the process started, until the first frame is logged.
    pub(crate) started: Option<std::time::Instant>,
}

impl App {
    /// A chat (or replay) on a pipeline with these backends; commands go to
    /// `commands`, transcripts are saved into `save_dir`.
    pub fn new(
        mode: Mode,
        pipeline: PipelineInfo,
        commands: UnboundedSender<Command>,
        save_dir: PathBuf,
    ) -> App {
        App {
            mode,
            pipeline,
            entries: Vec::new(),
            pending: None,
            input: Input::default(),
            scroll: 0,
            panel: true,
            ticks: 0,
            notice: None,
            finished: false,
            pane: Cell::new(PaneSize::default()),
            save_dir,
            commands,
            resets_in_flight: 0,
            quit: false,
            clear_screen: false,
            clock: unix_now,
            started: None,
        }
    }

    /// Uses `clock` for the time stamps of saved transcripts (tests fix it).
    pub fn with_clock(mut self, clock: fn() -> u64) -> App {
        self.clock = clock;
        self
    }

    /// Whether the user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The conversation so far.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The text in the message box.
    pub fn input_text(&self) -> String {
        self.input.text()
    }

    /// Whether a turn is being answered.
    pub fn is_waiting(&self) -> bool {
        self.pending.is_some()
    }

    /// Draws until the user quits. Keys and resizes come from `events`, answers
    /// from `replies`; neither ever blocks drawing.
    pub async fn run(
        mut self,
        terminal: &mut ChatTerminal,
        mut events: UnboundedReceiver<Event>,
        mut replies: UnboundedReceiver<Reply>,
    ) -> Result<App, TuiError> {
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut engine_alive = true;
        while !self.quit {
            if std::mem::take(&mut self.clear_screen) {
                terminal.clear().map_err(TuiError::terminal("clearing"))?;
            }
            terminal
                .draw(|frame| self.render(frame))
                .map_err(TuiError::terminal("drawing"))?;
            if let Some(started) = self.started.take() {
                tracing::info!(
                    ms_since_start = started.elapsed().as_secs_f64() * 1e3,
                    "input prompt drawn"
                );
            }
            let event = tokio::select! {
                event = events.recv() => match event {
                    Some(event) => event,
                    // The key reader stopped: the terminal is gone.
                    None => break,
                },
                reply = replies.recv(), if engine_alive => match reply {
                    Some(reply) => Event::Reply(reply),
                    None => {
                        engine_alive = false;
                        Event::Reply(Reply::Failed {
                            user: self.pending.clone().unwrap_or_default(),
                            error: "the pipeline task stopped".to_string(),
                        })
                    }
                },
                _ = ticker.tick() => Event::Tick,
            };
            self.handle_event(event);
        }
        Ok(self)
    }

    /// Applies one event.
    pub fn handle_event(&mut self, event: Event) {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key),
            Event::Key(_) | Event::Resize => {}
            Event::Paste(text) => {
                if self.mode == Mode::Chat {
                    self.input.insert_str(&text);
                }
            }
            Event::Tick => {
                if self.pending.is_some() {
                    self.ticks = self.ticks.wrapping_add(1);
                }
            }
            Event::Reply(reply) => self.on_reply(reply),
        }
    }

    fn on_key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let newline = key
            .modifiers
            .intersects(KeyModifiers::SHIFT | KeyModifiers::ALT);
        match key.code {
            KeyCode::Esc => self.quit = true,
            KeyCode::Char('c') if ctrl => self.quit = true,
            KeyCode::Char('n') if ctrl => self.new_dialog(),
            KeyCode::Char('s') if ctrl => self.save(),
            KeyCode::Char('l') if ctrl => self.clear_screen = true,
            KeyCode::Char('j') if ctrl => self.type_char('\n'),
            KeyCode::Enter if newline => self.type_char('\n'),
            KeyCode::Enter => self.submit(),
            KeyCode::Tab | KeyCode::BackTab => self.panel = !self.panel,
            KeyCode::PageUp => self.scroll_by(self.page() as isize),
            KeyCode::PageDown => self.scroll_by(-(self.page() as isize)),
            KeyCode::Up if ctrl => self.scroll_by(1),
            KeyCode::Down if ctrl => self.scroll_by(-1),
            KeyCode::Char(c) if !ctrl => self.type_char(c),
            KeyCode::Backspace => self.input.backspace(),
            KeyCode::Delete => self.input.delete(),
            KeyCode::Left => self.input.left(),
            KeyCode::Right => self.input.right(),
            KeyCode::Home => self.input.home(),
            KeyCode::End => self.input.end(),
            _ => {}
        }
    }

    fn type_char(&mut self, c: char) {
        if self.mode == Mode::Chat {
            self.input.insert(c);
        }
    }

    /// Enter: send the message (chat) or answer the next turn (replay).
    fn submit(&mut self) {
        if self.pending.is_some() {
            self.notice = Some(Notice::Info("still answering the last turn…".into()));
            return;
        }
        let command = match &self.mode {
            Mode::Chat => {
                if self.input.is_blank() {
                    return;
                }
                let text = self.input.take().trim().to_string();
                self.pending = Some(text.clone());
                Command::Send(text)
            }
            Mode::Replay { .. } => {
                if self.finished {
                    self.notice = Some(Notice::Info(
                        "end of the dialog: Ctrl-N replays it again, Esc quits".into(),
                    ));
                    return;
                }
                self.pending = Some(String::new());
                Command::Step
            }
        };
        self.ticks = 0;
        self.scroll = 0;
        self.notice = None;
        self.send(command);
    }

    fn send(&mut self, command: Command) {
        if self.commands.send(command).is_err() {
            self.pending = None;
            self.notice = Some(Notice::Error("the pipeline task stopped".into()));
        }
    }

    fn new_dialog(&mut self) {
        self.entries.clear();
        self.input.take();
        self.pending = None;
        self.finished = false;
        self.scroll = 0;
        self.resets_in_flight += 1;
        self.notice = Some(Notice::Info("new dialog".into()));
        self.send(Command::Reset);
    }

    fn on_reply(&mut self, reply: Reply) {
        if self.resets_in_flight > 0 {
            if reply == Reply::Reset {
                self.resets_in_flight -= 1;
            }
            // An answer to the dialog that was cleared.
            return;
        }
        match reply {
            Reply::Answered(turn) => {
                self.pending = None;
                self.entries.push(Entry::Turn(turn));
                self.scroll = 0;
            }
            Reply::Failed { user, error } => {
                self.pending = None;
                if self.mode == Mode::Chat && self.input.is_blank() {
                    // The session did not keep the message: offer it again.
                    self.input.set(&user);
                }
                self.entries.push(Entry::Error {
                    user,
                    error: error.clone(),
                });
                self.notice = Some(Notice::Error(error));
                self.scroll = 0;
            }
            Reply::Finished => {
                self.pending = None;
                self.finished = true;
                self.notice = Some(Notice::Info("end of the dialog".into()));
            }
            Reply::Reset => {}
        }
    }

    fn page(&self) -> usize {
        self.pane.get().height.saturating_sub(2).max(1)
    }

    fn scroll_by(&mut self, rows: isize) {
        let pane = self.pane.get();
        let max = pane.total.saturating_sub(pane.height);
        self.scroll = self.scroll.saturating_add_signed(rows).min(max);
    }

    /// The conversation as a transcript.
    pub fn transcript(&self) -> Transcript {
        let (mode, dialog) = match &self.mode {
            Mode::Chat => ("chat", None),
            Mode::Replay { dialog, .. } => ("replay", Some(dialog.clone())),
        };
        Transcript {
            mode: mode.to_string(),
            dialog,
            pipeline: self.pipeline.clone(),
            saved_at_unix: (self.clock)(),
            entries: self.entries.clone(),
        }
    }

    fn save(&mut self) {
        self.notice = Some(match self.transcript().save(&self.save_dir) {
            Ok((json, _text)) => {
                let json = std::path::absolute(&json).unwrap_or(json);
                Notice::Info(format!("saved {} (+ .txt)", json.display()))
            }
            Err(e) => Notice::Error(format!("not saved: {e}")),
        });
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
