//! The `openai` backend: any OpenAI-compatible chat-completions server (OpenAI, vLLM,
//! llama-server, Ollama) through async-openai.
//!
//! async-openai carries the transport: base URL, `Authorization: Bearer`, organization
//! and project headers, extra headers. The JSON on the wire is this module's own
//! private types (async-openai's "bring your own types" mode), so fields that
//! compatible servers need — `max_tokens`, `seed`, `response_format`, llama-server's
//! `grammar` — are sent as written, and replies that omit optional fields still parse.
//! A small HTTP service in front of reqwest keeps each error's status, raw body and
//! `Retry-After`, which async-openai's own error type would drop.

use std::collections::BTreeMap;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{ConfigError, ModelError, chain_text, parse_retry_after};
use crate::layers::LayerConfig;
use crate::model::{
    BoxFuture, ChatModel, ChatRequest, ChatResponse, Constraint, FinishReason, Role,
};

mod wire;

/// The API base used when `base_url` is not set.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The environment variable the API key is read from when `api_key_env` is not set.
pub const DEFAULT_API_KEY_ENV: &str = "OPENAI_API_KEY";

/// Which request field carries the token limit: `max_tokens` is what compatible
/// servers and older OpenAI models take; OpenAI's reasoning models need
/// `max_completion_tokens`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxTokensField {
    /// Send `max_tokens`.
    #[default]
    MaxTokens,
    /// Send `max_completion_tokens`.
    MaxCompletionTokens,
}

/// `kind = "openai"`: an OpenAI-compatible server.
///
/// ```toml
/// [backends.gpt]
/// kind = "openai"
/// model = "gpt-4o-mini"
/// # base_url = "http://127.0.0.1:8080/v1"   # llama-server, vLLM, Ollama …
/// # api_key_env = "MY_KEY_VAR"               # default OPENAI_API_KEY
/// ```
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAiConfig {
    /// The model name sent in each request (required).
    pub model: Option<String>,
    /// The API base, ending in `/v1`; default [`DEFAULT_BASE_URL`].
    pub base_url: Option<String>,
    /// The environment variable holding the API key; default [`DEFAULT_API_KEY_ENV`].
    /// A key is required for the default base URL; other servers may run without one.
    pub api_key_env: Option<String>,
    /// The `OpenAI-Organization` header.
    pub organization: Option<String>,
    /// The `OpenAI-Project` header.
    pub project: Option<String>,
    /// Extra headers sent with every request. Their values are never logged.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Which field carries the token limit.
    #[serde(default)]
    pub max_tokens_field: MaxTokensField,
    /// Whether the server takes llama-server's `grammar` field; without it a GBNF
    /// constraint is refused rather than silently ignored.
    #[serde(default)]
    pub grammar: bool,
    /// Timeout, retries, concurrency and caching for this backend.
    #[serde(default)]
    pub layers: LayerConfig,
}

impl std::fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values may be credentials (an `api-key` header), so only names show.
        f.debug_struct("OpenAiConfig")
            .field("model", &self.model)
            .field(
                "base_url",
                &self.base_url.as_deref().map(crate::redact::redact_urls),
            )
            .field("api_key_env", &self.api_key_env)
            .field("organization", &self.organization)
            .field("project", &self.project)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("max_tokens_field", &self.max_tokens_field)
            .field("grammar", &self.grammar)
            .field("layers", &self.layers)
            .finish()
    }
}

impl OpenAiConfig {
    /// Resolves the API key through `lookup` (the process environment in
    /// [`OpenAiModel::from_config`]): the configured variable must be set; the default
    /// one may be absent for a non-default `base_url`.
    pub fn resolve_api_key(
        &self,
        backend: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<SecretString>, ConfigError> {
        let (var, required) = match &self.api_key_env {
            Some(var) => (var.as_str(), true),
            None => (DEFAULT_API_KEY_ENV, self.base_url.is_none()),
        };
        match lookup(var) {
            Some(key) if !key.is_empty() => Ok(Some(SecretString::from(key))),
            _ if required => Err(ConfigError::MissingEnv {
                backend: backend.to_owned(),
                key: "api_key_env".to_owned(),
                var: var.to_owned(),
            }),
            _ => Ok(None),
        }
    }
}

/// A chat model on an OpenAI-compatible server.
#[derive(Clone)]
pub struct OpenAiModel {
    client: async_openai::Client<WireConfig>,
    model: String,
    max_tokens_field: MaxTokensField,
    grammar: bool,
}

impl std::fmt::Debug for OpenAiModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiModel")
            .field("model", &self.model)
            .field(
                "api_base",
                &crate::redact::redact_urls(self.client.config().api_base()),
            )
            .finish_non_exhaustive()
    }
}

impl OpenAiModel {
    /// Builds the model from its config, reading the API key from the environment.
    pub fn from_config(backend: &str, config: &OpenAiConfig) -> Result<Self, ConfigError> {
        let key = config.resolve_api_key(backend, |var| std::env::var(var).ok())?;
        Self::with_api_key(backend, config, key)
    }

