//! What each stage of a turn cost: [`StageUsage`], one model call (or one
//! built-in stage) tagged with the [`Stage`] that made it.
//!
//! The call itself is the model layer's [`CallUsage`]; this record adds what
//! only the pipeline knows: which stage called, and whether the call was a
//! repair retry or ended in the stage's fallback.

use std::fmt;
use std::time::Duration;

use models::usage::CallUsage;
use models::{ChatResponse, ModelInfo};
use serde::{Deserialize, Serialize};

/// The pipeline stage a [`StageUsage`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Stage {
    /// Belief-state tracking.
    Track,
    /// Routing by the dialog manager.
    Route,
    /// The domain agent's response.
    Respond,
}

impl Stage {
    /// The lower-case name, as used in traces and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Track => "track",
            Stage::Route => "route",
            Stage::Respond => "respond",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one model call (or one built-in stage) cost, tagged with its stage.
///
/// Serialized flat, as traces have always written it: the stage, the call's
/// fields (latency as `latency_ms`), then `repair`, `fallback` and `cost_usd`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "Flat", try_from = "Flat")]
pub struct StageUsage {
    /// The stage that made the call.
    pub stage: Stage,
    /// What the call used: backend, model, tokens, latency, cache, retries, cost.
    pub call: CallUsage,
    /// Whether this call was a repair retry after a malformed reply.
    pub repair: bool,
    /// Whether the stage gave up on the model output and used its safe fallback.
    pub fallback: bool,
}

impl StageUsage {
    /// The record of a built-in stage: no tokens, no cache, no retries.
    pub fn builtin(stage: Stage, latency: Duration) -> StageUsage {
        StageUsage {
            stage,
            call: CallUsage {
                backend: "builtin".to_string(),
                model: "builtin".to_string(),
                tokens_in: 0,
                tokens_out: 0,
                latency,
                cache_hit: false,
                retries: 0,
                cost_usd: None,
            },
            repair: false,
            fallback: false,
        }
    }

    /// The record of a successful model call made by `stage` to the backend `info`
    /// describes.
    pub fn of_call(stage: Stage, info: &ModelInfo, resp: &ChatResponse) -> StageUsage {
        StageUsage {
            stage,
            call: CallUsage::of(info, resp),
            repair: false,
            fallback: false,
        }
    }
}

/// The serialized form of a [`StageUsage`]: one flat object.
#[derive(Serialize, Deserialize)]
struct Flat {
    stage: Stage,
    backend: String,
    model: String,
    tokens_in: u64,
    tokens_out: u64,
    #[serde(rename = "latency_ms", with = "duration_ms")]
    latency: Duration,
    cache_hit: bool,
    retries: u32,
    repair: bool,
    fallback: bool,
    cost_usd: Option<f64>,
}

impl From<StageUsage> for Flat {
    fn from(u: StageUsage) -> Flat {
        Flat {
            stage: u.stage,
            backend: u.call.backend,
            model: u.call.model,
            tokens_in: u64::from(u.call.tokens_in),
            tokens_out: u64::from(u.call.tokens_out),
            latency: u.call.latency,
            cache_hit: u.call.cache_hit,
            retries: u.call.retries,
            repair: u.repair,
            fallback: u.fallback,
            cost_usd: u.call.cost_usd,
        }
    }
}

impl TryFrom<Flat> for StageUsage {
    type Error = String;

    fn try_from(f: Flat) -> Result<StageUsage, String> {
        let tokens = |n: u64, key: &str| {
            u32::try_from(n).map_err(|_| format!("{key} = {n} is more tokens than a call can have"))
        };
        Ok(StageUsage {
            stage: f.stage,
            call: CallUsage {
                backend: f.backend,
                model: f.model,
                tokens_in: tokens(f.tokens_in, "tokens_in")?,
                tokens_out: tokens(f.tokens_out, "tokens_out")?,
                latency: f.latency,
                cache_hit: f.cache_hit,
                retries: f.retries,
                cost_usd: f.cost_usd,
            },
            repair: f.repair,
            fallback: f.fallback,
        })
    }
}

/// Serializes a [`Duration`] as fractional milliseconds (`latency_ms` fields);
/// for `#[serde(with = "agents::roles::duration_ms")]`.
pub mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the duration in milliseconds, as a float.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64() * 1000.0)
    }

    /// Reads a duration from milliseconds (a float); negative or overflowing values are errors.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let ms = f64::deserialize(d)?;
        Duration::try_from_secs_f64(ms / 1000.0).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn stage_usage_serializes_latency_as_milliseconds() {
        let usage = StageUsage::builtin(Stage::Route, Duration::from_millis(12));
        let json = serde_json::to_value(&usage).unwrap();
        assert_eq!(json["latency_ms"], 12.0);
        assert_eq!(json["stage"], "route");
        assert_eq!(json["backend"], "builtin");
        let back: StageUsage = serde_json::from_value(json).unwrap();
        assert_eq!(back, usage);
    }

    #[test]
    fn stage_usage_serializes_flat_in_the_trace_order() {
        let usage = StageUsage::builtin(Stage::Track, Duration::from_millis(1));
        let text = serde_json::to_string(&usage).unwrap();
        assert_eq!(
            text,
            r#"{"stage":"track","backend":"builtin","model":"builtin","tokens_in":0,"tokens_out":0,"latency_ms":1.0,"cache_hit":false,"retries":0,"repair":false,"fallback":false,"cost_usd":null}"#
        );
    }

    #[test]
    fn stage_usage_rejects_a_token_count_beyond_u32() {
        let mut json =
            serde_json::to_value(StageUsage::builtin(Stage::Track, Duration::ZERO)).unwrap();
        json["tokens_in"] = serde_json::json!(u64::from(u32::MAX) + 1);
        let err = serde_json::from_value::<StageUsage>(json).unwrap_err();
        assert!(err.to_string().contains("tokens_in"), "{err}");
    }
}
