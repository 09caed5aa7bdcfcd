//! Retries with exponential backoff and jitter, honouring `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::model::{BoxFuture, ChatModel, ChatRequest, ChatResponse};

/// When and how long to wait before another attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 turns retrying off).
    pub max_retries: u32,
    /// The backoff before the first retry; it doubles with each further retry.
    #[serde(with = "millis", rename = "base_delay_ms")]
    pub base_delay: Duration,
    /// The longest backoff between two attempts.
    #[serde(with = "millis", rename = "max_delay_ms")]
    pub max_delay: Duration,
    /// The longest `Retry-After` the layer will wait; a provider asking for more ends
    /// the call with its error instead.
    #[serde(with = "millis", rename = "max_retry_after_ms")]
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            // Ten retries: a call fails only if eleven attempts in a row do, which at
            // a 30% fault rate is about one call in 560,000 (a full test-split run
            // makes roughly 20,000). The backoff (0.5 s doubling, capped at 30 s)
            // waits at most about three minutes in all before giving up.
            max_retries: 10,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The backoff before retry number `retry` (0-based): half of the capped
    /// exponential delay plus a uniformly random part of the other half, so
    /// concurrent callers spread out without any delay collapsing to zero.
    pub fn backoff(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(30)))
            .min(self.max_delay);
        let half = exp / 2;
        let jitter_nanos = rng.random_range(0..=half.as_nanos().min(u128::from(u64::MAX)) as u64);
        half + Duration::from_nanos(jitter_nanos)
    }
}

/// How the retry layer waits: `tokio::time::sleep` by default; tests can record the
/// requested delays instead of sleeping.
pub type Sleeper = Arc<dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync>;

/// Retries retryable failures ([`ModelError::is_retryable`]) of the inner model.
///
/// The wait before a retry is the provider's `Retry-After` when it sent one, else the
/// policy's jittered exponential backoff. When the attempts run out the call fails
/// with [`ModelError::Exhausted`] wrapping the last error; a non-retryable error is
/// returned as it is.
#[derive(Clone)]
pub struct Retry<M> {
    inner: M,
    policy: RetryPolicy,
    sleeper: Sleeper,
}

impl<M> Retry<M> {
    /// Wraps `inner` with `policy`, sleeping on the tokio timer.
    pub fn new(inner: M, policy: RetryPolicy) -> Self {
        Self {
            inner,
            policy,
            sleeper: Arc::new(|d| Box::pin(tokio::time::sleep(d))),
        }
    }

    /// Replaces how the layer waits between attempts.
    pub fn with_sleeper(mut self, sleeper: Sleeper) -> Self {
        self.sleeper = sleeper;
        self
    }
}

impl<M> std::fmt::Debug for Retry<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Retry")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<M: ChatModel> ChatModel for Retry<M> {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        Box::pin(async move {
            let mut retries = 0u32;
            loop {
                let err = match self.inner.complete(req.clone()).await {
                    Ok(mut resp) => {
                        resp.retries = retries;
                        return Ok(resp);
                    }
                    Err(err) => err,
                };
                if !err.is_retryable() {
                    return Err(err);
                }
                let exhausted = |err| ModelError::Exhausted {
                    attempts: retries + 1,
                    last: Box::new(err),
                };
                if retries >= self.policy.max_retries {
                    return Err(exhausted(err));
                }
                let delay = match err.retry_after() {
                    Some(wait) if wait > self.policy.max_retry_after => {
                        tracing::warn!(?wait, "provider asked to wait longer than allowed");
                        return Err(exhausted(err));
                    }
                    Some(wait) => wait,
                    None => self.policy.backoff(retries, &mut rand::rng()),
                };
                let error = crate::redact::redact_urls(&err.to_string());
                tracing::info!(%error, ?delay, retry = retries + 1, "retrying model call");
                (self.sleeper)(delay).await;
                retries += 1;
            }
        })
    }
}

/// (De)serializes a `Duration` as whole milliseconds, for TOML.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_never_zero() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        let mut rng = rand::rng();
        for _ in 0..200 {
            let d0 = policy.backoff(0, &mut rng);
            assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
            let d2 = policy.backoff(2, &mut rng);
            assert!(d2 >= Duration::from_millis(200) && d2 <= Duration::from_millis(400));
            let d9 = policy.backoff(9, &mut rng);
            assert!(d9 >= Duration::from_millis(500) && d9 <= Duration::from_millis(1000));
            let huge = policy.backoff(u32::MAX, &mut rng);
            assert!(huge <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn policy_reads_milliseconds_and_defaults_missing_fields() {
        let p: RetryPolicy =
            serde_json::from_str(r#"{"max_retries": 5, "base_delay_ms": 250}"#).unwrap();
        assert_eq!(p.max_retries, 5);
        assert_eq!(p.base_delay, Duration::from_millis(250));
        assert_eq!(p.max_delay, RetryPolicy::default().max_delay);
    }
}