    /// Builds the model from its config with an explicit API key (`None`: no key).
    pub fn with_api_key(
        backend: &str,
        config: &OpenAiConfig,
        api_key: Option<SecretString>,
    ) -> Result<Self, ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            backend: backend.to_owned(),
            key: key.to_owned(),
            message,
        };
        let model = config.model.clone().ok_or_else(|| ConfigError::Missing {
            backend: backend.to_owned(),
            kind: "openai".to_owned(),
            key: "model".to_owned(),
        })?;
        let base = config.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(invalid(
                "base_url",
                format!("\"{base}\" is not an http(s) URL"),
            ));
        }
        let value = |key: &str, v: &str| {
            reqwest::header::HeaderValue::from_str(v)
                .map_err(|_| invalid(key, "not a valid header value".into()))
        };
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(key) = &api_key {
            let mut auth = value("api_key_env", &format!("Bearer {}", key.expose_secret()))?;
            // Sensitive values are redacted from any Debug output of the header map.
            auth.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, auth);
        }
        if let Some(org) = &config.organization {
            headers.insert("OpenAI-Organization", value("organization", org)?);
        }
        if let Some(project) = &config.project {
            headers.insert("OpenAI-Project", value("project", project)?);
        }
        for (name, v) in &config.headers {
            let bad = || {
                invalid(
                    "headers",
                    format!("header `{name}` has an invalid name or value"),
                )
            };
            let header =
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
            let mut v = reqwest::header::HeaderValue::from_str(v).map_err(|_| bad())?;
            v.set_sensitive(true);
            headers.insert(header, v);
        }
        let oa = WireConfig {
            api_base: base.trim_end_matches('/').to_owned(),
            api_key: api_key.unwrap_or_else(|| SecretString::from(String::new())),
            headers,
        };
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| invalid("base_url", format!("cannot build the HTTP client: {e}")))?;
        let client = async_openai::Client::with_config(oa)
            .with_http_service(CapturingService { client: http });
        Ok(Self {
            client,
            model,
            max_tokens_field: config.max_tokens_field,
            grammar: config.grammar,
        })
    }

    fn wire_request<'a>(&'a self, req: &'a ChatRequest) -> Result<wire::Request<'a>, ModelError> {
        let mut messages = Vec::with_capacity(req.messages.len() + 1);
        if let Some(system) = &req.system {
            messages.push(wire::Message {
                role: "system",
                content: system,
            });
        }
        for m in &req.messages {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            messages.push(wire::Message {
                role,
                content: &m.content,
            });
        }
        let (response_format, grammar) = match &req.constraint {
            None => (None, None),
            Some(Constraint::JsonSchema(schema)) => (Some(wire::response_format(schema)), None),
            Some(Constraint::Grammar(g)) if self.grammar => (None, Some(g.as_str())),
            Some(Constraint::Grammar(_)) => {
                return Err(ModelError::Unsupported(
                    "GBNF grammar: set `grammar = true` for servers that take llama-server's `grammar` field".into(),
                ));
            }
        };
        let (max_tokens, max_completion_tokens) = match self.max_tokens_field {
            MaxTokensField::MaxTokens => (Some(req.max_tokens), None),
            MaxTokensField::MaxCompletionTokens => (None, Some(req.max_tokens)),
        };
        Ok(wire::Request {
            model: &self.model,
            messages,
            max_tokens,
            max_completion_tokens,
            temperature: req.temperature,
            stop: &req.stop,
            seed: req.seed,
            response_format,
            grammar,
            stream: false,
        })
    }
}

impl ChatModel for OpenAiModel {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        Box::pin(async move {
            req.validate()?;
            let body = self.wire_request(&req)?;
            let start = Instant::now();
            let raw: serde_json::Value = self
                .client
                .chat()
                .create_byot(&body)
                .await
                .map_err(map_error)?;
            let mut resp = wire::parse_response(raw)?;
            resp.latency = start.elapsed();
            Ok(resp)
        })
    }
}

impl wire::Choice {
    fn finish_reason(&self) -> FinishReason {
        match self.finish_reason.as_deref() {
            None | Some("stop") => FinishReason::Stop,
            Some("length") => FinishReason::Length,
            Some("content_filter") => FinishReason::ContentFilter,
            Some(other) => FinishReason::Other(other.to_owned()),
        }
    }
}

/// The transport settings async-openai asks for: base URL and ready-made headers.
/// Unlike async-openai's own `OpenAIConfig`, it sends no `Authorization` header when
/// there is no key (local servers) and reads no environment variables of its own.
#[derive(Clone)]
struct WireConfig {
    api_base: String,
    api_key: SecretString,
    headers: reqwest::header::HeaderMap,
}

