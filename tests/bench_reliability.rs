//! `dard bench` under faults on both remote backends (OpenAI-compatible and Bedrock):
//! 30% mixed faults leave no failed and no empty turn with the default retry count;
//! 100% faults end with a non-zero exit and every turn marked failed, and a later
//! `--resume` against the healed server gives the predictions of a clean run.
//!
//! The mock answers at once and the configs shrink the timeout and the backoff
//! delays so the tests take seconds; `max_retries` and `max_retry_after_ms` keep
//! their defaults. The default delays themselves are covered by
//! `models/tests/defaults.rs`.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod bench_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bench_support::{
    FAULT_KINDS, Mock, MockOptions, assert_ok, bedrock_config, bench, data_folder, mock_config,
    report, s, trace_lines,
};

/// Fast delays only: the retry count and the `Retry-After` ceiling are the defaults.
const FAST_LAYERS: &str =
    "timeout_secs = 0.25, concurrency = 16, retry = { base_delay_ms = 1, max_delay_ms = 8 }";

#[derive(Clone, Copy, Debug)]
enum Backend {
    OpenAi,
    Bedrock,
}

fn config(dir: &Path, mock: &Mock, backend: Backend, layers: &str) -> PathBuf {
    match backend {
        Backend::OpenAi => mock_config(dir, mock, layers, ""),
        Backend::Bedrock => bedrock_config(dir, mock, layers),
    }
}

fn faulty_mock(percent: u64) -> Mock {
    Mock::start(MockOptions {
        fault_percent: percent,
        slow: Duration::from_secs(1),
        max_streak: u32::MAX,
        ..MockOptions::default()
    })
}

fn run_args<'a>(data: &'a Path, config: &'a Path, run: &'a Path, dialogs: &'a str) -> Vec<&'a str> {
    vec![
        "--data",
        s(data),
        "--config",
        s(config),
        "--setting",
        "end-to-end",
        "--dialogs",
        dialogs,
        "--concurrency",
        "16",
        "--no-cache",
        "--out",
        s(run),
    ]
}

fn predictions(run: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("predictions.json")).unwrap()).unwrap()
}

fn turns(preds: &serde_json::Value) -> Vec<serde_json::Value> {
    preds
        .as_object()
        .unwrap()
        .values()
        .flat_map(|t| t.as_array().unwrap().clone())
        .collect()
}

fn thirty_percent(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 17);
    let mock = faulty_mock(30);
    let config = config(dir.path(), &mock, backend, FAST_LAYERS);
    let run = dir.path().join("run");
    let out = bench(&run_args(&data, &config, &run, "50"));
    assert_ok(&out);

    let faults = mock.fault_counts();
    let injected: usize = faults.iter().sum();
    let requests = mock.requests.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        faults.iter().all(|n| *n > 0),
        "every fault kind occurs {FAULT_KINDS:?}: {faults:?}"
    );
    let r = report(&run);
    let planned = r["turns"]["planned"].as_u64().unwrap();
    assert!(planned >= 80, "50 dialogs: {planned} turns");
    assert_eq!(r["dialogs"]["planned"], 50);
    assert_eq!(r["turns"]["failed"], 0, "{backend:?}: {r:#}");
    assert_eq!(r["turns"]["answered"], planned);
    let all = turns(&predictions(&run));
    let empty = all
        .iter()
        .filter(|t| t["response"].as_str().unwrap().trim().is_empty())
        .count();
    assert_eq!(all.len() as u64, planned);
    assert_eq!(empty, 0, "{backend:?}: empty turns");
    assert!(all.iter().all(|t| t.get("failed").is_none()));
    eprintln!(
        "{backend:?}: {planned} turns, 0 failed, 0 empty; {injected} faults in {requests} requests {faults:?}, {} retries",
        r["usage"]["retries"]
    );
}

