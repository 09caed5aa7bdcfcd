//! The LLM-backed roles on the scripted model: good, malformed and empty replies
//! (one repair retry, then the counted fallback), and the few-shot example pool.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::sync::Arc;

use agents::llm::{GenerationOptions, LlmDomainAgent, LlmRouter, LlmTracker};
use agents::prompt::{ExamplePool, FewShot, PromptOptions, PromptSet, Prompter};
use agents::roles::{
    DbResult, DialogState, DomainAgent, RespondInput, RouteInput, Router, Stage, TrackInput,
    Tracker, Utterance,
};
use models::scripted::ScriptedModel;
use models::{BackendKind, ModelHandle, ModelInfo};
use multiwoz::model::{
    BeliefState, Dialog, DialogAct, DomainBelief, SourceFormat, Speaker, Split, Turn,
};
use multiwoz::{Domain, Slot};

fn handle(model: &ScriptedModel) -> ModelHandle {
    ModelHandle::new(
        ModelInfo {
            name: "script".into(),
            kind: BackendKind::Scripted,
            model: "scripted".into(),
        },
        model.clone(),
    )
}

fn prompter() -> Arc<Prompter> {
    Arc::new(Prompter::zero_shot().unwrap())
}

fn history() -> Vec<Utterance> {
    vec![Utterance::user("i need a train to ely on friday")]
}

