//! The `bedrock` backend against a wiremock server on 127.0.0.1 through
//! `endpoint_url`: the Converse path, a SigV4 signature made with static fake
//! credentials, the exact JSON body, recorded responses and error mapping.
#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::time::Duration;

use models::bedrock::{BedrockConfig, BedrockModel, StaticCredentials};
use models::layers::Timeout;
use models::{ChatModel, ChatRequest, Constraint, FinishReason, Message, ModelError};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONVERSE: &str = include_str!("fixtures/bedrock_converse.json");
const CONVERSE_MAX_TOKENS: &str = include_str!("fixtures/bedrock_converse_max_tokens.json");
const MODEL_ID: &str = "anthropic.claude-3-5-sonnet-20240620-v1:0";

fn model(server: &MockServer) -> BedrockModel {
    let cfg = BedrockConfig {
        model: Some(MODEL_ID.into()),
        region: Some("us-east-1".into()),
        endpoint_url: Some(server.uri()),
        ..BedrockConfig::default()
    };
    BedrockModel::from_config("claude", &cfg)
        .unwrap()
        .with_credentials(StaticCredentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_owned().into(),
            session_token: None,
        })
}

fn ok(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json")
}

/// A Bedrock error as the service sends it: status, error type header, JSON message.
fn aws_error(status: u16, error_type: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header(
            "x-amzn-errortype",
            format!("{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/"),
        )
        .insert_header("x-amzn-requestid", "5c1b1a44-0000-4d6e-9e6c-2b0e4f7f1a11")
        .set_body_raw(
            json!({ "message": message }).to_string(),
            "application/json",
        )
}

#[tokio::test]
async fn converse_is_signed_with_sigv4_and_sends_the_exact_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok(CONVERSE))
        .expect(1)
        .mount(&server)
        .await;

    let req = ChatRequest::new(vec![
        Message::user("I want a cheap restaurant in the centre."),
        Message::assistant("Any cuisine?"),
        Message::user("No preference."),
    ])
    .with_system("You are the restaurant agent.")
    .with_max_tokens(200)
    .with_temperature(0.5)
    .with_stop("User:");
    let resp = model(&server).complete(req).await.unwrap();

    assert_eq!(
        resp.text,
        "There are 5 cheap restaurants in the centre. Do you have a preferred cuisine?"
    );
    assert_eq!(resp.finish_reason, FinishReason::Stop);
    assert_eq!((resp.input_tokens, resp.output_tokens), (412, 14));

    let received = server.received_requests().await.unwrap();
    let r = &received[0];
    assert_eq!(
        r.url.path(),
        "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
    );
    let auth = r.headers.get("authorization").unwrap().to_str().unwrap();
    let date = r.headers.get("x-amz-date").unwrap().to_str().unwrap();
    assert_eq!(date.len(), 16, "x-amz-date is yyyymmddThhmmssZ: {date}");
    let expected_scope = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{}/us-east-1/bedrock/aws4_request, ",
        &date[..8]
    );
    assert!(auth.starts_with(&expected_scope), "{auth}");
    let signed = auth
        .split("SignedHeaders=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    for h in ["content-type", "host", "x-amz-date"] {
        assert!(
            signed.split(';').any(|s| s == h),
            "{h} not signed: {signed}"
        );
    }
    let signature = auth.rsplit("Signature=").next().unwrap();
    assert_eq!(signature.len(), 64);
    assert!(signature.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(
        !auth.contains("wJalrXUtnFEMI"),
        "the secret key never goes on the wire"
    );

    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        json!({
            "messages": [
                {"role": "user", "content": [{"text": "I want a cheap restaurant in the centre."}]},
                {"role": "assistant", "content": [{"text": "Any cuisine?"}]},
                {"role": "user", "content": [{"text": "No preference."}]}
            ],
            "system": [{"text": "You are the restaurant agent."}],
            "inferenceConfig": {"maxTokens": 200, "temperature": 0.5, "stopSequences": ["User:"]}
        })
    );
}

