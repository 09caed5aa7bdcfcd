//! Drawing the chat: the conversation pane, the message box and the status
//! bar (the side panel is in [`crate::panel`]).

use std::collections::BTreeMap;

use manager::PipelineInfo;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::{App, Mode, Notice, PaneSize};
use crate::transcript::Entry;
use crate::wrap::{ellipsize, wrap};

/// Below this width the side panel does not fit next to the conversation.
pub const PANEL_MIN_TERMINAL_WIDTH: u16 = 64;
/// The most rows the message box grows to.
const INPUT_MAX_ROWS: usize = 5;
/// The speaker column of the conversation (`dard ` and the like).
const PREFIX: usize = 5;
const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

impl App {
    /// Draws the whole screen.
    pub fn render(&self, frame: &mut Frame) {
        let area = frame.area();
        let input_rows = self.input_rows(area.width.saturating_sub(2) as usize);
        let [body, input, status] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(input_rows as u16 + 2),
            Constraint::Length(1),
        ])
        .areas(area);
        let panel_fits = area.width >= PANEL_MIN_TERMINAL_WIDTH;
        if self.panel && panel_fits {
            let panel_width = (body.width * 2 / 5).clamp(30, 48);
            let [conversation, panel] =
                Layout::horizontal([Constraint::Min(20), Constraint::Length(panel_width)])
                    .areas(body);
            self.render_conversation(frame, conversation);
            crate::panel::render(self, frame, panel);
        } else {
            self.render_conversation(frame, body);
        }
        self.render_input(frame, input);
        self.render_status(frame, status, self.panel && !panel_fits);
    }

    fn render_conversation(&self, frame: &mut Frame, area: Rect) {
        let title = match &self.mode {
            Mode::Chat => " dard chat ".to_string(),
            Mode::Replay { dialog, turns, .. } => {
                format!(" replay {dialog} · turn {}/{turns} ", self.answered_turns())
            }
        };
        let mut block = Block::default()
            .borders(Borders::ALL)
            .title(title.bold())
            .border_style(Style::default().fg(Color::DarkGray));
        let inner = block.inner(area);
        let width = inner.width as usize;
        let lines = self.conversation_lines(width);
        let height = inner.height as usize;
        let total = lines.len();
        let max_scroll = total.saturating_sub(height);
        let scroll = self.scroll.min(max_scroll);
        self.pane.set(PaneSize { total, height });
        if scroll > 0 {
            block =
                block.title_bottom(Line::from(format!(" ↑ {scroll} rows · PgDn ")).right_aligned());
        } else if max_scroll > 0 {
            block = block.title_bottom(Line::from(" PgUp scrolls ").right_aligned());
        }
        let top = total.saturating_sub(height + scroll);
        let visible: Vec<Line> = lines.into_iter().skip(top).take(height).collect();
        frame.render_widget(Paragraph::new(visible).block(block), area);
    }

    /// Every row of the conversation at this width.
    fn conversation_lines(&self, width: usize) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        let text_width = width.saturating_sub(PREFIX).max(1);
        if self.entries.is_empty() && self.pending.is_none() {
            let welcome = match &self.mode {
                Mode::Chat => {
                    "Ask for a restaurant, hotel, attraction, train, taxi, the police or a \
                     hospital in Cambridge. The panel shows which domain agent the manager \
                     chose, and why."
                }
                Mode::Replay {
                    simulated: false, ..
                } => {
                    "Press Enter to play the next turn of the dialog: its user message, \
                     dard's reply and the corpus (gold) reply."
                }
                Mode::Replay {
                    simulated: true, ..
                } => {
                    "Press Enter to play the simulated customer's next message: dard's reply \
                     now and the reply recorded in the simulation run (run)."
                }
            };
            for row in wrap(welcome, width) {
                lines.push(Line::from(row).dark_gray());
            }
            return lines;
        }
        let user_label = match self.mode {
            Mode::Chat => "you",
            Mode::Replay { .. } => "user",
        };
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                lines.push(Line::default());
            }
            match entry {
                Entry::Turn(turn) => {
                    push_speaker(&mut lines, user_label, Color::Cyan, &turn.user, text_width);
                    push_speaker(
                        &mut lines,
                        "dard",
                        Color::Green,
                        &turn.outcome.reply,
                        text_width,
                    );
                    if let Some(gold) = &turn.gold {
                        let label = match self.mode {
                            Mode::Replay {
                                simulated: true, ..
                            } => "run",
                            _ => "gold",
                        };
                        push_speaker(&mut lines, label, Color::Yellow, gold, text_width);
                    }
                    let o = &turn.outcome;
                    let meta = format!(
                        "→ {} agent · {} · {} ms",
                        o.domain,
                        matches(o.db.count),
                        o.latency.as_millis()
                    );
                    for row in wrap(&meta, text_width) {
                        lines.push(Line::from(format!("{:PREFIX$}{row}", "")).dark_gray());
                    }
                }
                Entry::Error { user, error } => {
                    if !user.is_empty() {
                        push_speaker(&mut lines, user_label, Color::Cyan, user, text_width);
                    }
                    push_speaker(&mut lines, "  !", Color::Red, error, text_width);
                    let hint = match self.mode {
                        Mode::Chat => "not answered: press Enter to send it again",
                        Mode::Replay { .. } => "not answered: press Enter to try again",
                    };
                    for row in wrap(hint, text_width) {
                        lines.push(Line::from(format!("{:PREFIX$}{row}", "")).dark_gray());
                    }
                }
            }
        }
        if let Some(pending) = &self.pending {
            if !self.entries.is_empty() {
                lines.push(Line::default());
            }
            if !pending.is_empty() {
                push_speaker(&mut lines, user_label, Color::Cyan, pending, text_width);
            }
            let spinner = SPINNER[self.ticks % SPINNER.len()];
            let waited = self.ticks as f64 * crate::app::TICK.as_secs_f64();
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{:PREFIX$}", "dard"),
                    Style::default().fg(Color::Green).bold(),
                ),
                Span::raw(format!("{spinner} thinking… {waited:.1} s")),
            ]));
        }
        lines
    }

    fn answered_turns(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e, Entry::Turn(_)))
            .count()
    }

    fn input_rows(&self, width: usize) -> usize {
        match self.mode {
            Mode::Chat => self.input.layout(width).0.len().clamp(1, INPUT_MAX_ROWS),
            Mode::Replay { .. } => 1,
        }
    }

    fn render_input(&self, frame: &mut Frame, area: Rect) {
        let (title, hint) = match &self.mode {
            Mode::Chat if self.pending.is_some() => (" message ", " answering… "),
            Mode::Chat => (" message ", " Enter send · Alt-Enter new line "),
            Mode::Replay { .. } => (" replay ", " Enter next turn · Ctrl-N restart "),
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .title(title)
            .title_bottom(Line::from(hint).right_aligned().dark_gray());
        let inner = block.inner(area);
        let text: Vec<Line> = match &self.mode {
            Mode::Chat => {
                let (rows, (row, col)) = self.input.layout(inner.width as usize);
                let visible = inner.height as usize;
                let first = row.saturating_sub(visible.saturating_sub(1));
                let cursor = Position::new(inner.x + col as u16, inner.y + (row - first) as u16);
                frame.set_cursor_position(cursor);
                rows.into_iter().skip(first).map(Line::from).collect()
            }
            Mode::Replay { turns, .. } => {
                let text = if self.finished {
                    "end of the dialog · Ctrl-N replays it · Esc quits".to_string()
                } else if self.pending.is_some() {
                    "answering…".to_string()
                } else {
                    format!("turn {} of {turns} next", self.answered_turns() + 1)
                };
                vec![Line::from(text)]
            }
        };
        frame.render_widget(Paragraph::new(text).block(block), area);
    }

    fn render_status(&self, frame: &mut Frame, area: Rect, panel_hidden: bool) {
        let backends = format!(
            " tracker {} · router {} · agents {} ",
            self.pipeline.tracker,
            self.pipeline.router,
            agents_summary(&self.pipeline)
        );
        let width = area.width as usize;
        let backends = ellipsize(&backends, width);
        let rest = width.saturating_sub(unicode_width::UnicodeWidthStr::width(backends.as_str()));
        let (text, style) = match &self.notice {
            Some(Notice::Error(e)) => (format!(" {e}"), Style::default().fg(Color::Red)),
            Some(Notice::Info(i)) => (format!(" {i}"), Style::default().fg(Color::Yellow)),
            None if panel_hidden => (
                " too narrow for the panel · Esc quit".to_string(),
                Style::default().fg(Color::DarkGray),
            ),
            None => (
                " Tab panel · ^N new · ^S save · Esc quit".to_string(),
                Style::default().fg(Color::DarkGray),
            ),
        };
        let line = Line::from(vec![
            Span::styled(backends, Style::default().add_modifier(Modifier::REVERSED)),
            Span::styled(ellipsize(&text, rest), style),
        ]);
        frame.render_widget(Paragraph::new(line), area);
    }
}

