//! Data on demand, end to end: the real `dard` binary, started from an empty
//! folder with HOME and the XDG folders pointed into a temporary directory (so
//! that neither `./data/multiwoz`, `../shared/multiwoz` nor a real user folder
//! exists for it), fetches MultiWOZ from a mirror this test serves on 127.0.0.1
//! and scores a bench run; `--offline` refuses; a damaged, truncated or silent
//! mirror fails with an error that says so.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the mirror answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// The files as they are.
    Normal,
    /// Every file with its first byte changed (same length, wrong checksum).
    Tampered,
    /// Announces each file's length, sends half, closes.
    Truncated,
    /// Reads the request and never answers.
    Silent,
}

/// A static-file HTTP server over a folder, on its own runtime; logs request paths.
struct Mirror {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Mirror {
    fn start(root: PathBuf, behaviour: Behaviour) -> Mirror {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let base = format!("http://{}/mirror", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        runtime.spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    continue;
                };
                let root = root.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                    log.lock().unwrap().push(path.clone());
                    if behaviour == Behaviour::Silent {
                        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                        return;
                    }
                    let file = path
                        .strip_prefix("/mirror/")
                        .filter(|p| !p.split('/').any(|part| part == ".."))
                        .map(|p| root.join(p));
                    let (status, mut body) = match file.and_then(|f| std::fs::read(f).ok()) {
                        Some(bytes) => ("200 OK", bytes),
                        None => ("404 Not Found", b"not found".to_vec()),
                    };
                    let length = body.len();
                    match behaviour {
                        Behaviour::Tampered if !body.is_empty() => body[0] ^= 1,
                        Behaviour::Truncated => body.truncate(length / 2),
                        _ => {}
                    }
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(&body).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Mirror {
            base,
            requests,
            _runtime: runtime,
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// The project's copy of MultiWOZ, which the mirror serves; `None` where there is
/// none (then the real data cannot be served and the end-to-end run is skipped).
fn shared_data() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/multiwoz");
    root.join("MultiWOZ_2.1_convlab2/test.json.zip")
        .is_file()
        .then_some(root)
}

/// A fresh "machine": an empty working folder, HOME and the XDG folders inside
/// the temporary directory, no `DARD_*` variables from the caller.
fn dard(home: &Path) -> Command {
    let work = home.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_dard"));
    c.current_dir(&work)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env("XDG_CACHE_HOME", home.join("xdg-cache"))
        .env("RUST_LOG", "error");
    for var in [
        "DARD_DATA",
        "DARD_OFFLINE",
        "DARD_DATA_MIRROR",
        "DARD_DATA_TIMEOUT",
        "DARD_EVAL_CACHE",
    ] {
        c.env_remove(var);
    }
    c
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn user_folder(home: &Path) -> PathBuf {
    home.join("xdg-data/dard/multiwoz")
}

#[test]
fn bench_on_a_fresh_machine_fetches_the_data_from_the_mirror_and_scores() {
    let Some(shared) = shared_data() else {
        eprintln!("skipped: no ../shared/multiwoz to serve as the mirror");
        return;
    };
    let home = tempfile::tempdir().unwrap();
    // The working folder has no ./data/multiwoz and no ../shared/multiwoz.
    assert!(!home.path().join("shared").exists());
    let mirror = Mirror::start(shared, Behaviour::Normal);
    let run = home.path().join("run");
    let out = dard(home.path())
        .env("DARD_DATA_MIRROR", &mirror.base)
        .args(["bench", "--dialogs", "2", "--out"])
        .arg(&run)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stderr.contains("no MultiWOZ data found; fetching 16 files")
            && stderr.contains(&mirror.base)
            && stderr.contains(&user_folder(home.path()).display().to_string()),
        "{stderr}"
    );
    assert_eq!(mirror.requests().len(), 16, "{:?}", mirror.requests());
    assert!(
        user_folder(home.path())
            .join("MultiWOZ_2.1_convlab2/test.json.zip")
            .is_file()
    );
    // The scores are printed and the run's predictions written.
    assert!(stdout.contains("Inform"), "{stdout}");
    assert!(stdout.contains("2 dialogs scored of 2"), "{stdout}");
    assert!(run.join("predictions.json").is_file());

    // A second run finds the fetched data and fetches nothing.
    let again = dard(home.path())
        .env("DARD_DATA_MIRROR", &mirror.base)
        .args(["data"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&again);
    assert!(again.status.success(), "{stderr}");
    assert!(stdout.contains("via the user data folder"), "{stdout}");
    assert_eq!(mirror.requests().len(), 16);
}

#[test]
fn offline_refuses_with_the_not_found_message_and_fetches_nothing() {
    let home = tempfile::tempdir().unwrap();
    let mirror = Mirror::start(home.path().to_path_buf(), Behaviour::Normal);
    for offline in [
        dard(home.path())
            .env("DARD_DATA_MIRROR", &mirror.base)
            .args(["--offline", "bench", "--dialogs", "1"])
            .output()
            .unwrap(),
        dard(home.path())
            .env("DARD_DATA_MIRROR", &mirror.base)
            .env("DARD_OFFLINE", "1")
            .args(["eval", "predictions.json"])
            .output()
            .unwrap(),
    ] {
        let (_, stderr) = text(&offline);
        assert!(!offline.status.success());
        assert!(
            stderr.contains("no MultiWOZ data found")
                && stderr.contains(&user_folder(home.path()).display().to_string())
                && stderr.contains("dard data download"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(mirror.requests().is_empty());
}

/// Runs `dard bench` against a mirror that misbehaves and returns its stderr.
fn failing_fetch(behaviour: Behaviour, extra_env: &[(&str, &str)]) -> String {
    let home = tempfile::tempdir().unwrap();
    // Any bytes will do: the pinned checksums reject them before they matter.
    let served = home.path().join("served");
    let first = served.join("MultiWOZ_2.1_convlab2/test.json.zip");
    std::fs::create_dir_all(first.parent().unwrap()).unwrap();
    std::fs::write(&first, vec![b'x'; 1_533_565]).unwrap();
    let mirror = Mirror::start(served, behaviour);
    let mut cmd = dard(home.path());
    cmd.env("DARD_DATA_MIRROR", &mirror.base);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.args(["bench", "--dialogs", "1"]).output().unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("fetching MultiWOZ into"), "{stderr}");
    assert!(
        stderr.contains("/mirror/MultiWOZ_2.1_convlab2/test.json.zip"),
        "{stderr}"
    );
    // Nothing half-written is left to be mistaken for data.
    let fetched = user_folder(home.path()).join("MultiWOZ_2.1_convlab2");
    assert!(!fetched.join("test.json.zip").exists());
    assert!(!fetched.join("test.json.zip.part").exists());
    stderr
}

#[test]
fn mirror_with_a_wrong_checksum_fails_naming_the_file() {
    let stderr = failing_fetch(Behaviour::Tampered, &[]);
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
}

#[test]
fn mirror_that_truncates_fails_naming_the_bytes() {
    let stderr = failing_fetch(Behaviour::Truncated, &[]);
    assert!(stderr.contains("of 1533565 bytes"), "{stderr}");
}

#[test]
fn silent_mirror_times_out_with_a_clear_error() {
    let stderr = failing_fetch(Behaviour::Silent, &[("DARD_DATA_TIMEOUT", "1")]);
    assert!(
        stderr.contains("the server sent nothing for 1 s"),
        "{stderr}"
    );
}

#[test]
fn a_named_folder_that_is_missing_is_reported_not_replaced_by_a_download() {
    let home = tempfile::tempdir().unwrap();
    let mirror = Mirror::start(home.path().to_path_buf(), Behaviour::Normal);
    let out = dard(home.path())
        .env("DARD_DATA_MIRROR", &mirror.base)
        .args(["bench", "--dialogs", "1", "--data", "nowhere"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("--data: does not exist"), "{stderr}");
    assert!(mirror.requests().is_empty());
}
