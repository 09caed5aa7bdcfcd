//! `dard chat --replay-sim RUN#N` on a `dard simulate` run of the built-in
//! default: without a terminal it prints one JSON line per answered turn of
//! the chosen dialog, and a replay on the same pipeline gives exactly the
//! replies the run recorded; a selector that names no dialog fails naming it.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn shared() -> PathBuf {
    std::env::var_os("DARD_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/multiwoz"))
}

fn dard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dard"))
        .env_remove("DARD_DATA")
        .env("RUST_LOG", "error")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn replay_sim_plays_a_simulated_dialog_again_with_the_recorded_replies() {
    let dir = tempfile::tempdir().unwrap();
    let data = shared();
    let run = dir.path().join("run");
    ok(&dard(&[
        "simulate",
        "--data",
        s(&data),
        "--split",
        "val",
        "--dialogs",
        "3",
        "--no-cache",
        "--seed",
        "5",
        "--out",
        s(&run),
    ]));
    let dialogs: Vec<serde_json::Value> = std::fs::read_to_string(run.join("dialogs.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(dialogs.len(), 3);

    // By line number (the second dialog of the file), then by goal id.
    let second = &dialogs[1];
    let id = second["id"].as_str().unwrap();
    let by_line = format!("{}#1", s(&run));
    let by_id = format!("{}#{id}", s(&run.join("dialogs.jsonl")));
    for spec in [&by_line, &by_id] {
        let out = ok(&dard(&["chat", "--data", s(&data), "--replay-sim", spec]));
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let answered: Vec<&serde_json::Value> = second["turns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["system"].is_string())
            .collect();
        assert!(!answered.is_empty());
        assert_eq!(lines.len(), answered.len(), "{out}");
        for (line, turn) in lines.iter().zip(&answered) {
            assert_eq!(line["goal"], id);
            assert_eq!(line["user"], turn["user"]);
            assert_eq!(line["recorded"], turn["system"]);
            // The same pipeline and session key: the same reply as in the run.
            assert_eq!(line["reply"], turn["system"], "{line}");
            assert_eq!(line["domain"], turn["domain"], "{line}");
        }
    }

    let fails = |spec: String, wanted: &[&str]| {
        let out = dard(&["chat", "--data", s(&data), "--replay-sim", &spec]);
        assert!(!out.status.success(), "expected a failure for {spec}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(wanted.iter().all(|w| err.contains(w)), "{err}");
    };
    fails(
        format!("{}#7", s(&run)),
        &["--replay-sim", "#7", "3 dialogs"],
    );
    fails(format!("{}#NOPE1", s(&run)), &["NOPE1", id]);
    fails(
        s(&dir.path().join("nowhere")).to_string(),
        &["--replay-sim", "nowhere"],
    );
}
