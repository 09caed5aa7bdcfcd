//! `dard simulate` with a real local model: Gemma 3 270M (Q4_K_M) through the
//! `llama` feature plays the domain agents and the customer (`--user llm`)
//! for two generated goals of at most four turns. Quality is not asserted;
//! the run must end without error: every dialog played and scored, none
//! ended by a failed model call, the reports written.
//!
//! The model's path comes from `DARD_TEST_GGUF`; without it the test skips
//! with a note, unless `DARD_REQUIRE_LLAMA_MODELS=1` (as in CI).

#![cfg(feature = "llama")]
#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::path::{Path, PathBuf};
use std::process::Command;

fn shared() -> PathBuf {
    std::env::var_os("DARD_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/multiwoz"))
}

/// The model path, or `None` to skip; panics when the model is required but absent.
fn model_path() -> Option<PathBuf> {
    let required = std::env::var("DARD_REQUIRE_LLAMA_MODELS").is_ok_and(|v| v == "1");
    match std::env::var_os("DARD_TEST_GGUF").map(PathBuf::from) {
        Some(p) if p.is_file() => Some(p),
        other => {
            let why = match other {
                Some(p) => format!("DARD_TEST_GGUF={} is not a file", p.display()),
                None => "DARD_TEST_GGUF is not set".to_owned(),
            };
            assert!(
                !required,
                "{why}, and DARD_REQUIRE_LLAMA_MODELS=1 requires the Gemma 3 270M GGUF"
            );
            eprintln!("skipping the Gemma simulation: {why}");
            None
        }
    }
}

#[test]
fn simulate_with_gemma_agents_and_customer_ends_without_error() {
    let Some(gguf) = model_path() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gemma.toml");
    // One thread, a small context and short answers keep it cheap; the
    // tracker and router stay on the built-in default.
    std::fs::write(
        &config,
        format!(
            "[backends.gemma]\nkind = \"llama\"\nmodel_path = {:?}\nn_threads = 1\nn_ctx = 2048\nmax_tokens = 48\n\n\
             [pipeline]\nagents = {{ default = \"gemma\" }}\n\n\
             [prompts]\nfew_shot = \"none\"\nhistory_turns = 4\n\n\
             [generation]\nrespond_max_tokens = 48\n\n\
             [user]\nbackend = \"gemma\"\nmax_tokens = 40\n",
            gguf.display().to_string()
        ),
    )
    .unwrap();
    let run = dir.path().join("run");
    let data = shared();
    let out = Command::new(env!("CARGO_BIN_EXE_dard"))
        .env_remove("DARD_DATA")
        .env("RUST_LOG", "error")
        .args(["simulate", "--data"])
        .arg(&data)
        .args(["--config"])
        .arg(&config)
        .args([
            "--goals",
            "generated",
            "--count",
            "2",
            "--seed",
            "1",
            "--user",
            "llm",
            "--max-turns",
            "4",
            "--concurrency",
            "1",
            "--no-cache",
            "--out",
        ])
        .arg(&run)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "status {:?}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(run.join("dialogs.jsonl")).unwrap();
    let dialogs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(dialogs.len(), 2, "{text}");
    for d in &dialogs {
        let end = &d["end"];
        assert!(
            end.is_string(),
            "dialog {} ended on an error: {end}",
            d["id"]
        );
        let turns = d["turns"].as_array().unwrap();
        assert!(!turns.is_empty() && turns.len() <= 5, "{d}");
        // Whatever Gemma says, some turn reached dard and was answered.
        assert!(turns.iter().any(|t| t["system"].is_string()), "{d}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["dialogs"], 2, "{report}");
    eprintln!(
        "Gemma simulation: endings {}; {}",
        report["endings"],
        String::from_utf8_lossy(&out.stdout).trim()
    );
}
