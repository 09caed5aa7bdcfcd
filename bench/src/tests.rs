//! Whole-run tests of the bench runner on the synthetic fixtures: the built-in
//! default on blocking threads, a scripted model on async tasks, cancellation
//! and resume, and failed turns.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use super::*;

/// A data folder: the fixture DB, the fixture dialogs as `val.json`, and
/// `copies` renamed copies as `test.json`.
fn data_folder(dir: &Path, copies: usize) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../manager/tests/fixtures");
    let root = dir.join("data");
    std::fs::create_dir_all(root.join("db")).unwrap();
    for e in std::fs::read_dir(fixtures.join("db")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), root.join("db").join(e.file_name())).unwrap();
    }
    let text = std::fs::read_to_string(fixtures.join("dialogs_val.json")).unwrap();
    std::fs::write(root.join("val.json"), &text).unwrap();
    let dialogs: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut test = serde_json::Map::new();
    for c in 0..copies {
        for (id, d) in &dialogs {
            test.insert(format!("C{c:02}{id}"), d.clone());
        }
    }
    std::fs::write(
        root.join("test.json"),
        serde_json::Value::Object(test).to_string(),
    )
    .unwrap();
    root
}

const SCRIPTED_REPLY: &str = r#"{\"domain\": \"hotel\", \"reason\": \"scripted\", \"hotel\": {\"area\": \"north\"}, \"response\": \"[value_name] is a nice place .\"}"#;

fn scripted_config(dir: &Path) -> PathBuf {
    let path = dir.join("scripted.toml");
    std::fs::write(
        &path,
        format!(
            "[backends.s]\nkind = \"scripted\"\nreplies = [\"{SCRIPTED_REPLY}\"]\n\
             [pipeline]\ntracker = \"s\"\nrouter = \"s\"\nagents = {{ default = \"s\" }}\n"
        ),
    )
    .unwrap();
    path
}

fn options(out: PathBuf, resume: bool) -> RunOptions {
    RunOptions {
        out,
        concurrency: Some(3),
        resume,
        cache: CacheChoice::Off,
    }
}

