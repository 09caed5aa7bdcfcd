//! The background engine on the real pipeline (built-in default on the
//! manager's synthetic fixtures) and on scripted models: answers, replay with
//! gold replies, API errors, timeouts and panics all come back as replies.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use manager::{Config, Dard};
use models::scripted::ScriptedModel;
use models::{BackendKind, ModelError, ModelHandle, ModelInfo};
use multiwoz::Domain;
use multiwoz::db::Database;
use multiwoz::model::{Dialog, Split};
use tui::{ChatEngine, Command, Engine, ReplayEngine, Reply, SimReplayEngine};

fn fixtures() -> (Arc<Database>, Vec<Dialog>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../manager/tests/fixtures");
    let db = Database::load(&dir.join("db")).unwrap();
    let dialogs =
        multiwoz::load::load_original_file(&dir.join("dialogs_val.json"), Some(Split::Val))
            .unwrap();
    (Arc::new(db), dialogs)
}

fn builtin_dard() -> Dard {
    let (db, dialogs) = fixtures();
    Dard::builder()
        .database(db)
        .dialogs(dialogs)
        .build()
        .unwrap()
}

fn scripted_dard(model: &ScriptedModel) -> Dard {
    let (db, dialogs) = fixtures();
    let config = Config::from_toml(
        "[backends]\nscript = { kind = \"scripted\", replies = [\"unused\"] }\n\
         [pipeline]\ntracker = \"builtin\"\nrouter = \"builtin\"\nagents = { default = \"script\" }\n",
        None,
    )
    .unwrap();
    let handle = ModelHandle::new(
        ModelInfo {
            name: "script".into(),
            kind: BackendKind::Scripted,
            model: "scripted".into(),
        },
        model.clone(),
    );
    Dard::builder()
        .config(config)
        .database(db)
        .dialogs(dialogs)
        .model("script", handle)
        .build()
        .unwrap()
}

async fn ask(
    commands: &tokio::sync::mpsc::UnboundedSender<Command>,
    replies: &mut tokio::sync::mpsc::UnboundedReceiver<Reply>,
    command: Command,
) -> Reply {
    commands.send(command).unwrap();
    tokio::time::timeout(Duration::from_secs(60), replies.recv())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn chat_engine_answers_on_the_builtin_pipeline_and_resets() {
    let dard = builtin_dard();
    let (tx, mut rx) = tui::engine::spawn(ChatEngine::new(&dard, Duration::from_secs(30)));
    let reply = ask(
        &tx,
        &mut rx,
        Command::Send("I need a cheap restaurant in the centre".into()),
    )
    .await;
    let Reply::Answered(turn) = reply else {
        panic!("expected an answer, got {reply:?}");
    };
    assert_eq!(turn.outcome.domain, Domain::Restaurant);
    assert!(
        !turn.outcome.reply.contains("[value_"),
        "{}",
        turn.outcome.reply
    );
    assert_eq!(turn.outcome.stages.len(), 3);
    assert_eq!(ask(&tx, &mut rx, Command::Reset).await, Reply::Reset);
}

#[tokio::test]
async fn chat_engine_reports_api_errors_and_timeouts_as_failed_turns() {
    let model = ScriptedModel::new();
    model.push_error(ModelError::Api {
        status: 500,
        body: "overloaded".into(),
        retry_after: None,
    });
    let dard = scripted_dard(&model);
    let (tx, mut rx) = tui::engine::spawn(ChatEngine::new(&dard, Duration::from_millis(300)));
    let reply = ask(&tx, &mut rx, Command::Send("a cheap restaurant".into())).await;
    let Reply::Failed { user, error } = reply else {
        panic!("expected a failure, got {reply:?}");
    };
    assert_eq!(user, "a cheap restaurant");
    assert!(error.contains("script") && error.contains("500"), "{error}");

    model.set_delay(Duration::from_secs(5));
    model.push_reply("too late");
    let reply = ask(&tx, &mut rx, Command::Send("a hotel in the north".into())).await;
    let Reply::Failed { error, .. } = reply else {
        panic!("expected a timeout, got {reply:?}");
    };
    assert!(error.contains("timed out"), "{error}");
}

#[tokio::test]
async fn replay_engine_steps_through_a_dialog_with_gold_replies() {
    let dard = builtin_dard();
    let (_, dialogs) = fixtures();
    let dialog = &dialogs[0];
    let engine = ReplayEngine::new(&dard, dialog, Duration::from_secs(30)).unwrap();
    let turns = engine.turns();
    assert_eq!(turns, dialog.system_turns().count());
    let (tx, mut rx) = tui::engine::spawn(engine);
    for (i, gold) in dialog.system_turns().enumerate() {
        let reply = ask(&tx, &mut rx, Command::Step).await;
        let Reply::Answered(turn) = reply else {
            panic!("turn {i}: expected an answer, got {reply:?}");
        };
        assert_eq!(turn.gold.as_deref(), Some(gold.text.as_str()));
        assert_eq!(turn.user, dialog.turns[2 * i].text);
    }
    assert_eq!(ask(&tx, &mut rx, Command::Step).await, Reply::Finished);
    assert_eq!(ask(&tx, &mut rx, Command::Reset).await, Reply::Reset);
    assert!(matches!(
        ask(&tx, &mut rx, Command::Step).await,
        Reply::Answered(_)
    ));
}

#[tokio::test]
async fn sim_replay_engine_plays_a_simulated_dialog_again_with_the_recorded_replies() {
    let dard = builtin_dard();
    // What a simulation run records: a session keyed by the goal's id.
    let said = [
        "I need a cheap restaurant in the centre",
        "Please book it for 2 people on friday at 18:00",
    ];
    let mut original = dard.session_keyed("gen-7-3");
    let mut turns = Vec::new();
    for user in said {
        let outcome = original.turn(user).await.unwrap();
        turns.push((user.to_string(), Some(outcome.reply)));
    }
    let engine = SimReplayEngine::new(&dard, "gen-7-3", turns.clone(), Duration::from_secs(30));
    assert_eq!(engine.turns(), 2);
    let (tx, mut rx) = tui::engine::spawn(engine);
    for _ in 0..2 {
        for (user, recorded) in &turns {
            let reply = ask(&tx, &mut rx, Command::Step).await;
            let Reply::Answered(turn) = reply else {
                panic!("expected an answer, got {reply:?}");
            };
            assert_eq!(&turn.user, user);
            assert_eq!(turn.gold.as_ref(), recorded.as_ref());
            // The same key gives the same made-up details: the same replies.
            assert_eq!(Some(&turn.outcome.reply), recorded.as_ref());
        }
        assert_eq!(ask(&tx, &mut rx, Command::Step).await, Reply::Finished);
        assert_eq!(ask(&tx, &mut rx, Command::Reset).await, Reply::Reset);
    }
}

struct Panicky;

impl Engine for Panicky {
    async fn handle(&mut self, _command: Command) -> Reply {
        panic!("scripted failure")
    }
}

#[tokio::test]
async fn a_panicking_engine_becomes_a_failed_turn() {
    let (tx, mut rx) = tui::engine::spawn(Panicky);
    let reply = ask(&tx, &mut rx, Command::Send("hi".into())).await;
    assert_eq!(
        reply,
        Reply::Failed {
            user: "hi".into(),
            error: "the pipeline panicked: scripted failure".into(),
        }
    );
    // The engine keeps serving.
    assert!(matches!(
        ask(&tx, &mut rx, Command::Send("again".into())).await,
        Reply::Failed { .. }
    ));
}
