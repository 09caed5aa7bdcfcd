//! The OpenAI-compatible endpoint: `POST /v1/chat/completions` and
//! `GET /v1/models`, with the whole pipeline presented as the model `dard`.
//!
//! Stateless: the dialog is the request's `messages` (`user` and `assistant`
//! turns; `system` and `developer` messages are ignored) and the last message
//! is the user's turn to answer. A request may carry the previous turn's
//! belief state in the extension field `dard.state`, for trackers that update
//! a state rather than read the whole dialog. Every answer carries dard's
//! [`TurnOutcome`] (domain, reason, state, DB result, stages) in the
//! extension field `dard`; with `stream: true` it comes in the chunk that
//! carries `finish_reason`.

use std::convert::Infallible;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use manager::{DialogState, TurnOutcome, TurnRequest, Utterance};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json::{ApiJson, check_turn};
use crate::state::AppState;

/// The one model this server offers.
pub const MODEL: &str = "dard";

/// The part of an OpenAI chat request dard reads; other fields (temperature,
/// max_tokens, …) are accepted and ignored, since the pipeline's backends are
/// configured on the server.
#[derive(Debug, Deserialize)]
pub(crate) struct ChatRequest {
    model: String,
    messages: Vec<Message>,
    #[serde(default)]
    stream: bool,
    #[serde(default)]
    stream_options: Option<StreamOptions>,
    #[serde(default)]
    dard: Option<Extension>,
}

#[derive(Debug, Deserialize)]
struct StreamOptions {
    #[serde(default)]
    include_usage: bool,
}

/// dard's request extension.
#[derive(Debug, Default, Deserialize)]
struct Extension {
    /// The belief state after the previous turn.
    #[serde(default)]
    state: Option<DialogState>,
}

#[derive(Debug, Deserialize)]
struct Message {
    role: String,
    #[serde(default)]
    content: Option<Content>,
}

/// A message's content: a string, or a list of parts of which the text
/// parts are read.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Debug, Deserialize)]
struct Part {
    #[serde(default)]
    text: Option<String>,
}

impl Content {
    fn text(&self) -> String {
        match self {
            Content::Text(t) => t.clone(),
            Content::Parts(parts) => parts
                .iter()
                .filter_map(|p| p.text.as_deref())
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// The dialog of a request, ending with the user's turn.
fn history(messages: &[Message]) -> Result<Vec<Utterance>, ApiError> {
    let mut history = Vec::with_capacity(messages.len());
    for (i, m) in messages.iter().enumerate() {
        let text = m.content.as_ref().map(Content::text).unwrap_or_default();
        match m.role.as_str() {
            "user" => history.push(Utterance::user(text)),
            "assistant" => history.push(Utterance::system(text)),
            "system" | "developer" => {}
            other => {
                return Err(ApiError::InvalidRequest(format!(
                    "messages[{i}]: role `{other}` is not supported (use user, assistant or system)"
                )));
            }
        }
    }
    match history.last() {
        Some(last) if last.speaker == manager::Speaker::User => Ok(history),
        _ => Err(ApiError::InvalidRequest(
            "the last message must be the user's turn".to_string(),
        )),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Token counts over the turn's stages (zero for the built-in default).
fn usage(outcome: &TurnOutcome) -> Value {
    let prompt: u64 = outcome.stages.iter().map(|s| s.tokens_in()).sum();
    let completion: u64 = outcome.stages.iter().map(|s| s.tokens_out()).sum();
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    })
}

pub(crate) async fn chat_completions(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ChatRequest>,
) -> Result<Response, ApiError> {
    if request.model != MODEL {
        return Err(ApiError::ModelNotFound(request.model));
    }
    let history = history(&request.messages)?;
    if let Some(last) = history.last() {
        check_turn(&last.text, state.config.max_turn_chars)?;
    }
    let previous = request.dard.unwrap_or_default().state;
    let dard = state.dard.clone();
    let outcome = state
        .run_turn(async move {
            dard.answer(TurnRequest {
                previous_state: previous.as_ref(),
                ..TurnRequest::new(&history)
            })
            .await
            .map_err(|e| ApiError::TurnFailed(e.to_string()))
        })
        .await?;
    state.metrics.turn("openai", &outcome);
    let id = format!("chatcmpl-{:024x}", rand::random::<u128>() >> 32);
    let created = now();
    if request.stream {
        let include_usage = request.stream_options.is_some_and(|o| o.include_usage);
        return Ok(stream(id, created, outcome, include_usage).into_response());
    }
    Ok(Json(json!({
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": outcome.reply},
            "finish_reason": "stop",
            "logprobs": null,
        }],
        "usage": usage(&outcome),
        "dard": outcome,
    }))
    .into_response())
}

/// The answer as server-sent events: the role, the reply a word at a time,
/// the finish with dard's extension, optionally the usage, then `[DONE]`.
fn stream(
    id: String,
    created: u64,
    outcome: TurnOutcome,
    include_usage: bool,
) -> Sse<impl futures::Stream<Item = Result<Event, Infallible>>> {
    let chunk = |delta: Value, finish: Option<&str>| {
        json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null}],
        })
    };
    let mut chunks = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    chunks.extend(
        outcome
            .reply
            .split_inclusive(' ')
            .map(|word| chunk(json!({"content": word}), None)),
    );
    let mut last = chunk(json!({}), Some("stop"));
    last["dard"] = serde_json::to_value(&outcome).unwrap_or(Value::Null);
    chunks.push(last);
    if include_usage {
        chunks.push(json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL,
            "choices": [],
            "usage": usage(&outcome),
        }));
    }
    let events = chunks
        .into_iter()
        .map(|c| Event::default().data(c.to_string()))
        .chain(std::iter::once(Event::default().data("[DONE]")))
        .map(Ok);
    Sse::new(futures::stream::iter(events))
}

/// `GET /v1/models`: the one model.
#[derive(Debug, Serialize)]
struct ModelList {
    object: &'static str,
    data: [ModelCard; 1],
}

#[derive(Debug, Serialize)]
struct ModelCard {
    id: &'static str,
    object: &'static str,
    created: u64,
    owned_by: &'static str,
}

pub(crate) async fn models() -> impl IntoResponse {
    Json(ModelList {
        object: "list",
        data: [ModelCard {
            id: MODEL,
            object: "model",
            created: 0,
            owned_by: "dard",
        }],
    })
}