impl Config for WireConfig {
    fn headers(&self) -> reqwest::header::HeaderMap {
        self.headers.clone()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base)
    }

    fn query(&self) -> Vec<(&str, &str)> {
        Vec::new()
    }

    fn api_base(&self) -> &str {
        &self.api_base
    }

    fn api_key(&self) -> &SecretString {
        &self.api_key
    }
}

/// A non-success HTTP answer, carried through async-openai inside
/// [`OpenAIError::Boxed`] so nothing about it is lost.
#[derive(Debug)]
struct HttpFailure {
    status: u16,
    body: String,
    retry_after: Option<std::time::Duration>,
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)
    }
}

impl std::error::Error for HttpFailure {}

/// The HTTP service under async-openai: sends with reqwest and turns a non-success
/// status into an [`HttpFailure`] before async-openai parses (and trims) it.
#[derive(Clone)]
struct CapturingService {
    client: reqwest::Client,
}

impl tower_service::Service<HttpRequestFactory> for CapturingService {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = BoxFuture<'static, Result<reqwest::Response, OpenAIError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let client = self.client.clone();
        Box::pin(async move {
            let request = factory.build().await?;
            let response = client.execute(request).await?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            let body = response.text().await?;
            Err(OpenAIError::Boxed(Box::new(HttpFailure {
                status: status.as_u16(),
                body,
                retry_after,
            })))
        })
    }
}

/// Maps async-openai's error (and the [`HttpFailure`] inside it) onto [`ModelError`].
fn map_error(err: OpenAIError) -> ModelError {
    match err {
        OpenAIError::Boxed(inner) => match inner.downcast::<HttpFailure>() {
            Ok(f) => ModelError::Api {
                status: f.status,
                body: f.body,
                retry_after: f.retry_after,
            },
            Err(other) => ModelError::Backend(other.to_string()),
        },
        OpenAIError::Reqwest(e) => map_reqwest(&e),
        OpenAIError::ApiError(api) => ModelError::Api {
            status: api.status_code.as_u16(),
            body: serde_json::to_string(&serde_json::json!({ "error": api.api_error }))
                .unwrap_or_default(),
            retry_after: None,
        },
        OpenAIError::JSONDeserialize(e, body) => ModelError::MalformedResponse {
            message: e.to_string(),
            body,
        },
        OpenAIError::InvalidArgument(m) => ModelError::InvalidRequest(m),
        other => ModelError::Backend(other.to_string()),
    }
}

/// A reqwest failure: a request that could not be built is the caller's fault; a body
/// cut short or not decodable is a malformed response; anything else (refused,
/// reset, half-answered, timed out) is a transport failure. The last two are
/// retryable ([`ModelError::is_retryable`]).
fn map_reqwest(e: &reqwest::Error) -> ModelError {
    let message = chain_text(e);
    if e.is_builder() {
        ModelError::InvalidRequest(message)
    } else if e.is_decode() || e.is_body() {
        ModelError::MalformedResponse {
            message,
            body: String::new(),
        }
    } else {
        ModelError::Transport(message)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    fn config() -> OpenAiConfig {
        OpenAiConfig {
            model: Some("m".into()),
            ..OpenAiConfig::default()
        }
    }

    #[test]
    fn api_key_comes_from_the_configured_variable_and_is_required_there() {
        let mut c = config();
        c.api_key_env = Some("MY_KEY".into());
        let key = c
            .resolve_api_key("gpt", |v| (v == "MY_KEY").then(|| "sk-1".to_owned()))
            .unwrap();
        assert_eq!(key.unwrap().expose_secret(), "sk-1");
        let err = c.resolve_api_key("gpt", |_| None).unwrap_err().to_string();
        assert!(err.contains("`gpt`") && err.contains("MY_KEY"), "{err}");
    }

    #[test]
    fn default_key_is_optional_only_for_a_custom_base_url() {
        let c = config();
        assert!(c.resolve_api_key("gpt", |_| None).is_err());
        let local = OpenAiConfig {
            base_url: Some("http://127.0.0.1:8080/v1".into()),
            ..config()
        };
        assert!(local.resolve_api_key("local", |_| None).unwrap().is_none());
    }

    #[test]
    fn invalid_header_values_are_config_errors_not_panics() {
        let c = OpenAiConfig {
            organization: Some("org\nevil".into()),
            ..config()
        };
        let err = OpenAiModel::with_api_key("gpt", &c, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("organization"), "{err}");
        let err = OpenAiModel::with_api_key("gpt", &config(), Some("a\nb".to_owned().into()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("api_key_env") && !err.contains("a\nb"),
            "{err}"
        );
    }

    #[test]
    fn debug_output_hides_header_values() {
        let mut c = config();
        c.headers.insert("api-key".into(), "s3cret".into());
        let shown = format!("{c:?}");
        assert!(
            shown.contains("api-key") && !shown.contains("s3cret"),
            "{shown}"
        );
    }
}
