//! [`Dard`] and its builder: a config (file or code) turned into live stages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use agents::builtin::Builtin;
use agents::llm::{LlmDomainAgent, LlmRouter, LlmTracker};
use agents::prompt::{ExamplePool, FewShot, Grounder, PromptSet, Prompter};
use agents::roles::{DbResult, DialogState, DomainAgent, Router, Tracker};
use models::{BackendConfig, BuildContext, ModelHandle, UsageLedger};
use multiwoz::Domain;
use multiwoz::db::Database;
use multiwoz::model::{Dialog, Split};
use serde::{Deserialize, Serialize};

use crate::config::{BUILTIN, Config};
use crate::error::BuildError;
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

    /// A new, empty dialog.
    pub fn session(&self) -> Session {
        let id = self.inner.next_session.fetch_add(1, Ordering::Relaxed);
        Session::new(self.clone(), id)
    }

    /// A new, empty dialog whose made-up details (booking references, taxis)
    /// depend only on `key`, not on how many sessions came before: the same
    /// key and the same user turns give the same dialog (simulated runs that
    /// resume or run in any order need this).
    pub fn session_keyed(&self, key: &str) -> Session {
        let mut s = self.session();
        s.set_key(key);
        s
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
    /// `dard export` should use [`build_prompter`] with the dialogs it exports.
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

/// Builds a [`Dard`] from a config file, a [`Config`] value, or defaults, plus
/// anything given in code (models, stages, data).
#[derive(Default)]
pub struct DardBuilder {
    config: Option<Config>,
    config_file: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    dialogs: Option<Vec<Dialog>>,
    database: Option<Arc<Database>>,
    models: BTreeMap<String, ModelHandle>,
    tracker: Option<Staged<dyn Tracker>>,
    router: Option<Staged<dyn Router>>,
    agents: BTreeMap<Domain, Staged<dyn DomainAgent>>,
    cache_dir: Option<PathBuf>,
    ledger: Option<UsageLedger>,
}

impl DardBuilder {
    /// Reads the configuration from this TOML file at `build()`.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// Uses this configuration (instead of a file).
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// The MultiWOZ data folder (overrides `[data] dir`).
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// The dialogs for few-shot examples and the built-in default's training
    /// (instead of loading them); test-split dialogs are never used.
    pub fn dialogs(mut self, dialogs: Vec<Dialog>) -> Self {
        self.dialogs = Some(dialogs);
        self
    }

    /// The database (instead of loading it).
    pub fn database(mut self, db: Arc<Database>) -> Self {
        self.database = Some(db);
        self
    }

    /// A ready model under `name`: stages naming it use it, and it replaces a
    /// `[backends]` entry of the same name.
    pub fn model(mut self, name: impl Into<String>, model: ModelHandle) -> Self {
        self.models.insert(name.into(), model);
        self
    }

    /// A custom tracker, replacing `[pipeline] tracker`.
    pub fn tracker(mut self, tracker: Arc<dyn Tracker>, backend: impl Into<String>) -> Self {
        self.tracker = Some(Staged {
            role: tracker,
            backend: backend.into(),
        });
        self
    }

    /// A custom router, replacing `[pipeline] router`.
    pub fn router(mut self, router: Arc<dyn Router>, backend: impl Into<String>) -> Self {
        self.router = Some(Staged {
            role: router,
            backend: backend.into(),
        });
        self
    }

    /// A custom agent for `domain`, replacing its `[pipeline.agents]` entry.
    pub fn agent(
        mut self,
        domain: Domain,
        agent: Arc<dyn DomainAgent>,
        backend: impl Into<String>,
    ) -> Self {
        self.agents.insert(
            domain,
            Staged {
                role: agent,
                backend: backend.into(),
            },
        );
        self
    }

    /// The response-cache directory (overrides `[cache] dir`).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// The ledger model calls are recorded in (a fresh one otherwise).
    pub fn ledger(mut self, ledger: UsageLedger) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// Checks the configuration, loads the data, trains the built-in default if a
    /// stage uses it, and builds every backend a stage names. Fails before any
    /// model call, naming the file and key at fault.
    pub fn build(self) -> Result<Dard, BuildError> {
        let file = self.config_file.clone();
        let config = match (&self.config, &self.config_file) {
            (Some(c), _) => c.clone(),
            (None, Some(path)) => Config::from_file(path)?,
            (None, None) => Config::default(),
        };
        self.check_references(&config, file.as_deref())?;
        let builtin_needed = self.needs_builtin(&config);
        let examples_needed = self.needs_examples(&config);
        let (db, dialogs) = self.load_data(&config, builtin_needed || examples_needed)?;
        let builtin = builtin_needed
            .then(|| Arc::new(Builtin::from_parts(grounding::db_values(&db), &dialogs)));
        let examples: &[Dialog] = if examples_needed { &dialogs } else { &[] };
        let prompter = Arc::new(build_prompter(
            &config,
            file.as_deref(),
            examples,
            db.clone(),
        )?);
        let ledger = self.ledger.clone().unwrap_or_default();
        let ctx = BuildContext {
            cache_dir: self.cache_dir.clone().or_else(|| config.cache.dir.clone()),
            prices: config.prices.clone(),
            ledger: ledger.clone(),
        };
        let mut stages = StageFactory {
            config: &config,
            file: file.as_deref(),
            ctx: &ctx,
            registered: &self.models,
            built: BTreeMap::new(),
            prompter: &prompter,
            builtin: builtin.as_ref(),
        };
        let tracker = match self.tracker {
            Some(t) => t,
            None => stages.tracker(&config.pipeline.tracker, "pipeline.tracker")?,
        };
        let router = match self.router {
            Some(r) => r,
            None => stages.router(&config.pipeline.router, "pipeline.router")?,
        };
        let mut agents = self.agents;
        for d in Domain::ALL {
            if let std::collections::btree_map::Entry::Vacant(slot) = agents.entry(d) {
                let (name, key) = config.pipeline.agents.for_domain(d);
                slot.insert(stages.agent(name, &key)?);
            }
        }
        Ok(Dard {
            inner: Arc::new(Inner {
                config,
                config_file: file,
                db,
                prompter,
                tracker,
                router,
                agents,
                ledger,
                builtin,
                next_session: AtomicU64::new(0),
            }),
        })
    }

    fn check_references(&self, config: &Config, file: Option<&Path>) -> Result<(), BuildError> {
        let mut with_models = config.clone();
        for name in self.models.keys() {
            with_models
                .backends
                .entry(name.clone())
                .or_insert(BackendConfig::Builtin);
        }
        with_models.check(file)
    }

    fn is_builtin(config: &Config, name: &str) -> bool {
        name == BUILTIN || matches!(config.backends.get(name), Some(BackendConfig::Builtin))
    }

    fn needs_builtin(&self, config: &Config) -> bool {
        let named = |n: &str| Self::is_builtin(config, n) && !self.models.contains_key(n);
        (self.tracker.is_none() && named(&config.pipeline.tracker))
            || (self.router.is_none() && named(&config.pipeline.router))
            || Domain::ALL.into_iter().any(|d| {
                !self.agents.contains_key(&d) && named(config.pipeline.agents.for_domain(d).0)
            })
    }

    /// Whether a model-backed stage will show few-shot examples.
    fn needs_examples(&self, config: &Config) -> bool {
        let model = |n: &str| self.models.contains_key(n) || !Self::is_builtin(config, n);
        let any_model = (self.tracker.is_none() && model(&config.pipeline.tracker))
            || (self.router.is_none() && model(&config.pipeline.router))
            || Domain::ALL.into_iter().any(|d| {
                !self.agents.contains_key(&d) && model(config.pipeline.agents.for_domain(d).0)
            });
        any_model && config.prompts.few_shot != FewShot::None && config.prompts.shots > 0
    }

    fn load_data(
        &self,
        config: &Config,
        need_dialogs: bool,
    ) -> Result<(Arc<Database>, Vec<Dialog>), BuildError> {
        if let (Some(db), Some(dialogs)) = (&self.database, &self.dialogs) {
            return Ok((db.clone(), dialogs.clone()));
        }
        let dir = self.data_dir.clone().or_else(|| config.data.dir.clone());
        let layout = multiwoz::locate::locate(dir.as_deref()).map_err(|e| BuildError::Data {
            message: e.to_string(),
        })?;
        let db = match &self.database {
            Some(db) => db.clone(),
            None => {
                let Some(db_dir) = &layout.db_dir else {
                    return Err(BuildError::Data {
                        message: format!(
                            "{} has no database folder (db/*_db.json)",
                            layout.root.display()
                        ),
                    });
                };
                Arc::new(Database::load(db_dir).map_err(|e| BuildError::Data {
                    message: e.to_string(),
                })?)
            }
        };
        let dialogs = match &self.dialogs {
            Some(d) => d.clone(),
            None if need_dialogs => {
                let available = layout.dialogs.splits();
                let splits: Vec<Split> = config
                    .prompts
                    .example_splits
                    .iter()
                    .copied()
                    .filter(|s| *s != Split::Test && available.contains(s))
                    .collect();
                if splits.is_empty() {
                    tracing::warn!(root = %layout.root.display(), "no train or val dialogs: no examples, untrained built-in router");
                    Vec::new()
                } else {
                    multiwoz::load::load_splits(&layout, &splits).map_err(|e| BuildError::Data {
                        message: e.to_string(),
                    })?
                }
            }
            None => Vec::new(),
        };
        Ok((db, dialogs))
    }
}

/// The prompt renderer of `config`: its templates (`[prompts] dir` over the
/// built-in ones), few-shot examples from `dialogs` (test-split dialogs are
/// skipped) and the database line of examples from `db`. A pipeline's
/// model-backed stages use exactly this; `dard export` builds the same one to
/// write byte-identical prompts.
pub fn build_prompter(
    config: &Config,
    file: Option<&Path>,
    dialogs: &[Dialog],
    db: Arc<Database>,
) -> Result<Prompter, BuildError> {
    let set =
        PromptSet::load(config.prompts.dir.as_deref()).map_err(|source| BuildError::Prompts {
            file: file.map(Path::to_path_buf),
            source,
        })?;
    let pool = ExamplePool::build(dialogs, config.prompts.example_turns);
    let grounder: Grounder = Arc::new(move |d, s| grounding::ground(&db, d, s, 0));
    Ok(Prompter::new(
        set,
        Arc::new(pool),
        config.prompts.options(),
        Some(grounder),
    ))
}

/// Builds stages by backend name, building each backend once.
struct StageFactory<'a> {
    config: &'a Config,
    file: Option<&'a Path>,
    ctx: &'a BuildContext,
    registered: &'a BTreeMap<String, ModelHandle>,
    built: BTreeMap<String, ModelHandle>,
    prompter: &'a Arc<Prompter>,
    builtin: Option<&'a Arc<Builtin>>,
}

