//! [`ChatModel`] for [`LlamaModel`]: maps the crate's request and response
//! types onto the backend's own and its errors onto [`ModelError`].

use crate::error::ModelError;
use crate::model::{
    BoxFuture, ChatModel, ChatRequest, ChatResponse, Constraint, FinishReason as ChatFinish, Role,
};

use super::engine::schema_to_grammar;
use super::{
    FinishReason, GenerateOutput, GenerateRequest, LlamaError, LlamaModel, Prompt, Sampling, Turn,
    TurnRole,
};

impl LlamaModel {
    /// Translates a chat request into the backend's terms (system prompt first,
    /// temperature 0 = greedy, the config's `top_p` kept for sampled decoding,
    /// a JSON-Schema constraint turned into a GBNF grammar, a one-line answer
    /// stopped at its first line break, the static prefix passed on).
    ///
    /// # Errors
    /// [`ModelError::InvalidRequest`] for a request that fails validation or a
    /// JSON Schema llama.cpp cannot turn into a grammar.
    pub fn to_generate_request(&self, req: ChatRequest) -> Result<GenerateRequest, ModelError> {
        req.validate()?;
        let mut turns = Vec::with_capacity(req.messages.len() + 1);
        if let Some(system) = req.system {
            turns.push(Turn::new(TurnRole::System, system));
        }
        turns.extend(req.messages.into_iter().map(|m| {
            let role = match m.role {
                Role::User => TurnRole::User,
                Role::Assistant => TurnRole::Assistant,
            };
            Turn::new(role, m.content)
        }));
        let grammar = match req.constraint {
            None => None,
            Some(Constraint::Grammar(g)) => Some(g),
            Some(Constraint::JsonSchema(schema)) => {
                Some(schema_to_grammar(&schema.to_string()).map_err(ModelError::from)?)
            }
        };
        let sampling = req.temperature.map(|t| {
            let top_p = match self.config().sampling {
                Sampling::Sampled { top_p, .. } => Some(top_p),
                Sampling::Greedy => None,
            };
            Sampling::from_temperature(t, top_p)
        });
        let mut stop = req.stop;
        if req.single_line {
            // The scanner ignores matches in leading whitespace, so an answer
            // that opens with a line break is not cut to nothing.
            stop.push("\n".into());
        }
        Ok(GenerateRequest {
            prompt: Prompt::Chat(turns),
            static_prefix: req.static_prefix,
            max_tokens: Some(req.max_tokens),
            stop,
            sampling,
            grammar,
            // llama.cpp seeds are 32-bit: fold the request's 64-bit seed.
            seed: req.seed.map(|s| (s ^ (s >> 32)) as u32),
        })
    }
}

impl From<LlamaError> for ModelError {
    fn from(e: LlamaError) -> Self {
        match e {
            LlamaError::PromptTooLong { .. }
            | LlamaError::EmptyPrompt
            | LlamaError::Template { .. }
            | LlamaError::Grammar(_) => ModelError::InvalidRequest(e.to_string()),
            LlamaError::Unsupported(what) => ModelError::Unsupported(what),
            other => ModelError::Backend(other.to_string()),
        }
    }
}

/// The crate-wide response for a finished generation.
fn to_response(out: GenerateOutput) -> ChatResponse {
    let finish = match out.finish {
        FinishReason::EndOfGeneration => ChatFinish::Stop,
        FinishReason::StopSequence => ChatFinish::StopSequence,
        FinishReason::MaxTokens | FinishReason::ContextFull => ChatFinish::Length,
        FinishReason::Cancelled => ChatFinish::Other("cancelled".into()),
    };
    let mut resp = ChatResponse::new(out.text, finish);
    resp.input_tokens = out.prompt_tokens;
    resp.output_tokens = out.completion_tokens;
    resp.latency = out.total;
    resp
}

impl ChatModel for LlamaModel {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        Box::pin(async move {
            let gen_req = self.to_generate_request(req)?;
            let max_tokens = gen_req.max_tokens;
            let out = self.generate(gen_req).await?;
            tracing::debug!(
                finish = ?out.finish,
                max_tokens,
                prompt_tokens = out.prompt_tokens,
                reused_prompt_tokens = out.reused_prompt_tokens,
                completion_tokens = out.completion_tokens,
                prompt_eval_ms = out.prompt_eval.as_secs_f64() * 1e3,
                generation_ms = out.generation.as_secs_f64() * 1e3,
                "llama completion"
            );
            Ok(to_response(out))
        })
    }
}
