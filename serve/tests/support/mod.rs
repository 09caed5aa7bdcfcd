//! Shared set-up of the server tests: a built-in pipeline on the manager's
//! synthetic fixtures, servers on `127.0.0.1:0`, and a real `redis-server`
//! on a free loopback port.

#![allow(clippy::unwrap_used)] // Tests may unwrap.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use manager::Dard;
use multiwoz::db::Database;
use multiwoz::model::Split;
use serve::{ServeConfig, Store};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The manager crate's synthetic fixtures (a tiny DB and three dialogs).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../manager/tests/fixtures")
}

/// The built-in default on the fixtures: offline and deterministic.
pub fn fixture_dard() -> Dard {
    fixture_builder().build().unwrap()
}

/// A builder preloaded with the fixtures, for pipelines with other stages.
pub fn fixture_builder() -> manager::DardBuilder {
    let db = Database::load(&fixtures().join("db")).unwrap();
    let dialogs =
        multiwoz::load::load_original_file(&fixtures().join("dialogs_val.json"), Some(Split::Val))
            .unwrap();
    Dard::builder().database(Arc::new(db)).dialogs(dialogs)
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<Result<(), serve::ServeError>>>,
}

impl Server {
    /// Starts `dard serve` on `127.0.0.1:0`.
    pub async fn start(dard: Dard, store: Arc<dyn Store>, config: ServeConfig) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel();
        let handle = tokio::spawn(serve::run(listener, dard, store, config, async {
            rx.await.ok();
        }));
        Server {
            addr,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    /// A memory-backed server on the fixture pipeline.
    pub async fn memory(config: ServeConfig) -> Server {
        Server::start(fixture_dard(), Arc::new(serve::MemoryStore::new()), config).await
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Asks the server to shut down gracefully and waits until it has.
    pub async fn stop(mut self) -> Result<(), serve::ServeError> {
        if let Some(tx) = self.shutdown.take() {
            tx.send(()).ok();
        }
        self.handle.take().unwrap().await.unwrap()
    }

    /// Only asks the server to shut down; see [`Server::wait`].
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            tx.send(()).ok();
        }
    }

    /// Waits for a server asked to shut down.
    pub async fn wait(mut self) -> Result<(), serve::ServeError> {
        self.handle.take().unwrap().await.unwrap()
    }

    /// Ends the server at once, as a crash would: no graceful shutdown.
    pub async fn kill(mut self) {
        let handle = self.handle.take().unwrap();
        handle.abort();
        let _ = handle.await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(handle) = &self.handle {
            handle.abort();
        }
    }
}

/// An HTTP client that does not pool connections across servers.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// GETs `url` and returns its JSON body.
pub async fn get_json(client: &reqwest::Client, url: &str) -> serde_json::Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// Creates a session and returns its id.
pub async fn new_session(client: &reqwest::Client, server: &Server) -> String {
    let resp = client
        .post(server.url("/v1/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: serde_json::Value = resp.json().await.unwrap();
    body["id"].as_str().unwrap().to_string()
}

/// Takes one turn and returns the JSON answer (asserting 200).
pub async fn turn(
    client: &reqwest::Client,
    server: &Server,
    id: &str,
    text: &str,
) -> serde_json::Value {
    let resp = client
        .post(server.url(&format!("/v1/sessions/{id}/turns")))
        .json(&serde_json::json!({ "text": text }))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

/// Whether a test that needs `program` must fail rather than skip when it is
/// missing (`DARD_REQUIRE_REDIS=1`, `DARD_REQUIRE_BROWSER=1` in CI).
fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

/// Finds `program` on PATH, or skips (returns `None` with a message) unless
/// `require_var` says it must be there.
pub fn find_program(program: &str, require_var: &str, install: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            !required(require_var),
            "{program} is not installed but {require_var}=1 ({install})"
        );
        eprintln!(
            "skipping: {program} is not installed ({install}; set {require_var}=1 to fail instead)"
        );
    }
    found
}

/// A free loopback port (bound, read and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `redis-server` on a free loopback port, without persistence; killed on drop.
pub struct Redis {
    pub url: String,
    child: Child,
}

impl Redis {
    /// Starts one, or `None` when `redis-server` is not installed and
    /// `DARD_REQUIRE_REDIS` is not `1`.
    pub async fn start() -> Option<Redis> {
        let program = find_program(
            "redis-server",
            "DARD_REQUIRE_REDIS",
            "apt-get install redis-server",
        )?;
        let port = free_port();
        let child = Command::new(program)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let redis = Redis {
            url: format!("redis://127.0.0.1:{port}"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if serve::RedisStore::connect(&redis.url).await.is_ok() {
                return Some(redis);
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer PING on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A store on this server.
    pub async fn store(&self) -> Arc<dyn Store> {
        Arc::new(serve::RedisStore::connect(&self.url).await.unwrap())
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
