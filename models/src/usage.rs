//! Per-call accounting: what each call used ([`CallUsage`]), what models cost
//! ([`PriceTable`]), and a shared log of every call ([`UsageLedger`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::{ChatResponse, ModelInfo};

/// What one model call used. The pipeline tags it with the stage that made the
/// call (`agents::roles::StageUsage`); the accounting layer logs it in the
/// [`UsageLedger`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallUsage {
    /// The backend's name under `[backends]`.
    pub backend: String,
    /// The model the backend served.
    pub model: String,
    /// Prompt tokens.
    pub tokens_in: u32,
    /// Generated tokens.
    pub tokens_out: u32,
    /// Wall time of the whole call, retries and waits included.
    pub latency: Duration,
    /// Whether the answer came from the response cache.
    pub cache_hit: bool,
    /// How many retries the call needed.
    pub retries: u32,
    /// The price in US dollars, when the price table knows the model.
    pub cost_usd: Option<f64>,
}

impl CallUsage {
    /// The usage record of a successful call to the backend `info` describes.
    pub fn of(info: &ModelInfo, resp: &ChatResponse) -> Self {
        Self {
            backend: info.name.clone(),
            model: info.model.clone(),
            tokens_in: resp.input_tokens,
            tokens_out: resp.output_tokens,
            latency: resp.latency,
            cache_hit: resp.cache_hit,
            retries: resp.retries,
            cost_usd: resp.cost_usd,
        }
    }
}

/// The price of a model in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Dollars per million prompt tokens.
    pub input_per_mtok: f64,
    /// Dollars per million generated tokens.
    pub output_per_mtok: f64,
}

impl Price {
    /// The price of a call with these token counts.
    pub fn cost(&self, tokens_in: u32, tokens_out: u32) -> f64 {
        (f64::from(tokens_in) * self.input_per_mtok + f64::from(tokens_out) * self.output_per_mtok)
            / 1_000_000.0
    }
}

/// Prices by model id, as a TOML table such as
/// `[prices."gpt-4o-mini"] input_per_mtok = 0.15, output_per_mtok = 0.6`.
///
/// The table ships empty: prices change, so they belong in the user's config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PriceTable(pub BTreeMap<String, Price>);

impl PriceTable {
    /// The price of `model`, if the table has it.
    pub fn get(&self, model: &str) -> Option<Price> {
        self.0.get(model).copied()
    }

    /// Adds or replaces the price of `model`.
    pub fn insert(&mut self, model: impl Into<String>, price: Price) {
        self.0.insert(model.into(), price);
    }
}

/// One entry of the [`UsageLedger`]: a call's usage and, if it failed, why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// What the call used (tokens are zero for a failed call).
    pub usage: CallUsage,
    /// The error text of a failed call.
    pub error: Option<String>,
}

/// A shared, append-only log of every call made through the accounting layer,
/// successful or not. Clones share the log.
#[derive(Debug, Clone, Default)]
pub struct UsageLedger {
    records: Arc<Mutex<Vec<CallRecord>>>,
}

/// Sums over the records of a [`UsageLedger`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageTotals {
    /// Calls made.
    pub calls: u64,
    /// Calls that failed.
    pub failures: u64,
    /// Calls answered from the cache.
    pub cache_hits: u64,
    /// Retries over all calls.
    pub retries: u64,
    /// Prompt tokens over all calls.
    pub tokens_in: u64,
    /// Generated tokens over all calls.
    pub tokens_out: u64,
    /// Summed wall time of all calls.
    pub latency: Duration,
    /// Summed known cost in US dollars.
    pub cost_usd: f64,
}

impl UsageLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a record.
    pub fn push(&self, record: CallRecord) {
        // A poisoned lock only means another thread panicked mid-push; the Vec is
        // still valid, so keep recording.
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        records.push(record);
    }

    /// A copy of every record so far.
    pub fn records(&self) -> Vec<CallRecord> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Sums over every record so far.
    pub fn totals(&self) -> UsageTotals {
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let mut t = UsageTotals::default();
        for r in records.iter() {
            t.calls += 1;
            t.failures += u64::from(r.error.is_some());
            t.cache_hits += u64::from(r.usage.cache_hit);
            t.retries += u64::from(r.usage.retries);
            t.tokens_in += u64::from(r.usage.tokens_in);
            t.tokens_out += u64::from(r.usage.tokens_out);
            t.latency += r.usage.latency;
            t.cost_usd += r.usage.cost_usd.unwrap_or(0.0);
        }
        t
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn price_is_per_million_tokens() {
        let p = Price {
            input_per_mtok: 3.0,
            output_per_mtok: 15.0,
        };
        assert!((p.cost(1_000_000, 0) - 3.0).abs() < 1e-12);
        assert!((p.cost(1000, 200) - (0.003 + 0.003)).abs() < 1e-12);
    }

    #[test]
    fn price_table_reads_from_json_and_rejects_unknown_fields() {
        let t: PriceTable = serde_json::from_str(
            r#"{"gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 0.6}}"#,
        )
        .unwrap();
        assert_eq!(t.get("gpt-4o-mini").unwrap().output_per_mtok, 0.6);
        assert!(t.get("other").is_none());
        let bad = serde_json::from_str::<PriceTable>(
            r#"{"m": {"input_per_mtok": 1, "output_per_mtok": 1, "cached": 2}}"#,
        );
        assert!(bad.unwrap_err().to_string().contains("cached"));
    }
}
