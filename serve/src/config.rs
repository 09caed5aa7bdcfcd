//! The server's options: limits, authentication, rate limiting, CORS and
//! logging. They read from TOML (`[serve]` in a config file) or are set in
//! code; the API key is never serialized.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How `dard serve` behaves. `ServeConfig::default()` is a local server with
/// no key, no rate limit and no CORS.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ServeConfig {
    /// The bearer token clients must send; `None` leaves the API open.
    #[serde(skip)]
    pub api_key: Option<SecretString>,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The longest user turn accepted, in characters.
    pub max_turn_chars: usize,
    /// The most turns the pipeline runs at once; further turns wait.
    pub max_concurrent_turns: usize,
    /// Requests per second allowed per key (or per client address when no key
    /// is configured), with bursts; `None` is unlimited.
    pub rate_limit: Option<RateLimit>,
    /// Origins allowed by CORS (`"*"` for any); empty turns CORS off.
    pub cors_origins: Vec<String>,
    /// Whether the logs may contain the users' and the system's words.
    pub log_text: bool,
    /// How often a turn is answered again when another replica changed the
    /// session first (the optimistic version check), before giving up.
    pub max_turn_attempts: u32,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            api_key: None,
            max_body_bytes: 64 * 1024,
            max_turn_chars: 2_000,
            max_concurrent_turns: 256,
            rate_limit: None,
            cors_origins: Vec::new(),
            log_text: false,
            max_turn_attempts: 8,
        }
    }
}

impl ServeConfig {
    /// Requires `key` as the bearer token of every API request.
    pub fn with_api_key(mut self, key: SecretString) -> Self {
        self.api_key = Some(key);
        self
    }

    /// Sets the per-key rate limit.
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Allows these origins through CORS.
    pub fn with_cors_origins(mut self, origins: Vec<String>) -> Self {
        self.cors_origins = origins;
        self
    }

    /// Sets the largest accepted body and the longest accepted turn.
    pub fn with_limits(mut self, max_body_bytes: usize, max_turn_chars: usize) -> Self {
        self.max_body_bytes = max_body_bytes;
        self.max_turn_chars = max_turn_chars;
        self
    }

    /// Lets the logs contain message text.
    pub fn with_log_text(mut self, log_text: bool) -> Self {
        self.log_text = log_text;
        self
    }

    /// Whether `presented` is the configured key, compared in constant time
    /// over digests so that neither timing nor length gives the key away.
    pub(crate) fn key_matches(&self, presented: &str) -> bool {
        let Some(key) = &self.api_key else {
            return true;
        };
        let want = Sha256::digest(key.expose_secret().as_bytes());
        let got = Sha256::digest(presented.as_bytes());
        want.iter()
            .zip(got.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// A token bucket: `per_second` requests on average, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: f64,
    /// The most requests allowed in a burst.
    pub burst: u32,
}

impl RateLimit {
    /// How long a caller should wait for one token when the bucket is empty.
    pub(crate) fn refill_time(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.per_second.max(1e-6))
    }
}
