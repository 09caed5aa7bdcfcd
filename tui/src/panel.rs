//! The side panel: what the pipeline did on the last turn — the domain agent
//! the manager chose and why, the belief state, the database result, and each
//! stage's backend, latency and tokens.

use manager::{StageReport, TurnOutcome};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::App;
use crate::render::matches;
use crate::transcript::Entry;
use crate::wrap::{ellipsize, wrap};

/// Record fields shown under the offered entity, when it has them.
const RECORD_FIELDS: [&str; 11] = [
    "area",
    "pricerange",
    "food",
    "type",
    "stars",
    "day",
    "departure",
    "destination",
    "leaveAt",
    "arriveBy",
    "phone",
];

/// Draws the panel for the app's last turn.
pub(crate) fn render(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" last turn ".bold())
        .border_style(Style::default().fg(Color::DarkGray));
    let width = block.inner(area).width as usize;
    let lines = panel_lines(app.entries(), width);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The panel's rows at this width.
pub(crate) fn panel_lines(entries: &[Entry], width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(Entry::Error { error, .. }) = entries.last() {
        heading(&mut lines, "Last turn failed", Color::Red);
        for row in wrap(error, width) {
            lines.push(Line::from(row).red());
        }
        lines.push(Line::default());
    }
    let last = entries.iter().rev().find_map(|e| match e {
        Entry::Turn(t) => Some(&t.outcome),
        Entry::Error { .. } => None,
    });
    let Some(outcome) = last else {
        if !lines.is_empty() {
            return lines;
        }
        for row in wrap(
            "No turn yet. After each turn this panel shows the domain agent the \
             manager delegated to and why, the belief state, the database result, \
             and each stage's backend, latency and tokens.",
            width,
        ) {
            lines.push(Line::from(row).dark_gray());
        }
        return lines;
    };
    agent_lines(&mut lines, outcome, width);
    state_lines(&mut lines, outcome, width);
    memory_lines(&mut lines, outcome, width);
    db_lines(&mut lines, outcome, width);
    stage_lines(&mut lines, outcome, width);
    lines
}

fn heading(lines: &mut Vec<Line<'static>>, text: &str, color: Color) {
    lines.push(Line::from(Span::styled(
        text.to_string(),
        Style::default().fg(color).bold(),
    )));
}

fn agent_lines(lines: &mut Vec<Line<'static>>, o: &TurnOutcome, width: usize) {
    lines.push(Line::from(vec![
        Span::styled("Agent ", Style::default().bold()),
        Span::styled(
            o.domain.to_string(),
            Style::default().fg(Color::Green).bold(),
        ),
    ]));
    for row in wrap(&format!("why: {}", o.reason), width) {
        lines.push(Line::from(row));
    }
    lines.push(Line::default());
}

fn state_lines(lines: &mut Vec<Line<'static>>, o: &TurnOutcome, width: usize) {
    heading(lines, "Belief state", Color::Cyan);
    if o.state.values().all(|slots| slots.is_empty()) {
        lines.push(Line::from(" (empty)").dark_gray());
    }
    for (domain, slots) in &o.state {
        if slots.is_empty() {
            continue;
        }
        lines.push(Line::from(format!(" {domain}")).bold());
        for (slot, value) in slots {
            for row in wrap(&format!("{slot}={value}"), width.saturating_sub(3)) {
                lines.push(Line::from(format!("   {row}")));
            }
        }
    }
    lines.push(Line::default());
}