async fn run(spec: BenchSpec, opts: RunOptions, cancel: CancellationToken) -> BenchOutcome {
    let bench = tokio::task::block_in_place(|| prepare(spec, opts)).unwrap();
    bench.run(&NoProgress, cancel).await.unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_builtin_run_scores_every_turn_and_resume_redoes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 2);
    let spec = BenchSpec {
        data_dir: Some(data),
        ..BenchSpec::default()
    };
    let out = dir.path().join("run");
    let first = run(
        spec.clone(),
        options(out.clone(), false),
        CancellationToken::new(),
    )
    .await;
    let r = &first.report;
    assert!(!first.interrupted);
    assert_eq!(r.turns.planned, 10);
    assert_eq!(r.turns.answered, 10);
    assert_eq!((r.turns.failed, r.turns.missing), (0, 0));
    assert!(r.eval.is_some(), "{:?}", r.eval_error);
    assert!(r.execution.starts_with("blocking"));
    assert!(
        r.jga.is_some_and(|j| j > 99.99),
        "gold states score 100 by construction: {:?}",
        r.jga
    );
    let preds = read(&out.join(files::PREDICTIONS));
    assert_eq!(
        read_trace(&out.join(files::TRACE)).unwrap().records.len(),
        10
    );
    assert!(read(&out.join(files::REPORT_MD)).contains("Inform"));

    // Resuming a finished run runs nothing and writes the same predictions.
    let again = run(
        spec.clone(),
        options(out.clone(), true),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(again.report.turns.this_invocation, 0);
    assert_eq!(again.report.turns.from_earlier_attempts, 10);
    assert_eq!(read(&out.join(files::PREDICTIONS)), preds);

    // A new run into the same folder is refused before anything runs.
    let err = prepare(spec, options(out, false)).unwrap_err().to_string();
    assert!(err.contains("--out") && err.contains("--resume"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_cancelled_run_keeps_finished_turns_and_resume_matches_uninterrupted() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 4);
    let spec = BenchSpec {
        data_dir: Some(data),
        setting: Setting::EndToEnd,
        config_file: Some(scripted_config(dir.path())),
        ..BenchSpec::default()
    };
    let whole = dir.path().join("whole");
    let done = run(
        spec.clone(),
        options(whole.clone(), false),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(done.report.turns.answered, 20);
    assert!(done.report.execution.starts_with("async"));
    assert!(done.report.usage.calls >= 60, "three model calls per turn");

    let parts = dir.path().join("parts");
    let cancel = CancellationToken::new();
    cancel.cancel();
    let stopped = run(spec.clone(), options(parts.clone(), false), cancel).await;
    assert!(stopped.interrupted);
    let kept = read_trace(&parts.join(files::TRACE)).unwrap().records.len();
    assert_eq!(kept, stopped.report.turns.answered);
    assert!(kept < 20, "a cancelled run must not play everything");
    // Only whole dialogs are scored.
    let partial: serde_json::Value =
        serde_json::from_str(&read(&parts.join(files::PREDICTIONS))).unwrap();
    assert_eq!(
        partial.as_object().unwrap().len(),
        stopped.report.dialogs.scored
    );

    let resumed = run(spec, options(parts.clone(), true), CancellationToken::new()).await;
    assert!(!resumed.interrupted);
    assert_eq!(resumed.report.turns.this_invocation, 20 - kept);
    assert_eq!(
        read(&parts.join(files::PREDICTIONS)),
        read(&whole.join(files::PREDICTIONS))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_failed_turns_are_recorded_counted_and_retried_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 1);
    let config = dir.path().join("dead.toml");
    // Port 1 refuses connections: every call fails at once.
    std::fs::write(
        &config,
        "[backends.dead]\nkind = \"openai\"\nmodel = \"m\"\nbase_url = \"http://127.0.0.1:1/v1\"\n\
         layers = { timeout_secs = 2, retry = { max_retries = 0 } }\n\
         [pipeline]\nrouter = \"dead\"\n",
    )
    .unwrap();
    let spec = BenchSpec {
        data_dir: Some(data),
        config_file: Some(config),
        ..BenchSpec::default()
    };
    let out = dir.path().join("run");
    let outcome = run(
        spec.clone(),
        options(out.clone(), false),
        CancellationToken::new(),
    )
    .await;
    let r = &outcome.report;
    assert_eq!(r.turns.failed, 5);
    assert_eq!(r.failures.len(), 5);
    assert!(
        r.failures[0].error.contains("route"),
        "{}",
        r.failures[0].error
    );
    let log = read_trace(&out.join(files::TRACE)).unwrap();
    assert!(log.records.iter().all(|t| !t.is_ok() && t.error.is_some()));
    // The failures are in the predictions as empty replies, counted, not hidden.
    let preds: serde_json::Value =
        serde_json::from_str(&read(&out.join(files::PREDICTIONS))).unwrap();
    let turns: Vec<&serde_json::Value> = preds
        .as_object()
        .unwrap()
        .values()
        .flat_map(|t| t.as_array().unwrap())
        .collect();
    assert_eq!(turns.len(), 5);
    assert!(turns.iter().all(|t| t["response"] == ""));
    assert!(read(&out.join(files::REPORT_MD)).contains("Failed turns"));

    // Resume tries the failed turns again (they fail again here).
    let again = run(spec, options(out.clone(), true), CancellationToken::new()).await;
    assert_eq!(again.report.turns.this_invocation, 5);
    assert_eq!(
        read_trace(&out.join(files::TRACE)).unwrap().records.len(),
        10
    );
}

#[test]
fn bench_bad_backend_config_fails_before_running_naming_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 1);
    let config = dir.path().join("nomodel.toml");
    std::fs::write(
        &config,
        "[backends.gpt]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:1/v1\"\n[pipeline]\nrouter = \"gpt\"\n",
    )
    .unwrap();
    let spec = BenchSpec {
        data_dir: Some(data),
        config_file: Some(config),
        ..BenchSpec::default()
    };
    let out = dir.path().join("run");
    let err = prepare(spec, options(out.clone(), false))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nomodel.toml") && err.contains("model") && err.contains("gpt"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written before the checks pass");
}
