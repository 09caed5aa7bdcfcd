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
    /// CPU threads used for generation and prompt evaluation (default: the
    /// physical cores, see [`LlamaConfig::new`]).
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
    /// Whether each request's static prefix (system prompt, fixed examples)
    /// stays evaluated between calls. Off, it is evaluated for every call, in
    /// the same chunks, so outputs are the same either way.
    #[serde(default = "default_true")]
    pub prefix_reuse: bool,
    /// The most prompt tokens the LLM-backed roles send this model: they trim
    /// few-shot examples, then the oldest history, to fit. Default: 512 for a
    /// T5 model (Flan-T5 was trained on 512-token inputs), no limit otherwise.
    #[serde(default)]
    pub max_prompt_tokens: Option<u32>,
}

/// The prompt budget of a T5 (Flan-T5) model when none is configured.
pub const T5_MAX_PROMPT_TOKENS: u32 = 512;

fn default_n_ctx() -> NonZeroU32 {
    NonZeroU32::new(4096).unwrap_or(NonZeroU32::MIN)
}

fn default_n_batch() -> NonZeroU32 {
    NonZeroU32::new(512).unwrap_or(NonZeroU32::MIN)
}

/// The default thread count: the physical cores this process may use.
///
/// Not the logical ones: llama.cpp's threads meet at a barrier after every
/// graph node and spin while they wait, so a thread sharing its core with
/// another one (a hyperthread sibling, or any other busy process) holds the
/// others up. Measured on a 2-core machine with the other core busy: Gemma 3
/// 270M generated 15 tok/s with 2 threads against 35 with 1, and the first call
/// of a bench run spun in `ggml_barrier` past the 120 s timeout. On a shared
/// machine set `n_threads` lower still.
fn default_threads() -> NonZeroU32 {
    let logical = std::thread::available_parallelism().map_or(1, |n| n.get());
    let physical = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| physical_cores(&info))
        .unwrap_or(logical);
    let n = physical.min(logical).max(1);
    NonZeroU32::new(u32::try_from(n).unwrap_or(1)).unwrap_or(NonZeroU32::MIN)
}

/// The number of distinct (`physical id`, `core id`) pairs in a
/// `/proc/cpuinfo` text; `None` when it names no core ids (some virtual
/// machines and non-x86 kernels).
pub(crate) fn physical_cores(cpuinfo: &str) -> Option<usize> {
    let mut cores = std::collections::BTreeSet::new();
    let mut package = "";
    for line in cpuinfo.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        match key.trim() {
            "physical id" => package = value.trim(),
            "core id" => {
                cores.insert((package.to_string(), value.trim().to_string()));
            }
            _ => {}
        }
    }
    (!cores.is_empty()).then_some(cores.len())
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
    ///
    /// `n_threads` defaults to the physical cores the process may use, not the
    /// logical ones: llama.cpp's threads spin at a barrier after every graph
    /// node, so two threads on one core hold each other up (measured on a busy
    /// 2-core machine: 15 tok/s with 2 threads against 35 with 1).
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
            max_prompt_tokens: None,
        }
    }

    /// Sets the prompt budget of the LLM-backed roles.
    pub fn with_max_prompt_tokens(mut self, n: u32) -> Self {
        self.max_prompt_tokens = Some(n);
        self
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_threads_defaults_to_physical_cores_not_hyperthreads() {
        // Two cores with two hyperthreads each: four processors, two cores.
        let info = "processor\t: 0\nphysical id\t: 0\ncore id\t\t: 0\n\n\
                    processor\t: 1\nphysical id\t: 0\ncore id\t\t: 1\n\n\
                    processor\t: 2\nphysical id\t: 0\ncore id\t\t: 0\n\n\
                    processor\t: 3\nphysical id\t: 0\ncore id\t\t: 1\n";
        assert_eq!(physical_cores(info), Some(2));
        // The same core id on two packages is two cores.
        let two_sockets = "physical id : 0\ncore id : 0\nphysical id : 1\ncore id : 0\n";
        assert_eq!(physical_cores(two_sockets), Some(2));
        assert_eq!(physical_cores("processor : 0\n"), None);
        let logical = std::thread::available_parallelism().map_or(1, |n| n.get());
        let n = LlamaConfig::new("m.gguf").n_threads.get() as usize;
        assert!(n >= 1 && n <= logical, "{n} threads of {logical}");
    }
}
