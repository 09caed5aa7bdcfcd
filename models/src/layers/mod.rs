//! Layers that wrap any [`ChatModel`]: a per-attempt timeout, a concurrency limit,
//! retries with backoff, a response cache and accounting.
//!
//! They compose like tower layers, each a `ChatModel` around an inner one. The stack
//! [`crate::config::build`] assembles is, outermost first:
//! `Accounting → Cache → Retry → ConcurrencyLimit → Timeout → backend`, so a cache hit
//! costs no permit, a backoff sleep holds no permit, and the timeout covers one attempt.

mod cache;
mod retry;
mod settings;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

pub use cache::{CacheScope, ResponseCache, cache_key, scoped_cache_key};
pub use retry::{Retry, RetryPolicy, Sleeper};
pub use settings::LayerConfig;

use crate::error::ModelError;
use crate::model::{BoxFuture, ChatModel, ChatRequest, ChatResponse, ModelInfo};
use crate::usage::{CallRecord, CallUsage, PriceTable, UsageLedger};

/// Fails an attempt that takes longer than a limit with [`ModelError::Timeout`].
#[derive(Debug, Clone)]
pub struct Timeout<M> {
    inner: M,
    limit: Duration,
}

impl<M> Timeout<M> {
    /// Wraps `inner` with a per-call time limit.
    pub fn new(inner: M, limit: Duration) -> Self {
        Self { inner, limit }
    }
}

impl<M: ChatModel> ChatModel for Timeout<M> {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        Box::pin(async move {
            match tokio::time::timeout(self.limit, self.inner.complete(req)).await {
                Ok(result) => result,
                Err(_) => Err(ModelError::Timeout(self.limit)),
            }
        })
    }
}

/// Lets at most a fixed number of calls run in the inner model at once; the rest wait.
#[derive(Debug, Clone)]
pub struct ConcurrencyLimit<M> {
    inner: M,
    permits: Arc<Semaphore>,
}

impl<M> ConcurrencyLimit<M> {
    /// Wraps `inner`, allowing `max_in_flight` concurrent calls (at least one).
    pub fn new(inner: M, max_in_flight: usize) -> Self {
        Self {
            inner,
            permits: Arc::new(Semaphore::new(max_in_flight.max(1))),
        }
    }
}

impl<M: ChatModel> ChatModel for ConcurrencyLimit<M> {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        Box::pin(async move {
            // The semaphore is never closed, so acquiring only fails if that changes.
            let _permit = self
                .permits
                .acquire()
                .await
                .map_err(|e| ModelError::Backend(format!("concurrency limit: {e}")))?;
            self.inner.complete(req).await
        })
    }
}

/// Measures every call, prices it from a [`PriceTable`], stamps the response with the
/// whole call's latency and cost, and logs a [`CallRecord`] to a [`UsageLedger`].
#[derive(Debug, Clone)]
pub struct Accounting<M> {
    inner: M,
    info: ModelInfo,
    prices: PriceTable,
    ledger: UsageLedger,
}

impl<M> Accounting<M> {
    /// Wraps `inner`, the backend `info` describes.
    pub fn new(inner: M, info: ModelInfo, prices: PriceTable, ledger: UsageLedger) -> Self {
        Self {
            inner,
            info,
            prices,
            ledger,
        }
    }
}

impl<M: ChatModel> ChatModel for Accounting<M> {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        Box::pin(async move {
            let start = Instant::now();
            let result = self.inner.complete(req).await;
            let latency = start.elapsed();
            match result {
                Ok(mut resp) => {
                    resp.latency = latency;
                    resp.cost_usd = if resp.cache_hit {
                        Some(0.0)
                    } else {
                        self.prices
                            .get(&self.info.model)
                            .map(|p| p.cost(resp.input_tokens, resp.output_tokens))
                    };
                    let usage = CallUsage::of(&self.info, &resp);
                    tracing::debug!(
                        backend = %usage.backend,
                        tokens_in = usage.tokens_in,
                        tokens_out = usage.tokens_out,
                        latency_ms = latency.as_millis() as u64,
                        retries = usage.retries,
                        cache_hit = usage.cache_hit,
                        "model call"
                    );
                    self.ledger.push(CallRecord { usage, error: None });
                    Ok(resp)
                }
                Err(err) => {
                    let retries = match &err {
                        ModelError::Exhausted { attempts, .. } => attempts.saturating_sub(1),
                        _ => 0,
                    };
                    let error = crate::redact::redact_urls(&err.to_string());
                    tracing::warn!(backend = %self.info.name, %error, "model call failed");
                    self.ledger.push(CallRecord {
                        usage: CallUsage {
                            backend: self.info.name.clone(),
                            model: self.info.model.clone(),
                            tokens_in: 0,
                            tokens_out: 0,
                            latency,
                            cache_hit: false,
                            retries,
                            cost_usd: None,
                        },
                        error: Some(error),
                    });
                    Err(err)
                }
            }
        })
    }
}
