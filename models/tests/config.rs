//! Backend configs read from TOML and built into handles: early, named errors.
#![allow(clippy::unwrap_used)] // Tests may unwrap.
#![cfg(feature = "test-utils")]

use std::collections::BTreeMap;

use models::config::{BackendConfig, BuildContext, build, build_all};
use models::{BackendKind, ChatModel, ChatRequest, ConfigError};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    backends: BTreeMap<String, BackendConfig>,
}

fn parse(text: &str) -> Result<BTreeMap<String, BackendConfig>, String> {
    toml::from_str::<File>(text)
        .map(|f| f.backends)
        .map_err(|e| e.to_string())
}

const EXAMPLE: &str = r#"
[backends]
claude   = { kind = "bedrock", model = "anthropic.claude-3-5-sonnet-20240620-v1:0", region = "us-east-1" }
local-t5 = { kind = "llama", model_path = "models/flan-t5-large-train.Q8_0.gguf", n_gpu_layers = 99 }
gpt      = { kind = "openai", model = "gpt-4o-mini", base_url = "http://127.0.0.1:8080/v1" }
rules    = { kind = "builtin" }

[backends.canned]
kind = "scripted"
replies = ["one", "two"]
layers = { timeout_secs = 5, concurrency = 2, retry = { max_retries = 1, base_delay_ms = 10 } }
"#;

#[test]
fn the_design_example_parses() {
    let backends = parse(EXAMPLE).unwrap();
    let kinds: Vec<_> = backends
        .iter()
        .map(|(k, v)| (k.as_str(), v.kind()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("canned", BackendKind::Scripted),
            ("claude", BackendKind::Bedrock),
            ("gpt", BackendKind::Openai),
            ("local-t5", BackendKind::Llama),
            ("rules", BackendKind::Builtin),
        ]
    );
    let BackendConfig::Scripted(canned) = &backends["canned"] else {
        panic!()
    };
    assert_eq!(canned.layers.concurrency, 2);
    assert_eq!(canned.layers.retry.max_retries, 1);
    assert_eq!(canned.layers.retry.base_delay.as_millis(), 10);
}

#[test]
fn unknown_keys_and_kinds_are_named() {
    let err =
        parse("[backends.gpt]\nkind = \"openai\"\nmodel = \"m\"\nbase_ulr = \"x\"\n").unwrap_err();
    assert!(err.contains("base_ulr"), "{err}");
    let err = parse("[backends.gpt]\nkind = \"anthropic\"\n").unwrap_err();
    assert!(err.contains("anthropic") && err.contains("openai"), "{err}");
    let err = parse("[backends.gpt]\nkind = \"openai\"\nmodel = \"m\"\nlayers = { retries = 3 }\n")
        .unwrap_err();
    assert!(err.contains("retries"), "{err}");
}

#[test]
fn missing_model_fails_at_build_naming_backend_and_key() {
    for text in [
        "[backends.b]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:1/v1\"\n",
        "[backends.b]\nkind = \"bedrock\"\nregion = \"us-east-1\"\n",
    ] {
        let backends = parse(text).unwrap();
        let err = build("b", &backends["b"], &BuildContext::default()).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Missing { key, .. } if key == "model"),
            "{err}"
        );
        assert!(err.to_string().contains("`b`"), "{err}");
    }
}

#[test]
fn an_unset_api_key_variable_is_named() {
    let backends = parse(
        "[backends.gpt]\nkind = \"openai\"\nmodel = \"m\"\napi_key_env = \"DARD_TEST_SURELY_UNSET_KEY\"\n",
    )
    .unwrap();
    let err = build("gpt", &backends["gpt"], &BuildContext::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("DARD_TEST_SURELY_UNSET_KEY") && err.contains("`gpt`"),
        "{err}"
    );
}

#[test]
fn builtin_is_not_a_model_and_build_all_skips_it() {
    let backends = parse("[backends.rules]\nkind = \"builtin\"\n[backends.c]\nkind = \"scripted\"\nreplies = [\"x\"]\n").unwrap();
    assert!(matches!(
        build("rules", &backends["rules"], &BuildContext::default()),
        Err(ConfigError::Builtin { .. })
    ));
    let handles = build_all(&backends, &BuildContext::default()).unwrap();
    assert_eq!(handles.keys().collect::<Vec<_>>(), vec!["c"]);
}

#[test]
fn a_zero_timeout_is_rejected() {
    let backends = parse(
        "[backends.c]\nkind = \"scripted\"\nreplies = [\"x\"]\nlayers = { timeout_secs = 0 }\n",
    )
    .unwrap();
    let err = build("c", &backends["c"], &BuildContext::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("layers.timeout_secs"), "{err}");
}

#[cfg(not(feature = "llama"))]
#[test]
fn llama_without_the_feature_says_how_to_build_it() {
    let backends = parse(EXAMPLE).unwrap();
    let err = build("local-t5", &backends["local-t5"], &BuildContext::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--features llama") && err.contains("`local-t5`"),
        "{err}"
    );
    let no_path = parse("[backends.l]\nkind = \"llama\"\nn_ctx = 512\n").unwrap();
    let err = build("l", &no_path["l"], &BuildContext::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("model_path"), "{err}");
}

#[tokio::test]
async fn a_built_scripted_backend_answers_in_order_then_repeats() {
    let backends = parse(EXAMPLE).unwrap();
    let handle = build("canned", &backends["canned"], &BuildContext::default()).unwrap();
    assert_eq!(handle.name(), "canned");
    let mut texts = Vec::new();
    for _ in 0..3 {
        texts.push(handle.complete(ChatRequest::user("x")).await.unwrap().text);
    }
    assert_eq!(texts, ["one", "two", "two"]);
}