/// What the dialog has offered and booked: the names, references and taxis
/// that stay the same for the rest of the dialog.
fn memory_lines(lines: &mut Vec<Line<'static>>, o: &TurnOutcome, width: usize) {
    let Some(memory) = &o.memory else {
        return;
    };
    heading(lines, "Memory", Color::Cyan);
    if memory.is_empty() {
        lines.push(Line::from(" (nothing offered yet)").dark_gray());
    }
    let label = |r: &manager::DbRecord| -> String {
        let mut parts: Vec<&str> = Vec::new();
        parts.extend(r.name().or_else(|| r.get("department")));
        parts.extend(r.get("car"));
        parts.extend(r.get("phone").filter(|_| r.get("car").is_some()));
        if parts.is_empty() {
            r.id.clone()
        } else {
            parts.join(", ")
        }
    };
    for (domain, m) in &memory.domains {
        lines.push(Line::from(format!(" {domain}")).bold());
        if let Some(r) = &m.offered {
            for row in wrap(&format!("offered: {}", label(r)), width.saturating_sub(3)) {
                lines.push(Line::from(format!("   {row}")));
            }
        }
        if let Some(b) = &m.booking {
            let details: Vec<String> = b.details.iter().map(|(s, v)| format!("{s}={v}")).collect();
            let text = format!("booked: ref {} {}", b.reference, details.join(" "));
            for row in wrap(&text, width.saturating_sub(3)) {
                lines.push(Line::from(format!("   {row}")).green());
            }
        }
    }
    lines.push(Line::default());
}

fn db_lines(lines: &mut Vec<Line<'static>>, o: &TurnOutcome, width: usize) {
    heading(lines, "Database", Color::Cyan);
    lines.push(Line::from(format!(
        " {}: {}",
        o.db.domain,
        matches(o.db.count)
    )));
    match &o.db.record {
        Some(record) => {
            // Taxis have a car and hospitals a department instead of a name.
            let name = record
                .name()
                .or_else(|| record.get("car"))
                .or_else(|| record.get("department"))
                .filter(|n| !n.is_empty())
                .unwrap_or(if record.id.is_empty() {
                    "(unnamed)"
                } else {
                    &record.id
                });
            for row in wrap(&format!("offered: {name}"), width.saturating_sub(1)) {
                lines.push(Line::from(format!(" {row}")).green());
            }
            let details: Vec<&str> = RECORD_FIELDS
                .iter()
                .filter_map(|f| record.get(f))
                .filter(|v| !v.is_empty() && *v != "?")
                .collect();
            if !details.is_empty() {
                for row in wrap(&details.join(" · "), width.saturating_sub(3)) {
                    lines.push(Line::from(format!("   {row}")).dark_gray());
                }
            }
        }
        None => lines.push(Line::from(" nothing offered").dark_gray()),
    }
    lines.push(Line::default());
}

fn stage_lines(lines: &mut Vec<Line<'static>>, o: &TurnOutcome, width: usize) {
    heading(lines, "Stages", Color::Cyan);
    for stage in &o.stages {
        let row = stage_row(stage);
        lines.push(Line::from(ellipsize(&row, width)));
    }
    let tokens_in: u64 = o.stages.iter().map(StageReport::tokens_in).sum();
    let tokens_out: u64 = o.stages.iter().map(StageReport::tokens_out).sum();
    let total = format!(" turn {} · {tokens_in}+{tokens_out} tok", millis(o.latency));
    lines.push(Line::from(ellipsize(&total, width)).bold());
}

/// ` route   builtin   0.4 ms  12+3 tok`, with cache hits, retries and
/// fallbacks marked.
fn stage_row(s: &StageReport) -> String {
    let mut row = format!(
        " {:<7} {:<9} {:>8}",
        s.stage.as_str(),
        ellipsize(&s.backend, 9),
        millis(s.latency)
    );
    if s.tokens_in() + s.tokens_out() > 0 {
        row.push_str(&format!(" {}+{} tok", s.tokens_in(), s.tokens_out()));
    }
    if s.cache_hit() {
        row.push_str(" cached");
    }
    if s.retries() > 0 {
        row.push_str(&format!(" {}×retry", s.retries()));
    }
    if s.fallback() {
        row.push_str(" fallback");
    }
    row
}

/// Milliseconds with one decimal.
fn millis(d: std::time::Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
