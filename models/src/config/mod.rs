//! Backend configuration (the `[backends]` tables of dard's TOML config) and
//! [`build`], which turns one entry into a live, layered [`ModelHandle`].
//!
//! ```toml
//! [backends.claude]
//! kind = "bedrock"
//! model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
//! region = "us-east-1"
//! layers = { timeout_secs = 60, concurrency = 4, retry = { max_retries = 5 } }
//!
//! [backends.gpt]
//! kind = "openai"
//! model = "gpt-4o-mini"
//!
//! [backends.local]
//! kind = "llama"
//! model_path = "models/mistral-7b.Q4_K_M.gguf"
//! n_gpu_layers = 99
//! ```

mod parse;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::bedrock::{BedrockConfig, BedrockModel};
use crate::error::ConfigError;
use crate::layers::{
    Accounting, CacheScope, ConcurrencyLimit, LayerConfig, ResponseCache, Retry, Timeout,
};
use crate::model::{BackendKind, ChatModel, ModelHandle, ModelInfo};
use crate::openai::{OpenAiConfig, OpenAiModel};
use crate::usage::{PriceTable, UsageLedger};

pub use parse::{EntryError, check_url, from_value_with_path, parse_entry};

/// The raw table of a `kind = "llama"` entry: its keys belong to `models::llama`
/// (present with the `llama` feature), except `layers`, which is a [`LayerConfig`].
pub type RawTable = BTreeMap<String, serde_json::Value>;

/// One entry of `[backends]`, chosen by its `kind` key.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum BackendConfig {
    /// `kind = "openai"`: an OpenAI-compatible server.
    Openai(OpenAiConfig),
    /// `kind = "bedrock"`: AWS Bedrock's Converse API.
    Bedrock(BedrockConfig),
    /// `kind = "llama"`: a local GGUF model (needs the `llama` feature to build).
    Llama(RawTable),
    /// `kind = "builtin"`: the manager's rule-based agents; no model is built.
    Builtin,
    /// `kind = "scripted"`: canned replies, for tests (the `test-utils` feature).
    #[cfg(feature = "test-utils")]
    Scripted(ScriptedConfig),
}

/// `kind = "scripted"`: replies given in order, the last one repeated.
#[cfg(feature = "test-utils")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedConfig {
    /// The replies (at least one).
    pub replies: Vec<String>,
    /// Layers, as for any backend.
    #[serde(default)]
    pub layers: LayerConfig,
}

impl BackendConfig {
    /// The entry's kind.
    pub fn kind(&self) -> BackendKind {
        match self {
            BackendConfig::Openai(_) => BackendKind::Openai,
            BackendConfig::Bedrock(_) => BackendKind::Bedrock,
            BackendConfig::Llama(_) => BackendKind::Llama,
            BackendConfig::Builtin => BackendKind::Builtin,
            #[cfg(feature = "test-utils")]
            BackendConfig::Scripted(_) => BackendKind::Scripted,
        }
    }
}

/// What [`build`] shares between the backends it builds.
#[derive(Debug, Clone, Default)]
pub struct BuildContext {
    /// Where the response cache lives; `None` turns caching off for every backend.
    pub cache_dir: Option<PathBuf>,
    /// Prices by model, for the accounting layer.
    pub prices: PriceTable,
    /// The log every call is recorded in.
    pub ledger: UsageLedger,
}

