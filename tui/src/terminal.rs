//! Entering and leaving the terminal's full-screen mode, so that the shell gets
//! its terminal back on every exit path: normal return, error (the guard's
//! `Drop`), and panic on the UI thread (a panic hook).

use std::io::{Stdout, Write, stdout};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, KeyboardEnhancementFlags,
    PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
    supports_keyboard_enhancement,
};

use crate::error::TuiError;

/// The terminal type the chat draws on.
pub type ChatTerminal = Terminal<CrosstermBackend<Stdout>>;

type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync + 'static>;

/// What the restore path needs to know, shared with the panic hook.
#[derive(Default)]
struct Restore {
    /// Set once the terminal has been put back.
    done: AtomicBool,
    /// Whether keyboard enhancement flags were pushed.
    enhanced: AtomicBool,
}

/// Holds the terminal in raw mode on the alternate screen; dropping it restores
/// the terminal and the previous panic hook.
pub struct TerminalGuard {
    terminal: ChatTerminal,
    restore: Arc<Restore>,
    previous_hook: Option<Arc<PanicHook>>,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen and installs the panic hook.
    /// Where the terminal supports it, asks for unambiguous key codes so that
    /// Shift-Enter differs from Enter.
    pub fn enter() -> Result<TerminalGuard, TuiError> {
        let restore = Arc::new(Restore::default());
        let previous: Arc<PanicHook> = Arc::from(std::panic::take_hook());
        install_hook(
            previous.clone(),
            restore.clone(),
            std::thread::current().id(),
        );
        let mut guard = PartialGuard {
            restore: restore.clone(),
            previous: Some(previous),
        };
        enable_raw_mode().map_err(TuiError::terminal("entering raw mode"))?;
        let mut out = stdout();
        execute!(out, EnterAlternateScreen, EnableBracketedPaste)
            .map_err(TuiError::terminal("entering the alternate screen"))?;
        if supports_keyboard_enhancement().unwrap_or(false) {
            let pushed = execute!(
                out,
                PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
            );
            restore.enhanced.store(pushed.is_ok(), Ordering::SeqCst);
        }
        let terminal = Terminal::new(CrosstermBackend::new(stdout()))
            .map_err(TuiError::terminal("opening the terminal"))?;
        Ok(TerminalGuard {
            terminal,
            restore,
            previous_hook: guard.previous.take(),
        })
    }

    /// The terminal to draw on.
    pub fn terminal(&mut self) -> &mut ChatTerminal {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = self.terminal.show_cursor();
        finish(&self.restore, self.previous_hook.take());
    }
}

/// Restores the terminal if `enter` fails half-way.
struct PartialGuard {
    restore: Arc<Restore>,
    previous: Option<Arc<PanicHook>>,
}

impl Drop for PartialGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            finish(&self.restore, Some(previous));
        }
    }
}

/// Restores the terminal and puts the previous panic hook back.
fn finish(restore: &Restore, previous: Option<Arc<PanicHook>>) {
    restore_terminal(restore);
    if let Some(previous) = previous {
        // Our hook holds a clone of `previous`; replacing it drops that clone.
        let _ = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| previous(info)));
    }
}

/// Puts the terminal back as the shell left it, once.
fn restore_terminal(restore: &Restore) {
    if restore.done.swap(true, Ordering::SeqCst) {
        return;
    }
    let mut out = stdout();
    if restore.enhanced.load(Ordering::SeqCst) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    // Raw mode first: it changes how the rest is written out.
    let _ = disable_raw_mode();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
    let _ = out.flush();
}

/// A panic on the UI thread restores the terminal before the message is
/// printed. Panics elsewhere (the pipeline's task) are caught and shown inside
/// the chat, so their message is not printed over the screen.
fn install_hook(previous: Arc<PanicHook>, restore: Arc<Restore>, ui_thread: ThreadId) {
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread || restore.done.load(Ordering::SeqCst) {
            restore_terminal(&restore);
            previous(info);
        } else {
            tracing::debug!(panic = %info, "a background task panicked");
        }
    }));
}
