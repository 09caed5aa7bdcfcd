//! Counters and latency histograms, rendered in the Prometheus text format
//! at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use manager::TurnOutcome;

/// Upper bounds of the latency buckets, in seconds: from half a millisecond
/// (the built-in default) to a minute (a slow model backend).
const BUCKETS: [f64; 16] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0,
];

/// A cumulative histogram of durations.
#[derive(Debug, Clone, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, d: Duration) {
        let secs = d.as_secs_f64();
        for (bound, count) in BUCKETS.iter().zip(&mut self.counts) {
            if secs <= *bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// Answered turns by API (`sessions`, `openai`).
    turns: BTreeMap<&'static str, u64>,
    /// Error responses by code.
    errors: BTreeMap<&'static str, u64>,
    /// Requests by status code.
    requests: BTreeMap<u16, u64>,
    /// Whole-turn latency by API.
    turn_latency: BTreeMap<&'static str, Histogram>,
    /// Stage latency by (stage, backend).
    stage_latency: BTreeMap<(String, String), Histogram>,
}

/// The server's metrics; one lock, held for a few additions per request.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Counters stay meaningful after a panic elsewhere.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts an answered turn of `api` with its stages.
    pub fn turn(&self, api: &'static str, outcome: &TurnOutcome) {
        let mut m = self.lock();
        *m.turns.entry(api).or_default() += 1;
        m.turn_latency
            .entry(api)
            .or_default()
            .observe(outcome.latency);
        for stage in &outcome.stages {
            m.stage_latency
                .entry((stage.stage.to_string(), stage.backend.clone()))
                .or_default()
                .observe(stage.latency);
        }
    }

    /// Counts a finished request and, for an error, its code.
    pub fn request(&self, status: u16, error: Option<&'static str>) {
        let mut m = self.lock();
        *m.requests.entry(status).or_default() += 1;
        if let Some(code) = error {
            *m.errors.entry(code).or_default() += 1;
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let m = self.lock();
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP dard_turns_total Turns answered, by API.\n");
        out.push_str("# TYPE dard_turns_total counter\n");
        for (api, n) in &m.turns {
            let _ = writeln!(out, "dard_turns_total{{api=\"{api}\"}} {n}");
        }
        out.push_str("# HELP dard_errors_total Error responses, by error code.\n");
        out.push_str("# TYPE dard_errors_total counter\n");
        for (code, n) in &m.errors {
            let _ = writeln!(out, "dard_errors_total{{code=\"{code}\"}} {n}");
        }
        out.push_str("# HELP dard_http_requests_total HTTP requests, by status.\n");
        out.push_str("# TYPE dard_http_requests_total counter\n");
        for (status, n) in &m.requests {
            let _ = writeln!(out, "dard_http_requests_total{{status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP dard_turn_latency_seconds Wall time of a whole turn, by API.\n");
        out.push_str("# TYPE dard_turn_latency_seconds histogram\n");
        for (api, h) in &m.turn_latency {
            h.render(
                &mut out,
                "dard_turn_latency_seconds",
                &format!("api=\"{api}\""),
            );
        }
        out.push_str(
            "# HELP dard_stage_latency_seconds Wall time of a pipeline stage, by stage and backend.\n",
        );
        out.push_str("# TYPE dard_stage_latency_seconds histogram\n");
        for ((stage, backend), h) in &m.stage_latency {
            let backend = backend.replace('\\', "\\\\").replace('"', "\\\"");
            h.render(
                &mut out,
                "dard_stage_latency_seconds",
                &format!("stage=\"{stage}\",backend=\"{backend}\""),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let mut h = Histogram::default();
        h.observe(Duration::from_micros(300));
        h.observe(Duration::from_millis(20));
        let mut out = String::new();
        h.render(&mut out, "x", "a=\"b\"");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.0005\"} 1\n"));
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.025\"} 2\n"));
        assert!(out.contains("x_bucket{a=\"b\",le=\"+Inf\"} 2\n"));
        assert!(out.contains("x_count{a=\"b\"} 2\n"));
    }
}
