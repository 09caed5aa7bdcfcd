//! Rendering tests: the main screens drawn on ratatui's `TestBackend` from
//! scripted pipeline replies, compared with insta snapshots.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use ratatui::crossterm::event::KeyCode;
use support::{app, draw, exchange, key, restaurant_turn, type_text};
use tui::{Command, Event, Mode, Reply};

#[test]
fn render_empty_chat_at_80x24() {
    let (app, _rx) = app(Mode::Chat);
    insta::assert_snapshot!(draw(&app, 80, 24));
}

#[test]
fn render_mid_dialog_with_panel() {
    let (mut app, mut rx) = app(Mode::Chat);
    let turn = restaurant_turn();
    exchange(
        &mut app,
        &mut rx,
        &turn.user.clone(),
        Reply::Answered(Box::new(turn)),
    );
    type_text(&mut app, "does it have a phone");
    insta::assert_snapshot!(draw(&app, 110, 32));
}

#[test]
fn render_waiting_shows_the_spinner_and_the_message() {
    let (mut app, mut rx) = app(Mode::Chat);
    type_text(&mut app, "a train to ely on friday");
    app.handle_event(key(KeyCode::Enter));
    assert!(matches!(rx.try_recv().unwrap(), Command::Send(_)));
    for _ in 0..7 {
        app.handle_event(Event::Tick);
    }
    assert!(app.is_waiting());
    insta::assert_snapshot!(draw(&app, 80, 24));
}

#[test]
fn render_error_shown_in_the_chat() {
    let (mut app, mut rx) = app(Mode::Chat);
    exchange(
        &mut app,
        &mut rx,
        "book it for 2 people",
        Reply::Failed {
            user: "book it for 2 people".into(),
            error: "respond stage: model call to backend `gpt` failed: no answer within 120 s \
                    (timed out)"
                .into(),
        },
    );
    // The unanswered message is offered again.
    assert_eq!(app.input_text(), "book it for 2 people");
    insta::assert_snapshot!(draw(&app, 80, 24));
}

#[test]
fn render_narrow_terminal_hides_the_panel() {
    let (mut app, mut rx) = app(Mode::Chat);
    let turn = restaurant_turn();
    exchange(
        &mut app,
        &mut rx,
        &turn.user.clone(),
        Reply::Answered(Box::new(turn)),
    );
    insta::assert_snapshot!(draw(&app, 48, 16));
}

#[test]
fn render_panel_toggled_off_with_tab() {
    let (mut app, mut rx) = app(Mode::Chat);
    let turn = restaurant_turn();
    exchange(
        &mut app,
        &mut rx,
        &turn.user.clone(),
        Reply::Answered(Box::new(turn)),
    );
    app.handle_event(key(KeyCode::Tab));
    let screen = draw(&app, 100, 20).to_string();
    assert!(!screen.contains("last turn"), "{screen}");
    assert!(screen.contains("Dojo Noodle Bar"), "{screen}");
}

#[test]
fn render_replay_shows_gold_next_to_dard() {
    let (mut app, mut rx) = app(Mode::Replay {
        dialog: "pmul4398".into(),
        turns: 6,
        simulated: false,
    });
    app.handle_event(key(KeyCode::Enter));
    assert_eq!(rx.try_recv().unwrap(), Command::Step);
    let mut turn = restaurant_turn();
    turn.gold = Some("Dojo Noodle Bar is a cheap asian place in the centre. Shall I book?".into());
    app.handle_event(Event::Reply(Reply::Answered(Box::new(turn))));
    insta::assert_snapshot!(draw(&app, 100, 24));
}

#[test]
fn render_simulated_replay_labels_the_reply_recorded_in_the_run() {
    let (mut app, mut rx) = app(Mode::Replay {
        dialog: "gen-0-1".into(),
        turns: 3,
        simulated: true,
    });
    let empty = draw(&app, 100, 24).to_string();
    assert!(
        empty.contains("simulated") && !empty.contains("corpus"),
        "{empty}"
    );
    app.handle_event(key(KeyCode::Enter));
    assert_eq!(rx.try_recv().unwrap(), Command::Step);
    let mut turn = restaurant_turn();
    turn.gold = Some("Recorded: Dojo Noodle Bar.".into());
    app.handle_event(Event::Reply(Reply::Answered(Box::new(turn))));
    let screen = draw(&app, 100, 24).to_string();
    assert!(
        screen
            .lines()
            .any(|l| l.contains("run") && l.contains("Recorded: Dojo Noodle Bar.")),
        "{screen}"
    );
    assert!(!screen.contains("gold"), "{screen}");
}
