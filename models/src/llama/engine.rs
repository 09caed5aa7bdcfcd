//! The llama.cpp side of the backend: loading a GGUF, rendering prompts with
//! its chat template, and generating after a pinned static prefix
//! ([`super::prefix`]). Everything
//! here runs on the worker thread; llama-cpp-2's types stay in this file.

use std::num::NonZeroU32;
use std::sync::OnceLock;
use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel as CppModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::{LogOptions, send_logs_to_tracing};

use super::config::{LlamaConfig, PromptTemplate, Sampling};
use super::error::LlamaError;
use super::prefix::{Pin, Resume};
use super::text::{PLAIN_STOPS, StopScanner, Turn, end_of_turn_after, render_plain};
use super::{FinishReason, GenerateOutput, ModelInfo, Prompt};

/// llama.cpp's backend may be initialised once per process; every model shares it.
static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();

/// The process-wide llama.cpp backend, initialised on first use with its logs
/// routed to `tracing`.
pub(crate) fn backend() -> Result<&'static LlamaBackend, LlamaError> {
    BACKEND
        .get_or_init(|| {
            send_logs_to_tracing(LogOptions::default());
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| LlamaError::Backend(e.clone()))
}

/// One unit of work for the engine, already merged with the config defaults.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub prompt: Prompt,
    pub static_prefix: usize,
    pub max_tokens: u32,
    pub stop: Vec<String>,
    pub sampling: Sampling,
    pub grammar: Option<String>,
    pub seed: u32,
}

/// The prompt format chosen at load time.
enum Template {
    /// A template llama.cpp applies (the GGUF's own, or a built-in by name).
    Llama {
        tmpl: LlamaChatTemplate,
        label: String,
        /// What the template writes at the end of an assistant turn, if anything.
        end_of_turn: Option<String>,
    },
    /// The backend's plain `User:` / `Assistant:` format.
    Plain,
}

impl Template {
    /// The stop sequences every generation with this template gets: the
    /// plain template's next speaker tag, a chat template's end of turn.
    fn stops(&self) -> Vec<String> {
        match self {
            Template::Plain => PLAIN_STOPS.iter().map(|s| (*s).to_string()).collect(),
            Template::Llama { end_of_turn, .. } => end_of_turn.iter().cloned().collect(),
        }
    }
}

/// Loads the GGUF named by the config (checking the path first: llama-cpp-2
/// asserts on missing files in debug builds).
pub(crate) fn load_model(
    backend: &LlamaBackend,
    cfg: &LlamaConfig,
) -> Result<CppModel, LlamaError> {
    let path = &cfg.model_path;
    check_model_file(path)?;
    let params = LlamaModelParams::default().with_n_gpu_layers(cfg.n_gpu_layers);
    CppModel::load_from_file(backend, path, &params).map_err(|e| LlamaError::Load {
        path: path.clone(),
        reason: format!("{e} (see the llama.cpp log lines in the tracing output)"),
    })
}

/// Checks that `path` names a regular file before llama.cpp opens it.
pub(crate) fn check_model_file(path: &std::path::Path) -> Result<(), LlamaError> {
    let meta = std::fs::metadata(path).map_err(|e| LlamaError::ModelFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if meta.is_file() {
        Ok(())
    } else {
        Err(LlamaError::ModelFile {
            path: path.to_path_buf(),
            reason: "not a regular file".into(),
        })
    }
}

/// A loaded model with its context, the tokens currently held in the KV cache
/// and the resolved prompt template.
pub(crate) struct Session<'m> {
    model: &'m CppModel,
    pub(super) ctx: LlamaContext<'m>,
    pub(super) batch: LlamaBatch<'static>,
    /// Tokens whose keys/values are in the KV cache, position by position.
    pub(super) cached: Vec<LlamaToken>,
    template: Template,
    encoder_decoder: bool,
    n_ctx: u32,
    pub(super) n_batch: usize,
    pub(super) prefix_reuse: bool,
    /// Pinned static prefixes, most recently used first (see [`super::prefix`]).
    pub(super) pins: Vec<Pin>,
    /// Where the last prompt stopped, when it was cancelled between chunks.
    pub(super) resume: Option<Resume>,
}

