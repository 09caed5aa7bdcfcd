//! Client overhead per call: the layer stack alone (scripted model), and the OpenAI
//! and Bedrock backends against a loopback mock that answers at once, with and
//! without a response-cache hit. Run with
//! `cargo bench -p dard-models --features test-utils --bench overhead`.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use models::bedrock::{BedrockConfig, BedrockModel, StaticCredentials};
use models::config::{BuildContext, wrap};
use models::layers::LayerConfig;
use models::openai::{OpenAiConfig, OpenAiModel};
use models::scripted::ScriptedModel;
use models::{BackendKind, ChatModel, ChatRequest, Message, ModelHandle, ModelInfo};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const OPENAI_BODY: &str = include_str!("../tests/fixtures/openai_chat_completion.json");
const BEDROCK_BODY: &str = include_str!("../tests/fixtures/bedrock_converse.json");

fn request() -> ChatRequest {
    ChatRequest::new(vec![
        Message::user("I need a cheap restaurant in the centre of town."),
        Message::assistant("[restaurant_name] is a cheap restaurant in the centre."),
        Message::user("Great, book a table for 2 at 18:00 on friday."),
    ])
    .with_system("You are the restaurant agent of a Cambridge tourist information desk.")
    .with_max_tokens(64)
    .with_temperature(0.0)
}

fn info(kind: BackendKind, model: &str) -> ModelInfo {
    ModelInfo {
        name: "bench".into(),
        kind,
        model: model.into(),
    }
}

fn bench_handle(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, handle: &ModelHandle) {
    let req = request();
    // One call first: connection set-up and lazy client construction are not per call.
    rt.block_on(handle.complete(req.clone()))
        .expect("warm-up call");
    c.bench_function(name, |b| {
        b.iter(|| rt.block_on(handle.complete(req.clone())).expect("call"));
    });
}

fn overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let ctx = BuildContext::default();
    let layers = LayerConfig::default();

    let scripted = wrap(
        info(BackendKind::Scripted, "scripted"),
        ScriptedModel::always("ok"),
        &layers,
        &ctx,
    )
    .expect("scripted");
    bench_handle(c, &rt, "layers_only_scripted", &scripted);

    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(OPENAI_BODY, "application/json"))
            .mount(&server)
            .await;
        server
    });
    let openai_cfg = OpenAiConfig {
        model: Some("gpt-4o-mini".into()),
        base_url: Some(format!("{}/v1", server.uri())),
        ..OpenAiConfig::default()
    };
    let openai =
        OpenAiModel::with_api_key("bench", &openai_cfg, Some("sk-bench".to_owned().into()))
            .expect("openai");
    let handle = wrap(
        info(BackendKind::Openai, "gpt-4o-mini"),
        openai.clone(),
        &layers,
        &ctx,
    )
    .expect("openai stack");
    bench_handle(c, &rt, "openai_loopback_full_stack", &handle);

    let cache_dir = tempfile::tempdir().expect("tempdir");
    let cached_ctx = BuildContext {
        cache_dir: Some(cache_dir.path().to_owned()),
        ..BuildContext::default()
    };
    let cached = wrap(
        info(BackendKind::Openai, "gpt-4o-mini"),
        openai,
        &layers,
        &cached_ctx,
    )
    .expect("cached stack");
    bench_handle(c, &rt, "openai_cache_hit", &cached);

    let bedrock_server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(BEDROCK_BODY, "application/json"))
            .mount(&server)
            .await;
        server
    });
    let bedrock_cfg = BedrockConfig {
        model: Some("anthropic.claude-3-5-sonnet-20240620-v1:0".into()),
        region: Some("us-east-1".into()),
        endpoint_url: Some(bedrock_server.uri()),
        ..BedrockConfig::default()
    };
    let bedrock = BedrockModel::from_config("bench", &bedrock_cfg)
        .expect("bedrock")
        .with_credentials(StaticCredentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_owned().into(),
            session_token: None,
        });
    let handle =
        wrap(info(BackendKind::Bedrock, "claude"), bedrock, &layers, &ctx).expect("bedrock stack");
    bench_handle(c, &rt, "bedrock_loopback_full_stack", &handle);
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).sample_size(50);
    targets = overhead
}
criterion_main!(benches);
