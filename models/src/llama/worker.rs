//! The worker thread that owns the llama.cpp model and context. Async callers
//! send it jobs over a channel and get their answers on a oneshot; jobs run
//! one at a time in arrival order, which is also what keeps the KV cache
//! coherent for prefix reuse.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::config::LlamaConfig;
use super::engine::{Job, Session, backend, load_model};
use super::error::LlamaError;
use super::{GenerateOutput, ModelInfo};

/// Set by [`shutdown`]: every worker stops its generation at the next token
/// or prompt chunk and refuses new jobs.
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// How many worker threads are alive (each may be inside llama.cpp).
static BUSY: AtomicUsize = AtomicUsize::new(0);

/// Counts one worker thread for as long as it lives (its model is dropped
/// before the guard).
struct BusyGuard;

impl BusyGuard {
    fn enter() -> Self {
        BUSY.fetch_add(1, Ordering::SeqCst);
        BusyGuard
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        BUSY.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Stops every llama worker of the process before it exits: running
/// generations end at their next token or prompt chunk, later jobs are refused
/// with [`LlamaError::ShuttingDown`], and each worker frees its model and
/// ends. Returns whether every worker thread ended within `timeout`.
///
/// A process that exits while a worker thread is inside llama.cpp can crash in
/// llama.cpp's static destructors (a second Ctrl-C during a call ended with
/// signal 11); calling this before `std::process::exit` avoids that.
pub fn shutdown(timeout: Duration) -> bool {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
    let start = Instant::now();
    while BUSY.load(Ordering::SeqCst) > 0 {
        if start.elapsed() >= timeout {
            return false;
        }
        thread::sleep(Duration::from_millis(5));
    }
    true
}

/// What a worker has done, for tests and logs.
#[derive(Debug, Default)]
pub(crate) struct WorkerStats {
    jobs: AtomicU64,
    cancelled: AtomicU64,
    generated: AtomicU64,
}

/// A snapshot of a worker's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerCounts {
    /// Jobs the worker started.
    pub jobs: u64,
    /// Jobs that ended early, or were dropped before they started, because
    /// the caller went away (a timeout, a dropped future) or the process is
    /// shutting down.
    pub cancelled: u64,
    /// Tokens generated over all jobs.
    pub generated_tokens: u64,
}

impl WorkerStats {
    pub(crate) fn counts(&self) -> WorkerCounts {
        WorkerCounts {
            jobs: self.jobs.load(Ordering::Relaxed),
            cancelled: self.cancelled.load(Ordering::Relaxed),
            generated_tokens: self.generated.load(Ordering::Relaxed),
        }
    }
}

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
    stats: Arc<WorkerStats>,
) -> Result<(mpsc::Sender<Command>, ModelInfo), LlamaError> {
    if SHUTTING_DOWN.load(Ordering::SeqCst) {
        return Err(LlamaError::ShuttingDown);
    }
    let (tx, rx) = mpsc::channel();
    let (ready_tx, ready_rx) = oneshot::channel();
    thread::Builder::new()
        .name("llama-worker".into())
        .spawn(move || {
            let _busy = BusyGuard::enter();
            run(&config, ready_tx, &rx, &stats);
        })
        .map_err(|e| LlamaError::Backend(format!("cannot start the worker thread: {e}")))?;
    let info = ready_rx.await.map_err(|_| LlamaError::WorkerGone)??;
    Ok((tx, info))
}

/// The worker's whole life: load, report, then serve until every sender is dropped.
fn run(
    config: &LlamaConfig,
    ready: oneshot::Sender<Result<ModelInfo, LlamaError>>,
    rx: &mpsc::Receiver<Command>,
    stats: &WorkerStats,
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
    // An idle worker polls the flag, so that `shutdown` finds it gone (its
    // model freed) within one poll.
    loop {
        let cmd = match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(cmd) => cmd,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if SHUTTING_DOWN.load(Ordering::SeqCst) {
                    break;
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        match cmd {
            Command::Generate { job, reply } => {
                if reply.is_closed() {
                    stats.cancelled.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                if SHUTTING_DOWN.load(Ordering::SeqCst) {
                    let _ = reply.send(Err(LlamaError::ShuttingDown));
                    continue;
                }
                stats.jobs.fetch_add(1, Ordering::Relaxed);
                let cancelled = || reply.is_closed() || SHUTTING_DOWN.load(Ordering::Relaxed);
                let result = catch_unwind(AssertUnwindSafe(|| session.generate(&job, &cancelled)));
                if let Ok(Ok(out)) = &result {
                    stats
                        .generated
                        .fetch_add(u64::from(out.completion_tokens), Ordering::Relaxed);
                    if out.finish == super::FinishReason::Cancelled {
                        stats.cancelled.fetch_add(1, Ordering::Relaxed);
                    }
                }
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