/// Builds the backend `name` from its config, wrapped in its layers.
///
/// Fails early — before any network call — on a missing model, an unset API-key
/// variable, an invalid URL or header, a missing GGUF file, or a kind this build
/// cannot serve; every error names the backend and the key.
pub fn build(
    name: &str,
    config: &BackendConfig,
    ctx: &BuildContext,
) -> Result<ModelHandle, ConfigError> {
    match config {
        BackendConfig::Openai(c) => {
            let model = OpenAiModel::from_config(name, c)?;
            let info = info(
                name,
                BackendKind::Openai,
                c.model.as_deref().unwrap_or_default(),
            );
            let scope = CacheScope::new(info.kind, info.model.clone())
                .with_endpoint(
                    c.base_url
                        .as_deref()
                        .unwrap_or(crate::openai::DEFAULT_BASE_URL),
                )
                .with_settings(serde_json::json!({
                    "max_tokens_field": c.max_tokens_field,
                    "grammar": c.grammar,
                    "organization": c.organization,
                    "project": c.project,
                }));
            wrap_scoped(info, scope, model, &c.layers, ctx)
        }
        BackendConfig::Bedrock(c) => {
            let model = BedrockModel::from_config(name, c)?;
            let info = info(
                name,
                BackendKind::Bedrock,
                c.model.as_deref().unwrap_or_default(),
            );
            // Without an endpoint the region (or the profile that names it) picks
            // the server.
            let endpoint = match (&c.endpoint_url, &c.region) {
                (Some(url), _) => url.clone(),
                (None, Some(region)) => format!("region:{region}"),
                (None, None) => String::new(),
            };
            let scope = CacheScope::new(info.kind, info.model.clone())
                .with_endpoint(&endpoint)
                .with_settings(serde_json::json!({ "profile": c.profile }));
            wrap_scoped(info, scope, model, &c.layers, ctx)
        }
        BackendConfig::Llama(raw) => build_llama(name, raw, ctx),
        BackendConfig::Builtin => Err(ConfigError::Builtin {
            backend: name.to_owned(),
        }),
        #[cfg(feature = "test-utils")]
        BackendConfig::Scripted(c) => {
            let Some(last) = c.replies.last() else {
                return Err(ConfigError::Missing {
                    backend: name.to_owned(),
                    kind: "scripted".to_owned(),
                    key: "replies".to_owned(),
                });
            };
            let model = crate::scripted::ScriptedModel::always(last.clone());
            for reply in &c.replies[..c.replies.len() - 1] {
                model.push_reply(reply.clone());
            }
            wrap(
                info(name, BackendKind::Scripted, "scripted"),
                model,
                &c.layers,
                ctx,
            )
        }
    }
}

/// Builds every model backend of a `[backends]` table, skipping `builtin` entries.
pub fn build_all(
    backends: &BTreeMap<String, BackendConfig>,
    ctx: &BuildContext,
) -> Result<BTreeMap<String, ModelHandle>, ConfigError> {
    backends
        .iter()
        .filter(|(_, c)| !matches!(c, BackendConfig::Builtin))
        .map(|(name, c)| Ok((name.clone(), build(name, c, ctx)?)))
        .collect()
}

fn info(name: &str, kind: BackendKind, model: &str) -> ModelInfo {
    ModelInfo {
        name: name.to_owned(),
        kind,
        model: model.to_owned(),
    }
}

/// Wraps any model in the standard stack, outermost first:
/// `Accounting → ResponseCache → Retry → ConcurrencyLimit → Timeout → model`.
pub fn wrap<M: ChatModel + 'static>(
    info: ModelInfo,
    model: M,
    layers: &LayerConfig,
    ctx: &BuildContext,
) -> Result<ModelHandle, ConfigError> {
    let scope = CacheScope::new(info.kind, info.model.clone());
    wrap_scoped(info, scope, model, layers, ctx)
}

/// [`wrap`], with `scope` (the server and settings that decide answers) in every
/// cache key.
pub fn wrap_scoped<M: ChatModel + 'static>(
    info: ModelInfo,
    scope: CacheScope,
    model: M,
    layers: &LayerConfig,
    ctx: &BuildContext,
) -> Result<ModelHandle, ConfigError> {
    let timeout = layers.timeout(&info.name)?;
    let limited = ConcurrencyLimit::new(Timeout::new(model, timeout), layers.concurrency);
    let retried = Retry::new(limited, layers.retry.clone());
    let cached: Box<dyn ChatModel> = match (&ctx.cache_dir, layers.cache) {
        (Some(dir), true) => Box::new(ResponseCache::scoped(retried, dir.clone(), scope)),
        _ => Box::new(retried),
    };
    let accounted = Accounting::new(cached, info.clone(), ctx.prices.clone(), ctx.ledger.clone());
    Ok(ModelHandle::new(info, accounted))
}

/// Splits the `layers` table off a llama entry.
fn llama_layers(name: &str, raw: &RawTable) -> Result<(LayerConfig, RawTable), ConfigError> {
    let mut rest = raw.clone();
    let layers = match rest.remove("layers") {
        Some(v) => serde_json::from_value(v).map_err(|e| ConfigError::Invalid {
            backend: name.to_owned(),
            key: "layers".to_owned(),
            message: e.to_string(),
        })?,
        None => LayerConfig::default(),
    };
    Ok((layers, rest))
}