#[tokio::test]
async fn json_schema_goes_in_output_config_and_max_tokens_maps_to_length() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok(CONVERSE_MAX_TOKENS))
        .mount(&server)
        .await;
    let schema = json!({"type": "object", "properties": {"area": {"type": "string"}}});
    let resp = model(&server)
        .complete(
            ChatRequest::user("track").with_constraint(Constraint::JsonSchema(schema.clone())),
        )
        .await
        .unwrap();
    assert_eq!(resp.finish_reason, FinishReason::Length);
    assert_eq!((resp.input_tokens, resp.output_tokens), (120, 8));

    let received = server.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&received[0].body).unwrap();
    let format = &body["outputConfig"]["textFormat"];
    assert_eq!(format["type"], json!("json_schema"));
    let sent: serde_json::Value = serde_json::from_str(
        format["structure"]["jsonSchema"]["schema"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(sent, schema);
}

#[tokio::test]
async fn grammar_is_unsupported_and_nothing_is_sent() {
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
async fn throttling_keeps_status_body_and_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            aws_error(
                429,
                "ThrottlingException",
                "Too many requests, please wait before trying again.",
            )
            .insert_header("retry-after", "2"),
        )
        .mount(&server)
        .await;
    let err = model(&server)
        .complete(ChatRequest::user("hi"))
        .await
        .unwrap_err();
    match &err {
        ModelError::Api {
            status,
            body,
            retry_after,
        } => {
            assert_eq!(*status, 429);
            assert!(body.contains("Too many requests"), "{body}");
            assert_eq!(*retry_after, Some(Duration::from_secs(2)));
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "the SDK's own retries are off"
    );
}

#[tokio::test]
async fn auth_and_validation_errors_are_not_retryable() {
    for (status, kind, message) in [
        (
            401,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        (
            403,
            "AccessDeniedException",
            "You don't have access to the model with the specified model ID.",
        ),
        (
            400,
            "ValidationException",
            "The provided model identifier is invalid.",
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(aws_error(status, kind, message))
            .mount(&server)
            .await;
        let err = model(&server)
            .complete(ChatRequest::user("hi"))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status), "{err:?}");
        assert!(matches!(&err, ModelError::Api { body, .. } if body.contains(message)));
        assert!(!err.is_retryable(), "{status} must not be retried");
    }
}

#[tokio::test]
async fn internal_errors_are_retryable_api_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(aws_error(
            500,
            "InternalServerException",
            "Internal server error",
        ))
        .mount(&server)
        .await;
    let err = model(&server)
        .complete(ChatRequest::user("hi"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(err.is_retryable());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn malformed_success_bodies_are_malformed_responses() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok("{\"output\": {\"message\": "))
        .mount(&server)
        .await;
    let err = model(&server)
        .complete(ChatRequest::user("hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ModelError::MalformedResponse { .. }),
        "{err:?}"
    );
    // A truncated body is transient (a proxy or an overloaded server): retried.
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_slow_endpoint_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok(CONVERSE).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let err = Timeout::new(model(&server), Duration::from_millis(300))
        .complete(ChatRequest::user("hi"))
        .await
        .unwrap_err();
    assert_eq!(err, ModelError::Timeout(Duration::from_millis(300)));
}

#[test]
fn missing_model_and_bad_endpoint_fail_at_build_naming_the_key() {
    let err = BedrockModel::from_config("claude", &BedrockConfig::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("`claude`") && err.contains("`model`"), "{err}");
    let cfg = BedrockConfig {
        model: Some(MODEL_ID.into()),
        endpoint_url: Some("localhost:4566".into()),
        ..BedrockConfig::default()
    };
    let err = BedrockModel::from_config("claude", &cfg)
        .unwrap_err()
        .to_string();
    assert!(err.contains("endpoint_url"), "{err}");
}
