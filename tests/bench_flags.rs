//! `dard bench` fails before any model call on bad configs and flags, naming the
//! key and the file; and the built-in default runs offline on synthetic data.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod bench_support;

use std::path::Path;
use std::sync::atomic::Ordering;

use bench_support::{Mock, MockOptions, assert_ok, bench, data_folder, mock_config, report, s};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `dard bench` expecting failure; returns stderr.
fn fails(args: &[&str]) -> String {
    let out = bench(args);
    assert!(!out.status.success(), "expected a failure for {args:?}");
    stderr(&out)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn bench_bad_configs_fail_before_any_call_naming_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 1);
    let mock = Mock::start(MockOptions::default());
    let d = s(&data);

    // A typo in a key, next to a valid backend: nothing may reach the mock.
    let typo = mock_config(dir.path(), &mock, "", "[prompts]\nshotz = 3\n");
    let err = fails(&[
        "--data",
        d,
        "--config",
        s(&typo),
        "--out",
        s(&dir.path().join("a")),
    ]);
    assert!(err.contains("mock.toml") && err.contains("shotz"), "{err}");

    let unknown = write(
        dir.path(),
        "unknown.toml",
        "[pipeline]\nrouter = \"claude\"\n",
    );
    let err = fails(&["--data", d, "--config", &unknown]);
    assert!(
        err.contains("unknown.toml") && err.contains("pipeline.router") && err.contains("claude"),
        "{err}"
    );

    let no_model = write(
        dir.path(),
        "nomodel.toml",
        &format!(
            "[backends.gpt]\nkind = \"openai\"\nbase_url = \"{}\"\n[pipeline]\nagents = {{ default = \"gpt\" }}\n",
            mock.base_url()
        ),
    );
    let err = fails(&["--data", d, "--config", &no_model]);
    assert!(
        err.contains("nomodel.toml") && err.contains("`model`") && err.contains("gpt"),
        "{err}"
    );

    let bad_kind = write(
        dir.path(),
        "kind.toml",
        "[backends.x]\nkind = \"gemini\"\nmodel = \"m\"\n",
    );
    let err = fails(&["--data", d, "--config", &bad_kind]);
    assert!(err.contains("kind.toml") && err.contains("gemini"), "{err}");

    let missing = dir.path().join("nowhere.toml");
    let err = fails(&["--data", d, "--config", s(&missing)]);
    assert!(err.contains("nowhere.toml"), "{err}");

    assert_eq!(mock.requests.load(Ordering::SeqCst), 0, "a call was made");
}

#[test]
fn bench_bad_flags_fail_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 1);
    let d = s(&data);
    let err = fails(&["--data", d, "--backend", "openai"]);
    assert!(err.contains("--model"), "{err}");
    let err = fails(&[
        "--data",
        d,
        "--backend",
        "openai",
        "--model",
        "m",
        "--region",
        "eu-west-1",
    ]);
    assert!(err.contains("--region"), "{err}");
    let err = fails(&["--data", d, "--model", "m"]);
    assert!(err.contains("--backend"), "{err}");
    let err = fails(&["--data", d, "--ids", "NOPE42,syn0001"]);
    assert!(err.contains("--ids") && err.contains("NOPE42"), "{err}");
    let err = fails(&["--data", d, "--dialogs", "2", "--ids", "x"]);
    assert!(err.contains("--ids") || err.contains("--dialogs"), "{err}");
    let err = fails(&["--data", d, "--concurrency", "0"]);
    assert!(err.contains("--concurrency"), "{err}");
    let err = fails(&["--data", d, "--resume"]);
    assert!(err.contains("--out"), "{err}");
    let err = fails(&[
        "--data",
        d,
        "--resume",
        "--out",
        s(&dir.path().join("none")),
    ]);
    assert!(
        err.contains("--resume") && err.contains("run.json"),
        "{err}"
    );
    let err = fails(&["--data", s(&dir.path().join("nodata"))]);
    assert!(err.contains("nodata"), "{err}");
}

#[test]
fn bench_builtin_default_runs_offline_and_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 2);
    let mut predictions = Vec::new();
    for name in ["one", "two"] {
        let run = dir.path().join(name);
        let out = bench(&["--data", s(&data), "--out", s(&run)]);
        assert_ok(&out);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("Inform") && stdout.contains("router accuracy"),
            "{stdout}"
        );
        let r = report(&run);
        assert_eq!(r["turns"]["answered"], 10);
        assert_eq!(r["pipeline"]["router"], "builtin");
        assert!(r["eval"]["inform"].is_number());
        for f in [
            "predictions.json",
            "trace.jsonl",
            "report.json",
            "report.md",
            "run.json",
        ] {
            assert!(run.join(f).is_file(), "{f} missing");
        }
        predictions.push(std::fs::read_to_string(run.join("predictions.json")).unwrap());
    }
    assert_eq!(predictions[0], predictions[1]);

    // Resuming a run with other settings is refused, naming the setting.
    let err = fails(&[
        "--resume",
        "--out",
        s(&dir.path().join("one")),
        "--setting",
        "end-to-end",
    ]);
    assert!(err.contains("--setting"), "{err}");
}
