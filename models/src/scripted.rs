//! A scripted stand-in model for tests (the `test-utils` feature): it answers from a
//! queue of replies and errors and records every request it was sent.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::error::ModelError;
use crate::model::{BoxFuture, ChatModel, ChatRequest, ChatResponse, FinishReason};

#[derive(Debug, Default)]
struct State {
    script: VecDeque<Result<ChatResponse, ModelError>>,
    requests: Vec<ChatRequest>,
    fallback: Option<ChatResponse>,
    delay: Duration,
}

/// A model that replays a script. Clones share the script and the request log, so a
/// test can keep one clone and hand another to the code under test.
#[derive(Debug, Clone, Default)]
pub struct ScriptedModel {
    state: Arc<Mutex<State>>,
}

impl ScriptedModel {
    /// A model with an empty script: every call fails until replies are queued.
    pub fn new() -> Self {
        Self::default()
    }

    /// A model that answers `text` to every call, after any queued entries.
    pub fn always(text: impl Into<String>) -> Self {
        let model = Self::new();
        model.lock().fallback = Some(Self::reply_for(text.into()));
        model
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn reply_for(text: String) -> ChatResponse {
        let mut resp = ChatResponse::new(text.clone(), FinishReason::Stop);
        // A rough, deterministic stand-in for a tokenizer: one token per word.
        resp.output_tokens = u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX);
        resp
    }

    /// Queues a successful reply with this text.
    pub fn push_reply(&self, text: impl Into<String>) -> &Self {
        let resp = Self::reply_for(text.into());
        self.lock().script.push_back(Ok(resp));
        self
    }

    /// Queues a full response.
    pub fn push_response(&self, resp: ChatResponse) -> &Self {
        self.lock().script.push_back(Ok(resp));
        self
    }

    /// Queues an error.
    pub fn push_error(&self, err: ModelError) -> &Self {
        self.lock().script.push_back(Err(err));
        self
    }

    /// Makes every call wait this long (on the tokio timer) before answering.
    pub fn set_delay(&self, delay: Duration) -> &Self {
        self.lock().delay = delay;
        self
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<ChatRequest> {
        self.lock().requests.clone()
    }

    /// How many calls were made.
    pub fn calls(&self) -> usize {
        self.lock().requests.len()
    }

    /// How many queued entries are left.
    pub fn remaining(&self) -> usize {
        self.lock().script.len()
    }
}

impl ChatModel for ScriptedModel {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        Box::pin(async move {
            let (next, delay) = {
                let mut state = self.lock();
                let input = req
                    .system
                    .iter()
                    .chain(req.messages.iter().map(|m| &m.content));
                let input_tokens = input.map(|t| t.split_whitespace().count()).sum::<usize>();
                state.requests.push(req);
                let next = match state.script.pop_front() {
                    Some(entry) => entry,
                    None => state.fallback.clone().ok_or_else(|| {
                        ModelError::Backend("scripted model: the script is used up".into())
                    }),
                };
                let next = next.map(|mut resp| {
                    if resp.input_tokens == 0 {
                        resp.input_tokens = u32::try_from(input_tokens).unwrap_or(u32::MAX);
                    }
                    resp
                });
                (next, state.delay)
            };
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            next
        })
    }
}
