//! Shared set-up of the `dard bench` tests and benchmark: a synthetic data
//! folder, a mock server speaking both OpenAI's chat completions and Bedrock's
//! Converse API, with delays and faults, and helpers to run the real binary.

#![allow(dead_code, clippy::unwrap_used)] // Test support may unwrap.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The manager's synthetic fixtures (hand-written, no MultiWOZ text).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("manager/tests/fixtures")
}

/// Writes a data folder under `dir`: the fixture database, the fixture dialogs
/// as `val.json`, and `copies` renamed copies of them as `test.json`.
pub fn data_folder(dir: &Path, copies: usize) -> PathBuf {
    let root = dir.join("data");
    let db = root.join("db");
    std::fs::create_dir_all(&db).unwrap();
    for entry in std::fs::read_dir(fixtures().join("db")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), db.join(entry.file_name())).unwrap();
    }
    let text = std::fs::read_to_string(fixtures().join("dialogs_val.json")).unwrap();
    std::fs::write(root.join("val.json"), &text).unwrap();
    let dialogs: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut test = serde_json::Map::new();
    for copy in 0..copies {
        for (id, dialog) in &dialogs {
            let stem = id.trim_end_matches(".json");
            // Each copy differs in its first utterance, so prompts (and cache
            // keys) differ between copies.
            let mut dialog = dialog.clone();
            if let Some(first) = dialog["log"][0]["text"].as_str() {
                dialog["log"][0]["text"] = format!("{first} ( copy {copy} )").into();
            }
            test.insert(format!("T{copy:03}{stem}.json"), dialog);
        }
    }
    std::fs::write(
        root.join("test.json"),
        serde_json::to_string(&serde_json::Value::Object(test)).unwrap(),
    )
    .unwrap();
    root
}

/// How the mock behaves.
#[derive(Debug, Clone)]
pub struct MockOptions {
    /// Delay before every normal answer.
    pub delay: Duration,
    /// Percent of requests that fail (see [`Mock::set_fault_percent`]).
    pub fault_percent: u64,
    /// How long a "slow" fault waits before answering (past the client's timeout).
    pub slow: Duration,
    /// The most faults in a row one request body gets (`u32::MAX`: no limit).
    pub max_streak: u32,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            delay: Duration::ZERO,
            fault_percent: 0,
            slow: Duration::from_secs(2),
            max_streak: 3,
        }
    }
}

/// The kinds of injected faults, in the order they rotate.
pub const FAULT_KINDS: [&str; 7] = [
    "429",
    "500",
    "drop",
    "slow",
    "reset",
    "truncated",
    "not-json",
];

