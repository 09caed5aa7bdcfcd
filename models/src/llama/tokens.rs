//! Counting tokens with a GGUF's tokenizer, without a context or the weights
//! (the model is opened vocabulary-only). Used for prompt-length statistics,
//! e.g. by `dard export --tokenizer`.

use std::path::{Path, PathBuf};

use llama_cpp_2::model::LlamaModel as CppModel;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::token::LlamaToken;

use super::engine::{backend, check_model_file};
use super::error::LlamaError;

/// A GGUF tokenizer that counts the tokens of a text.
pub struct TokenCounter {
    model: CppModel,
    path: PathBuf,
}

impl std::fmt::Debug for TokenCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCounter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl TokenCounter {
    /// Opens the vocabulary of the GGUF at `path`.
    pub fn open(path: &Path) -> Result<Self, LlamaError> {
        check_model_file(path)?;
        let params = LlamaModelParams::default().with_vocab_only(true);
        let model =
            CppModel::load_from_file(backend()?, path, &params).map_err(|e| LlamaError::Load {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            model,
            path: path.to_path_buf(),
        })
    }

    /// The number of tokens `text` becomes, with the BOS token the vocabulary
    /// adds to a prompt and special-token text parsed, as a prompt is fed.
    pub fn count(&self, text: &str) -> usize {
        self.tokenize(text).len()
    }

    /// The token ids of `text` as a prompt is fed (BOS/EOS as the vocabulary
    /// asks, special-token text parsed).
    pub fn tokenize(&self, text: &str) -> Vec<i32> {
        let vocab = self.model.vocab();
        vocab
            .tokenize(text.as_bytes(), true, true)
            .into_iter()
            .map(|t| t.0)
            .collect()
    }

    /// The text of token ids, control tokens (BOS, EOS, padding) left out.
    pub fn detokenize(&self, tokens: &[i32]) -> String {
        if tokens.is_empty() {
            return String::new();
        }
        let tokens: Vec<LlamaToken> = tokens.iter().map(|&t| LlamaToken(t)).collect();
        let bytes = self.model.vocab().detokenize(&tokens, true, false);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// `general.architecture` of the GGUF (`llama`, `gemma3`, `t5`…).
    pub fn architecture(&self) -> String {
        self.model
            .meta_val_str("general.architecture")
            .unwrap_or_default()
    }

    /// The prompt budget `config` asks for: its `max_prompt_tokens`, else
    /// [`super::T5_MAX_PROMPT_TOKENS`] for a T5 model, else none.
    pub fn budget_for(&self, config: &super::LlamaConfig) -> Option<u32> {
        config
            .max_prompt_tokens
            .or_else(|| (self.architecture() == "t5").then_some(super::T5_MAX_PROMPT_TOKENS))
    }

    /// The id of the end-of-sequence token.
    pub fn eos(&self) -> i32 {
        self.model.vocab().eos().0
    }
}
