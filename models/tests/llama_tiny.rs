//! The llama backend against tiny random GGUF models written by the test
//! itself (see `support/gguf.rs`): determinism, prefix reuse, stop sequences,
//! token limits, templates, grammars, the T5 encoder path and error paths.

#![cfg(feature = "llama")]
#![allow(clippy::unwrap_used)] // Tests may unwrap.

#[path = "support/gguf.rs"]
mod gguf;

use std::path::{Path, PathBuf};

use models::error::ModelError;
use models::llama::{
    FinishReason, GenerateRequest, LlamaConfig, LlamaError, LlamaModel, Prompt, PromptTemplate,
    Sampling, Turn, TurnRole,
};
use models::model::{ChatModel, ChatRequest, Constraint, FinishReason as ChatFinish, Message};

/// A config for a tiny model with the CI settings (one thread, small context).
fn cfg(path: &Path) -> LlamaConfig {
    LlamaConfig::new(path)
        .with_threads(1)
        .with_n_ctx(512)
        .with_max_tokens(16)
}

fn tiny_llama(dir: &Path, template: Option<&str>) -> PathBuf {
    let path = dir.join(if template.is_some() {
        "tiny-chatml.gguf"
    } else {
        "tiny.gguf"
    });
    gguf::write_tiny_llama(&path, 7, template);
    path
}

async fn load(config: LlamaConfig) -> LlamaModel {
    LlamaModel::load(config).await.expect("tiny model loads")
}

/// A dialog prompt with a long shared head, as dard's agents send them.
fn dialog(turns: usize) -> Vec<Turn> {
    let mut v = vec![Turn::new(
        TurnRole::System,
        "You are the hotel agent of a booking system. Answer briefly. Examples follow.",
    )];
    for i in 0..turns {
        v.push(Turn::new(
            TurnRole::User,
            format!("I need a room for {} people.", i + 2),
        ));
        v.push(Turn::new(
            TurnRole::Assistant,
            format!("Which area, for {} people?", i + 2),
        ));
    }
    v.push(Turn::new(TurnRole::User, "In the north, please."));
    v
}

#[tokio::test]
async fn greedy_decoding_gives_the_same_text_twice() {
    let dir = tempfile::tempdir().unwrap();
    let model = load(cfg(&tiny_llama(dir.path(), None))).await;
    let req = GenerateRequest::text("The hotel in the north")
        .with_static_prefix("The hotel in".len())
        .with_max_tokens(24);
    let a = model.generate(req.clone()).await.unwrap();
    model.reset_cache().await.unwrap();
    let b = model.generate(req.clone()).await.unwrap();
    // And a third time with the static prefix pinned.
    let c = model.generate(req).await.unwrap();
    assert!(!a.text.is_empty());
    assert_eq!(a.text, b.text);
    assert_eq!(a.text, c.text);
    assert_eq!(a.completion_tokens, 24);
    assert_eq!(a.finish, FinishReason::MaxTokens);
    assert_eq!(b.reused_prompt_tokens, 0);
    // Byte-level vocabulary: the prefix's bytes (and BOS, when added) are pinned.
    assert!(
        c.reused_prompt_tokens >= 12 && c.reused_prompt_tokens < c.prompt_tokens,
        "{c:?}"
    );
}

/// Two stages' requests (their own system prompts, several turns each), as
/// the agents send them.
fn stage_requests() -> Vec<GenerateRequest> {
    let mut reqs = Vec::new();
    for system in [
        "You route a conversation to the agent that should answer it. Answer with one line of JSON.",
        "You track the belief state of a conversation. Answer with the state as one line of JSON.",
    ] {
        for user in [
            "Conversation:\nuser: a cheap hotel in the north\n\nAnswer:",
            "Conversation:\nuser: a train to ely on friday\n\nAnswer:",
            "Conversation:\nuser: thanks, bye\n\nAnswer:",
        ] {
            reqs.push(
                GenerateRequest::new(Prompt::Chat(vec![
                    Turn::new(TurnRole::System, system),
                    Turn::new(TurnRole::User, format!("Fixed example: user: hi\n{user}")),
                ]))
                .with_static_prefix("Fixed example: user: hi\n".len())
                .with_max_tokens(12),
            );
        }
    }
    reqs
}