impl StageFactory<'_> {
    /// The model of `name`, or `None` for the built-in default.
    fn model(&mut self, name: &str, key: &str) -> Result<Option<ModelHandle>, BuildError> {
        if let Some(m) = self.registered.get(name) {
            return Ok(Some(m.clone()));
        }
        if DardBuilder::is_builtin(self.config, name) {
            return Ok(None);
        }
        if let Some(m) = self.built.get(name) {
            return Ok(Some(m.clone()));
        }
        let Some(backend) = self.config.backends.get(name) else {
            return Err(BuildError::UnknownBackend {
                file: self.file.map(Path::to_path_buf),
                key: key.to_string(),
                name: name.to_string(),
                defined: self
                    .config
                    .backends
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let handle =
            models::build(name, backend, self.ctx).map_err(|source| BuildError::Backend {
                file: self.file.map(Path::to_path_buf),
                source,
            })?;
        self.built.insert(name.to_string(), handle.clone());
        Ok(Some(handle))
    }

    fn builtin(&self) -> Result<Arc<Builtin>, BuildError> {
        self.builtin.cloned().ok_or_else(|| BuildError::Data {
            message: "the built-in default was not trained".to_string(),
        })
    }

    fn tracker(&mut self, name: &str, key: &str) -> Result<Staged<dyn Tracker>, BuildError> {
        let role: Arc<dyn Tracker> = match self.model(name, key)? {
            Some(m) => Arc::new(LlmTracker::new(
                m,
                self.prompter.clone(),
                self.config.generation.clone(),
            )),
            None => self.builtin()?,
        };
        Ok(Staged {
            role,
            backend: name.to_string(),
        })
    }

    fn router(&mut self, name: &str, key: &str) -> Result<Staged<dyn Router>, BuildError> {
        let role: Arc<dyn Router> = match self.model(name, key)? {
            Some(m) => Arc::new(LlmRouter::new(
                m,
                self.prompter.clone(),
                self.config.generation.clone(),
            )),
            None => self.builtin()?,
        };
        Ok(Staged {
            role,
            backend: name.to_string(),
        })
    }

    fn agent(&mut self, name: &str, key: &str) -> Result<Staged<dyn DomainAgent>, BuildError> {
        let role: Arc<dyn DomainAgent> = match self.model(name, key)? {
            Some(m) => Arc::new(LlmDomainAgent::new(
                m,
                self.prompter.clone(),
                self.config.generation.clone(),
            )),
            None => self.builtin()?,
        };
        Ok(Staged {
            role,
            backend: name.to_string(),
        })
    }
}
