//! Loads a llama model on its first call, so [`crate::config::build`] can stay
//! synchronous while [`crate::llama::LlamaModel::load`] is not.

use tokio::sync::OnceCell;

use crate::error::ModelError;
use crate::llama::{LlamaConfig, LlamaModel};
use crate::model::{BoxFuture, ChatModel, ChatRequest, ChatResponse};

/// A [`LlamaModel`] loaded on first use; clones of the handle that holds it share it.
#[derive(Debug)]
pub(crate) struct LazyLlama {
    config: LlamaConfig,
    model: OnceCell<LlamaModel>,
}

impl LazyLlama {
    /// A model that loads `config` when first called.
    pub(crate) fn new(config: LlamaConfig) -> Self {
        Self {
            config,
            model: OnceCell::new(),
        }
    }
}

impl ChatModel for LazyLlama {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        Box::pin(async move {
            let model = self
                .model
                .get_or_try_init(|| LlamaModel::load(self.config.clone()))
                .await
                .map_err(|e| ModelError::Backend(format!("loading the GGUF model: {e}")))?;
            model.complete(req).await
        })
    }
}
