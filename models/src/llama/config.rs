//! Configuration of the local GGUF backend: which file, how much of it goes to
//! the GPU, the context and thread settings, the default decoding policy and the
//! prompt template used when the GGUF carries none.

use std::num::NonZeroU32;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Everything needed to load a GGUF model and run it.
///
/// Built in code with [`LlamaConfig::new`] and the `with_*` methods, or read
/// from a config file (every field except `model_path` has a default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlamaConfig {
    /// Path of the `.gguf` file.
    pub model_path: PathBuf,
    /// How many layers to offload to the GPU (0 = CPU only; needs the `cuda` feature to matter).
    #[serde(default)]
    pub n_gpu_layers: u32,
    /// Context size in tokens (prompt plus generated text).
    #[serde(default = "default_n_ctx")]
    pub n_ctx: NonZeroU32,
    /// Largest number of prompt tokens evaluated in one `llama_decode` call.
    #[serde(default = "default_n_batch")]
    pub n_batch: NonZeroU32,
    /// CPU threads used for generation and prompt evaluation.
    #[serde(default = "default_threads")]
    pub n_threads: NonZeroU32,
    /// Seed of the random sampler (only used by [`Sampling::Sampled`]).
    #[serde(default = "default_seed")]
    pub seed: u32,
    /// The decoding policy used when a request does not set a temperature.
    #[serde(default)]
    pub sampling: Sampling,
    /// Largest number of tokens generated when a request does not say.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// Stop sequences applied to every request, in addition to the request's own.
    #[serde(default)]
    pub stop: Vec<String>,
    /// Whether the chat template stored in the GGUF (`tokenizer.chat_template`) is used when present.
    #[serde(default = "default_true")]
    pub use_model_template: bool,
    /// The template used when the GGUF has none (or `use_model_template` is off).
    #[serde(default)]
    pub template: PromptTemplate,
    /// Whether consecutive requests reuse the KV cache of their common token prefix.
    #[serde(default = "default_true")]
    pub prefix_reuse: bool,
}

fn default_n_ctx() -> NonZeroU32 {
    NonZeroU32::new(4096).unwrap_or(NonZeroU32::MIN)
}

fn default_n_batch() -> NonZeroU32 {
    NonZeroU32::new(512).unwrap_or(NonZeroU32::MIN)
}

fn default_threads() -> NonZeroU32 {
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    NonZeroU32::new(u32::try_from(n).unwrap_or(1)).unwrap_or(NonZeroU32::MIN)
}

fn default_seed() -> u32 {
    0x5eed
}

fn default_max_tokens() -> u32 {
    256
}

fn default_true() -> bool {
    true
}

impl LlamaConfig {
    /// A configuration for `model_path` with every other setting at its default.
    pub fn new(model_path: impl Into<PathBuf>) -> Self {
        Self {
            model_path: model_path.into(),
            n_gpu_layers: 0,
            n_ctx: default_n_ctx(),
            n_batch: default_n_batch(),
            n_threads: default_threads(),
            seed: default_seed(),
            sampling: Sampling::default(),
            max_tokens: default_max_tokens(),
            stop: Vec::new(),
            use_model_template: true,
            template: PromptTemplate::default(),
            prefix_reuse: true,
        }
    }

    /// Sets the number of layers offloaded to the GPU.
    pub fn with_n_gpu_layers(mut self, n: u32) -> Self {
        self.n_gpu_layers = n;
        self
    }

    /// Sets the context size (0 is raised to 1).
    pub fn with_n_ctx(mut self, n: u32) -> Self {
        self.n_ctx = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        self
    }

    /// Sets the prompt batch size (0 is raised to 1).
    pub fn with_n_batch(mut self, n: u32) -> Self {
        self.n_batch = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        self
    }

    /// Sets the number of CPU threads (0 is raised to 1).
    pub fn with_threads(mut self, n: u32) -> Self {
        self.n_threads = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        self
    }

    /// Sets the sampler seed.
    pub fn with_seed(mut self, seed: u32) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the default decoding policy.
    pub fn with_sampling(mut self, sampling: Sampling) -> Self {
        self.sampling = sampling;
        self
    }

    /// Sets the default largest number of generated tokens.
    pub fn with_max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = n;
        self
    }

    /// Sets the stop sequences applied to every request.
    pub fn with_stop(mut self, stop: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.stop = stop.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the fallback prompt template.
    pub fn with_template(mut self, template: PromptTemplate) -> Self {
        self.template = template;
        self
    }

    /// Chooses whether the GGUF's own chat template is preferred when it has one.
    pub fn with_model_template(mut self, use_it: bool) -> Self {
        self.use_model_template = use_it;
        self
    }

    /// Turns KV-cache prefix reuse on or off.
    pub fn with_prefix_reuse(mut self, on: bool) -> Self {
        self.prefix_reuse = on;
        self
    }
}

/// How the next token is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Sampling {
    /// Always the most likely token: deterministic.
    #[default]
    Greedy,
    /// Nucleus sampling at a temperature, seeded by [`LlamaConfig::seed`].
    Sampled {
        /// Softmax temperature (> 0).
        temperature: f32,
        /// Nucleus mass kept before sampling (in (0, 1]).
        top_p: f32,
    },
}

impl Sampling {
    /// The policy a request's temperature asks for: greedy at 0 (or below),
    /// otherwise sampled with `top_p` (1.0 when the request gives none).
    pub fn from_temperature(temperature: f32, top_p: Option<f32>) -> Self {
        if temperature <= 0.0 || !temperature.is_finite() {
            Self::Greedy
        } else {
            Self::Sampled {
                temperature,
                top_p: top_p.filter(|p| *p > 0.0 && *p <= 1.0).unwrap_or(1.0),
            }
        }
    }
}

/// The prompt format used when the GGUF has no usable chat template.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PromptTemplate {
    /// The system prompt, a blank line, then `User: …` / `Assistant: …` lines,
    /// ending with `Assistant:` — suits base models and Flan-T5.
    #[default]
    Plain,
    /// One of llama.cpp's built-in templates by name, such as `chatml`,
    /// `mistral-v1`, `llama2`, `gemma` or `phi3`.
    Builtin(String),
}
