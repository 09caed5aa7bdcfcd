//! The OpenAI-compatible endpoint driven by the `async-openai` client, so that
//! requests and responses are exactly what OpenAI SDKs send and parse,
//! streaming included.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequestArgs,
};
use futures::StreamExt;
use manager::{TurnRequest, Utterance};
use secrecy::SecretString;
use serde_json::{Value, json};
use serve::ServeConfig;
use support::{Server, client, fixture_dard};

const KEY: &str = "test-key";
const USER_1: &str = "i want a cheap italian restaurant in the centre .";
const USER_2: &str = "great , what is the phone number ?";

async fn server() -> Server {
    Server::memory(ServeConfig::default().with_api_key(SecretString::from(KEY))).await
}

fn openai(server: &Server, key: &str) -> Client<OpenAIConfig> {
    Client::with_config(
        OpenAIConfig::new()
            .with_api_base(server.url("/v1"))
            .with_api_key(key),
    )
}

/// The dialog as the OpenAI SDK sends it: a system prompt, the first
/// exchange, and the user's second turn.
fn messages(first_reply: &str) -> Vec<ChatCompletionRequestMessage> {
    vec![
        ChatCompletionRequestSystemMessage::from("You are a helpful desk clerk.").into(),
        ChatCompletionRequestUserMessage::from(USER_1).into(),
        ChatCompletionRequestAssistantMessage::from(first_reply).into(),
        ChatCompletionRequestUserMessage::from(USER_2).into(),
    ]
}

/// What the pipeline answers to the same dialog, called directly.
async fn expected(first_reply: &str) -> manager::TurnOutcome {
    let history = [
        Utterance::user(USER_1),
        Utterance::system(first_reply),
        Utterance::user(USER_2),
    ];
    fixture_dard()
        .answer(TurnRequest::new(&history))
        .await
        .unwrap()
}

#[tokio::test]
async fn models_list_the_dard_model() {
    let server = server().await;
    let models = openai(&server, KEY).models().list().await.unwrap();
    let ids: Vec<&str> = models.data.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["dard"]);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn chat_completion_answers_the_dialog_in_messages() {
    let server = server().await;
    let first_reply = "pasta palace is a cheap italian place in the centre .";
    let want = expected(first_reply).await;
    let request = CreateChatCompletionRequestArgs::default()
        .model("dard")
        .messages(messages(first_reply))
        .temperature(0.2)
        .build()
        .unwrap();
    let response = openai(&server, KEY).chat().create(request).await.unwrap();
    assert_eq!(response.model, "dard");
    assert_eq!(response.object, "chat.completion");
    assert_eq!(response.choices.len(), 1);
    let reply = response.choices[0].message.content.as_deref().unwrap();
    assert_eq!(reply, want.reply);
    assert!(reply.contains("01220000001"), "{reply}");

    // The extension field, read from the raw body.
    let raw: Value = client()
        .post(server.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&json!({
            "model": "dard",
            "messages": [
                {"role": "user", "content": USER_1},
                {"role": "assistant", "content": first_reply},
                {"role": "user", "content": [{"type": "text", "text": USER_2}]},
            ],
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["choices"][0]["message"]["content"], want.reply.as_str());
    assert_eq!(raw["dard"]["domain"], "restaurant");
    assert_eq!(raw["dard"]["reason"], want.reason.as_str());
    assert_eq!(raw["dard"]["state"]["restaurant"]["food"], "italian");
    assert_eq!(raw["dard"]["db"]["count"], 1);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn streamed_chat_completion_sends_the_same_reply_in_chunks() {
    let server = server().await;
    let first_reply = "pasta palace is a cheap italian place in the centre .";
    let want = expected(first_reply).await;
    let request = CreateChatCompletionRequestArgs::default()
        .model("dard")
        .messages(messages(first_reply))
        .stream(true)
        .build()
        .unwrap();
    let mut stream = openai(&server, KEY)
        .chat()
        .create_stream(request)
        .await
        .unwrap();
    let mut text = String::new();
    let mut chunks = 0;
    let mut finish = None;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        chunks += 1;
        for choice in &chunk.choices {
            if let Some(content) = &choice.delta.content {
                text.push_str(content);
            }
            if choice.finish_reason.is_some() {
                finish = choice.finish_reason;
            }
        }
    }
    assert_eq!(text, want.reply);
    assert!(chunks > 3, "the reply came in {chunks} chunks");
    assert!(finish.is_some());

    // The raw event stream ends with [DONE] and carries the extension.
    let raw = client()
        .post(server.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&json!({
            "model": "dard",
            "stream": true,
            "messages": [{"role": "user", "content": USER_1}],
        }))
        .send()
        .await
        .unwrap();
    assert!(
        raw.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = raw.text().await.unwrap();
    let events: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    assert_eq!(events.last(), Some(&"[DONE]"));
    let finished: Value = serde_json::from_str(events[events.len() - 2]).unwrap();
    assert_eq!(finished["choices"][0]["finish_reason"], "stop");
    assert_eq!(finished["dard"]["domain"], "restaurant");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn openai_errors_reach_the_sdk_with_their_codes() {
    let server = server().await;
    let wrong_model = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(vec![ChatCompletionRequestUserMessage::from("hi").into()])
        .build()
        .unwrap();
    let err = openai(&server, KEY)
        .chat()
        .create(wrong_model)
        .await
        .unwrap_err();
    let async_openai::error::OpenAIError::ApiError(api) = err else {
        panic!("expected an API error, got {err:?}");
    };
    assert_eq!(api.api_error.code.as_deref(), Some("model_not_found"));

    let bad_key = openai(&server, "nope").models().list().await.unwrap_err();
    let async_openai::error::OpenAIError::ApiError(api) = bad_key else {
        panic!("expected an API error, got {bad_key:?}");
    };
    assert_eq!(api.api_error.code.as_deref(), Some("invalid_api_key"));

    let ends_with_assistant = client()
        .post(server.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&json!({"model": "dard", "messages": [{"role": "assistant", "content": "hello"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(ends_with_assistant.status(), 422);
    server.stop().await.unwrap();
}
