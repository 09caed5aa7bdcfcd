//! The `openai` backend against a wiremock server on 127.0.0.1: the exact request,
//! recorded responses, and how each failure maps onto `ModelError`.
#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use models::layers::{Retry, RetryPolicy, Sleeper, Timeout};
use models::openai::{MaxTokensField, OpenAiConfig, OpenAiModel};
use models::{ChatModel, ChatRequest, Constraint, FinishReason, Message, ModelError};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const COMPLETION: &str = include_str!("fixtures/openai_chat_completion.json");
const LLAMA_SERVER: &str = include_str!("fixtures/llama_server_chat_completion.json");
const ERROR_401: &str = include_str!("fixtures/openai_error_401.json");
const ERROR_429: &str = include_str!("fixtures/openai_error_429.json");

fn config(server: &MockServer) -> OpenAiConfig {
    OpenAiConfig {
        model: Some("gpt-4o-mini".into()),
        base_url: Some(format!("{}/v1", server.uri())),
        ..OpenAiConfig::default()
    }
}

fn model(server: &MockServer) -> OpenAiModel {
    OpenAiModel::with_api_key(
        "gpt",
        &config(server),
        Some("sk-test-key".to_owned().into()),
    )
    .unwrap()
}

fn ok(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json")
}

fn request() -> ChatRequest {
    ChatRequest::new(vec![
        Message::user("I need a cheap restaurant in the centre."),
        Message::assistant("[restaurant_name] is cheap and in the centre."),
        Message::user("Book it for 2 at 18:00."),
    ])
    .with_system("You are the restaurant agent.")
    .with_max_tokens(64)
    .with_temperature(0.0)
    .with_stop("\nUser:")
    .with_seed(7)
}

/// Records the delays the retry layer asks for instead of sleeping.
fn recording_sleeper() -> (Sleeper, Arc<Mutex<Vec<Duration>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let sleeper: Sleeper = Arc::new(move |d| {
        sink.lock().unwrap().push(d);
        Box::pin(async {})
    });
    (sleeper, log)
}

#[tokio::test]
async fn sends_the_exact_body_and_headers_and_parses_a_recorded_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ok(COMPLETION))
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = config(&server);
    cfg.organization = Some("org-dard".into());
    cfg.headers.insert("x-dard-run".into(), "bench-42".into());
    let m = OpenAiModel::with_api_key("gpt", &cfg, Some("sk-test-key".to_owned().into())).unwrap();

    let resp = m.complete(request()).await.unwrap();

    assert_eq!(
        resp.text,
        "I have booked [restaurant_name] for you. Your reference number is [ref]."
    );
    assert_eq!(resp.finish_reason, FinishReason::Stop);
    assert_eq!((resp.input_tokens, resp.output_tokens), (1117, 46));
    assert!(!resp.cache_hit);

    let received = server.received_requests().await.unwrap();
    let req = &received[0];
    let header = |name: &str| {
        req.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        header("authorization").as_deref(),
        Some("Bearer sk-test-key")
    );
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(header("openai-organization").as_deref(), Some("org-dard"));
    assert_eq!(header("x-dard-run").as_deref(), Some("bench-42"));
    assert_eq!(header("openai-project"), None);
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        body,
        json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are the restaurant agent."},
                {"role": "user", "content": "I need a cheap restaurant in the centre."},
                {"role": "assistant", "content": "[restaurant_name] is cheap and in the centre."},
                {"role": "user", "content": "Book it for 2 at 18:00."}
            ],
            "max_tokens": 64,
            "temperature": 0.0,
            "stop": ["\nUser:"],
            "seed": 7,
            "stream": false
        })
    );
}

