//! Whole-pipeline tests on the scripted model: the exact prompts sent (insta
//! snapshots), and how good, malformed and empty replies are handled.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use agents::roles::{DialogState, Stage, Utterance};
use manager::{StateSource, TurnRequest};
use models::ModelError;
use models::scripted::ScriptedModel;
use multiwoz::{Domain, Slot};
use support::{scripted_config, scripted_dard, show};

const STATE_1: &str =
    r#"{"restaurant": {"food": "italian", "pricerange": "cheap", "area": "centre"}}"#;
const ROUTE_1: &str = r#"{"domain": "restaurant", "reason": "the customer wants a restaurant"}"#;
const REPLY_1: &str = "[value_name] is a cheap italian restaurant in the [value_area] .";

#[tokio::test]
async fn two_turns_send_the_snapshotted_prompts() {
    let model = ScriptedModel::new();
    model
        .push_reply(STATE_1)
        .push_reply(ROUTE_1)
        .push_reply(REPLY_1)
        .push_reply(STATE_1)
        .push_reply("domain: restaurant\nreason: asks for the phone number")
        .push_reply("the phone number is [value_phone] .");
    let dard = scripted_dard(&model, scripted_config("[prompts]\nshots = 2\n"));
    let mut session = dard.session();

    let first = session
        .turn("I want a cheap italian restaurant in the centre")
        .await
        .unwrap();
    assert_eq!(first.domain, Domain::Restaurant);
    assert_eq!(first.reason, "the customer wants a restaurant");
    assert_eq!(first.state[&Domain::Restaurant][&Slot::Food], "italian");
    assert_eq!(
        first.db.count, 1,
        "one cheap central italian restaurant in the fixture"
    );
    assert_eq!(first.delex_reply, REPLY_1);
    assert_eq!(
        first.reply,
        "pasta palace is a cheap italian restaurant in the centre ."
    );
    assert_eq!(first.state_source, StateSource::Tracker);
    let stages: Vec<Stage> = first.stages.iter().map(|s| s.stage).collect();
    assert_eq!(stages, [Stage::Track, Stage::Route, Stage::Respond]);
    assert!(
        first
            .stages
            .iter()
            .all(|s| s.backend == "script" && !s.fallback())
    );

    let second = session.turn("what is their phone number ?").await.unwrap();
    assert_eq!(second.reply, "the phone number is 01220000001 .");
    assert_eq!(session.history().len(), 4);
    assert_eq!(session.history()[1].text, first.reply);

    let requests = model.requests();
    assert_eq!(requests.len(), 6);
    let names = [
        "t1_track",
        "t1_route",
        "t1_respond",
        "t2_track",
        "t2_route",
        "t2_respond",
    ];
    for (name, req) in names.iter().zip(&requests) {
        insta::assert_snapshot!(*name, show(req));
    }
}