#[tokio::test]
async fn pinned_prefix_outputs_are_byte_identical_whatever_the_order_reuse_or_concurrency() {
    let dir = tempfile::tempdir().unwrap();
    let path = tiny_llama(dir.path(), None);
    // Small batches, so that prefixes and suffixes span several chunks.
    let config = cfg(&path).with_n_batch(16);
    let reqs = stage_requests();

    let warm = load(config.clone()).await;
    let mut in_order = Vec::new();
    for r in &reqs {
        in_order.push(warm.generate(r.clone()).await.unwrap());
    }
    // The second call of a stage finds its static prefix pinned.
    assert_eq!(in_order[0].reused_prompt_tokens, 0);
    assert!(
        in_order[1].reused_prompt_tokens > in_order[1].prompt_tokens / 2,
        "{:?}",
        in_order[1]
    );

    let cold = load(config.clone().with_prefix_reuse(false)).await;
    let mut reversed = Vec::new();
    for r in reqs.iter().rev() {
        reversed.push(cold.generate(r.clone()).await.unwrap());
    }
    reversed.reverse();
    assert!(reversed.iter().all(|o| o.reused_prompt_tokens == 0));

    // Four requests in flight at once, sent in another order again.
    let shared = load(config).await;
    let mut concurrent = vec![None; reqs.len()];
    for group in [[5, 2, 4, 0], [3, 1, 5, 0]] {
        let handles: Vec<_> = group
            .iter()
            .map(|&i| {
                let (m, r) = (shared.clone(), reqs[i].clone());
                (i, tokio::spawn(async move { m.generate(r).await }))
            })
            .collect();
        for (i, h) in handles {
            concurrent[i] = Some(h.await.unwrap().unwrap());
        }
    }

    for (i, o) in in_order.iter().enumerate() {
        assert_eq!(o.text, reversed[i].text, "request {i}: reuse on vs off");
        let c = concurrent[i].as_ref().unwrap();
        assert_eq!(o.text, c.text, "request {i}: one vs four at a time");
        assert_eq!(o.prompt_tokens, reversed[i].prompt_tokens);
    }
}

#[tokio::test]
async fn stop_sequences_and_max_tokens_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let model = load(cfg(&tiny_llama(dir.path(), None))).await;
    let base = GenerateRequest::text("Guest: a cheap room").with_max_tokens(40);
    let full = model.generate(base.clone()).await.unwrap();
    assert_eq!(full.text.len(), 40, "byte-level tokens: one byte each");

    // A stop sequence taken from the middle of the greedy output.
    let stop = full.text[20..23].to_owned();
    let cut = full.text.find(&stop).unwrap();
    let stopped = model
        .generate(base.clone().with_stop([stop.clone()]))
        .await
        .unwrap();
    assert_eq!(stopped.finish, FinishReason::StopSequence);
    assert_eq!(stopped.text, full.text[..cut], "stop {stop:?}");

    // Stop sequences from the config apply too.
    let cfg_stop = load(cfg(&dir.path().join("tiny.gguf")).with_stop([stop])).await;
    let stopped = cfg_stop.generate(base.clone()).await.unwrap();
    assert_eq!(stopped.text, full.text[..cut]);

    let short = model.generate(base.with_max_tokens(7)).await.unwrap();
    assert_eq!(short.finish, FinishReason::MaxTokens);
    assert_eq!(short.completion_tokens, 7);
    assert_eq!(short.text, full.text[..7]);
}

#[tokio::test]
async fn sampled_decoding_is_reproducible_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let model = load(cfg(&tiny_llama(dir.path(), None))).await;
    let req = GenerateRequest::text("Taxi to the station")
        .with_max_tokens(20)
        .with_sampling(Sampling::Sampled {
            temperature: 1.0,
            top_p: 0.95,
        });
    let a = model.generate(req.clone()).await.unwrap();
    let b = model.generate(req).await.unwrap();
    assert_eq!(a.text, b.text);
    assert_eq!(a.completion_tokens, 20);
}