impl<'m> Session<'m> {
    /// Creates the context and resolves the template.
    pub(crate) fn new(
        backend: &LlamaBackend,
        model: &'m CppModel,
        cfg: &LlamaConfig,
    ) -> Result<Self, LlamaError> {
        let arch = model
            .meta_val_str("general.architecture")
            .unwrap_or_default();
        let encoder_decoder = arch == "t5";
        let n_ctx = cfg.n_ctx.get();
        // The encoder sees the whole prompt in one micro-batch, so an
        // encoder–decoder model gets batches as large as its context.
        let n_batch = if encoder_decoder {
            n_ctx
        } else {
            cfg.n_batch.get().min(n_ctx)
        };
        let threads = i32::try_from(cfg.n_threads.get()).unwrap_or(i32::MAX);
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(n_ctx))
            .with_n_batch(n_batch)
            .with_n_ubatch(n_batch)
            .with_n_threads(threads)
            .with_n_threads_batch(threads)
            // Full-size sliding-window caches keep every position, so a
            // common prefix can always be kept (Gemma 3, Mistral).
            .with_swa_full(true);
        let ctx = model
            .new_context(backend, params)
            .map_err(|e| LlamaError::Context {
                n_ctx,
                reason: e.to_string(),
            })?;
        let template = resolve_template(model, cfg)?;
        let batch_len = usize::try_from(n_batch).unwrap_or(512);
        Ok(Self {
            model,
            ctx,
            batch: LlamaBatch::new(batch_len, 1),
            cached: Vec::new(),
            template,
            encoder_decoder,
            n_ctx,
            n_batch: batch_len,
            prefix_reuse: cfg.prefix_reuse,
            pins: Vec::new(),
            resume: None,
        })
    }

    /// Facts about the model for logs and the manager.
    pub(crate) fn info(&self) -> ModelInfo {
        let meta = |k: &str| self.model.meta_val_str(k).ok();
        ModelInfo {
            architecture: meta("general.architecture").unwrap_or_default(),
            name: meta("general.name"),
            encoder_decoder: self.encoder_decoder,
            n_ctx: self.n_ctx,
            n_ctx_train: self.model.n_ctx_train(),
            n_vocab: u32::try_from(self.model.n_vocab()).unwrap_or(0),
            n_params: self.model.n_params(),
            size_bytes: self.model.size(),
            template: match &self.template {
                Template::Llama { label, .. } => label.clone(),
                Template::Plain => "plain".into(),
            },
            stops: self.template.stops(),
        }
    }

    /// Forgets the KV cache and the pinned prefixes (after an error or a
    /// panic left them in doubt, or when asked to start cold).
    pub(crate) fn reset(&mut self) {
        self.ctx.clear_kv_cache();
        self.cached.clear();
        self.pins.clear();
        self.resume = None;
    }

    /// The prompt text of a job and the text of its static prefix: the first
    /// `static_prefix` bytes of a raw text; for a chat, the rendering of its
    /// turns up to the static part of the last turn's content.
    fn prompt_text(&self, job: &Job) -> Result<(String, String), LlamaError> {
        match &job.prompt {
            Prompt::Text(t) => {
                let n = job.static_prefix.min(t.len());
                let head = if t.is_char_boundary(n) { &t[..n] } else { "" };
                Ok((t.clone(), head.to_string()))
            }
            Prompt::Chat(turns) => {
                let text = self.render(turns)?;
                // Rendered with a marker after the static part of the last
                // turn, the text before the marker is the static prefix.
                const MARKER: &str = "\u{1}QZPINQZ\u{1}";
                let Some((last, rest)) = turns.split_last() else {
                    return Ok((text, String::new()));
                };
                let n = job.static_prefix.min(last.content.len());
                let head = if last.content.is_char_boundary(n) {
                    &last.content[..n]
                } else {
                    ""
                };
                let mut marked = rest.to_vec();
                marked.push(Turn::new(last.role, format!("{head}{MARKER}")));
                let prefix = self
                    .render(&marked)
                    .ok()
                    .and_then(|r| r.find(MARKER).map(|at| r[..at].to_string()))
                    .filter(|p| text.starts_with(p.as_str()))
                    .unwrap_or_default();
                Ok((text, prefix))
            }
        }
    }

    /// Renders a chat into prompt text with the resolved template.
    fn render(&self, turns: &[Turn]) -> Result<String, LlamaError> {
        match &self.template {
            Template::Plain => Ok(render_plain(turns)),
            Template::Llama { tmpl, label, .. } => {
                let err = |reason: String| LlamaError::Template {
                    template: label.clone(),
                    reason,
                };
                let msgs = turns
                    .iter()
                    .map(|t| LlamaChatMessage::new(t.role.as_str().into(), t.content.clone()))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| err(e.to_string()))?;
                self.model
                    .apply_chat_template(tmpl, &msgs, true)
                    .map_err(|e| err(e.to_string()))
            }
        }
    }

    /// Tokenizes prompt text, adding BOS/EOS as the vocabulary asks unless the
    /// template already wrote the BOS text.
    pub(super) fn tokenize(&self, text: &str) -> Vec<LlamaToken> {
        let vocab = self.model.vocab();
        let bos_written = vocab.should_add_bos()
            && vocab
                .text(vocab.bos())
                .and_then(|c| c.to_str().ok())
                .is_some_and(|b| !b.is_empty() && text.starts_with(b));
        vocab.tokenize(text.as_bytes(), !bos_written, true)
    }

    /// Runs one job to completion. `cancelled` is polled between tokens so a
    /// caller that went away stops the work early.
    pub(crate) fn generate(
        &mut self,
        job: &Job,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<GenerateOutput, LlamaError> {
        let start = Instant::now();
        let (text, prefix_text) = self.prompt_text(job)?;
        let tokens = self.tokenize(&text);
        if tokens.is_empty() {
            return Err(LlamaError::EmptyPrompt);
        }
        if tokens.len() >= self.n_ctx as usize {
            return Err(LlamaError::PromptTooLong {
                prompt_tokens: tokens.len(),
                n_ctx: self.n_ctx,
            });
        }
        let mut sampler = build_sampler(self.model, job)?;
        let (reused, logits_at) = if self.encoder_decoder {
            (0, Some(self.encode_prompt(&tokens)?))
        } else {
            let prefix = self.static_tokens(&prefix_text, &tokens);
            self.eval_prompt(&tokens, prefix, cancelled)?
        };
        let prompt_eval = start.elapsed();
        let Some(mut logits_at) = logits_at else {
            // Cancelled between two prompt chunks: what was evaluated stays
            // cached, so a retry of the same prompt resumes from there
            // (unless another prompt runs first).
            return Ok(GenerateOutput {
                text: String::new(),
                finish: FinishReason::Cancelled,
                prompt_tokens: count(tokens.len()),
                reused_prompt_tokens: count(reused),
                completion_tokens: 0,
                prompt_eval,
                generation: std::time::Duration::ZERO,
                total: start.elapsed(),
            });
        };

        let gen_start = Instant::now();
        let vocab = self.model.vocab();
        let template_stops = self.template.stops();
        let stops: Vec<&str> = job
            .stop
            .iter()
            .chain(&template_stops)
            .map(String::as_str)
            .collect();
        let scanner = StopScanner::new(stops.iter().copied());
        let mut out = Vec::new();
        let mut n_gen = 0u32;
        let finish = loop {
            if n_gen >= job.max_tokens {
                break FinishReason::MaxTokens;
            }
            if cancelled() {
                break FinishReason::Cancelled;
            }
            let token = match sampler.as_mut() {
                Some(s) => s.sample(&self.ctx, logits_at),
                None => argmax(self.ctx.get_logits_ith(logits_at)),
            };
            if vocab.is_eog(token) {
                break FinishReason::EndOfGeneration;
            }
            // A control token is rendered as nothing in the text, so a stop
            // sequence spelled as one (`<end_of_turn>` in a GGUF that does not
            // mark it end-of-generation) is matched on the token itself.
            if vocab.is_control(token) {
                let piece = vocab.token_to_piece(token, true, None);
                if stops.iter().any(|s| s.as_bytes() == piece.as_slice()) {
                    break FinishReason::StopSequence;
                }
            }
            n_gen += 1;
            let old = out.len();
            vocab.token_to_piece_into(token, &mut out, false, None);
            if let Some(at) = scanner.find(&out, old) {
                out.truncate(at);
                break FinishReason::StopSequence;
            }
            if self.cached.len() >= self.n_ctx as usize {
                break FinishReason::ContextFull;
            }
            self.decode_one(token)?;
            logits_at = 0;
        };
        let generation = gen_start.elapsed();
        Ok(GenerateOutput {
            text: String::from_utf8_lossy(&out).into_owned(),
            finish,
            prompt_tokens: count(tokens.len()),
            reused_prompt_tokens: count(reused),
            completion_tokens: n_gen,
            prompt_eval,
            generation,
            total: start.elapsed(),
        })
    }

    /// Runs the encoder over the whole prompt and primes the decoder with its
    /// start token; returns the batch index holding the first logits.
    fn encode_prompt(&mut self, tokens: &[LlamaToken]) -> Result<i32, LlamaError> {
        self.reset();
        if tokens.len() > self.n_batch {
            return Err(LlamaError::PromptTooLong {
                prompt_tokens: tokens.len(),
                n_ctx: self.n_ctx,
            });
        }
        self.batch.clear();
        for (i, &tok) in tokens.iter().enumerate() {
            self.batch
                .add(tok, pos_i32(i), &[0], true)
                .map_err(|e| eval_err("encode", e))?;
        }
        self.ctx
            .encode(&mut self.batch)
            .map_err(|e| eval_err("encode", e))?;
        let mut start = self.model.decode_start_token();
        if start.0 < 0 {
            start = self.model.vocab().bos();
        }
        self.decode_one(start)?;
        Ok(0)
    }

    /// Evaluates one token at the next position and records it as cached.
    fn decode_one(&mut self, token: LlamaToken) -> Result<(), LlamaError> {
        self.batch.clear();
        self.batch
            .add(token, pos_i32(self.cached.len()), &[0], true)
            .map_err(|e| eval_err("decode", e))?;
        if let Err(e) = self.ctx.decode(&mut self.batch) {
            self.reset();
            return Err(eval_err("decode", e));
        }
        self.cached.push(token);
        Ok(())
    }
}

