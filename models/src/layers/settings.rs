//! The settings of the layers, as the `layers` table of a `[backends]` entry.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::RetryPolicy;
use crate::error::ConfigError;

/// The layers every backend is wrapped in, as the `layers` table of a backend entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LayerConfig {
    /// The time limit of one attempt, in seconds.
    pub timeout_secs: f64,
    /// How many calls may run against this backend at once.
    pub concurrency: usize,
    /// Retries on 429, 5xx, timeouts and dropped connections.
    pub retry: RetryPolicy,
    /// Whether answers go through the response cache (when the build has a cache
    /// directory).
    pub cache: bool,
}

impl Default for LayerConfig {
    fn default() -> Self {
        Self {
            timeout_secs: 120.0,
            concurrency: 4,
            retry: RetryPolicy::default(),
            cache: true,
        }
    }
}

impl LayerConfig {
    /// The timeout as a `Duration`, or an error naming `layers.timeout_secs`.
    pub fn timeout(&self, backend: &str) -> Result<Duration, ConfigError> {
        Duration::try_from_secs_f64(self.timeout_secs)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| ConfigError::Invalid {
                backend: backend.to_owned(),
                key: "layers.timeout_secs".to_owned(),
                message: format!("{} is not a positive number of seconds", self.timeout_secs),
            })
    }
}
