//! The layers around any backend — retry, timeout, concurrency limit, accounting —
//! over the scripted model.
#![allow(clippy::unwrap_used)] // Tests may unwrap.
#![cfg(feature = "test-utils")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use models::config::{BuildContext, wrap};
use models::layers::LayerConfig;
use models::layers::{ConcurrencyLimit, Retry, RetryPolicy, Sleeper, Timeout};
use models::scripted::ScriptedModel;
use models::usage::Price;
use models::{
    BackendKind, BoxFuture, CallUsage, ChatModel, ChatRequest, ChatResponse, FinishReason,
    ModelError, ModelHandle, ModelInfo, PriceTable, UsageLedger,
};

fn api(status: u16, retry_after: Option<u64>) -> ModelError {
    ModelError::Api {
        status,
        body: format!("{{\"error\": {status}}}"),
        retry_after: retry_after.map(Duration::from_secs),
    }
}

fn recording_sleeper() -> (Sleeper, Arc<Mutex<Vec<Duration>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let sleeper: Sleeper = Arc::new(move |d| {
        sink.lock().unwrap().push(d);
        Box::pin(async {})
    });
    (sleeper, log)
}

#[tokio::test]
async fn retry_waits_retry_after_and_counts_retries() {
    let inner = ScriptedModel::new();
    inner
        .push_error(api(429, Some(2)))
        .push_error(api(503, None))
        .push_reply("ok");
    let (sleeper, slept) = recording_sleeper();
    let m = Retry::new(inner.clone(), RetryPolicy::default()).with_sleeper(sleeper);

    let resp = m.complete(ChatRequest::user("hi")).await.unwrap();

    assert_eq!(resp.text, "ok");
    assert_eq!(resp.retries, 2);
    assert_eq!(inner.calls(), 3);
    let slept = slept.lock().unwrap();
    assert_eq!(slept[0], Duration::from_secs(2), "Retry-After is honoured");
    assert!(slept[1] >= Duration::from_millis(500) && slept[1] <= Duration::from_secs(1));
}

#[tokio::test]
async fn retry_gives_up_when_retry_after_exceeds_the_limit() {
    let inner = ScriptedModel::new();
    inner.push_error(api(429, Some(3600))).push_reply("never");
    let (sleeper, slept) = recording_sleeper();
    let m = Retry::new(inner.clone(), RetryPolicy::default()).with_sleeper(sleeper);
    let err = m.complete(ChatRequest::user("hi")).await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert!(matches!(err, ModelError::Exhausted { attempts: 1, .. }));
    assert!(slept.lock().unwrap().is_empty());
    assert_eq!(inner.calls(), 1);
}

#[tokio::test]
async fn retry_leaves_permanent_errors_alone() {
    let inner = ScriptedModel::new();
    inner.push_error(api(400, None)).push_reply("never");
    let (sleeper, _) = recording_sleeper();
    let err = Retry::new(inner.clone(), RetryPolicy::default())
        .with_sleeper(sleeper)
        .complete(ChatRequest::user("hi"))
        .await
        .unwrap_err();
    assert_eq!(err, api(400, None));
    assert_eq!(inner.calls(), 1);
}

#[tokio::test]
async fn retry_retries_timeouts_and_dropped_connections() {
    let inner = ScriptedModel::new();
    inner
        .push_error(ModelError::Timeout(Duration::from_secs(1)))
        .push_error(ModelError::Transport("connection reset by peer".into()))
        .push_reply("ok");
    let (sleeper, _) = recording_sleeper();
    let resp = Retry::new(inner.clone(), RetryPolicy::default())
        .with_sleeper(sleeper)
        .complete(ChatRequest::user("hi"))
        .await
        .unwrap();
    assert_eq!((resp.text.as_str(), resp.retries), ("ok", 2));
}

