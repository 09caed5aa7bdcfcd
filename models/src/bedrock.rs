//! The `bedrock` backend: Claude and other models on AWS Bedrock through the Converse
//! API (aws-sdk-bedrockruntime).
//!
//! Region, profile and credentials come from the AWS default chain unless the config
//! names them; `endpoint_url` points the client elsewhere (a VPC endpoint, a proxy, a
//! test server). The SDK's own retries are off: the retry layer does that job for
//! every backend alike. The SDK client is made on the first call, because loading the
//! AWS config is asynchronous and [`crate::config::build`] is not.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_bedrockruntime::error::{DisplayErrorContext, SdkError};
use aws_sdk_bedrockruntime::types as bt;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use crate::error::{ConfigError, ModelError, parse_retry_after};
use crate::layers::LayerConfig;
use crate::model::{
    BoxFuture, ChatModel, ChatRequest, ChatResponse, Constraint, FinishReason, Role,
};

/// `kind = "bedrock"`: a model on AWS Bedrock.
///
/// ```toml
/// [backends.claude]
/// kind = "bedrock"
/// model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
/// region = "us-east-1"          # default: the AWS chain (AWS_REGION, profile)
/// # profile = "research"        # a named profile from ~/.aws/config
/// # endpoint_url = "https://bedrock-runtime.us-east-1.amazonaws.com"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BedrockConfig {
    /// The Bedrock model id or inference profile id (required).
    pub model: Option<String>,
    /// The AWS region; default from the AWS chain.
    pub region: Option<String>,
    /// The named AWS profile for region and credentials.
    pub profile: Option<String>,
    /// An endpoint to use instead of the region's Bedrock runtime endpoint.
    pub endpoint_url: Option<String>,
    /// Timeout, retries, concurrency and caching for this backend.
    #[serde(default)]
    pub layers: LayerConfig,
}

/// Fixed AWS credentials, for callers (and tests) that do not use the default chain.
#[derive(Debug, Clone)]
pub struct StaticCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretString,
    /// A session token, for temporary credentials.
    pub session_token: Option<SecretString>,
}

/// A chat model on AWS Bedrock.
#[derive(Debug, Clone)]
pub struct BedrockModel {
    model_id: String,
    config: BedrockConfig,
    credentials: Option<StaticCredentials>,
    client: Arc<OnceCell<aws_sdk_bedrockruntime::Client>>,
}

impl BedrockModel {
    /// Builds the model from its config; credentials come from the AWS default chain.
    pub fn from_config(backend: &str, config: &BedrockConfig) -> Result<Self, ConfigError> {
        let model_id = config.model.clone().ok_or_else(|| ConfigError::Missing {
            backend: backend.to_owned(),
            kind: "bedrock".to_owned(),
            key: "model".to_owned(),
        })?;
        if let Some(url) = &config.endpoint_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                backend: backend.to_owned(),
                key: "endpoint_url".to_owned(),
                message: format!("\"{url}\" is not an http(s) URL"),
            });
        }
        Ok(Self {
            model_id,
            config: config.clone(),
            credentials: None,
            client: Arc::new(OnceCell::new()),
        })
    }

    /// Uses these credentials instead of the default chain.
    pub fn with_credentials(mut self, credentials: StaticCredentials) -> Self {
        self.credentials = Some(credentials);
        self.client = Arc::new(OnceCell::new());
        self
    }

    async fn client(&self) -> Result<&aws_sdk_bedrockruntime::Client, ModelError> {
        self.client
            .get_or_try_init(|| async {
                let mut loader = aws_config::defaults(BehaviorVersion::latest())
                    .retry_config(aws_config::retry::RetryConfig::disabled());
                if let Some(region) = &self.config.region {
                    loader = loader.region(Region::new(region.clone()));
                }
                if let Some(profile) = &self.config.profile {
                    loader = loader.profile_name(profile);
                }
                if let Some(url) = &self.config.endpoint_url {
                    loader = loader.endpoint_url(url);
                }
                if let Some(c) = &self.credentials {
                    loader = loader.credentials_provider(Credentials::new(
                        c.access_key_id.clone(),
                        c.secret_access_key.expose_secret().to_owned(),
                        c.session_token
                            .as_ref()
                            .map(|t| t.expose_secret().to_owned()),
                        None,
                        "dard-static",
                    ));
                }
                let sdk = loader.load().await;
                if sdk.region().is_none() {
                    return Err(ModelError::InvalidRequest(
                        "no AWS region: set `region` in the backend config or AWS_REGION".into(),
                    ));
                }
                Ok(aws_sdk_bedrockruntime::Client::new(&sdk))
            })
            .await
    }

    async fn converse(&self, req: ChatRequest) -> Result<ChatResponse, ModelError> {
        req.validate()?;
        let build_err = |e: aws_sdk_bedrockruntime::error::BuildError| {
            ModelError::InvalidRequest(DisplayErrorContext(e).to_string())
        };
        let client = self.client().await?;
        let mut call = client.converse().model_id(&self.model_id);
        if let Some(system) = &req.system {
            call = call.system(bt::SystemContentBlock::Text(system.clone()));
        }
        for m in &req.messages {
            let role = match m.role {
                Role::User => bt::ConversationRole::User,
                Role::Assistant => bt::ConversationRole::Assistant,
            };
            let message = bt::Message::builder()
                .role(role)
                .content(bt::ContentBlock::Text(m.content.clone()))
                .build()
                .map_err(build_err)?;
            call = call.messages(message);
        }
        let inference = bt::InferenceConfiguration::builder()
            .max_tokens(i32::try_from(req.max_tokens).unwrap_or(i32::MAX))
            .set_temperature(req.temperature)
            .set_stop_sequences((!req.stop.is_empty()).then(|| req.stop.clone()))
            .build();
        call = call.inference_config(inference);
        // Converse has no sampling seed; `req.seed` is not sent.
        match &req.constraint {
            None => {}
            Some(Constraint::JsonSchema(schema)) => {
                let definition = bt::JsonSchemaDefinition::builder()
                    .name("output")
                    .schema(schema.to_string())
                    .build()
                    .map_err(build_err)?;
                let format = bt::OutputFormat::builder()
                    .r#type(bt::OutputFormatType::JsonSchema)
                    .structure(bt::OutputFormatStructure::JsonSchema(definition))
                    .build()
                    .map_err(build_err)?;
                call = call.output_config(bt::OutputConfig::builder().text_format(format).build());
            }
            Some(Constraint::Grammar(_)) => {
                return Err(ModelError::Unsupported(
                    "GBNF grammars (Bedrock takes a JSON Schema constraint only)".into(),
                ));
            }
        }
        let start = Instant::now();
        let out = call.send().await.map_err(map_sdk_error)?;
        let latency = start.elapsed();
        let text = match out.output() {
            Some(bt::ConverseOutput::Message(message)) => message
                .content()
                .iter()
                .filter_map(|block| block.as_text().ok().map(String::as_str))
                .collect::<String>(),
            _ => {
                return Err(ModelError::MalformedResponse {
                    message: "the response has no output message".into(),
                    body: format!("{out:?}"),
                });
            }
        };
        let mut resp = ChatResponse::new(text, finish_reason(out.stop_reason()));
        if let Some(usage) = out.usage() {
            resp.input_tokens = u32::try_from(usage.input_tokens()).unwrap_or(0);
            resp.output_tokens = u32::try_from(usage.output_tokens()).unwrap_or(0);
        }
        resp.latency = latency;
        Ok(resp)
    }
}