/// Chooses the model's own template when asked and understood, else the
/// configured one; a GGUF template llama.cpp cannot apply falls back with a warning.
fn resolve_template(model: &CppModel, cfg: &LlamaConfig) -> Result<Template, LlamaError> {
    if cfg.use_model_template
        && let Ok(tmpl) = model.chat_template(None)
    {
        if probe(model, &tmpl) {
            let end_of_turn = end_of_turn(model, &tmpl);
            return Ok(Template::Llama {
                tmpl,
                label: "gguf".into(),
                end_of_turn,
            });
        }
        tracing::warn!(
            path = %cfg.model_path.display(),
            "the GGUF's chat template is not one llama.cpp can apply; using the configured template"
        );
    }
    match &cfg.template {
        PromptTemplate::Plain => {
            if cfg.use_model_template && model.chat_template(None).is_err() {
                warn_plain_once(model, cfg);
            }
            Ok(Template::Plain)
        }
        PromptTemplate::Builtin(name) => {
            let label = format!("builtin:{name}");
            let tmpl = LlamaChatTemplate::new(name).map_err(|e| LlamaError::Template {
                template: label.clone(),
                reason: e.to_string(),
            })?;
            if !probe(model, &tmpl) {
                return Err(LlamaError::Template {
                    template: label,
                    reason: "llama.cpp does not know this template name".into(),
                });
            }
            let end_of_turn = end_of_turn(model, &tmpl);
            Ok(Template::Llama {
                tmpl,
                label,
                end_of_turn,
            })
        }
    }
}

