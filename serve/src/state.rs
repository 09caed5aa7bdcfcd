//! What every handler shares: the pipeline, the store, the options, the
//! metrics, and the bookkeeping that lets turns finish on shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use manager::{Dard, TurnOutcome};
use tokio::sync::{OwnedMutexGuard, Semaphore};
use tokio_util::task::TaskTracker;

use crate::config::ServeConfig;
use crate::error::ApiError;
use crate::guard::RateLimiter;
use crate::metrics::Metrics;
use crate::store::{Saved, Store};

/// The handlers' state, behind one `Arc`.
pub(crate) type AppState = Arc<Shared>;

/// See [`AppState`].
pub(crate) struct Shared {
    pub dard: Dard,
    pub store: Arc<dyn Store>,
    pub config: ServeConfig,
    pub metrics: Metrics,
    pub limiter: Option<RateLimiter>,
    /// Bounds how many turns run at once.
    permits: Semaphore,
    /// Turns run as tracked tasks: a client that hangs up does not cancel a
    /// turn halfway, and shutdown waits for every one of them.
    pub tasks: TaskTracker,
    locks: SessionLocks,
}

impl Shared {
    pub fn new(dard: Dard, store: Arc<dyn Store>, config: ServeConfig) -> Shared {
        Shared {
            dard,
            store,
            metrics: Metrics::default(),
            limiter: config.rate_limit.map(RateLimiter::new),
            permits: Semaphore::new(config.max_concurrent_turns.max(1)),
            tasks: TaskTracker::new(),
            locks: SessionLocks::default(),
            config,
        }
    }

    /// Runs `work` as a tracked task under a turn permit and waits for it.
    pub async fn run_turn<T, F>(self: &Arc<Self>, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, ApiError>> + Send + 'static,
    {
        if self.tasks.is_closed() {
            return Err(ApiError::ShuttingDown);
        }
        let shared = Arc::clone(self);
        let task = self.tasks.spawn(async move {
            let _permit = shared
                .permits
                .acquire()
                .await
                .map_err(|_| ApiError::ShuttingDown)?;
            work.await
        });
        task.await
            .map_err(|e| ApiError::Internal(format!("the turn's task failed: {e}")))?
    }

    /// Answers `text` in session `id`: load, resume, answer, and store only
    /// if nobody stored a turn meanwhile; otherwise answer again on top of
    /// the newer dialog. Returns the outcome and the session's new version.
    pub async fn session_turn(
        self: &Arc<Self>,
        id: String,
        text: String,
    ) -> Result<(TurnOutcome, u64), ApiError> {
        let shared = Arc::clone(self);
        self.run_turn(async move {
            // Turns of one session on this replica wait for each other here;
            // the version check covers turns on other replicas.
            let _turn = shared.locks.lock(&id).await;
            for _ in 0..shared.config.max_turn_attempts.max(1) {
                let Some(stored) = shared.store.load(&id).await? else {
                    return Err(ApiError::SessionNotFound(id));
                };
                let mut session = shared.dard.resume(stored.snapshot);
                let outcome = session
                    .turn(&text)
                    .await
                    .map_err(|e| ApiError::TurnFailed(e.to_string()))?;
                match shared
                    .store
                    .save(&id, stored.version, &session.snapshot())
                    .await?
                {
                    Saved::Stored(version) => return Ok((outcome, version)),
                    Saved::Missing => return Err(ApiError::SessionNotFound(id)),
                    Saved::Conflict => {
                        tracing::debug!(session = %id, "session changed meanwhile; answering again")
                    }
                }
            }
            Err(ApiError::SessionBusy)
        })
        .await
    }
}

/// One lock per session with turns waiting or running on this replica.
#[derive(Default)]
struct SessionLocks {
    map: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Holds a session's lock; removes the lock from the map when nobody else
/// waits for it.
struct SessionGuard<'a> {
    locks: &'a SessionLocks,
    id: String,
    lock: Arc<tokio::sync::Mutex<()>>,
    guard: Option<OwnedMutexGuard<()>>,
}

impl SessionLocks {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
        // The map only holds `Arc`s; a panic elsewhere cannot corrupt it.
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn lock(&self, id: &str) -> SessionGuard<'_> {
        let lock = Arc::clone(self.map().entry(id.to_string()).or_default());
        let guard = Arc::clone(&lock).lock_owned().await;
        SessionGuard {
            locks: self,
            id: id.to_string(),
            lock,
            guard: Some(guard),
        }
    }
}

impl Drop for SessionGuard<'_> {
    fn drop(&mut self) {
        self.guard.take();
        let mut map = self.locks.map();
        // Two references left: the map's and ours, so nobody waits.
        if Arc::strong_count(&self.lock) == 2 {
            map.remove(&self.id);
        }
    }
}
