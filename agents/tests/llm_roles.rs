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