#[tokio::test]
async fn grammar_constrains_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let model = load(cfg(&tiny_llama(dir.path(), None))).await;
    let req = GenerateRequest::text("Is it free?").with_grammar(r#"root ::= "yes" | "no""#);
    let out = model.generate(req).await.unwrap();
    assert!(out.text == "yes" || out.text == "no", "{:?}", out.text);
    assert_eq!(out.finish, FinishReason::EndOfGeneration);

    let bad = GenerateRequest::text("x").with_grammar("root ::= (");
    assert!(matches!(
        model.generate(bad).await,
        Err(LlamaError::Grammar(_))
    ));
}

#[tokio::test]
async fn one_line_answers_stop_at_the_line_end_not_the_token_limit() {
    let dir = tempfile::tempdir().unwrap();
    let model = load(cfg(&tiny_llama(dir.path(), None))).await;
    // The grammar makes the model write a line, a line break and more: a
    // stand-in for a base model running on after a one-line JSON answer.
    let two_lines = ChatRequest::new(vec![Message::user("Route it.")])
        .with_temperature(0.0)
        .with_max_tokens(40)
        .with_constraint(Constraint::Grammar(
            r#"root ::= "\n" "{\"domain\": \"hotel\"}" "\n" [a-z]+"#.into(),
        ));
    let run_on = model.complete(two_lines.clone()).await.unwrap();
    assert!(run_on.text.contains("}\n"), "{:?}", run_on.text);
    let one_line = model.complete(two_lines.with_single_line()).await.unwrap();
    // The leading line break does not end it; the one after the answer does.
    assert_eq!(one_line.text, "\n{\"domain\": \"hotel\"}");
    assert_eq!(one_line.finish_reason, ChatFinish::StopSequence);
}

#[tokio::test]
async fn the_gguf_chat_template_is_used_when_present() {
    let dir = tempfile::tempdir().unwrap();
    let with = load(cfg(&tiny_llama(dir.path(), Some(gguf::CHATML_TEMPLATE)))).await;
    assert_eq!(with.info().template, "gguf");
    assert_eq!(with.info().architecture, "llama");
    assert!(!with.info().encoder_decoder);

    let without = tiny_llama(dir.path(), None);
    assert_eq!(load(cfg(&without)).await.info().template, "plain");
    let named = cfg(&without).with_template(PromptTemplate::Builtin("chatml".into()));
    assert_eq!(load(named).await.info().template, "builtin:chatml");
    let unknown = cfg(&without).with_template(PromptTemplate::Builtin("no-such-template".into()));
    assert!(matches!(
        LlamaModel::load(unknown).await,
        Err(LlamaError::Template { .. })
    ));

    // The ChatML rendering is longer than the plain one for the same chat: the
    // template really was applied.
    let chat = GenerateRequest::new(Prompt::Chat(dialog(1))).with_max_tokens(1);
    let plain = load(cfg(&without))
        .await
        .generate(chat.clone())
        .await
        .unwrap();
    let chatml = with.generate(chat).await.unwrap();
    assert!(chatml.prompt_tokens > plain.prompt_tokens);
}

