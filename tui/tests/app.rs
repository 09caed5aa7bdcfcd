//! How keys and pipeline replies change the chat: sending, new lines, new
//! dialog, saving, scrolling and quitting.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use support::{app, builtin_pipeline, ctrl, draw, exchange, key, restaurant_turn, type_text};
use tokio::sync::mpsc;
use tui::{App, Command, Entry, Event, Mode, Reply, Transcript};

fn with(code: KeyCode, modifiers: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, modifiers))
}

#[test]
fn enter_sends_the_trimmed_message_and_ignores_a_blank_one() {
    let (mut app, mut rx) = app(Mode::Chat);
    app.handle_event(key(KeyCode::Enter));
    assert!(rx.try_recv().is_err(), "a blank message is not sent");
    type_text(&mut app, "  hello  ");
    app.handle_event(key(KeyCode::Enter));
    assert_eq!(rx.try_recv().unwrap(), Command::Send("hello".into()));
    assert!(app.is_waiting());
    assert_eq!(app.input_text(), "");
    // A second Enter while waiting sends nothing.
    type_text(&mut app, "more");
    app.handle_event(key(KeyCode::Enter));
    assert!(rx.try_recv().is_err());
    assert_eq!(app.input_text(), "more");
}

#[test]
fn shift_alt_enter_and_ctrl_j_add_new_lines_instead_of_sending() {
    let (mut app, mut rx) = app(Mode::Chat);
    type_text(&mut app, "a");
    app.handle_event(with(KeyCode::Enter, KeyModifiers::SHIFT));
    type_text(&mut app, "b");
    app.handle_event(with(KeyCode::Enter, KeyModifiers::ALT));
    type_text(&mut app, "c");
    app.handle_event(ctrl('j'));
    type_text(&mut app, "d");
    assert_eq!(app.input_text(), "a\nb\nc\nd");
    assert!(rx.try_recv().is_err());
    let screen = draw(&app, 80, 24).to_string();
    assert!(screen.contains("│a ") && screen.contains("│d "), "{screen}");
}

#[test]
fn esc_and_ctrl_c_quit() {
    let (mut a, _rx) = app(Mode::Chat);
    a.handle_event(key(KeyCode::Esc));
    assert!(a.should_quit());
    let (mut b, _rx) = app(Mode::Chat);
    b.handle_event(ctrl('c'));
    assert!(b.should_quit());
}

#[test]
fn ctrl_n_clears_the_dialog_and_drops_answers_to_the_old_one() {
    let (mut app, mut rx) = app(Mode::Chat);
    let turn = restaurant_turn();
    exchange(
        &mut app,
        &mut rx,
        &turn.user.clone(),
        Reply::Answered(Box::new(turn.clone())),
    );
    type_text(&mut app, "and a hotel");
    app.handle_event(key(KeyCode::Enter));
    assert!(matches!(rx.try_recv().unwrap(), Command::Send(_)));
    app.handle_event(ctrl('n'));
    assert_eq!(rx.try_recv().unwrap(), Command::Reset);
    assert!(app.entries().is_empty());
    assert!(!app.is_waiting());
    // The engine answers the old turn before it resets: not shown.
    app.handle_event(Event::Reply(Reply::Answered(Box::new(turn.clone()))));
    app.handle_event(Event::Reply(Reply::Reset));
    assert!(app.entries().is_empty());
    // After the reset, answers count again.
    exchange(&mut app, &mut rx, "hi", Reply::Answered(Box::new(turn)));
    assert_eq!(app.entries().len(), 1);
}

#[test]
fn ctrl_s_saves_json_with_turn_details_and_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut app = App::new(Mode::Chat, builtin_pipeline(), tx, dir.path().to_path_buf())
        .with_clock(|| 1_700_000_000);
    let turn = restaurant_turn();
    exchange(
        &mut app,
        &mut rx,
        &turn.user.clone(),
        Reply::Answered(Box::new(turn)),
    );
    app.handle_event(ctrl('s'));
    let json_path = dir.path().join("dard-chat-1700000000.json");
    let text_path = dir.path().join("dard-chat-1700000000.txt");
    let saved: Transcript =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let Entry::Turn(t) = &saved.entries[0] else {
        panic!("expected a turn: {saved:?}");
    };
    assert_eq!(t.outcome.db.count, 15);
    assert_eq!(t.outcome.stages.len(), 3);
    assert!(t.outcome.reply.contains("Dojo Noodle Bar"));
    let text = std::fs::read_to_string(&text_path).unwrap();
    assert!(text.contains("user: I need a cheap restaurant"), "{text}");
    assert!(text.contains("dard [restaurant]: There are 15"), "{text}");
    // The path is shown; a second save does not overwrite the first.
    let screen = draw(&app, 200, 24).to_string();
    assert!(screen.contains("dard-chat-1700000000.json"), "{screen}");
    app.handle_event(ctrl('s'));
    assert!(dir.path().join("dard-chat-1700000000-1.json").exists());
}

#[test]
fn save_error_is_shown_not_raised() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut app = App::new(Mode::Chat, builtin_pipeline(), tx, blocker.join("sub"));
    app.handle_event(ctrl('s'));
    let screen = draw(&app, 120, 24).to_string();
    assert!(screen.contains("not saved"), "{screen}");
}

#[test]
fn page_up_and_down_scroll_the_conversation() {
    let (mut app, mut rx) = app(Mode::Chat);
    for i in 0..8 {
        let mut turn = restaurant_turn();
        turn.user = format!("question {i}");
        exchange(
            &mut app,
            &mut rx,
            &turn.user.clone(),
            Reply::Answered(Box::new(turn)),
        );
    }
    let bottom = draw(&app, 80, 24).to_string();
    assert!(!bottom.contains("question 0"), "{bottom}");
    app.handle_event(key(KeyCode::PageUp));
    app.handle_event(key(KeyCode::PageUp));
    app.handle_event(key(KeyCode::PageUp));
    app.handle_event(key(KeyCode::PageUp));
    app.handle_event(key(KeyCode::PageUp));
    let top = draw(&app, 80, 24).to_string();
    assert!(top.contains("question 0"), "{top}");
    assert!(top.contains("rows · PgDn"), "{top}");
    for _ in 0..10 {
        app.handle_event(key(KeyCode::PageDown));
    }
    assert_eq!(draw(&app, 80, 24).to_string(), bottom);
}

#[test]
fn a_failed_replay_step_can_be_retried_and_the_end_is_announced() {
    let (mut app, mut rx) = app(Mode::Replay {
        dialog: "x".into(),
        turns: 1,
        simulated: false,
    });
    app.handle_event(key(KeyCode::Enter));
    assert_eq!(rx.try_recv().unwrap(), Command::Step);
    app.handle_event(Event::Reply(Reply::Failed {
        user: "hi".into(),
        error: "boom".into(),
    }));
    assert!(!app.is_waiting());
    app.handle_event(key(KeyCode::Enter));
    assert_eq!(rx.try_recv().unwrap(), Command::Step);
    app.handle_event(Event::Reply(Reply::Finished));
    app.handle_event(key(KeyCode::Enter));
    assert!(rx.try_recv().is_err(), "no step after the end");
    let screen = draw(&app, 80, 24).to_string();
    assert!(screen.contains("end of the dialog"), "{screen}");
}
