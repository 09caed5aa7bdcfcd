//! `dard simulate --user llm` end to end: the customer and every stage of the
//! pipeline played by an OpenAI-compatible mock on 127.0.0.1, which records
//! every request. The customer's requests carry the goal and the dialog so
//! far; its closing line (with the end marker) ends the dialog and never
//! reaches dard (a marker in its first turn is only stripped); `--max-turns` stops a customer that does not end; a config
//! whose `[user]` backend is missing fails before any dialog.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

fn shared() -> PathBuf {
    std::env::var_os("DARD_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/multiwoz"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn simulate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dard"))
        .env_remove("DARD_DATA")
        .env("RUST_LOG", "error")
        .arg("simulate")
        .args(args)
        .output()
        .unwrap()
}

/// What the mock customer says, by how many system turns it has seen.
const OPENING: &str = "Hello, I am looking for a place in the centre, please.";
const SECOND: &str = "Could you tell me more about it?";
const CLOSING: &str = "Thank you, that is all I need. Goodbye!";

/// The request bodies the mock received, as JSON.
type Log = Arc<Mutex<Vec<serde_json::Value>>>;

/// Starts the mock: the customer's requests (their system prompt is the
/// `user.txt` one) are answered by the script above, every other request
/// with one answer all LLM stages parse.
fn mock() -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = seen.clone();
            std::thread::spawn(move || serve(stream, &seen));
        }
    });
    (base, log)
}

fn serve(mut stream: TcpStream, log: &Log) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head_end, length) = loop {
        let n = stream.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            break (i + 4, length);
        }
    };
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: serde_json::Value =
        serde_json::from_slice(&buf[head_end..head_end + length]).unwrap_or_default();
    let content = match customer_prompt(&body) {
        Some(prompt) => {
            let seen = prompt
                .lines()
                .filter(|l| l.starts_with("help desk:"))
                .count();
            match seen {
                // A marker before the help desk has spoken is a model
                // repeating its prompt: stripped, and the dialog goes on.
                0 => format!("{OPENING} [END]"),
                1 => SECOND.to_string(),
                _ => format!("{CLOSING} [END]"),
            }
        }
        None => serde_json::json!({
            "domain": "restaurant",
            "reason": "the mock says so",
            "restaurant": {"area": "centre"},
            "response": "mock reply : [value_name] is in the [value_area] .",
        })
        .to_string(),
    };
    log.lock().unwrap().push(body);
    let answer = serde_json::json!({
        "id": "mock", "object": "chat.completion", "created": 0, "model": "mock",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}
    })
    .to_string();
    let _ = stream.write_all(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        )
        .as_bytes(),
    );
}

/// The system prompt and user message of a customer request (`None` for a
/// pipeline stage's).
fn customer_prompt(body: &serde_json::Value) -> Option<String> {
    let messages = body["messages"].as_array()?;
    let system = messages.iter().find(|m| m["role"] == "system")?["content"].as_str()?;
    if !system.contains("You are a customer") {
        return None;
    }
    let user = messages.iter().rev().find(|m| m["role"] == "user")?;
    Some(format!("{system}\n{}", user["content"].as_str()?))
}

fn config(dir: &Path, base: &str, user: &str) -> PathBuf {
    let path = dir.join("sim.toml");
    std::fs::write(
        &path,
        format!(
            "[backends.mock]\nkind = \"openai\"\nmodel = \"mock\"\nbase_url = \"{base}\"\n\n\
             [pipeline]\ntracker = \"mock\"\nrouter = \"mock\"\nagents = {{ default = \"mock\" }}\n\n\
             [prompts]\nfew_shot = \"none\"\n{user}"
        ),
    )
    .unwrap();
    path
}