#[tokio::test]
async fn json_schema_grammar_and_max_completion_tokens_go_on_the_wire() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok(LLAMA_SERVER))
        .mount(&server)
        .await;
    let schema = json!({"type": "object", "properties": {"domain": {"type": "string"}}});
    let mut cfg = config(&server);
    cfg.max_tokens_field = MaxTokensField::MaxCompletionTokens;
    cfg.grammar = true;
    let m = OpenAiModel::with_api_key("local", &cfg, None).unwrap();

    let resp = m
        .complete(
            ChatRequest::user("route").with_constraint(Constraint::JsonSchema(schema.clone())),
        )
        .await
        .unwrap();
    // llama-server's reply: cut by the token limit, usage without details.
    assert_eq!(resp.finish_reason, FinishReason::Length);
    assert_eq!((resp.input_tokens, resp.output_tokens), (88, 16));
    assert!(resp.text.starts_with("{\"domain\""));

    m.complete(
        ChatRequest::user("route").with_constraint(Constraint::Grammar("root ::= \"a\"".into())),
    )
    .await
    .unwrap();

    let received = server.received_requests().await.unwrap();
    let first: serde_json::Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(
        first["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "output", "strict": true, "schema": schema}})
    );
    assert_eq!(first["max_completion_tokens"], json!(512));
    assert!(first.get("max_tokens").is_none());
    let second: serde_json::Value = serde_json::from_slice(&received[1].body).unwrap();
    assert_eq!(second["grammar"], json!("root ::= \"a\""));
    // No key configured (a local server): no Authorization header at all.
    assert!(received[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn grammar_is_refused_unless_the_server_is_said_to_take_it() {
    let server = MockServer::start().await;
    let err = model(&server)
        .complete(
            ChatRequest::user("x").with_constraint(Constraint::Grammar("root ::= \"a\"".into())),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ModelError::Unsupported(_)), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn unauthorized_keeps_status_and_raw_body_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(ERROR_401, "application/json"))
        .mount(&server)
        .await;
    let (sleeper, slept) = recording_sleeper();
    let m = Retry::new(model(&server), RetryPolicy::default()).with_sleeper(sleeper);

    let err = m.complete(ChatRequest::user("hi")).await.unwrap_err();

    match &err {
        ModelError::Api {
            status,
            body,
            retry_after,
        } => {
            assert_eq!(*status, 401);
            assert_eq!(body, ERROR_401);
            assert_eq!(*retry_after, None);
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert!(!err.is_retryable());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(slept.lock().unwrap().is_empty());
}

#[tokio::test]
async fn rate_limit_honours_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3")
                .set_body_raw(ERROR_429, "application/json"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok(COMPLETION))
        .with_priority(2)
        .mount(&server)
        .await;
    let (sleeper, slept) = recording_sleeper();
    let m = Retry::new(model(&server), RetryPolicy::default()).with_sleeper(sleeper);

    let resp = m.complete(request()).await.unwrap();

    assert_eq!(resp.retries, 1);
    assert_eq!(*slept.lock().unwrap(), vec![Duration::from_secs(3)]);
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].body, received[1].body,
        "a retry resends the same body"
    );
}

#[tokio::test]
async fn rate_limit_error_carries_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3")
                .set_body_raw(ERROR_429, "application/json"),
        )
        .mount(&server)
        .await;
    let err = model(&server)
        .complete(ChatRequest::user("hi"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_until_exhausted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream connect error"))
        .mount(&server)
        .await;
    let (sleeper, slept) = recording_sleeper();
    let policy = RetryPolicy {
        max_retries: 2,
        base_delay: Duration::from_millis(100),
        ..RetryPolicy::default()
    };
    let m = Retry::new(model(&server), policy).with_sleeper(sleeper);

    let err = m.complete(ChatRequest::user("hi")).await.unwrap_err();

    match &err {
        ModelError::Exhausted { attempts, last } => {
            assert_eq!(*attempts, 3);
            assert!(
                matches!(&**last, ModelError::Api { status: 500, body, .. } if body == "upstream connect error")
            );
        }
        other => panic!("expected Exhausted, got {other:?}"),
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    let slept = slept.lock().unwrap();
    assert_eq!(slept.len(), 2);
    assert!(slept[0] >= Duration::from_millis(50) && slept[0] <= Duration::from_millis(100));
    assert!(slept[1] >= Duration::from_millis(100) && slept[1] <= Duration::from_millis(200));
}

#[tokio::test]
async fn malformed_bodies_are_reported_with_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok("{\"choices\": [ {\"message\": "))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok("{\"object\": \"chat.completion\", \"choices\": []}"))
        .with_priority(2)
        .mount(&server)
        .await;
    let m = model(&server);

    let truncated = m.complete(ChatRequest::user("hi")).await.unwrap_err();
    assert!(
        matches!(&truncated, ModelError::MalformedResponse { body, .. } if body.contains("\"choices\": [")),
        "{truncated:?}"
    );
    // A truncated body is transient (a proxy or an overloaded server): retried.
    assert!(truncated.is_retryable());

    let empty = m.complete(ChatRequest::user("hi")).await.unwrap_err();
    assert!(
        matches!(&empty, ModelError::MalformedResponse { message, body } if message == "no choices" && body.contains("chat.completion")),
        "{empty:?}"
    );
}

#[tokio::test]
async fn a_slow_server_times_out_and_the_timeout_is_retryable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok(COMPLETION).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let m = Timeout::new(model(&server), Duration::from_millis(100));
    let err = m.complete(ChatRequest::user("hi")).await.unwrap_err();
    assert_eq!(err, ModelError::Timeout(Duration::from_millis(100)));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_dropped_connection_is_a_retryable_transport_error() {
    // A server that accepts and closes every connection without answering.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    let cfg = OpenAiConfig {
        model: Some("m".into()),
        base_url: Some(format!("http://{addr}/v1")),
        ..OpenAiConfig::default()
    };
    let m = OpenAiModel::with_api_key("gpt", &cfg, None).unwrap();
    let err = m.complete(ChatRequest::user("hi")).await.unwrap_err();
    assert!(matches!(err, ModelError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
}