/// One speaker's text: the label in the speaker column, the text wrapped beside it.
fn push_speaker(
    lines: &mut Vec<Line<'static>>,
    label: &str,
    color: Color,
    text: &str,
    width: usize,
) {
    for (i, row) in wrap(text, width).into_iter().enumerate() {
        let label = if i == 0 { label } else { "" };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{label:PREFIX$}"),
                Style::default().fg(color).bold(),
            ),
            Span::raw(row),
        ]));
    }
}

/// `1 match`, `15 matches`.
pub(crate) fn matches(count: usize) -> String {
    match count {
        1 => "1 match".to_string(),
        n => format!("{n} matches"),
    }
}

/// The agents' backends in a few words: the most used one, then the others
/// by domain (`claude, taxi=builtin`).
pub fn agents_summary(info: &PipelineInfo) -> String {
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for backend in info.agents.values() {
        *uses.entry(backend.as_str()).or_default() += 1;
    }
    let Some(main) = uses
        .iter()
        .max_by_key(|(name, n)| (**n, std::cmp::Reverse(**name)))
        .map(|(name, _)| *name)
    else {
        return "none".to_string();
    };
    let mut parts = vec![main.to_string()];
    for (domain, backend) in &info.agents {
        if backend != main {
            parts.push(format!("{domain}={backend}"));
        }
    }
    parts.join(", ")
}
