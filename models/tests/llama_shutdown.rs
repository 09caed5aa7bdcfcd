//! `models::llama::shutdown`, which the binary calls before exiting on Ctrl-C:
//! it is process-wide, so it has a test binary of its own.

#![cfg(feature = "llama")]
#![allow(clippy::unwrap_used)] // Tests may unwrap.

#[path = "support/gguf.rs"]
mod gguf;

use std::time::{Duration, Instant};

use models::llama::{GenerateRequest, LlamaConfig, LlamaError, LlamaModel};

#[tokio::test]
async fn shutdown_stops_a_running_generation_and_refuses_new_work() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.gguf");
    gguf::write_tiny_llama(&path, 7, None);
    let config = LlamaConfig::new(&path).with_threads(1).with_n_ctx(4096);
    let model = LlamaModel::load(config.clone()).await.unwrap();
    let running = {
        let model = model.clone();
        tokio::spawn(async move {
            model
                .generate(GenerateRequest::text("The hotel").with_max_tokens(4000))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    let start = Instant::now();
    let done = tokio::task::spawn_blocking(|| models::llama::shutdown(Duration::from_secs(10)))
        .await
        .unwrap();
    assert!(done, "every worker ended");
    assert!(start.elapsed() < Duration::from_secs(5));
    // The running generation ended early (or was refused if it had not started).
    match running.await.unwrap() {
        Ok(out) => assert!(out.completion_tokens < 4000, "{out:?}"),
        Err(e) => assert!(
            matches!(e, LlamaError::ShuttingDown | LlamaError::WorkerGone),
            "{e:?}"
        ),
    }
    // The worker is gone and no new model starts.
    assert!(
        model
            .generate(GenerateRequest::text("x").with_max_tokens(1))
            .await
            .is_err()
    );
    assert!(matches!(
        LlamaModel::load(config).await,
        Err(LlamaError::ShuttingDown)
    ));
}
