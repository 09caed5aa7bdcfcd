//! `dard bench` against an OpenAI-compatible mock that fails 30% of requests —
//! 429 with Retry-After, 500, dropped connections and replies slower than the
//! timeout — completes with every turn answered and nothing lost.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod bench_support;

use std::time::Duration;

use bench_support::{Mock, MockOptions, assert_ok, bench, data_folder, mock_config, report, s};

#[test]
fn bench_with_thirty_percent_faults_answers_every_turn() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 4);
    let mock = Mock::start(MockOptions {
        delay: Duration::from_millis(5),
        fault_percent: 30,
        slow: Duration::from_millis(1500),
        ..MockOptions::default()
    });
    let config = mock_config(
        dir.path(),
        &mock,
        "timeout_secs = 0.4, concurrency = 16, retry = { max_retries = 4, base_delay_ms = 5, max_delay_ms = 20 }",
        "",
    );
    let run = dir.path().join("run");
    let out = bench(&[
        "--data",
        s(&data),
        "--config",
        s(&config),
        "--setting",
        "end-to-end",
        "--concurrency",
        "8",
        "--no-cache",
        "--out",
        s(&run),
    ]);
    assert_ok(&out);

    let faults = mock.fault_counts();
    assert!(
        faults.iter().all(|n| *n > 0),
        "every fault kind must occur {:?}: {faults:?}",
        bench_support::FAULT_KINDS
    );
    let requests = mock.requests.load(std::sync::atomic::Ordering::SeqCst);
    let injected: usize = faults.iter().sum();
    assert!(
        (20..=40).contains(&(injected * 100 / requests)),
        "roughly 30% of {requests} requests fail, got {injected} ({faults:?})"
    );

    let r = report(&run);
    assert_eq!(r["turns"]["planned"], 20);
    assert_eq!(r["turns"]["answered"], 20, "{r:#}");
    assert_eq!(r["turns"]["failed"], 0);
    assert_eq!(r["turns"]["missing"], 0);
    assert!(r["usage"]["retries"].as_u64().unwrap() > 0);

    // Nothing lost: one trace line per turn, every prediction answered.
    let trace = bench_support::trace_lines(&run);
    assert_eq!(trace.len(), 20);
    assert!(trace.iter().all(|t| t["status"] == "ok"));
    let preds: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("predictions.json")).unwrap())
            .unwrap();
    let turns: Vec<&serde_json::Value> = preds
        .as_object()
        .unwrap()
        .values()
        .flat_map(|t| t.as_array().unwrap())
        .collect();
    assert_eq!(turns.len(), 20);
    assert!(
        turns
            .iter()
            .all(|t| t["response"].as_str().unwrap().starts_with("mock reply"))
    );
}
