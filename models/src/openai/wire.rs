//! The chat-completions JSON as this backend writes and reads it (private).

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::model::ChatResponse;

/// A request body for `POST /chat/completions`.
#[derive(Debug, Serialize)]
pub(super) struct Request<'a> {
    pub model: &'a str,
    pub messages: Vec<Message<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub stop: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<serde_json::Value>,
    /// llama-server's GBNF grammar field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grammar: Option<&'a str>,
    pub stream: bool,
}

/// One message of a request.
#[derive(Debug, Serialize)]
pub(super) struct Message<'a> {
    pub role: &'static str,
    pub content: &'a str,
}

/// The `response_format` that asks for JSON valid against `schema`.
pub(super) fn response_format(schema: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "type": "json_schema",
        "json_schema": { "name": "output", "strict": true, "schema": schema }
    })
}

/// A response body; only what dard uses, with every field optional that some
/// compatible server leaves out.
#[derive(Debug, Deserialize)]
struct Response {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Choice {
    message: ResponseMessage,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ResponseMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
}

/// Reads a response body into a [`ChatResponse`]; a body of the wrong shape is a
/// [`ModelError::MalformedResponse`] that carries it.
pub(super) fn parse_response(raw: serde_json::Value) -> Result<ChatResponse, ModelError> {
    let malformed = |message: String, raw: &serde_json::Value| ModelError::MalformedResponse {
        message,
        body: raw.to_string(),
    };
    let parsed: Response =
        serde_json::from_value(raw.clone()).map_err(|e| malformed(e.to_string(), &raw))?;
    let Some(choice) = parsed.choices.into_iter().next() else {
        return Err(malformed("no choices".into(), &raw));
    };
    let mut finish = choice.finish_reason();
    let text = match (choice.message.content, choice.message.refusal) {
        (Some(text), _) => text,
        (None, Some(refusal)) => {
            finish = crate::model::FinishReason::ContentFilter;
            refusal
        }
        (None, None) => String::new(),
    };
    let usage = parsed.usage.unwrap_or_default();
    let mut resp = ChatResponse::new(text, finish);
    resp.input_tokens = usage.prompt_tokens;
    resp.output_tokens = usage.completion_tokens;
    Ok(resp)
}
