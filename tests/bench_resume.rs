//! A `dard bench` run stopped midway — killed with SIGKILL, or interrupted with
//! Ctrl-C (SIGINT) — and then `--resume`d writes the same `predictions.json` as
//! an uninterrupted run.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod bench_support;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use bench_support::{
    Mock, MockOptions, assert_ok, bench, dard, data_folder, mock_config, report, s, trace_lines,
};

fn args<'a>(data: &'a Path, config: &'a Path, cache: &'a Path, run: &'a Path) -> Vec<&'a str> {
    vec![
        "bench",
        "--data",
        s(data),
        "--config",
        s(config),
        "--concurrency",
        "2",
        "--cache-dir",
        s(cache),
        "--out",
        s(run),
    ]
}

/// Waits until the run's trace holds at least `lines` complete lines.
fn wait_for_trace(child: &mut Child, run: &Path, lines: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while trace_lines(run).len() < lines {
        assert!(
            Instant::now() < deadline,
            "the run never reached {lines} turns"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended too early"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    data: std::path::PathBuf,
    config: std::path::PathBuf,
    root: std::path::PathBuf,
    _mock: Mock,
    reference: String,
}

/// Data, a mock answering after 40 ms, and the predictions of an uninterrupted run.
fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let data = data_folder(&root, 8);
    let mock = Mock::start(MockOptions {
        delay: Duration::from_millis(40),
        ..MockOptions::default()
    });
    let config = mock_config(&root, &mock, "concurrency = 8", "");
    let whole = root.join("whole");
    let out = bench(&args(&data, &config, &root.join("cache-whole"), &whole)[1..]);
    assert_ok(&out);
    assert_eq!(report(&whole)["turns"]["answered"], 40);
    let reference = std::fs::read_to_string(whole.join("predictions.json")).unwrap();
    Setup {
        _dir: dir,
        data,
        config,
        root,
        _mock: mock,
        reference,
    }
}

#[test]
fn bench_killed_with_sigkill_then_resumed_matches_an_uninterrupted_run() {
    let t = setup();
    let run = t.root.join("killed");
    let cache = t.root.join("cache-killed");
    let mut child = dard()
        .args(args(&t.data, &t.config, &cache, &run))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_trace(&mut child, &run, 8);
    child.kill().unwrap(); // SIGKILL on Unix.
    child.wait().unwrap();
    let kept = trace_lines(&run).len();
    assert!(kept < 40, "killed after the run finished ({kept} turns)");
    assert!(!run.join("predictions.json").exists());

    let out = dard()
        .args(["bench", "--resume", "--out", s(&run)])
        .output()
        .unwrap();
    assert_ok(&out);
    let r = report(&run);
    assert_eq!(r["turns"]["answered"], 40);
    assert_eq!(r["turns"]["from_earlier_attempts"], kept);
    assert_eq!(
        std::fs::read_to_string(run.join("predictions.json")).unwrap(),
        t.reference
    );
    // Every turn once: nothing re-run that had finished.
    assert_eq!(trace_lines(&run).len(), 40);
}

#[test]
fn bench_interrupted_with_ctrl_c_writes_outputs_and_resumes_identically() {
    let t = setup();
    let run = t.root.join("interrupted");
    let cache = t.root.join("cache-int");
    let mut child = dard()
        .args(args(&t.data, &t.config, &cache, &run))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_trace(&mut child, &run, 6);
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resume"));
    let r = report(&run);
    assert_eq!(r["interrupted"], true);
    let kept = trace_lines(&run).len();
    assert_eq!(r["turns"]["answered"], kept);
    assert!(kept < 40);
    assert!(run.join("predictions.json").exists());

    let out = dard()
        .args(["bench", "--resume", "--out", s(&run)])
        .output()
        .unwrap();
    assert_ok(&out);
    assert_eq!(
        std::fs::read_to_string(run.join("predictions.json")).unwrap(),
        t.reference
    );
}
