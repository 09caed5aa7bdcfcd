//! The pipeline flags `dard bench` and `dard chat` share: the data folder, a
//! config file, and the quick override that points every stage at one backend.

use std::path::PathBuf;

use anyhow::{Context, Result};
use bench::{BackendOverride, BenchSpec};
use manager::Config;

/// `--data DIR`, `--config FILE`, and `--backend openai|bedrock --model M
/// [--base-url URL] [--api-key-env VAR] [--region R] [--endpoint-url URL]` or
/// `--backend llama --model-path FILE`.
///
/// Flatten it into a subcommand's flags with `#[command(flatten)]`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BackendArgs {
    /// The MultiWOZ data folder (default: DARD_DATA, ./data/multiwoz, ../shared/multiwoz).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The pipeline config (TOML); default: the built-in default.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Point every stage at one backend, without a config file.
    #[arg(long, value_enum)]
    pub backend: Option<BackendArg>,
    /// The model name (openai) or model id (bedrock) for --backend.
    #[arg(long, requires = "backend")]
    pub model: Option<String>,
    /// The OpenAI-compatible API base, ending in /v1 (--backend openai).
    #[arg(long, value_name = "URL", requires = "backend")]
    pub base_url: Option<String>,
    /// The variable holding the API key (--backend openai; default OPENAI_API_KEY).
    #[arg(long, value_name = "VAR", requires = "backend")]
    pub api_key_env: Option<String>,
    /// The AWS region (--backend bedrock).
    #[arg(long, value_name = "R", requires = "backend")]
    pub region: Option<String>,
    /// A Bedrock endpoint instead of the region's (--backend bedrock).
    #[arg(long, value_name = "URL", requires = "backend")]
    pub endpoint_url: Option<String>,
    /// The GGUF model file (--backend llama; needs a build with `--features llama`).
    #[arg(long, value_name = "FILE", requires = "backend")]
    pub model_path: Option<PathBuf>,
}

/// The quick-override backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    /// An OpenAI-compatible server.
    Openai,
    /// AWS Bedrock.
    Bedrock,
    /// A local GGUF model through llama.cpp.
    Llama,
}

impl BackendArg {
    /// The flag value (`openai`, `bedrock`, `llama`).
    pub fn as_str(self) -> &'static str {
        match self {
            BackendArg::Openai => "openai",
            BackendArg::Bedrock => "bedrock",
            BackendArg::Llama => "llama",
        }
    }
}

impl BackendArgs {
    /// The `--backend …` override, if given; fails naming the flag that is
    /// missing or belongs to the other backend.
    pub fn backend_override(&self) -> Result<Option<BackendOverride>> {
        let Some(b) = self.backend else {
            return Ok(None);
        };
        let o = BackendOverride::from_flags(
            b.as_str(),
            self.model.clone(),
            self.base_url.clone(),
            self.api_key_env.clone(),
            self.region.clone(),
            self.endpoint_url.clone(),
            self.model_path.clone(),
        )?;
        Ok(Some(o))
    }

    /// The pipeline configuration these flags give: the config file (or the
    /// built-in default), with every stage on the override backend if one is
    /// given, and `--data` as the data folder. `concurrency` is the number of
    /// calls the override backend must allow at once.
    pub fn pipeline_config(&self, concurrency: usize) -> Result<Config> {
        let spec = BenchSpec {
            data_dir: self.data.clone(),
            config_file: self.config.clone(),
            backend: self.backend_override()?,
            ..BenchSpec::default()
        };
        let mut config = spec
            .config(concurrency)
            .context("reading the pipeline configuration")?;
        if let Some(dir) = &self.data {
            config.data.dir = Some(dir.clone());
        }
        Ok(config)
    }
}