#[tokio::test(start_paused = true)]
async fn timeout_cuts_a_slow_call() {
    let inner = ScriptedModel::always("late");
    inner.set_delay(Duration::from_secs(30));
    let err = Timeout::new(inner, Duration::from_secs(2))
        .complete(ChatRequest::user("hi"))
        .await
        .unwrap_err();
    assert_eq!(err, ModelError::Timeout(Duration::from_secs(2)));
}

/// Counts how many calls are inside it at once.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl ChatModel for Gauge {
    fn complete(&self, _req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        Box::pin(async move {
            let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(n, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            self.now.fetch_sub(1, Ordering::SeqCst);
            Ok(ChatResponse::new("ok", FinishReason::Stop))
        })
    }
}

#[tokio::test(start_paused = true)]
async fn concurrency_limit_caps_calls_in_flight() {
    let gauge = Arc::new(Gauge::default());
    let info = ModelInfo {
        name: "g".into(),
        kind: BackendKind::Scripted,
        model: "g".into(),
    };
    let handle = ModelHandle::new(info, ConcurrencyLimit::new(gauge.clone(), 3));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let h = handle.clone();
        tasks.spawn(async move { h.complete(ChatRequest::user("x")).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    assert_eq!(gauge.peak.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn accounting_prices_calls_and_logs_failures_in_the_ledger() {
    let inner = ScriptedModel::new();
    let mut priced = ChatResponse::new("booked", FinishReason::Stop);
    priced.input_tokens = 1000;
    priced.output_tokens = 200;
    inner.push_response(priced).push_error(api(401, None));
    let mut prices = PriceTable::default();
    prices.insert(
        "scripted",
        Price {
            input_per_mtok: 3.0,
            output_per_mtok: 15.0,
        },
    );
    let ctx = BuildContext {
        cache_dir: None,
        prices,
        ledger: UsageLedger::new(),
    };
    let info = ModelInfo {
        name: "claude".into(),
        kind: BackendKind::Scripted,
        model: "scripted".into(),
    };
    let handle = wrap(info, inner, &LayerConfig::default(), &ctx).unwrap();

    let resp = handle.complete(ChatRequest::user("book it")).await.unwrap();
    let cost = resp.cost_usd.unwrap();
    assert!((cost - 0.006).abs() < 1e-12, "{cost}");
    let usage = CallUsage::of(handle.info(), &resp);
    assert_eq!(
        (usage.backend.as_str(), usage.tokens_in, usage.tokens_out),
        ("claude", 1000, 200)
    );
    assert!(!usage.cache_hit);

    let err = handle
        .complete(ChatRequest::user("again"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));

    let records = UsageLedger::records(&ctx.ledger);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].usage, usage);
    assert!(records[1].error.as_deref().unwrap().contains("401"));
    let totals = ctx.ledger.totals();
    assert_eq!(
        (totals.calls, totals.failures, totals.tokens_in),
        (2, 1, 1000)
    );
    assert!((totals.cost_usd - 0.006).abs() < 1e-12);
}

#[tokio::test]
async fn accounting_leaves_cost_unknown_for_unpriced_models() {
    let ctx = BuildContext::default();
    let info = ModelInfo {
        name: "x".into(),
        kind: BackendKind::Scripted,
        model: "unpriced".into(),
    };
    let handle = wrap(
        info,
        ScriptedModel::always("hi"),
        &LayerConfig::default(),
        &ctx,
    )
    .unwrap();
    let resp = handle.complete(ChatRequest::user("hi")).await.unwrap();
    assert_eq!(resp.cost_usd, None);
}

#[tokio::test]
async fn scripted_model_records_requests_and_reports_an_empty_script() {
    let m = ScriptedModel::new();
    m.push_reply("one two three");
    let req = ChatRequest::user("a b").with_system("c");
    let resp = m.complete(req.clone()).await.unwrap();
    assert_eq!((resp.input_tokens, resp.output_tokens), (3, 3));
    assert_eq!(m.requests(), vec![req]);
    let err = m.complete(ChatRequest::user("more")).await.unwrap_err();
    assert!(err.to_string().contains("used up"));
}