#[cfg(feature = "llama")]
fn build_llama(name: &str, raw: &RawTable, ctx: &BuildContext) -> Result<ModelHandle, ConfigError> {
    let (layers, rest) = llama_layers(name, raw)?;
    if !rest.contains_key("model_path") {
        return Err(ConfigError::Missing {
            backend: name.to_owned(),
            kind: "llama".to_owned(),
            key: "model_path".to_owned(),
        });
    }
    let value = serde_json::Value::Object(rest.into_iter().collect());
    let config: crate::llama::LlamaConfig =
        serde_json::from_value(value).map_err(|e| ConfigError::Invalid {
            backend: name.to_owned(),
            key: "llama settings".to_owned(),
            message: e.to_string(),
        })?;
    if !config.model_path.is_file() {
        return Err(ConfigError::Invalid {
            backend: name.to_owned(),
            key: "model_path".to_owned(),
            message: format!("{} is not a file", config.model_path.display()),
        });
    }
    let model_name = config.model_path.display().to_string();
    let info = info(name, BackendKind::Llama, &model_name);
    let scope = llama_cache_scope(&config, &info.model).map_err(|e| ConfigError::Invalid {
        backend: name.to_owned(),
        key: "model_path".to_owned(),
        message: format!("{}: {e}", config.model_path.display()),
    })?;
    let counter =
        crate::llama::TokenCounter::open(&config.model_path).map_err(|e| ConfigError::Invalid {
            backend: name.to_owned(),
            key: "model_path".to_owned(),
            message: e.to_string(),
        })?;
    let budget = counter.budget_for(&config);
    let model = crate::llama_lazy::LazyLlama::new(config);
    let handle = wrap_scoped(info, scope, model, &layers, ctx)?;
    Ok(match budget {
        Some(max) => handle
            .with_prompt_budget(crate::model::PromptBudget::new(max as usize, move |text| {
                counter.count(text)
            })),
        None => handle,
    })
}

/// The cache scope of a llama backend: every setting that can change an
/// answer (template, sampling, seed, context and batch sizes, threads, stop
/// sequences, prefix reuse…) and the model file's identity — its size and
/// modification time — so a re-run with another template, or after the GGUF
/// was replaced, is not answered from the cache.
#[cfg(feature = "llama")]
pub(crate) fn llama_cache_scope(
    config: &crate::llama::LlamaConfig,
    model: &str,
) -> Result<CacheScope, std::io::Error> {
    let meta = std::fs::metadata(&config.model_path)?;
    let mtime = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let settings = serde_json::to_value(config).unwrap_or(serde_json::Value::Null);
    Ok(CacheScope::new(BackendKind::Llama, model)
        .with_endpoint(&format!("file:size={},mtime_ns={mtime}", meta.len()))
        .with_settings(settings))
}

#[cfg(not(feature = "llama"))]
fn build_llama(
    name: &str,
    raw: &RawTable,
    _ctx: &BuildContext,
) -> Result<ModelHandle, ConfigError> {
    // Check what can be checked, so a config error is not hidden behind the feature one.
    llama_layers(name, raw)?;
    if !raw.contains_key("model_path") {
        return Err(ConfigError::Missing {
            backend: name.to_owned(),
            kind: "llama".to_owned(),
            key: "model_path".to_owned(),
        });
    }
    Err(ConfigError::FeatureDisabled {
        backend: name.to_owned(),
        kind: "llama".to_owned(),
        feature: "llama".to_owned(),
    })
}

#[cfg(all(test, feature = "llama"))]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod llama_tests {
    use super::*;
    use crate::llama::{LlamaConfig, PromptTemplate, Sampling};

    #[test]
    fn llama_cache_key_changes_with_template_sampling_n_ctx_and_model_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        std::fs::write(&path, b"GGUF one").unwrap();
        let base = LlamaConfig::new(&path).with_threads(1);
        let scope = |c: &LlamaConfig| llama_cache_scope(c, "m").unwrap();
        let a = scope(&base);
        assert_eq!(a, scope(&base.clone()), "the same settings, the same scope");
        let variants = [
            base.clone()
                .with_template(PromptTemplate::Builtin("chatml".into())),
            base.clone().with_sampling(Sampling::Sampled {
                temperature: 0.7,
                top_p: 0.9,
            }),
            base.clone().with_n_ctx(1024),
            base.clone().with_seed(7),
            base.clone().with_prefix_reuse(false),
        ];
        for v in &variants {
            assert_ne!(scope(v), a, "{v:?}");
        }
        // Another file at the same path (a different size) is another model.
        std::fs::write(&path, b"GGUF two, longer").unwrap();
        assert_ne!(scope(&base), a);
        assert!(llama_cache_scope(&LlamaConfig::new(dir.path().join("none")), "m").is_err());
    }
}