#[tokio::test]
async fn malformed_reply_gets_one_repair_retry() {
    let model = ScriptedModel::new();
    model
        .push_reply("I think the customer wants to travel by rail.")
        .push_reply(r#"{"domain": "train", "reason": "a train to london"}"#)
        .push_reply("what time would you like to leave ?");
    let dard = scripted_dard(&model, scripted_config(""));
    let gold = DialogState::new();
    let history = [Utterance::user("i need a train to london on monday")];
    let outcome = dard
        .answer(TurnRequest {
            gold_state: Some(&gold),
            ..TurnRequest::new(&history)
        })
        .await
        .unwrap();
    assert_eq!(outcome.domain, Domain::Train);
    let route = outcome.stage(Stage::Route).unwrap();
    assert_eq!(route.usage.len(), 2);
    assert!(!route.usage[0].repair && route.usage[1].repair);
    assert_eq!(route.repairs(), 1);
    assert!(!route.fallback());
    let repair = &model.requests()[1];
    let text = &repair.messages[0].content;
    assert!(
        text.contains("Your previous answer was:\nI think the customer wants to travel by rail.\nIt cannot be used:"),
        "{text}"
    );
    insta::assert_snapshot!(
        "repair_request_tail",
        text.rsplit("Answer:").next().unwrap_or_default()
    );
}

#[tokio::test]
async fn empty_replies_fall_back_after_one_repair_and_never_fail_the_turn() {
    let model = ScriptedModel::always("");
    let dard = scripted_dard(&model, scripted_config(""));
    let mut session = dard.session();
    let outcome = session
        .turn("please book a taxi to the station")
        .await
        .unwrap();
    assert_eq!(model.calls(), 6, "each stage: one call and one repair");
    assert_eq!(outcome.fallbacks(), 3);
    assert!(
        outcome.state.is_empty(),
        "tracker falls back to the previous state"
    );
    assert_eq!(
        outcome.domain,
        Domain::Taxi,
        "router falls back on cue words"
    );
    assert!(outcome.reason.starts_with("fallback"));
    assert!(
        outcome.delex_reply.contains("taxi"),
        "{}",
        outcome.delex_reply
    );
    for stage in &outcome.stages {
        assert!(stage.fallback(), "{:?}", stage.stage);
        assert_eq!(stage.repairs(), 1);
    }
}

#[tokio::test]
async fn gold_state_replaces_the_tracker() {
    let model = ScriptedModel::new();
    model.push_reply(ROUTE_1).push_reply(REPLY_1);
    let dard = scripted_dard(&model, scripted_config(""));
    let mut gold = DialogState::new();
    gold.entry(Domain::Restaurant)
        .or_default()
        .insert(Slot::Area, "north".to_string());
    let history = [Utterance::user("something in the north")];
    let outcome = dard
        .answer(TurnRequest {
            gold_state: Some(&gold),
            dialog_id: Some("SYN0001"),
            ..TurnRequest::new(&history)
        })
        .await
        .unwrap();
    assert_eq!(model.calls(), 2, "no tracker call");
    assert_eq!(outcome.state_source, StateSource::Gold);
    assert!(outcome.stage(Stage::Track).is_none());
    assert_eq!(outcome.state, gold);
    assert_eq!(outcome.db.count, 1);
    assert_eq!(
        outcome.reply,
        "north trattoria is a cheap italian restaurant in the north ."
    );
}

#[tokio::test]
async fn examples_never_come_from_the_dialog_being_answered() {
    let history = [Utterance::user(
        "i want a cheap italian restaurant in the centre .",
    )];
    let state = DialogState::new();
    let run = |dialog_id: Option<&'static str>| {
        let model = ScriptedModel::new();
        model.push_reply(ROUTE_1).push_reply(REPLY_1);
        let dard = scripted_dard(&model, scripted_config("[prompts]\nshots = 3\n"));
        let history = history.clone();
        let state = state.clone();
        async move {
            dard.answer(TurnRequest {
                history: &history,
                dialog_id,
                gold_state: Some(&state),
                previous_state: None,
            })
            .await
            .unwrap();
            model
                .requests()
                .iter()
                .map(|r| r.messages[0].content.clone())
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    // The reply and the follow-up of SYN0001 are examples when nothing is excluded…
    let open = run(None).await;
    assert!(
        open.contains("Reply: [value_name] is a cheap italian place"),
        "{open}"
    );
    // …and never when SYN0001 is the dialog being answered (any id spelling).
    let excluded = run(Some("SYN0001.json")).await;
    assert!(!excluded.contains("is a cheap italian place"), "{excluded}");
    assert!(
        !excluded.contains("great , what is the phone number"),
        "{excluded}"
    );
}

#[tokio::test]
async fn model_error_fails_the_turn_and_keeps_the_history_clean() {
    let model = ScriptedModel::new();
    model
        .push_reply(STATE_1)
        .push_error(ModelError::Backend("the server is down".to_string()));
    let dard = scripted_dard(&model, scripted_config(""));
    let mut session = dard.session();
    let err = session.turn("a cheap restaurant").await.unwrap_err();
    assert_eq!(err.stage, Stage::Route);
    assert!(err.to_string().contains("the server is down"), "{err}");
    assert!(session.history().is_empty());
}

#[tokio::test]
async fn sessions_are_independent_and_send() {
    let model = ScriptedModel::always(ROUTE_1);
    let mut config = scripted_config("");
    config.pipeline.tracker = "builtin".to_string();
    config.pipeline.agents.default = "builtin".to_string();
    let dard = scripted_dard(&model, config);
    let a = dard.session();
    let b = dard.session();
    assert_ne!(a.id(), b.id());
    let run = |mut s: manager::Session, text: &'static str| {
        tokio::spawn(async move {
            s.turn(text).await.unwrap();
            s
        })
    };
    let (a, b) = (run(a, "a cheap restaurant please"), run(b, "hello"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(a.history()[0].text, "a cheap restaurant please");
    assert_eq!(b.history()[0].text, "hello");
    assert_eq!(a.history().len(), 2);
}

#[tokio::test]
async fn exported_prompt_is_byte_identical_to_the_sent_one() {
    let model = ScriptedModel::new();
    model.push_reply(ROUTE_1).push_reply(REPLY_1);
    let dard = scripted_dard(&model, scripted_config(""));
    let mut gold = DialogState::new();
    gold.entry(Domain::Restaurant)
        .or_default()
        .insert(Slot::Food, "italian".to_string());
    let history = [Utterance::user("i would like italian food")];
    let outcome = dard
        .answer(TurnRequest {
            gold_state: Some(&gold),
            dialog_id: Some("SYN0002"),
            ..TurnRequest::new(&history)
        })
        .await
        .unwrap();
    assert_eq!(outcome.domain, Domain::Restaurant, "{}", outcome.reason);
    let db = dard.ground(Domain::Restaurant, &gold, 0);
    let prompt = dard
        .prompter()
        .respond(&agents::roles::RespondInput {
            history: &history,
            domain: Domain::Restaurant,
            state: &gold,
            db: &db,
            dialog_id: Some("SYN0002"),
        })
        .unwrap();
    let sent = &model.requests()[1];
    assert_eq!(sent.system.as_deref(), Some(prompt.system.as_str()));
    assert_eq!(sent.messages, prompt.messages());
}