#[test]
fn thirty_percent_faults_leave_no_failed_or_empty_turn_on_openai() {
    thirty_percent(Backend::OpenAi);
}

#[test]
fn thirty_percent_faults_leave_no_failed_or_empty_turn_on_bedrock() {
    thirty_percent(Backend::Bedrock);
}

fn all_fail_then_resume(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 2);
    let mock = faulty_mock(100);
    // Fewer retries: every call fails, and the count does not change the outcome.
    let layers = "timeout_secs = 0.25, concurrency = 16, retry = { max_retries = 2, base_delay_ms = 1, max_delay_ms = 2 }";
    let config = config(dir.path(), &mock, backend, layers);
    let run = dir.path().join("run");
    let out = bench(&run_args(&data, &config, &run, "6"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{backend:?}: {stderr}");
    assert!(
        stderr.contains("failed after every retry") && stderr.contains("--resume"),
        "{stderr}"
    );
    let r = report(&run);
    let planned = r["turns"]["planned"].as_u64().unwrap();
    assert!(planned > 0);
    assert_eq!(r["turns"]["failed"], planned, "{r:#}");
    assert_eq!(r["turns"]["answered"], 0);
    let trace = trace_lines(&run);
    assert_eq!(trace.len() as u64, planned);
    assert!(trace.iter().all(|t| t["status"] == "failed"), "{trace:?}");
    let all = turns(&predictions(&run));
    assert_eq!(all.len() as u64, planned);
    assert!(all.iter().all(|t| t["failed"] == true), "{all:?}");
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(md.contains(&format!("{planned} failed")), "{md}");

    // The server heals: --resume runs the failed turns again.
    mock.set_fault_percent(0);
    let mut resume = run_args(&data, &config, &run, "6");
    resume.push("--resume");
    assert_ok(&bench(&resume));
    let r = report(&run);
    assert_eq!(r["turns"]["failed"], 0, "{r:#}");
    assert_eq!(r["turns"]["answered"], planned);

    let clean = dir.path().join("clean");
    assert_ok(&bench(&run_args(&data, &config, &clean, "6")));
    assert_eq!(
        std::fs::read(run.join("predictions.json")).unwrap(),
        std::fs::read(clean.join("predictions.json")).unwrap(),
        "{backend:?}: resumed predictions equal a clean run's"
    );
}

#[test]
fn all_faults_exit_non_zero_mark_every_turn_failed_and_resume_completes_them_openai() {
    all_fail_then_resume(Backend::OpenAi);
}

#[test]
fn all_faults_exit_non_zero_mark_every_turn_failed_and_resume_completes_them_bedrock() {
    all_fail_then_resume(Backend::Bedrock);
}

#[test]
fn a_second_run_on_a_busy_run_folder_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 2);
    // Slow answers keep the first run busy for several seconds.
    let mock = Mock::start(MockOptions {
        delay: Duration::from_secs(2),
        ..MockOptions::default()
    });
    let config = mock_config(dir.path(), &mock, "concurrency = 16", "");
    let run = dir.path().join("run");
    let mut args = vec!["bench"];
    args.extend(run_args(&data, &config, &run, "6"));
    let mut first = bench_support::dard()
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !run.join("run.json").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first run never started"
        );
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first run ended early"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    for extra in [None, Some("--resume")] {
        let mut second: Vec<&str> = run_args(&data, &config, &run, "6");
        second.extend(extra);
        let out = bench(&second);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!("in use by process {}", first.id())),
            "{extra:?}: {stderr}"
        );
    }
    first.kill().unwrap();
    first.wait().unwrap();
    // The kernel releases the lock of a killed run: --resume proceeds.
    let mut resume = run_args(&data, &config, &run, "6");
    resume.push("--resume");
    assert_ok(&bench(&resume));
    let trace = trace_lines(&run);
    let r = report(&run);
    assert_eq!(trace.len() as u64, r["turns"]["planned"].as_u64().unwrap());
}
