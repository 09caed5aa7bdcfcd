//! Throughput of `dard bench` against an OpenAI-compatible mock on 127.0.0.1
//! that answers every request after a fixed delay: the run's wall time against
//! the limit `turns × calls per turn × delay / concurrency`, and the
//! orchestration CPU per turn (the dard process's CPU time during the run; the
//! mock runs in this process, not in dard's).
//!
//! `cargo bench --bench bench_throughput`. Settings through the environment:
//! `BENCH_DELAY_MS` (200), `BENCH_CONCURRENCY` (comma-separated, "16,64"),
//! `BENCH_SETTING` (gold-state; end-to-end makes three calls per turn),
//! `BENCH_DATA` (a MultiWOZ folder; default: synthetic dialogs, 100 copies of
//! the manager's fixtures) with `BENCH_DIALOGS` (100) for real data.

#[path = "../tests/bench_support/mod.rs"]
mod bench_support;

use std::time::{Duration, Instant};

use bench_support::{Mock, MockOptions, assert_ok, dard, data_folder, report, s};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing we need.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let delay_ms: u64 = env_or("BENCH_DELAY_MS", "200")
        .parse()
        .expect("BENCH_DELAY_MS");
    let setting = env_or("BENCH_SETTING", "gold-state");
    let calls_per_turn = if setting == "end-to-end" { 3.0 } else { 2.0 };
    let concurrencies: Vec<usize> = env_or("BENCH_CONCURRENCY", "16,64")
        .split(',')
        .map(|c| c.trim().parse().expect("BENCH_CONCURRENCY"))
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let (data, dialogs) = match std::env::var("BENCH_DATA") {
        Ok(d) => (d.into(), env_or("BENCH_DIALOGS", "100")),
        Err(_) => (data_folder(dir.path(), 100), "1000000".to_string()),
    };
    let mock = Mock::start(MockOptions {
        delay: Duration::from_millis(delay_ms),
        ..MockOptions::default()
    });
    println!(
        "dard bench throughput: mock delay {delay_ms} ms, setting {setting} ({calls_per_turn} calls/turn), data {}",
        data.display()
    );
    println!(
        "{:>11} {:>6} {:>9} {:>9} {:>8} {:>10} {:>11} {:>9}",
        "concurrency", "turns", "limit s", "run s", "ratio", "turns/s", "CPU ms/turn", "total s"
    );
    for k in concurrencies {
        let run = dir.path().join(format!("run-{k}"));
        let clock = Instant::now();
        let out = dard()
            .args([
                "bench",
                "--data",
                s(&data),
                "--dialogs",
                &dialogs,
                "--setting",
                &setting,
                "--backend",
                "openai",
                "--base-url",
                &mock.base_url(),
                "--model",
                "mock",
                "--concurrency",
                &k.to_string(),
                "--no-cache",
                "--out",
                s(&run),
            ])
            .output()
            .expect("run dard");
        let total = clock.elapsed().as_secs_f64();
        assert_ok(&out);
        let r = report(&run);
        let turns = r["turns"]["this_invocation"].as_f64().unwrap_or(0.0);
        let calls = r["usage"]["calls"].as_f64().unwrap_or(0.0);
        let run_s = r["timing"]["run_s"].as_f64().unwrap_or(0.0);
        let limit = turns * calls_per_turn * delay_ms as f64 / 1000.0 / k as f64;
        let cpu = r["timing"]["cpu_ms_per_turn"].as_f64().unwrap_or(f64::NAN);
        println!(
            "{k:>11} {turns:>6} {limit:>9.2} {run_s:>9.2} {:>8.3} {:>10.1} {cpu:>11.3} {total:>9.2}",
            run_s / limit,
            turns / run_s,
        );
        if (calls - turns * calls_per_turn).abs() > 0.5 {
            println!("  note: {calls} calls for {turns} turns (repairs or fallbacks?)");
        }
    }
}
