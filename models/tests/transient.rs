//! One classification of transient failures for every remote backend: each fault a
//! server or network can produce (a refused, reset or half-answered connection, a
//! reply slower than the timeout, 408, 429, 5xx, a truncated or non-JSON body) is
//! retried the same way by the `openai` and the `bedrock` backend.
#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use models::bedrock::{BedrockConfig, BedrockModel, StaticCredentials};
use models::layers::{Retry, RetryPolicy, Timeout};
use models::openai::{OpenAiConfig, OpenAiModel};
use models::{ChatModel, ChatRequest, ModelError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The faults a loopback server injects on the first request it gets.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// The connection is reset (RST) after the request arrives.
    Reset,
    /// The connection is closed with no answer (an incomplete message).
    Drop,
    /// The answer comes after the client's timeout.
    Slow,
    /// A status with a JSON error body (408, 429 with `Retry-After`, 500, 503).
    Status(u16),
    /// 200 with a body shorter than its `content-length`.
    Truncated,
    /// 200 with a body that is not JSON.
    NotJson,
}

const FAULTS: [Fault; 9] = [
    Fault::Reset,
    Fault::Drop,
    Fault::Slow,
    Fault::Status(408),
    Fault::Status(429),
    Fault::Status(500),
    Fault::Status(503),
    Fault::Truncated,
    Fault::NotJson,
];

const OPENAI_OK: &str = r#"{"id":"x","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"fine"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#;
const BEDROCK_OK: &str = r#"{"output":{"message":{"role":"assistant","content":[{"text":"fine"}]}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4},"metrics":{"latencyMs":1}}"#;

/// Serves `fault` to the first request and a good answer (in the dialect the path
/// asks for) to every later one; counts requests.
async fn fault_server(fault: Fault) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut stream = stream;
                let Some(head) = read_request(&mut stream).await else {
                    return;
                };
                let first = counter.fetch_add(1, Ordering::SeqCst) == 0;
                let ok = if head.contains("/converse") {
                    BEDROCK_OK
                } else {
                    OPENAI_OK
                };
                if first {
                    inject(stream, fault, ok).await;
                } else {
                    respond(&mut stream, 200, "", ok).await;
                }
            });
        }
    });
    (addr, seen)
}

async fn inject(mut stream: TcpStream, fault: Fault, ok: &str) {
    match fault {
        Fault::Reset => {
            stream.set_zero_linger().unwrap();
            drop(stream);
        }
        Fault::Drop => drop(stream),
        Fault::Slow => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            respond(&mut stream, 200, "", ok).await;
        }
        Fault::Status(status) => {
            let extra = if status == 429 {
                "retry-after: 0\r\nx-amzn-errortype: ThrottlingException\r\n"
            } else {
                "x-amzn-errortype: InternalServerException\r\n"
            };
            respond(&mut stream, status, extra, r#"{"message":"try again"}"#).await;
        }
        Fault::Truncated => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                ok.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&ok.as_bytes()[..ok.len() / 2]).await;
        }
        Fault::NotJson => {
            respond(&mut stream, 200, "", "<html>upstream busy</html>").await;
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(head)
}

async fn respond(stream: &mut TcpStream, status: u16, extra: &str, body: &str) {
    let text = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(text.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn openai(addr: SocketAddr) -> OpenAiModel {
    let cfg = OpenAiConfig {
        model: Some("m".into()),
        base_url: Some(format!("http://{addr}/v1")),
        ..OpenAiConfig::default()
    };
    OpenAiModel::with_api_key("gpt", &cfg, None).unwrap()
}

fn bedrock(addr: SocketAddr) -> BedrockModel {
    let cfg = BedrockConfig {
        model: Some("anthropic.claude-test".into()),
        region: Some("us-east-1".into()),
        endpoint_url: Some(format!("http://{addr}")),
        ..BedrockConfig::default()
    };
    BedrockModel::from_config("claude", &cfg)
        .unwrap()
        .with_credentials(StaticCredentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "not-a-secret".to_owned().into(),
            session_token: None,
        })
}

/// The retry layer as `config::build` stacks it, with millisecond backoff.
fn retried<M: ChatModel>(model: M) -> Retry<Timeout<M>> {
    let policy = RetryPolicy {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    };
    Retry::new(Timeout::new(model, Duration::from_millis(400)), policy)
}

async fn survives<M: ChatModel>(name: &str, fault: Fault, make: impl Fn(SocketAddr) -> M) {
    let (addr, seen) = fault_server(fault).await;
    let resp = retried(make(addr))
        .complete(ChatRequest::user("hello"))
        .await
        .unwrap_or_else(|e| panic!("{name} under {fault:?}: {e}"));
    assert_eq!(resp.text, "fine", "{name} under {fault:?}");
    assert_eq!(resp.retries, 1, "{name} under {fault:?}: one retry");
    assert_eq!(seen.load(Ordering::SeqCst), 2, "{name} under {fault:?}");
}

#[tokio::test]
async fn every_transient_fault_is_retried_by_openai_and_bedrock_alike() {
    for fault in FAULTS {
        survives("openai", fault, openai).await;
        survives("bedrock", fault, bedrock).await;
    }
}

#[tokio::test]
async fn bedrock_retries_a_dropped_connection() {
    // Regression: hyper's incomplete-message error was classified as permanent.
    survives("bedrock", Fault::Drop, bedrock).await;
    survives("bedrock", Fault::Reset, bedrock).await;
}

#[tokio::test]
async fn a_refused_connection_is_transient_for_both_backends() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let req = ChatRequest::user("hello");
    let errors = [
        openai(closed).complete(req.clone()).await.unwrap_err(),
        bedrock(closed).complete(req).await.unwrap_err(),
    ];
    for err in errors {
        assert!(
            matches!(err, ModelError::Transport(_)) && err.is_retryable(),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn permanent_failures_are_not_retried() {
    for status in [400u16, 401, 403, 404] {
        for backend in ["openai", "bedrock"] {
            let (addr, seen) = fault_server(Fault::Status(status)).await;
            let req = ChatRequest::user("hello");
            let err = match backend {
                "openai" => retried(openai(addr)).complete(req).await,
                _ => retried(bedrock(addr)).complete(req).await,
            }
            .unwrap_err();
            assert_eq!(err.status(), Some(status), "{backend}: {err}");
            assert_eq!(seen.load(Ordering::SeqCst), 1, "{backend} {status}");
        }
    }
}
