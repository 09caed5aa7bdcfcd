//! [`Dard`]: a live pipeline (its stages, data and ledger) and the handles it
//! gives out. [`DardBuilder`] turns a config into one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use agents::builtin::Builtin;
use agents::prompt::Prompter;
use agents::roles::{DbResult, DialogState, DomainAgent, Router, Tracker};
use models::UsageLedger;
use multiwoz::Domain;
use multiwoz::db::Database;
use serde::{Deserialize, Serialize};

use crate::builder::DardBuilder;
use crate::config::Config;
use crate::grounding;
use crate::session::Session;

/// The backend name serving each stage, for status lines and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineInfo {
    /// The tracker's backend.
    pub tracker: String,
    /// The router's backend.
    pub router: String,
    /// Each domain agent's backend.
    pub agents: BTreeMap<Domain, String>,
}

/// A stage implementation with the backend name it runs on.
#[derive(Clone)]
pub(crate) struct Staged<T: ?Sized> {
    pub role: Arc<T>,
    pub backend: String,
}

pub(crate) struct Inner {
    pub config: Config,
    pub config_file: Option<PathBuf>,
    pub db: Arc<Database>,
    pub prompter: Arc<Prompter>,
    pub tracker: Staged<dyn Tracker>,
    pub router: Staged<dyn Router>,
    pub agents: BTreeMap<Domain, Staged<dyn DomainAgent>>,
    pub ledger: UsageLedger,
    pub builtin: Option<Arc<Builtin>>,
    pub next_session: AtomicU64,
}

/// A live DARD pipeline. Cheap to clone (clones share everything), `Send + Sync`;
/// open any number of independent [`Session`]s, or answer single turns from a
/// given history with [`Dard::answer`].
#[derive(Clone)]
pub struct Dard {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Dard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dard")
            .field("pipeline", &self.info())
            .finish_non_exhaustive()
    }
}

impl Dard {
    /// A builder; with nothing set, `build()` gives the built-in default on the
    /// data folder found by `multiwoz::locate`.
    pub fn builder() -> DardBuilder {
        DardBuilder::default()
    }

    /// A new, empty dialog. Its booking references and taxis are random:
    /// two sessions, in this process or another, never share them.
    pub fn session(&self) -> Session {
        use std::hash::{BuildHasher, RandomState};
        let id = self.inner.next_session.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // `RandomState` is seeded from the operating system's randomness.
        let key = RandomState::new().hash_one((id, nanos, std::process::id()));
        Session::new(self.clone(), id, format!("{key:016x}"))
    }

    /// A new, empty dialog whose made-up details (booking references, taxis)
    /// depend only on `key` and the turn, not on how many sessions came
    /// before: the same key and the same user turns give the same dialog
    /// (simulated runs that resume or run in any order, tests).
    pub fn session_keyed(&self, key: &str) -> Session {
        let id = self.inner.next_session.fetch_add(1, Ordering::Relaxed);
        Session::new(self.clone(), id, key.to_string())
    }

    /// The configuration the pipeline was built from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The config file, if the configuration came from one.
    pub fn config_file(&self) -> Option<&Path> {
        self.inner.config_file.as_deref()
    }

    /// The backend of each stage.
    pub fn info(&self) -> PipelineInfo {
        PipelineInfo {
            tracker: self.inner.tracker.backend.clone(),
            router: self.inner.router.backend.clone(),
            agents: self
                .inner
                .agents
                .iter()
                .map(|(d, s)| (*d, s.backend.clone()))
                .collect(),
        }
    }

    /// The prompt renderer the model-backed stages use. Its example pool is
    /// empty when no stage is model-backed (the examples are not loaded then);
    /// `dard export` should use [`crate::build_prompter`] with the dialogs it exports.
    pub fn prompter(&self) -> &Arc<Prompter> {
        &self.inner.prompter
    }

    /// The database.
    pub fn database(&self) -> &Arc<Database> {
        &self.inner.db
    }

    /// Every model call made so far, through the backends' accounting layer.
    pub fn ledger(&self) -> &UsageLedger {
        &self.inner.ledger
    }

    /// The built-in default, when a stage uses it.
    pub fn builtin(&self) -> Option<&Arc<Builtin>> {
        self.inner.builtin.as_ref()
    }

    /// The database result of `domain` under `state`, as a turn computes it;
    /// `seed` (see [`Dard::seed_for`]) only varies made-up taxi details.
    pub fn ground(&self, domain: Domain, state: &DialogState, seed: u64) -> DbResult {
        grounding::ground(&self.inner.db, domain, state, seed)
    }

    /// The seed of a turn: from the dialog id (or session) and the history length.
    pub fn seed_for(dialog: &str, history_len: usize) -> u64 {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        (dialog, history_len).hash(&mut h);
        h.finish()
    }
}
