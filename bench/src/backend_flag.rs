//! `--backend openai|bedrock|llama` and their flags: a quick override that
//! points every stage of the pipeline at one backend, and the backend entry it
//! adds.

use std::path::PathBuf;

use models::BackendConfig;
use models::bedrock::BedrockConfig;
use models::openai::OpenAiConfig;
use serde::{Deserialize, Serialize};

use crate::error::BenchError;

/// A quick override that points every stage at one backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "lowercase")]
#[non_exhaustive]
pub enum BackendOverride {
    /// `--backend openai --base-url URL --model NAME [--api-key-env VAR]`.
    Openai {
        /// The model name.
        model: String,
        /// The API base (default OpenAI's).
        base_url: Option<String>,
        /// The variable holding the API key.
        api_key_env: Option<String>,
    },
    /// `--backend bedrock --model ID [--region R] [--endpoint-url URL]`.
    Bedrock {
        /// The model or inference-profile id.
        model: String,
        /// The AWS region.
        region: Option<String>,
        /// An endpoint instead of the region's.
        endpoint_url: Option<String>,
    },
    /// `--backend llama --model-path FILE`: a local GGUF model (the binary
    /// must be built with the `llama` feature).
    Llama {
        /// The GGUF file.
        model_path: PathBuf,
    },
}

impl BackendOverride {
    /// The `[backends]` name the override is registered under.
    pub fn name(&self) -> &'static str {
        match self {
            BackendOverride::Openai { .. } => "openai",
            BackendOverride::Bedrock { .. } => "bedrock",
            BackendOverride::Llama { .. } => "llama",
        }
    }

    /// Builds an override from the CLI's flags; fails naming the flag when one is
    /// missing or belongs to the other backend.
    pub fn from_flags(
        backend: &str,
        model: Option<String>,
        base_url: Option<String>,
        api_key_env: Option<String>,
        region: Option<String>,
        endpoint_url: Option<String>,
        model_path: Option<PathBuf>,
    ) -> Result<BackendOverride, BenchError> {
        let refuse = |flag: &str, given: bool| match given {
            true => Err(BenchError::flag(
                flag,
                format!("does not apply to --backend {backend}"),
            )),
            false => Ok(()),
        };
        if backend == "llama" {
            refuse("--model", model.is_some())?;
            refuse("--base-url", base_url.is_some())?;
            refuse("--api-key-env", api_key_env.is_some())?;
            refuse("--region", region.is_some())?;
            refuse("--endpoint-url", endpoint_url.is_some())?;
            let Some(model_path) = model_path.filter(|p| !p.as_os_str().is_empty()) else {
                return Err(BenchError::flag(
                    "--model-path",
                    "--backend llama needs --model-path FILE (a .gguf model)".to_string(),
                ));
            };
            return Ok(BackendOverride::Llama { model_path });
        }
        refuse("--model-path", model_path.is_some())?;
        let Some(model) = model.filter(|m| !m.trim().is_empty()) else {
            return Err(BenchError::flag(
                "--model",
                format!("--backend {backend} needs --model NAME"),
            ));
        };
        match backend {
            "openai" => {
                refuse("--region", region.is_some())?;
                refuse("--endpoint-url", endpoint_url.is_some())?;
                Ok(BackendOverride::Openai {
                    model,
                    base_url,
                    api_key_env,
                })
            }
            "bedrock" => {
                refuse("--base-url", base_url.is_some())?;
                refuse("--api-key-env", api_key_env.is_some())?;
                Ok(BackendOverride::Bedrock {
                    model,
                    region,
                    endpoint_url,
                })
            }
            other => Err(BenchError::flag(
                "--backend",
                format!("unknown backend `{other}` (openai, bedrock or llama)"),
            )),
        }
    }

    /// The backend entry, with at least `concurrency` calls allowed at once so the
    /// backend's own limit does not throttle the run.
    pub(crate) fn backend_config(&self, concurrency: usize) -> BackendConfig {
        match self {
            BackendOverride::Openai {
                model,
                base_url,
                api_key_env,
            } => {
                let mut c = OpenAiConfig {
                    model: Some(model.clone()),
                    base_url: base_url.clone(),
                    api_key_env: api_key_env.clone(),
                    ..OpenAiConfig::default()
                };
                c.layers.concurrency = c.layers.concurrency.max(concurrency);
                BackendConfig::Openai(c)
            }
            BackendOverride::Bedrock {
                model,
                region,
                endpoint_url,
            } => {
                let mut c = BedrockConfig {
                    model: Some(model.clone()),
                    region: region.clone(),
                    endpoint_url: endpoint_url.clone(),
                    ..BedrockConfig::default()
                };
                c.layers.concurrency = c.layers.concurrency.max(concurrency);
                BackendConfig::Bedrock(c)
            }
            // One worker thread runs a local model's calls one at a time; its
            // concurrency stays at the default 1, so queued calls wait outside
            // the timeout instead of timing out in the worker's queue.
            BackendOverride::Llama { model_path } => {
                let mut raw = models::config::RawTable::new();
                raw.insert(
                    "model_path".to_string(),
                    serde_json::Value::String(model_path.to_string_lossy().into_owned()),
                );
                BackendConfig::Llama(raw)
            }
        }
    }
}
