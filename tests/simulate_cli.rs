//! `dard simulate` on the shared MultiWOZ data with the built-in default: bad
//! input fails before any dialog, naming what is wrong; a run killed with
//! SIGKILL and resumed gives the same dialogs as an uninterrupted run.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn shared() -> PathBuf {
    std::env::var_os("DARD_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/multiwoz"))
}

fn dard() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dard"));
    c.env_remove("DARD_DATA").env("RUST_LOG", "error");
    c
}

fn simulate(args: &[&str]) -> Output {
    dard().arg("simulate").args(args).output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn fails(args: &[&str], out_dir: &Path) -> String {
    let out = simulate(args);
    assert!(!out.status.success(), "expected a failure for {args:?}");
    assert!(
        !out_dir.join("dialogs.jsonl").exists(),
        "a dialog ran before the error"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn simulate_bad_input_fails_before_any_dialog_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = shared();
    let run = dir.path().join("run");
    let base = ["--data", s(&data), "--out", s(&run), "--no-cache"];

    let err = fails(&[&base[..], &["--max-turns", "0"]].concat(), &run);
    assert!(err.contains("--max-turns"), "{err}");

    let err = fails(&[&base[..], &["--ids", "NOPE123"]].concat(), &run);
    assert!(err.contains("--ids") && err.contains("NOPE123"), "{err}");

    let missing = dir.path().join("missing.toml");
    let err = fails(&[&base[..], &["--config", s(&missing)]].concat(), &run);
    assert!(err.contains("missing.toml"), "{err}");

    // A data folder without the dialog (goal) files.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(empty.join("db")).unwrap();
    let err = fails(&["--data", s(&empty), "--out", s(&run), "--no-cache"], &run);
    assert!(err.contains("empty"), "{err}");
}

/// The dialogs of a run, one JSON value per goal, in goal order.
fn dialogs(run: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(run.join("dialogs.jsonl")).unwrap_or_default();
    let mut v: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    v.sort_by_key(|d| d["id"].as_str().unwrap_or("").to_string());
    v
}

#[test]
fn simulate_killed_with_sigkill_then_resumed_matches_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = shared();
    let args = |run: &Path| -> Vec<String> {
        [
            "simulate",
            "--data",
            s(&data),
            "--split",
            "val",
            "--dialogs",
            "12",
            "--concurrency",
            "1",
            "--no-cache",
            "--seed",
            "3",
            "--out",
            s(run),
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    };
    let whole = dir.path().join("whole");
    let out = dard().args(args(&whole)).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference = dialogs(&whole);
    assert_eq!(reference.len(), 12);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(whole.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["dialogs"], 12);
    assert!(
        std::fs::read_to_string(whole.join("report.md"))
            .unwrap()
            .contains("five worst")
    );

    let killed = dir.path().join("killed");
    let mut child = dard()
        .args(args(&killed))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while dialogs(&killed).len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the run never finished two dialogs"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended too early"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let kept = dialogs(&killed).len();
    assert!(kept < 12, "killed after the run finished");

    let out = dard()
        .args([
            "simulate",
            "--resume",
            "--out",
            s(&killed),
            "--data",
            s(&data),
            "--split",
            "val",
            "--dialogs",
            "12",
            "--concurrency",
            "1",
            "--no-cache",
            "--seed",
            "3",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dialogs(&killed), reference);
}
