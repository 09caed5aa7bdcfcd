//! `dard export` from the command line: the test split is refused before any data
//! is read, with a message that says why.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::process::Command;

#[test]
fn export_refuses_the_test_split_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.jsonl");
    let run = Command::new(env!("CARGO_BIN_EXE_dard"))
        .args(["export", "--task", "router", "--single", "--split", "test"])
        .arg("--out")
        .arg(&out)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("test split is for evaluation only"), "{err}");
    assert!(!out.exists(), "nothing may be written for the test split");
}

#[test]
fn export_rejects_domain_together_with_single() {
    let run = Command::new(env!("CARGO_BIN_EXE_dard"))
        .args([
            "export",
            "--task",
            "response",
            "--single",
            "--domain",
            "taxi",
            "--split",
            "val",
            "--out",
            "unused.jsonl",
        ])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("cannot be used with"));
}