/// Warns, once per model file in a process, that a GGUF has no chat template
/// and the plain one is used: an instruction-tuned model prompted without its
/// template answers worse, and nothing else would say why.
fn warn_plain_once(model: &CppModel, cfg: &LlamaConfig) {
    static WARNED: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());
    let name = model.meta_val_str("general.name").unwrap_or_default();
    if first_time(&WARNED, &cfg.model_path) {
        tracing::warn!(
            model = %name,
            path = %cfg.model_path.display(),
            template = "plain",
            "the GGUF has no chat template; prompts use the plain `User:` / `Assistant:` template \
             (set `template` in the backend's config to choose a built-in one)"
        );
    }
}

/// Records `key` in `seen`; true the first time it is seen.
pub(crate) fn first_time<K: PartialEq + Clone>(seen: &std::sync::Mutex<Vec<K>>, key: &K) -> bool {
    let mut seen = seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if seen.contains(key) {
        false
    } else {
        seen.push(key.clone());
        true
    }
}

/// The end-of-turn text of `tmpl`, read off a rendered assistant turn.
fn end_of_turn(model: &CppModel, tmpl: &LlamaChatTemplate) -> Option<String> {
    const MARKER: &str = "QZQXQZQ";
    let msgs = [("user", "u"), ("assistant", MARKER)]
        .into_iter()
        .filter_map(|(r, c)| LlamaChatMessage::new(r.into(), c.into()).ok())
        .collect::<Vec<_>>();
    let rendered = model.apply_chat_template(tmpl, &msgs, false).ok()?;
    end_of_turn_after(&rendered, MARKER)
}