fn dialogs(run: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(run.join("dialogs.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "status {:?}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn simulate_llm_user_with_llm_agents_end_to_end_on_a_loopback_server() {
    let dir = tempfile::tempdir().unwrap();
    let (base, log) = mock();
    let cfg = config(dir.path(), &base, "\n[user]\nbackend = \"mock\"\n");
    let run = dir.path().join("run");
    let data = shared();
    let out = simulate(&[
        "--data",
        s(&data),
        "--config",
        s(&cfg),
        "--split",
        "val",
        "--dialogs",
        "3",
        "--user",
        "llm",
        "--out",
        s(&run),
        "--no-cache",
        "--max-turns",
        "6",
    ]);
    assert_ok(&out);

    let ds = dialogs(&run);
    assert_eq!(ds.len(), 3);
    let bodies = log.lock().unwrap().clone();
    let customer: Vec<String> = bodies.iter().filter_map(customer_prompt).collect();
    let stages: Vec<String> = bodies
        .iter()
        .filter(|b| customer_prompt(b).is_none())
        .map(|b| b.to_string())
        .collect();
    // Three customer turns per dialog: two sent to dard, the closing one not.
    assert_eq!(customer.len(), 9, "{customer:#?}");
    for d in &ds {
        assert_eq!(d["end"], "done", "{d}");
        let turns = d["turns"].as_array().unwrap();
        let users: Vec<&str> = turns.iter().map(|t| t["user"].as_str().unwrap()).collect();
        assert_eq!(users, [OPENING, SECOND, CLOSING], "{d}");
        assert!(turns[..2].iter().all(|t| t["system"].is_string()), "{d}");
        assert!(turns[2].get("system").is_none(), "{d}");
        assert_eq!(d["system_turns"], 2);
        // The customer's prompts hold this dialog's goal: every value of its
        // first domain's constraints (yes/no ones are said in words).
        let info = d["goal"]["domains"][0][1]["info"].as_array().unwrap();
        let values: Vec<&str> = info
            .iter()
            .map(|p| p[1].as_str().unwrap())
            .filter(|v| !["yes", "no", "dontcare"].contains(v))
            .collect();
        assert!(!values.is_empty(), "{d}");
        let prompts: Vec<&String> = customer
            .iter()
            .filter(|p| values.iter().all(|v| p.contains(v)))
            .collect();
        assert!(
            prompts.len() >= 3,
            "goal values {values:?} in {customer:#?}"
        );
    }
    // The last prompt of a dialog shows the dialog so far, system replies included.
    assert!(
        customer
            .iter()
            .any(|p| p.contains(&format!("customer: {SECOND}"))
                && p.contains("help desk: mock reply")),
        "{customer:#?}"
    );
    // The pipeline's stages got the customer's words, never the end marker.
    assert!(stages.iter().any(|b| b.contains(OPENING)), "{stages:#?}");
    assert!(
        stages
            .iter()
            .all(|b| !b.contains("[END]") && !b.contains(CLOSING))
    );

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["dialogs"], 3, "{report}");
    assert_eq!(report["endings"]["done"], 3, "{report}");
    assert!(run.join("report.md").exists());
    let manifest = std::fs::read_to_string(run.join("run.json")).unwrap();
    assert!(manifest.contains("\"user\": \"llm\""), "{manifest}");
}

#[test]
fn simulate_llm_user_stops_at_max_turns_and_refuses_a_missing_backend() {
    let dir = tempfile::tempdir().unwrap();
    let (base, log) = mock();
    let data = shared();
    let cfg = config(dir.path(), &base, "\n[user]\nbackend = \"mock\"\n");
    let run = dir.path().join("run");
    let out = simulate(&[
        "--data",
        s(&data),
        "--config",
        s(&cfg),
        "--split",
        "val",
        "--dialogs",
        "2",
        "--user",
        "llm",
        "--out",
        s(&run),
        "--no-cache",
        "--max-turns",
        "1",
    ]);
    assert_ok(&out);
    for d in dialogs(&run) {
        assert_eq!(d["end"], "max_turns", "{d}");
        let users: Vec<&str> = d["turns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["user"].as_str().unwrap())
            .collect();
        assert_eq!(users, [OPENING, "Thank you, goodbye."], "{d}");
    }
    let asked = log
        .lock()
        .unwrap()
        .iter()
        .filter_map(customer_prompt)
        .count();
    assert_eq!(asked, 2, "one customer request per dialog");

    // No [user] section, a [user] naming no backend, no config at all.
    let fails = |args: &[&str], run: &Path| -> String {
        let out = simulate(args);
        assert!(!out.status.success(), "expected a failure for {args:?}");
        assert!(!run.join("dialogs.jsonl").exists(), "a dialog ran");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let run2 = dir.path().join("run2");
    let base_args = ["--data", s(&data), "--user", "llm", "--out", s(&run2)];
    let cfg = config(dir.path(), &base, "");
    let e = fails(&[&base_args[..], &["--config", s(&cfg)]].concat(), &run2);
    assert!(
        e.contains("--user llm") && e.contains("[user] backend") && e.contains("sim.toml"),
        "{e}"
    );
    let cfg = config(dir.path(), &base, "\n[user]\nbackend = \"gpt\"\n");
    let e = fails(&[&base_args[..], &["--config", s(&cfg)]].concat(), &run2);
    assert!(
        e.contains("sim.toml")
            && e.contains("line 15")
            && e.contains("user.backend: unknown backend `gpt`"),
        "{e}"
    );
    let e = fails(&base_args, &run2);
    assert!(e.contains("--user llm") && e.contains("--config"), "{e}");
}
