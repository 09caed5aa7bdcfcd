//! What `dard` writes and prints: no credential from a URL in any run file, user
//! errors as one message with each cause once and no backtrace or colour codes,
//! and a response cache that never answers for another server.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod bench_support;

use std::sync::atomic::Ordering;

use bench_support::{Mock, MockOptions, assert_ok, bench, dard, data_folder, s};

#[test]
fn credentials_in_a_base_url_are_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 1);
    let mock = Mock::start(MockOptions::default());
    let url = format!("http://user:SECRET-pw-123@{}/v1", mock.addr);
    let run = dir.path().join("run");
    let cache = dir.path().join("cache");
    let args = [
        "--data",
        s(&data),
        "--backend",
        "openai",
        "--base-url",
        &url,
        "--model",
        "mock",
        "--cache-dir",
        s(&cache),
        "--out",
        s(&run),
    ];
    let out = bench(&args);
    assert_ok(&out);
    assert!(mock.requests.load(Ordering::SeqCst) > 0);
    let mut files = 0;
    for root in [&run, &cache] {
        for path in walk(root) {
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("SECRET"),
                "{} holds the password",
                path.display()
            );
            files += 1;
        }
    }
    assert!(files >= 5, "run files and cache entries checked: {files}");
    for stream in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(stream).contains("SECRET"));
    }
    let manifest = std::fs::read_to_string(run.join("run.json")).unwrap();
    assert!(
        manifest.contains(&format!("http://{}/v1", mock.addr)),
        "{manifest}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        match path.is_dir() {
            true => out.extend(walk(&path)),
            false => out.push(path),
        }
    }
    out
}

#[test]
fn user_errors_print_each_cause_once_without_backtrace_or_colour() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let out = dard()
        .env("RUST_BACKTRACE", "1")
        .env_remove("NO_COLOR")
        .args(["eval", s(&missing)])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.to_lowercase().contains("backtrace"), "{stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "no colour codes off a terminal: {stderr:?}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        assert!(
            !lines[..i].contains(line),
            "repeated line {line:?} in {stderr}"
        );
    }
    assert!(
        stderr.matches("No such file or directory").count() <= 1,
        "{stderr}"
    );
}

#[test]
fn the_response_cache_never_answers_for_another_server_with_the_same_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_folder(dir.path(), 1);
    let cache = dir.path().join("cache");
    let a = Mock::start(MockOptions::default());
    let b = Mock::start(MockOptions::default());
    for (mock, out) in [(&a, "run-a"), (&b, "run-b"), (&a, "run-a2")] {
        let run = dir.path().join(out);
        let url = mock.base_url();
        assert_ok(&bench(&[
            "--data",
            s(&data),
            "--backend",
            "openai",
            "--base-url",
            &url,
            "--model",
            "mock",
            "--cache-dir",
            s(&cache),
            "--out",
            s(&run),
        ]));
    }
    let (sent_a, sent_b) = (
        a.requests.load(Ordering::SeqCst),
        b.requests.load(Ordering::SeqCst),
    );
    assert!(sent_a > 0);
    // B got every request of its run; A's second run came whole from the cache.
    assert_eq!(sent_b, sent_a, "server B answered its own run");
    let r: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("run-a2/report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(r["usage"]["cache_hits"], r["usage"]["calls"], "{r:#}");
}
