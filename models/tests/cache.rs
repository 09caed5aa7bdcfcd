//! The on-disk response cache: hits, misses on any change, corrupt entries, secrets.
#![allow(clippy::unwrap_used)] // Tests may unwrap.
#![cfg(feature = "test-utils")]

use models::config::{BuildContext, wrap};
use models::layers::LayerConfig;
use models::layers::ResponseCache;
use models::openai::{OpenAiConfig, OpenAiModel};
use models::scripted::ScriptedModel;
use models::{
    BackendKind, ChatModel, ChatRequest, Constraint, Message, ModelInfo, Role, UsageLedger,
};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn base() -> ChatRequest {
    ChatRequest::new(vec![
        Message::user("hello"),
        Message::assistant("hi"),
        Message::user("book"),
    ])
    .with_system("sys")
    .with_max_tokens(32)
    .with_temperature(0.0)
    .with_stop("END")
    .with_seed(1)
}

fn cached(dir: &std::path::Path, inner: &ScriptedModel) -> ResponseCache<ScriptedModel> {
    ResponseCache::new(inner.clone(), dir, BackendKind::Openai, "gpt-4o-mini")
}

#[tokio::test]
async fn identical_requests_hit_and_return_the_same_answer() {
    let dir = tempfile::tempdir().unwrap();
    let inner = ScriptedModel::new();
    inner.push_reply("first answer").push_reply("second answer");
    let cache = cached(dir.path(), &inner);

    let cold = cache.complete(base()).await.unwrap();
    let warm = cache.complete(base()).await.unwrap();

    assert!(!cold.cache_hit);
    assert!(warm.cache_hit);
    assert_eq!(warm.text, "first answer");
    assert_eq!(warm.finish_reason, cold.finish_reason);
    assert_eq!(
        (warm.input_tokens, warm.output_tokens),
        (cold.input_tokens, cold.output_tokens)
    );
    assert_eq!(inner.calls(), 1, "the hit never reached the backend");
    // A fresh cache over the same directory (a re-run) hits too.
    let rerun = cached(dir.path(), &inner).complete(base()).await.unwrap();
    assert!(rerun.cache_hit);
    assert_eq!(inner.calls(), 1);
}

#[tokio::test]
async fn any_change_to_the_request_misses() {
    let dir = tempfile::tempdir().unwrap();
    let inner = ScriptedModel::always("x");
    let cache = cached(dir.path(), &inner);
    cache.complete(base()).await.unwrap();

    let mut variants: Vec<(&str, ChatRequest)> = Vec::new();
    let mut r = base();
    r.system = Some("sys2".into());
    variants.push(("system", r));
    let mut r = base();
    r.system = None;
    variants.push(("no system", r));
    let mut r = base();
    r.messages[2].content = "book!".into();
    variants.push(("message text", r));
    let mut r = base();
    r.messages[1].role = Role::User;
    variants.push(("message role", r));
    let mut r = base();
    r.messages.pop();
    variants.push(("message count", r));
    variants.push(("max_tokens", base().with_max_tokens(33)));
    variants.push(("temperature", base().with_temperature(0.1)));
    let mut r = base();
    r.temperature = None;
    variants.push(("no temperature", r));
    variants.push(("stop", base().with_stop("END2")));
    variants.push(("seed", base().with_seed(2)));
    variants.push((
        "constraint",
        base().with_constraint(Constraint::Grammar("root ::= \"a\"".into())),
    ));

    for (what, req) in variants {
        let before = inner.calls();
        let resp = cache.complete(req).await.unwrap();
        assert!(!resp.cache_hit, "changing {what} must miss");
        assert_eq!(inner.calls(), before + 1, "{what}");
    }
    // Same request, other model or other backend kind: a miss as well.
    let other_model = ResponseCache::new(inner.clone(), dir.path(), BackendKind::Openai, "gpt-4o");
    assert!(!other_model.complete(base()).await.unwrap().cache_hit);
    let other_kind = ResponseCache::new(
        inner.clone(),
        dir.path(),
        BackendKind::Bedrock,
        "gpt-4o-mini",
    );
    assert!(!other_kind.complete(base()).await.unwrap().cache_hit);
    // And the original still hits.
    assert!(cache.complete(base()).await.unwrap().cache_hit);
}

#[tokio::test]
async fn a_corrupt_entry_is_ignored_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let inner = ScriptedModel::new();
    inner.push_reply("good").push_reply("fresh");
    let cache = cached(dir.path(), &inner);
    cache.complete(base()).await.unwrap();
    let path = cache.entry_path(&base());
    std::fs::write(&path, b"{\"key\": {\"format\": 1, \"backe").unwrap();

    let after_corruption = cache.complete(base()).await.unwrap();
    assert!(!after_corruption.cache_hit);
    assert_eq!(after_corruption.text, "fresh");
    let rewritten: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(rewritten["text"], "fresh");

    let hit = cache.complete(base()).await.unwrap();
    assert!(hit.cache_hit);
    assert_eq!(hit.text, "fresh");
    // No temporary files are left behind.
    let leftovers: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test]
async fn errors_are_not_cached() {
    let dir = tempfile::tempdir().unwrap();
    let inner = ScriptedModel::new();
    inner
        .push_error(models::ModelError::Backend("boom".into()))
        .push_reply("ok");
    let cache = cached(dir.path(), &inner);
    assert!(cache.complete(base()).await.is_err());
    let resp = cache.complete(base()).await.unwrap();
    assert!(!resp.cache_hit);
    assert_eq!(resp.text, "ok");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn secrets_never_reach_the_cache_files() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            include_str!("fixtures/openai_chat_completion.json"),
            "application/json",
        ))
        .mount(&server)
        .await;
    let mut cfg = OpenAiConfig {
        model: Some("gpt-4o-mini".into()),
        base_url: Some(format!("{}/v1", server.uri())),
        organization: Some("org-SECRET-ORG".into()),
        ..OpenAiConfig::default()
    };
    cfg.headers
        .insert("api-key".into(), "hdr-SECRET-456".into());
    let model =
        OpenAiModel::with_api_key("gpt", &cfg, Some("sk-SECRET-123".to_owned().into())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = BuildContext {
        cache_dir: Some(dir.path().to_owned()),
        prices: Default::default(),
        ledger: UsageLedger::new(),
    };
    let info = ModelInfo {
        name: "gpt".into(),
        kind: BackendKind::Openai,
        model: "gpt-4o-mini".into(),
    };
    let handle = wrap(info, model, &LayerConfig::default(), &ctx).unwrap();
    handle.complete(base()).await.unwrap();
    assert!(handle.complete(base()).await.unwrap().cache_hit);

    let files = walk(dir.path());
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        text.contains("restaurant_name"),
        "the entry holds the answer"
    );
    for secret in [
        "sk-SECRET-123",
        "hdr-SECRET-456",
        "org-SECRET-ORG",
        "Bearer",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into {}",
            files[0].display()
        );
    }
    // The handle's debug output hides them too.
    let shown = format!("{handle:?} {cfg:?}");
    assert!(
        !shown.contains("sk-SECRET-123") && !shown.contains("hdr-SECRET-456"),
        "{shown}"
    );
}