/// An OpenAI-compatible chat-completions mock on 127.0.0.1, on its own runtime.
/// Replies are a pure function of the request body, so runs are reproducible.
pub struct Mock {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Requests received.
    pub requests: Arc<AtomicUsize>,
    /// Faults injected, by kind (see [`FAULT_KINDS`]).
    pub faults: Arc<[AtomicUsize; 7]>,
    fault_percent: Arc<AtomicU64>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

struct State {
    options: MockOptions,
    fault_percent: Arc<AtomicU64>,
    streaks: Mutex<HashMap<u64, u32>>,
    requests: Arc<AtomicUsize>,
    faults: Arc<[AtomicUsize; 7]>,
    next_fault: AtomicUsize,
}

impl Mock {
    /// Starts the mock.
    pub fn start(options: MockOptions) -> Mock {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let faults: Arc<[AtomicUsize; 7]> = Arc::new(Default::default());
        let fault_percent = Arc::new(AtomicU64::new(options.fault_percent));
        let state = Arc::new(State {
            fault_percent: fault_percent.clone(),
            options,
            streaks: Mutex::new(HashMap::new()),
            requests: requests.clone(),
            faults: faults.clone(),
            next_fault: AtomicUsize::new(0),
        });
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(serve(stream, state.clone()));
            }
        });
        Mock {
            addr,
            requests,
            faults,
            fault_percent,
            runtime: Some(runtime),
        }
    }

    /// Changes the share of failing requests from now on (100: every request fails,
    /// 0: the server is healthy).
    pub fn set_fault_percent(&self, percent: u64) {
        self.fault_percent.store(percent, Ordering::SeqCst);
    }

    /// The endpoint for a `kind = "bedrock"` backend (`http://127.0.0.1:PORT`).
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The API base to configure (`http://127.0.0.1:PORT/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Faults injected so far, by kind.
    pub fn fault_counts(&self) -> [usize; 7] {
        std::array::from_fn(|i| self.faults[i].load(Ordering::SeqCst))
    }
}

fn fnv(bytes: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Reads one request: its lower-cased head and its body.
async fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some((head, buf[header_end..header_end + length].to_vec()))
}

async fn respond(stream: &mut TcpStream, status: &str, extra: &str, body: &str) {
    let text = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(text.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let Some((head, body)) = read_request(&mut stream).await else {
        return;
    };
    let bedrock = head.contains("/converse");
    let serial = state.requests.fetch_add(1, Ordering::SeqCst) as u64;
    let key = fnv(&body, 0);
    // Spread faults evenly over arrival order (`fault_percent` of every 100
    // requests), but never more than `max_streak` in a row for one request body.
    let percent = state.fault_percent.load(Ordering::SeqCst);
    let due = (serial * percent) % 100 < percent;
    let faulty = {
        let mut streaks = state.streaks.lock().unwrap();
        let streak = streaks.entry(key).or_insert(0);
        let faulty = due && *streak < state.options.max_streak;
        *streak = if faulty { *streak + 1 } else { 0 };
        faulty
    };
    let content = reply_for(key);
    let ok = match bedrock {
        true => serde_json::json!({
            "output": {"message": {"role": "assistant", "content": [{"text": content}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": body.len() / 4, "outputTokens": 20, "totalTokens": body.len() / 4 + 20},
            "metrics": {"latencyMs": 1}
        }),
        false => serde_json::json!({
            "id": "mock",
            "object": "chat.completion",
            "created": 0,
            "model": "mock",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": body.len() / 4, "completion_tokens": 20, "total_tokens": body.len() / 4 + 20}
        }),
    }
    .to_string();
    if faulty {
        let kind = state.next_fault.fetch_add(1, Ordering::SeqCst) % FAULT_KINDS.len();
        state.faults[kind].fetch_add(1, Ordering::SeqCst);
        match FAULT_KINDS[kind] {
            "429" => {
                let err = r#"{"message":"rate limited","error":{"message":"rate limited","type":"rate_limit"}}"#;
                let extra = "retry-after: 0.05\r\nx-amzn-errortype: ThrottlingException\r\n";
                respond(&mut stream, "429 Too Many Requests", extra, err).await;
                return;
            }
            "500" => {
                let err = r#"{"message":"internal error","error":{"message":"internal error","type":"server_error"}}"#;
                let extra = "x-amzn-errortype: InternalServerException\r\n";
                respond(&mut stream, "500 Internal Server Error", extra, err).await;
                return;
            }
            // A dropped connection: no answer at all.
            "drop" => return,
            // A reset connection (RST instead of FIN).
            "reset" => {
                let _ = stream.set_zero_linger();
                return;
            }
            // A success whose body stops halfway.
            "truncated" => {
                let text = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
                    ok.len(),
                    &ok[..ok.len() / 2]
                );
                let _ = stream.write_all(text.as_bytes()).await;
                return;
            }
            // A success whose body is not JSON (a proxy's error page).
            "not-json" => {
                respond(&mut stream, "200 OK", "", "<html>bad gateway</html>").await;
                return;
            }
            // A reply slower than the client's timeout.
            _ => tokio::time::sleep(state.options.slow).await,
        }
    } else if !state.options.delay.is_zero() {
        tokio::time::sleep(state.options.delay).await;
    }
    respond(&mut stream, "200 OK", "", &ok).await;
}

/// One reply that every LLM stage parses: a route, a state and a response.
fn reply_for(key: u64) -> String {
    let domains = ["restaurant", "hotel", "attraction", "train"];
    let d = domains[(key % 4) as usize];
    serde_json::json!({
        "domain": d,
        "reason": "the mock says so",
        d: {"area": "centre"},
        "response": format!("mock reply {} : [value_name] is in the [value_area] .", key % 1000),
    })
    .to_string()
}

/// A config file with every stage on the mock.
pub fn mock_config(dir: &Path, mock: &Mock, layers: &str, extra: &str) -> PathBuf {
    let path = dir.join("mock.toml");
    std::fs::write(
        &path,
        format!(
            "[backends.mock]\nkind = \"openai\"\nmodel = \"mock\"\nbase_url = \"{}\"\nlayers = {{ {layers} }}\n\n[pipeline]\ntracker = \"mock\"\nrouter = \"mock\"\nagents = {{ default = \"mock\" }}\n{extra}",
            mock.base_url()
        ),
    )
    .unwrap();
    path
}

/// A config file with every stage on the mock through the Bedrock Converse API.
pub fn bedrock_config(dir: &Path, mock: &Mock, layers: &str) -> PathBuf {
    let path = dir.join("bedrock.toml");
    std::fs::write(
        &path,
        format!(
            "[backends.claude]\nkind = \"bedrock\"\nmodel = \"mock\"\nregion = \"us-east-1\"\nendpoint_url = \"{}\"\nlayers = {{ {layers} }}\n\n[pipeline]\ntracker = \"claude\"\nrouter = \"claude\"\nagents = {{ default = \"claude\" }}\n",
            mock.endpoint_url()
        ),
    )
    .unwrap();
    path
}

/// The `dard` binary, with logs quiet, no data variable inherited, and fake AWS
/// credentials (the Bedrock mock checks no signature) that read no profile.
pub fn dard() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dard"));
    c.env_remove("DARD_DATA")
        .env("RUST_LOG", "error")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "not-a-secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/dard-test-aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/dard-test-aws-credentials",
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN");
    c
}

/// Runs `dard bench` with `args`.
pub fn bench(args: &[&str]) -> Output {
    dard().arg("bench").args(args).output().unwrap()
}

/// Fails with the output when a run did not succeed.
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The run's `report.json`.
pub fn report(run: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap()
}

/// The lines of the run's trace.
pub fn trace_lines(run: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(run.join("trace.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// A path as a `&str` argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