#[tokio::test]
async fn chat_model_maps_requests_and_responses() {
    let dir = tempfile::tempdir().unwrap();
    let model = load(cfg(&tiny_llama(dir.path(), Some(gguf::CHATML_TEMPLATE)))).await;
    let req = ChatRequest::new(vec![
        Message::user("Book it."),
        Message::assistant("Done."),
        Message::user("Thanks"),
    ])
    .with_system("You are a hotel agent.")
    .with_temperature(0.0)
    .with_max_tokens(8);
    let a = model.complete(req.clone()).await.unwrap();
    let b = model.complete(req.clone()).await.unwrap();
    assert_eq!(a.text, b.text);
    assert_eq!(a.output_tokens, 8);
    assert_eq!(a.finish_reason, ChatFinish::Length);
    assert!(a.input_tokens > 20, "{}", a.input_tokens);

    let yes_no = req
        .clone()
        .with_constraint(Constraint::Grammar(r#"root ::= "yes" | "no""#.into()));
    let c = model.complete(yes_no).await.unwrap();
    assert!(c.text == "yes" || c.text == "no");
    assert_eq!(c.finish_reason, ChatFinish::Stop);

    // A JSON Schema becomes a grammar: the output is JSON of that shape.
    let schema = serde_json::json!({
        "type": "object",
        "properties": {"available": {"type": "boolean"}},
        "required": ["available"],
        "additionalProperties": false
    });
    let json = model
        .complete(
            req.with_max_tokens(200)
                .with_constraint(Constraint::JsonSchema(schema)),
        )
        .await
        .unwrap();
    assert_eq!(json.finish_reason, ChatFinish::Stop, "{:?}", json.text);
    let value: serde_json::Value = serde_json::from_str(&json.text).expect("valid JSON");
    assert!(value["available"].is_boolean(), "{value}");
    let empty = ChatRequest::new(vec![]);
    assert!(matches!(
        model.complete(empty).await,
        Err(ModelError::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn t5_models_go_through_the_encoder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny-t5.gguf");
    gguf::write_tiny_t5(&path, 11);
    let model = load(cfg(&path)).await;
    assert!(model.info().encoder_decoder);
    assert_eq!(model.info().architecture, "t5");
    let req = GenerateRequest::text("translate: a room in the centre").with_max_tokens(10);
    let a = model.generate(req.clone()).await.unwrap();
    let b = model.generate(req).await.unwrap();
    assert_eq!(a.text, b.text);
    assert_eq!(a.completion_tokens, 10);
    assert_eq!(a.finish, FinishReason::MaxTokens);
    // A different input changes the encoder output and so the decoding.
    let other = model
        .generate(GenerateRequest::text("summarize: two nights, four stars").with_max_tokens(10))
        .await
        .unwrap();
    assert_eq!(other.completion_tokens, 10);
}

#[tokio::test]
async fn a_missing_model_file_is_a_clear_error() {
    let err = LlamaModel::load(LlamaConfig::new("/no/such/dir/model.gguf"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlamaError::ModelFile { .. }), "{err:?}");
    assert!(err.to_string().contains("/no/such/dir/model.gguf"), "{err}");
}

#[tokio::test]
async fn a_corrupt_model_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.gguf");
    std::fs::write(&path, b"GGUF but not really a model").unwrap();
    let err = LlamaModel::load(cfg(&path)).await.unwrap_err();
    assert!(matches!(err, LlamaError::Load { .. }), "{err:?}");
    assert!(err.to_string().contains("garbage.gguf"), "{err}");
}

#[tokio::test]
async fn a_prompt_longer_than_the_context_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let model = load(cfg(&tiny_llama(dir.path(), None)).with_n_ctx(32)).await;
    let err = model
        .generate(GenerateRequest::text("x".repeat(100)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlamaError::PromptTooLong { n_ctx: 32, .. }),
        "{err:?}"
    );
    // The model still works afterwards, and stops when the context is full.
    let out = model
        .generate(GenerateRequest::text("abc").with_max_tokens(100))
        .await
        .unwrap();
    assert_eq!(out.finish, FinishReason::ContextFull);
}

#[tokio::test]
async fn concurrent_callers_share_one_worker() {
    let dir = tempfile::tempdir().unwrap();
    let model = load(cfg(&tiny_llama(dir.path(), None))).await;
    let req = GenerateRequest::text("Restaurant").with_max_tokens(10);
    let other = model.clone();
    let (a, b) = tokio::join!(model.generate(req.clone()), other.generate(req));
    assert_eq!(a.unwrap().text, b.unwrap().text);
}

#[test]
fn token_counter_counts_with_the_gguf_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let counter = models::llama::TokenCounter::open(&tiny_llama(dir.path(), None)).unwrap();
    let short = counter.count("abc");
    let long = counter.count("abcabcabc");
    // The tiny vocabulary is bytes, so more text is never fewer tokens.
    assert!(short >= 1, "{short}");
    assert!(long > short, "{long} vs {short}");
    assert_eq!(counter.count("abc"), short, "counting is deterministic");
    let err = models::llama::TokenCounter::open(Path::new("/no/such/tokenizer.gguf")).unwrap_err();
    assert!(matches!(err, LlamaError::ModelFile { .. }), "{err:?}");
}

/// Log lines captured from every thread (the warning comes from the worker).
fn captured_logs() -> &'static std::sync::Mutex<Vec<u8>> {
    static LOGS: std::sync::OnceLock<&'static std::sync::Mutex<Vec<u8>>> =
        std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs: &'static std::sync::Mutex<Vec<u8>> =
            Box::leak(Box::new(std::sync::Mutex::new(Vec::new())));
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || LogWriter(logs))
            .finish();
        // Another test binary may have set one; then nothing is captured and
        // the test below says so.
        let _ = tracing::subscriber::set_global_default(subscriber);
        logs
    })
}