/// Whether llama.cpp can apply `tmpl` to a small conversation.
fn probe(model: &CppModel, tmpl: &LlamaChatTemplate) -> bool {
    let msgs = [("system", "s"), ("user", "u")]
        .into_iter()
        .filter_map(|(r, c)| LlamaChatMessage::new(r.into(), c.into()).ok())
        .collect::<Vec<_>>();
    model.apply_chat_template(tmpl, &msgs, true).is_ok()
}

/// Converts a JSON Schema into a GBNF grammar with llama.cpp's converter.
pub(crate) fn schema_to_grammar(schema: &str) -> Result<String, LlamaError> {
    llama_cpp_2::json_schema_to_grammar(schema)
        .map_err(|e| LlamaError::Grammar(format!("JSON Schema not convertible to GBNF: {e}")))
}

/// The sampler a job needs, or `None` for plain greedy decoding (done as an
/// argmax over the logits, which avoids building a candidate array per token).
fn build_sampler(model: &CppModel, job: &Job) -> Result<Option<LlamaSampler>, LlamaError> {
    let grammar = job
        .grammar
        .as_deref()
        .map(|g| {
            LlamaSampler::grammar(model, g, "root").map_err(|e| LlamaError::Grammar(e.to_string()))
        })
        .transpose()?;
    let sampler = match (job.sampling, grammar) {
        (Sampling::Greedy, None) => None,
        (Sampling::Greedy, Some(g)) => {
            Some(LlamaSampler::chain_simple([g, LlamaSampler::greedy()]))
        }
        (Sampling::Sampled { temperature, top_p }, g) => {
            Some(LlamaSampler::chain_simple(g.into_iter().chain([
                LlamaSampler::top_p(top_p, 1),
                LlamaSampler::temp(temperature),
                LlamaSampler::dist(job.seed),
            ])))
        }
    };
    Ok(sampler)
}

/// Index of the largest logit (the first one on ties, like llama.cpp's greedy sampler).
fn argmax(logits: &[f32]) -> LlamaToken {
    let mut best = 0usize;
    for (i, &l) in logits.iter().enumerate() {
        if l > logits[best] {
            best = i;
        }
    }
    LlamaToken(pos_i32(best))
}

pub(super) fn pos_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(super) fn eval_err(stage: &'static str, e: impl std::fmt::Display) -> LlamaError {
    LlamaError::Eval {
        stage,
        reason: e.to_string(),
    }
}
