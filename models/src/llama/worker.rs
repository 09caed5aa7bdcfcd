//! The worker thread that owns the llama.cpp model and context. Async callers
//! send it jobs over a channel and get their answers on a oneshot; jobs run
//! one at a time in arrival order, which is also what keeps the KV cache
//! coherent for prefix reuse.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::thread;

use tokio::sync::oneshot;

use super::config::LlamaConfig;
use super::engine::{Job, Session, backend, load_model};
use super::error::LlamaError;
use super::{GenerateOutput, ModelInfo};

/// A message to the worker.
pub(crate) enum Command {
    /// Run a job and send the result back.
    Generate {
        job: Job,
        reply: oneshot::Sender<Result<GenerateOutput, LlamaError>>,
    },
    /// Forget the KV cache (the next job starts cold).
    Reset { reply: oneshot::Sender<()> },
}

/// Starts a worker for `config`; resolves once the model is loaded (or failed to).
pub(crate) async fn spawn(
    config: LlamaConfig,
) -> Result<(mpsc::Sender<Command>, ModelInfo), LlamaError> {
    let (tx, rx) = mpsc::channel();
    let (ready_tx, ready_rx) = oneshot::channel();
    thread::Builder::new()
        .name("llama-worker".into())
        .spawn(move || run(&config, ready_tx, &rx))
        .map_err(|e| LlamaError::Backend(format!("cannot start the worker thread: {e}")))?;
    let info = ready_rx.await.map_err(|_| LlamaError::WorkerGone)??;
    Ok((tx, info))
}

/// The worker's whole life: load, report, then serve until every sender is dropped.
fn run(
    config: &LlamaConfig,
    ready: oneshot::Sender<Result<ModelInfo, LlamaError>>,
    rx: &mpsc::Receiver<Command>,
) {
    let loaded = backend().and_then(|b| load_model(b, config).map(|m| (b, m)));
    let (backend, model) = match loaded {
        Ok(x) => x,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let mut session = match Session::new(backend, &model, config) {
        Ok(s) => s,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let info = session.info();
    tracing::info!(
        path = %config.model_path.display(),
        arch = %info.architecture,
        template = %info.template,
        n_ctx = info.n_ctx,
        "llama model loaded"
    );
    if ready.send(Ok(info)).is_err() {
        return;
    }
    while let Ok(cmd) = rx.recv() {
        match cmd {
            Command::Generate { job, reply } => {
                if reply.is_closed() {
                    continue;
                }
                let result = catch_unwind(AssertUnwindSafe(|| {
                    session.generate(&job, &|| reply.is_closed())
                }));
                let result = match result {
                    Ok(r) => r,
                    Err(_) => {
                        // The cache may hold half a job: start the next one cold.
                        session.reset();
                        Err(LlamaError::Eval {
                            stage: "generate",
                            reason: "panicked inside llama-cpp-2".into(),
                        })
                    }
                };
                let _ = reply.send(result);
            }
            Command::Reset { reply } => {
                session.reset();
                let _ = reply.send(());
            }
        }
    }
}