struct LogWriter(&'static std::sync::Mutex<Vec<u8>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn plain_template_fallback_warns_once_naming_model_and_template() {
    let logs = captured_logs();
    let dir = tempfile::tempdir().unwrap();
    let path = tiny_llama(dir.path(), None);
    let first = load(cfg(&path)).await;
    let second = load(cfg(&path)).await;
    assert_eq!(first.info().template, "plain");
    assert_eq!(second.info().template, "plain");
    let with_template = tiny_llama(dir.path(), Some(gguf::CHATML_TEMPLATE));
    load(cfg(&with_template)).await;
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    let warnings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("no chat template"))
        .collect();
    let ours: Vec<&&str> = warnings
        .iter()
        .filter(|l| l.contains(&*path.to_string_lossy()))
        .collect();
    assert_eq!(ours.len(), 1, "one warning for two loads: {warnings:#?}");
    assert!(ours[0].contains("dard-tiny-llama"), "{}", ours[0]);
    assert!(ours[0].contains("plain"), "{}", ours[0]);
    assert!(
        !warnings
            .iter()
            .any(|l| l.contains(&*with_template.to_string_lossy())),
        "{warnings:#?}"
    );
}

#[tokio::test]
async fn every_template_adds_its_end_of_turn_as_a_stop_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let plain = load(cfg(&tiny_llama(dir.path(), None))).await;
    assert_eq!(plain.info().stops, ["\nUser:", "\nAssistant:"]);
    let chatml = load(cfg(&tiny_llama(dir.path(), Some(gguf::CHATML_TEMPLATE)))).await;
    assert_eq!(chatml.info().stops, ["<|im_end|>"]);
    let named = load(
        cfg(&dir.path().join("tiny.gguf")).with_template(PromptTemplate::Builtin("gemma".into())),
    )
    .await;
    assert_eq!(named.info().stops, ["<end_of_turn>"]);

    // The plain template's speaker tag ends a generation: take the text the
    // model writes, and make its middle a speaker tag through the config.
    let req = GenerateRequest::new(Prompt::Chat(dialog(1))).with_max_tokens(30);
    let full = plain.generate(req.clone()).await.unwrap();
    assert_eq!(full.finish, FinishReason::MaxTokens);
    let tag = full.text[10..14].to_owned();
    let stopped = load(cfg(&dir.path().join("tiny.gguf")).with_stop([tag.clone()]))
        .await
        .generate(req)
        .await
        .unwrap();
    assert_eq!(stopped.finish, FinishReason::StopSequence);
    assert!(!stopped.text.contains(&tag));
}

#[tokio::test]
async fn a_timeout_cancels_the_running_generation_instead_of_running_on() {
    let dir = tempfile::tempdir().unwrap();
    let model = load(cfg(&tiny_llama(dir.path(), None)).with_n_ctx(4096)).await;
    let long = GenerateRequest::text("The hotel").with_max_tokens(4000);
    let timed_out =
        tokio::time::timeout(std::time::Duration::from_millis(20), model.generate(long)).await;
    assert!(timed_out.is_err(), "4000 tokens take longer than 20 ms");
    // The next call queues behind the cancelled one and finds the worker free.
    let next = model
        .generate(GenerateRequest::text("abc").with_max_tokens(1))
        .await
        .unwrap();
    assert_eq!(next.completion_tokens, 1);
    let counts = model.counts();
    assert_eq!(counts.cancelled, 1, "{counts:?}");
    assert!(
        counts.generated_tokens < 4000,
        "the cancelled job stopped early: {counts:?}"
    );
}