impl ChatModel for BedrockModel {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        Box::pin(self.converse(req))
    }
}

/// Maps Converse's stop reason onto [`FinishReason`].
fn finish_reason(reason: &bt::StopReason) -> FinishReason {
    match reason {
        bt::StopReason::EndTurn => FinishReason::Stop,
        bt::StopReason::StopSequence => FinishReason::StopSequence,
        bt::StopReason::MaxTokens | bt::StopReason::ModelContextWindowExceeded => {
            FinishReason::Length
        }
        bt::StopReason::ContentFiltered | bt::StopReason::GuardrailIntervened => {
            FinishReason::ContentFilter
        }
        other => FinishReason::Other(other.as_str().to_owned()),
    }
}

/// Maps an SDK error onto [`ModelError`], keeping the HTTP status, raw body and
/// `Retry-After` of service errors.
fn map_sdk_error<E>(
    err: SdkError<E, aws_sdk_bedrockruntime::config::http::HttpResponse>,
) -> ModelError
where
    E: std::error::Error + Send + Sync + 'static,
{
    let context = DisplayErrorContext(&err).to_string();
    let body_of = |raw: &aws_sdk_bedrockruntime::config::http::HttpResponse| {
        raw.body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    match &err {
        SdkError::ServiceError(service) => {
            let raw = service.raw();
            let status = raw.status().as_u16();
            let body = body_of(raw);
            if (200..300).contains(&status) {
                return ModelError::MalformedResponse {
                    message: context,
                    body,
                };
            }
            let retry_after = raw
                .headers()
                .get("retry-after")
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            ModelError::Api {
                status,
                body,
                retry_after,
            }
        }
        // The body could not be read whole or parsed: transient, like a cut connection.
        SdkError::ResponseError(response) => ModelError::MalformedResponse {
            message: context,
            body: body_of(response.raw()),
        },
        // A request the client itself could not make will fail the same way again.
        SdkError::DispatchFailure(failure) if failure.is_user() => {
            ModelError::InvalidRequest(context)
        }
        // Refused, reset, half-answered (hyper's "incomplete message") or timed-out
        // connections: whatever the connector calls it, the request may go through
        // on another attempt.
        SdkError::DispatchFailure(_) => ModelError::Transport(context),
        SdkError::TimeoutError(_) => ModelError::Transport(context),
        SdkError::ConstructionFailure(_) => ModelError::InvalidRequest(context),
        _ => ModelError::Backend(context),
    }
}
