//! Shared set-up of the chat's tests: a scripted turn, an app wired to a
//! channel, and key helpers.

#![allow(dead_code)] // Each test file uses some of these.
#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::collections::BTreeMap;
use std::time::Duration;

use manager::{
    DbRecord, DbResult, DialogState, PipelineInfo, Stage, StageReport, StageUsage, StateSource,
    TurnOutcome,
};
use models::usage::CallUsage;
use multiwoz::{Domain, Slot};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;
use tui::{App, Command, Event, Mode, Reply, TurnRecord};

pub fn builtin_pipeline() -> PipelineInfo {
    PipelineInfo {
        tracker: "builtin".into(),
        router: "builtin".into(),
        agents: Domain::ALL
            .into_iter()
            .map(|d| (d, "builtin".to_string()))
            .collect(),
    }
}

pub fn usage(stage: Stage, backend: &str, tokens: (u64, u64)) -> StageUsage {
    StageUsage {
        stage,
        call: CallUsage {
            backend: backend.into(),
            model: backend.into(),
            tokens_in: u32::try_from(tokens.0).unwrap(),
            tokens_out: u32::try_from(tokens.1).unwrap(),
            latency: Duration::from_millis(3),
            cache_hit: false,
            retries: 0,
            cost_usd: None,
        },
        repair: false,
        fallback: false,
    }
}

pub fn stage(stage: Stage, backend: &str, ms: u64, tokens: (u64, u64)) -> StageReport {
    StageReport {
        stage,
        backend: backend.into(),
        latency: Duration::from_micros(ms * 1000 + 250),
        usage: vec![usage(stage, backend, tokens)],
    }
}

/// A scripted answer to "a cheap restaurant in the centre".
pub fn restaurant_turn() -> TurnRecord {
    let mut state = DialogState::new();
    let restaurant = state.entry(Domain::Restaurant).or_default();
    restaurant.insert(Slot::Area, "centre".into());
    restaurant.insert(Slot::PriceRange, "cheap".into());
    let fields: BTreeMap<String, String> = [
        ("name", "dojo noodle bar"),
        ("area", "centre"),
        ("pricerange", "cheap"),
        ("food", "asian oriental"),
        ("phone", "01223363471"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    TurnRecord {
        user: "I need a cheap restaurant in the centre please".into(),
        outcome: TurnOutcome {
            domain: Domain::Restaurant,
            reason: "the user asks for a restaurant by price and area".into(),
            state,
            state_source: StateSource::Tracker,
            active_domains: vec![Domain::Restaurant],
            db: DbResult {
                domain: Domain::Restaurant,
                count: 15,
                record: Some(DbRecord {
                    id: "19".into(),
                    fields,
                }),
            },
            delex_reply: "There are [value_choice] cheap restaurants. How about [value_name]?"
                .into(),
            reply: "There are 15 cheap restaurants in the centre. How about Dojo Noodle Bar? \
                    It serves asian oriental food."
                .into(),
            off_topic: false,
            memory: None,
            stages: vec![
                stage(Stage::Track, "gpt", 412, (830, 41)),
                stage(Stage::Route, "builtin", 0, (0, 0)),
                stage(Stage::Respond, "gpt", 655, (1204, 28)),
            ],
            latency: Duration::from_millis(1068),
        },
        gold: None,
    }
}

pub fn app(mode: Mode) -> (App, mpsc::UnboundedReceiver<Command>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut pipeline = builtin_pipeline();
    pipeline.tracker = "gpt".into();
    pipeline.agents.insert(Domain::Restaurant, "gpt".into());
    let app = App::new(mode, pipeline, tx, std::env::temp_dir()).with_clock(|| 1_700_000_000);
    (app, rx)
}

pub fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.handle_event(key(KeyCode::Char(c)));
    }
}

pub fn draw(app: &App, width: u16, height: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| app.render(frame)).unwrap();
    terminal.backend().clone()
}

/// Sends a message the way a user does and answers it with `reply`.
pub fn exchange(
    app: &mut App,
    rx: &mut mpsc::UnboundedReceiver<Command>,
    text: &str,
    reply: Reply,
) {
    type_text(app, text);
    app.handle_event(key(KeyCode::Enter));
    assert_eq!(rx.try_recv().unwrap(), Command::Send(text.to_string()));
    app.handle_event(Event::Reply(reply));
}