#[tokio::test]
async fn a_prompt_cancelled_between_chunks_keeps_them_for_the_retry() {
    let dir = tempfile::tempdir().unwrap();
    let config = cfg(&tiny_llama(dir.path(), None))
        .with_n_ctx(4096)
        .with_n_batch(8);
    let model = load(config).await;
    let prompt = "a room for two in the north ".repeat(140);
    let req = GenerateRequest::text(prompt).with_max_tokens(1);
    let first = tokio::time::timeout(
        std::time::Duration::from_millis(15),
        model.generate(req.clone()),
    )
    .await;
    assert!(first.is_err(), "~500 prompt batches take longer than 15 ms");
    let retry = model.generate(req).await.unwrap();
    assert!(
        retry.reused_prompt_tokens > 0,
        "the chunks evaluated before the timeout are reused: {retry:?}"
    );
    assert_eq!(model.counts().cancelled, 1);
}

fn tiny_t5_unigram(dir: &Path) -> PathBuf {
    let path = dir.join("tiny-t5-spm.gguf");
    gguf::write_tiny_t5_unigram(&path, 5);
    path
}

#[test]
fn t5_sentencepiece_vocabulary_round_trips_text() {
    let dir = tempfile::tempdir().unwrap();
    let counter = models::llama::TokenCounter::open(&tiny_t5_unigram(dir.path())).unwrap();
    for text in [
        "the hotel in the north",
        "a cheap room for two in the centre",
        "is it 42? yes, it's fine.",
    ] {
        let ids = counter.tokenize(text);
        assert_eq!(ids.last(), Some(&counter.eos()), "T5 appends </s>: {ids:?}");
        assert_eq!(counter.detokenize(&ids), text, "{ids:?}");
    }
    // The unigram model prefers whole-word pieces: five words, five pieces and </s>.
    assert_eq!(counter.tokenize("the hotel in the north").len(), 6);
}

#[tokio::test]
async fn t5_sentencepiece_decoding_stops_at_eos() {
    let dir = tempfile::tempdir().unwrap();
    let model = load(cfg(&tiny_t5_unigram(dir.path()))).await;
    assert!(model.info().encoder_decoder);
    let out = model
        .generate(GenerateRequest::text("the hotel in the north").with_max_tokens(64))
        .await
        .unwrap();
    assert_eq!(out.finish, FinishReason::EndOfGeneration, "{out:?}");
    assert!(
        out.completion_tokens > 0 && out.completion_tokens < 64,
        "some pieces, then </s>: {out:?}"
    );
    assert!(!out.text.contains("</s>"), "{out:?}");
}

#[test]
fn a_t5_backend_gets_a_512_token_prompt_budget_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let t5 = tiny_t5_unigram(dir.path());
    let llama = tiny_llama(dir.path(), None);
    let build = |path: &Path, max: Option<u32>| {
        let mut raw = models::config::RawTable::new();
        raw.insert("model_path".into(), path.to_string_lossy().into());
        if let Some(max) = max {
            raw.insert("max_prompt_tokens".into(), max.into());
        }
        models::build(
            "local",
            &models::BackendConfig::Llama(raw),
            &models::BuildContext::default(),
        )
        .unwrap()
    };
    let handle = build(&t5, None);
    let budget = handle.prompt_budget().expect("T5 has a budget");
    assert_eq!(budget.max_tokens, 512);
    // It counts with the model's own vocabulary: five whole-word pieces and </s>.
    assert_eq!(budget.count("the hotel in the north"), 6);
    assert_eq!(
        build(&t5, Some(300)).prompt_budget().unwrap().max_tokens,
        300
    );
    assert!(build(&llama, None).prompt_budget().is_none());
    assert_eq!(
        build(&llama, Some(900)).prompt_budget().unwrap().max_tokens,
        900
    );
}