#[tokio::test]
async fn router_reads_a_good_reply_in_one_call() {
    let model = ScriptedModel::always(r#"{"domain": "train", "reason": "a train to ely"}"#);
    let router = LlmRouter::new(handle(&model), prompter(), GenerationOptions::default());
    let state = DialogState::new();
    let h = history();
    let out = router
        .route(RouteInput {
            history: &h,
            state: &state,
            dialog_id: None,
        })
        .await
        .unwrap();
    assert_eq!(
        (out.domain, out.reason.as_str()),
        (Domain::Train, "a train to ely")
    );
    assert_eq!(out.usage.len(), 1);
    assert_eq!(out.usage[0].stage, Stage::Route);
    assert_eq!(out.usage[0].call.backend, "script");
    assert!(out.usage[0].call.tokens_in > 0);
    assert_eq!(router.stats().counts().calls, 1);
}

#[tokio::test]
async fn tracker_repairs_a_malformed_reply_then_falls_back_to_the_previous_state() {
    let model = ScriptedModel::new();
    model
        .push_reply("the user wants a train")
        .push_reply(r#"{"train": {"destination": "ely", "day": "friday"}}"#)
        .push_reply("")
        .push_reply("still not json");
    let tracker = LlmTracker::new(handle(&model), prompter(), GenerationOptions::default());
    let h = history();
    let mut previous = DialogState::new();
    previous
        .entry(Domain::Hotel)
        .or_default()
        .insert(Slot::Area, "north".into());

    let repaired = tracker
        .track(TrackInput {
            history: &h,
            previous: &previous,
            dialog_id: None,
        })
        .await
        .unwrap();
    assert_eq!(repaired.state[&Domain::Train][&Slot::Destination], "ely");
    assert_eq!(repaired.usage.len(), 2);
    assert!(repaired.usage[1].repair && !repaired.usage[1].fallback);

    let fallen = tracker
        .track(TrackInput {
            history: &h,
            previous: &previous,
            dialog_id: None,
        })
        .await
        .unwrap();
    assert_eq!(fallen.state, previous);
    assert!(fallen.usage[1].fallback);
    let counts = tracker.stats().counts();
    assert_eq!((counts.calls, counts.repairs, counts.fallbacks), (4, 2, 1));
    // The repair prompt carries the bad answer and the problem.
    let repair = &model.requests()[3].messages[0].content;
    assert!(
        repair.contains(
            "Your previous answer was:\n(nothing)\nIt cannot be used: the answer is empty"
        ),
        "{repair}"
    );
}

#[tokio::test]
async fn agent_repairs_unknown_placeholders_and_falls_back_on_empty_replies() {
    let model = ScriptedModel::new();
    model
        .push_reply("[value_trainid] leaves at [value_leave] .")
        .push_reply("[value_id] leaves at [value_leave] .")
        .push_reply("   ")
        .push_reply("");
    let agent = LlmDomainAgent::new(handle(&model), prompter(), GenerationOptions::default());
    let h = history();
    let state = DialogState::new();
    let db = DbResult {
        domain: Domain::Train,
        count: 3,
        record: None,
    };
    let input = RespondInput {
        history: &h,
        domain: Domain::Train,
        state: &state,
        db: &db,
        dialog_id: None,
    };
    let good = agent.respond(input).await.unwrap();
    assert_eq!(good.reply, "[value_id] leaves at [value_leave] .");
    assert!(
        model.requests()[1].messages[0]
            .content
            .contains("[value_trainid]")
    );
    let fallback = agent.respond(input).await.unwrap();
    assert_eq!(
        fallback.reply,
        agents::llm::fallback_reply(Domain::Train, &db)
    );
    assert!(fallback.usage.iter().any(|u| u.fallback));
    assert_eq!(agent.stats().counts().fallbacks, 1);
}

#[tokio::test]
async fn empty_history_is_an_input_error_not_a_model_call() {
    let model = ScriptedModel::always("{}");
    let tracker = LlmTracker::new(handle(&model), prompter(), GenerationOptions::default());
    let state = DialogState::new();
    let err = tracker
        .track(TrackInput {
            history: &[],
            previous: &state,
            dialog_id: None,
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    assert_eq!(model.calls(), 0);
}

fn turn(speaker: Speaker, text: &str, domain: Option<Domain>) -> Turn {
    let belief = (speaker == Speaker::System).then(|| {
        let mut b = BeliefState::default();
        if let Some(d) = domain {
            let mut belief = DomainBelief::default();
            belief.semi.insert(Slot::Area, "centre".to_string());
            b.domains.insert(d, belief);
        }
        b
    });
    let acts = domain
        .map(|d| {
            vec![DialogAct {
                act: format!("{}-Inform", d.as_str()),
                slot: "Area".into(),
                value: "centre".into(),
            }]
        })
        .unwrap_or_default();
    Turn {
        speaker,
        text: text.into(),
        belief,
        acts,
        spans: Vec::new(),
    }
}

fn dialog(id: &str, split: Split, domain: Domain, user: &str) -> Dialog {
    Dialog {
        id: id.into(),
        split: Some(split),
        format: SourceFormat::Original,
        goal: None,
        turns: vec![
            turn(Speaker::User, user, Some(domain)),
            turn(Speaker::System, "sure , in the centre .", Some(domain)),
        ],
    }
}

fn pool() -> ExamplePool {
    ExamplePool::build(
        &[
            dialog(
                "A1.json",
                Split::Val,
                Domain::Hotel,
                "a hotel in the centre please",
            ),
            dialog(
                "A2.json",
                Split::Train,
                Domain::Restaurant,
                "a restaurant in the centre please",
            ),
            dialog(
                "A3.json",
                Split::Test,
                Domain::Hotel,
                "test hotel in the centre please",
            ),
            dialog(
                "A4.json",
                Split::Val,
                Domain::Attraction,
                "a museum in the centre please",
            ),
        ],
        3,
    )
}

#[test]
fn pool_skips_test_dialogs_and_keeps_gold_labels() {
    let pool = pool();
    assert_eq!(pool.len(), 3);
    assert!(pool.examples().iter().all(|e| e.split != Some(Split::Test)));
    let hotel = &pool.examples()[0];
    assert_eq!((hotel.dialog.as_str(), hotel.domain), ("a1", Domain::Hotel));
    assert_eq!(hotel.state[&Domain::Hotel][&Slot::Area], "centre");
    assert_eq!(hotel.reply, "sure , in the centre .");
}

fn route_prompt(p: &Prompter, text: &str, dialog_id: Option<&str>) -> String {
    let h = [Utterance::user(text)];
    let state = DialogState::new();
    p.route(&RouteInput {
        history: &h,
        state: &state,
        dialog_id,
    })
    .user
}

#[test]
fn retrieval_prefers_similar_turns_and_excludes_the_current_dialog() {
    let options = PromptOptions {
        few_shot: FewShot::Retrieved,
        shots: 1,
        ..PromptOptions::default()
    };
    let p = Prompter::new(
        PromptSet::defaults().unwrap(),
        Arc::new(pool()),
        options,
        None,
    );
    let museum = route_prompt(&p, "is there a museum ?", None);
    assert!(
        museum.contains("user: a museum in the centre please"),
        "{museum}"
    );
    let excluded = route_prompt(&p, "is there a museum ?", Some("A4"));
    assert!(
        !excluded.contains("a museum in the centre please"),
        "{excluded}"
    );
    assert_eq!(
        museum,
        route_prompt(&p, "is there a museum ?", None),
        "deterministic"
    );
}

#[test]
fn fixed_examples_are_the_same_for_every_turn() {
    let options = PromptOptions {
        few_shot: FewShot::Fixed,
        shots: 2,
        ..PromptOptions::default()
    };
    let p = Prompter::new(
        PromptSet::defaults().unwrap(),
        Arc::new(pool()),
        options,
        None,
    );
    let a = route_prompt(&p, "a taxi please", None);
    let b = route_prompt(&p, "where is the police ?", None);
    let examples = |s: &str| {
        s.split("Conversation:\nuser: a taxi")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let examples_b = b
        .split("Conversation:\nuser: where")
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(examples(&a), examples_b);
    assert_eq!(a.matches("Example ").count(), 2);
}

#[test]
fn fixed_examples_are_in_the_static_prefix_and_retrieved_ones_are_not() {
    let prompter = |few_shot| {
        let options = PromptOptions {
            few_shot,
            shots: 2,
            ..PromptOptions::default()
        };
        Prompter::new(
            PromptSet::defaults().unwrap(),
            Arc::new(pool()),
            options,
            None,
        )
    };
    let route = |p: &Prompter, text: &str| {
        let h = [Utterance::user(text)];
        let state = DialogState::new();
        p.route(&RouteInput {
            history: &h,
            state: &state,
            dialog_id: None,
        })
    };
    let fixed = prompter(FewShot::Fixed);
    let (a, b) = (
        route(&fixed, "a taxi please"),
        route(&fixed, "where is the police ?"),
    );
    // The static part (the examples) comes first and is the same for both
    // turns; the turn's own text comes after it.
    assert!(a.static_user > 0);
    assert_eq!(a.user[..a.static_user], b.user[..b.static_user]);
    assert!(
        a.user[..a.static_user].ends_with("\n\nConversation:\n"),
        "{:?}",
        a.user
    );
    assert!(a.user[a.static_user..].starts_with("user: a taxi"));
    let req = a.to_request(64, 0.0);
    assert_eq!(req.static_prefix, a.static_user);
    assert!(req.single_line, "every stage answers on one line");

    let retrieved = route(&prompter(FewShot::Retrieved), "a taxi please");
    assert_eq!(retrieved.static_user, 0, "retrieved examples vary per turn");
}

#[tokio::test]
async fn tracker_rejects_a_state_equal_to_the_instruction_example() {
    // The DST instructions show {"restaurant": {"area": "centre", "food": "italian"}};
    // a model that copies it for a train dialog is repaired, then falls back.
    let example = r#"{"restaurant": {"area": "centre", "food": "italian"}}"#;
    let model = ScriptedModel::always(example);
    let tracker = LlmTracker::new(handle(&model), prompter(), GenerationOptions::default());
    let h = history();
    let previous = DialogState::new();
    let out = tracker
        .track(TrackInput {
            history: &h,
            previous: &previous,
            dialog_id: None,
        })
        .await
        .unwrap();
    assert!(out.state.is_empty(), "fell back to the previous state");
    assert_eq!(out.usage.len(), 2);
    assert!(out.usage[1].repair && out.usage[1].fallback);
    assert_eq!(tracker.stats().counts().fallbacks, 1);
    let repair = &model.requests()[1].messages[0].content;
    assert!(repair.contains("example from the instructions"), "{repair}");

    // The same state is accepted when the customer really asked for it.
    let model = ScriptedModel::always(example);
    let tracker = LlmTracker::new(handle(&model), prompter(), GenerationOptions::default());
    let h = vec![Utterance::user("i want italian food in the centre of town")];
    let out = tracker
        .track(TrackInput {
            history: &h,
            previous: &previous,
            dialog_id: None,
        })
        .await
        .unwrap();
    assert_eq!(out.state[&Domain::Restaurant][&Slot::Food], "italian");
    assert_eq!(out.usage.len(), 1);
}

#[tokio::test]
async fn an_answer_echoing_the_system_prompt_is_a_fallback() {
    let p = prompter();
    let h = history();
    let state = DialogState::new();
    let db = DbResult {
        domain: Domain::Train,
        count: 3,
        record: None,
    };
    let input = RespondInput {
        history: &h,
        domain: Domain::Train,
        state: &state,
        db: &db,
        dialog_id: None,
    };
    // The model answers with its own instructions, twice.
    let system = p.respond(&input).unwrap().system;
    let echo: String = system.lines().next().unwrap().to_string();
    let model = ScriptedModel::always(echo.clone());
    let agent = LlmDomainAgent::new(handle(&model), p.clone(), GenerationOptions::default());
    let out = agent.respond(input).await.unwrap();
    assert_ne!(out.reply, echo);
    assert!(out.usage.iter().any(|u| u.fallback), "{:?}", out.usage);
    assert_eq!(agent.stats().counts().fallbacks, 1);

    // The router too: an echo of its instructions is not a routing answer,
    // even though it names an agent.
    let route_system = p
        .route(&RouteInput {
            history: &h,
            state: &state,
            dialog_id: None,
        })
        .system;
    let echo = route_system
        .lines()
        .find(|l| l.starts_with("- train"))
        .unwrap()
        .trim_start_matches("- ")
        .to_string();
    let model = ScriptedModel::always(format!("train: {echo}"));
    let router = LlmRouter::new(handle(&model), p, GenerationOptions::default());
    let out = router
        .route(RouteInput {
            history: &h,
            state: &state,
            dialog_id: None,
        })
        .await
        .unwrap();
    assert!(out.reason.starts_with("fallback"), "{}", out.reason);
    assert_eq!(router.stats().counts().fallbacks, 1);
}

#[tokio::test]
async fn a_run_on_reply_is_cut_at_the_next_speaker_tag() {
    let model = ScriptedModel::always(
        "[value_id] leaves at [value_leave] . would you like to book it ?\nuser: yes please , for 2 people .\nsystem: booked , the reference is [value_reference] .",
    );
    let agent = LlmDomainAgent::new(handle(&model), prompter(), GenerationOptions::default());
    let h = history();
    let state = DialogState::new();
    let db = DbResult {
        domain: Domain::Train,
        count: 3,
        record: None,
    };
    let out = agent
        .respond(RespondInput {
            history: &h,
            domain: Domain::Train,
            state: &state,
            db: &db,
            dialog_id: None,
        })
        .await
        .unwrap();
    assert_eq!(
        out.reply,
        "[value_id] leaves at [value_leave] . would you like to book it ?"
    );
    // Every request carries the speaker tags as stop sequences.
    let req = &model.requests()[0];
    assert!(req.stop.iter().any(|s| s == "\nuser:"), "{:?}", req.stop);
    assert!(req.stop.iter().any(|s| s == "\nsystem:"), "{:?}", req.stop);
}

#[tokio::test]
async fn a_reply_that_hits_the_token_limit_is_not_accepted() {
    let mut long = models::ChatResponse::new(
        "there are [value_choice] trains and the first one leaves at [value_leave] and the next",
        models::FinishReason::Length,
    );
    long.output_tokens = 96;
    let model = ScriptedModel::new();
    model
        .push_response(long.clone())
        .push_reply("there are [value_choice] trains . what time would you like to leave ?");
    let agent = LlmDomainAgent::new(handle(&model), prompter(), GenerationOptions::default());
    let h = history();
    let state = DialogState::new();
    let db = DbResult {
        domain: Domain::Train,
        count: 3,
        record: None,
    };
    let out = agent
        .respond(RespondInput {
            history: &h,
            domain: Domain::Train,
            state: &state,
            db: &db,
            dialog_id: None,
        })
        .await
        .unwrap();
    assert_eq!(
        out.reply,
        "there are [value_choice] trains . what time would you like to leave ?"
    );
    assert_eq!(out.usage.len(), 2, "one repair after the run-on reply");
    let repair = &model.requests()[1].messages[0].content;
    assert!(repair.contains("token limit"), "{repair}");
}

#[tokio::test]
async fn a_prompt_over_the_models_budget_drops_examples_then_the_oldest_history() {
    let options = PromptOptions {
        few_shot: FewShot::Fixed,
        shots: 2,
        history_turns: 0,
        ..PromptOptions::default()
    };
    let p = Arc::new(Prompter::new(
        PromptSet::defaults().unwrap(),
        Arc::new(pool()),
        options,
        None,
    ));
    let words = |t: &str| t.split_whitespace().count();
    let h = vec![
        Utterance::user("i need a train to ely"),
        Utterance::system("what day would you like to travel ?"),
        Utterance::user("on friday , leaving after 09:00 please"),
    ];
    let previous = DialogState::new();
    let input = TrackInput {
        history: &h,
        previous: &previous,
        dialog_id: None,
    };
    let full = p.track(&input);
    let no_examples = p.track_within(
        &input,
        Some(&models::PromptBudget::new(
            words(&full.to_text()) - 1,
            words,
        )),
    );
    assert_eq!(full.user.matches("Example ").count(), 2);
    assert_eq!(no_examples.user.matches("Example ").count(), 1);
    assert!(no_examples.user.contains("user: i need a train to ely"));

    // A budget too small for any example and the whole history: the oldest
    // utterances go, the last one stays.
    let bare = p.track_within(&input, Some(&models::PromptBudget::new(10, words)));
    assert_eq!(bare.user.matches("Example ").count(), 0);
    assert!(
        !bare.user.contains("i need a train to ely"),
        "{}",
        bare.user
    );
    assert!(
        bare.user
            .contains("user: on friday , leaving after 09:00 please")
    );

    // The tracker sends the trimmed prompt to a model with a budget.
    let budget = models::PromptBudget::new(words(&no_examples.to_text()), words);
    let model = ScriptedModel::always(r#"{"train": {"destination": "ely", "day": "friday"}}"#);
    let tracker = LlmTracker::new(
        handle(&model).with_prompt_budget(budget.clone()),
        p.clone(),
        GenerationOptions::default(),
    );
    tracker.track(input).await.unwrap();
    let sent = &model.requests()[0];
    let text = format!(
        "{}\n\n{}",
        sent.system.as_deref().unwrap_or_default(),
        sent.messages[0].content
    );
    assert!(budget.fits(&text), "{} words", words(&text));
    assert_eq!(text, no_examples.to_text());
}
