//! `dard export`: fine-tuning data for the router, the tracker and the domain
//! agents, in exactly the prompt format the LLM-backed stages send.
//!
//! Every example is one user turn of a train or val dialog. Its prompt is rendered
//! by the same [`Prompter`] calls the stages make ([`Prompter::route`],
//! [`Prompter::track`], [`Prompter::respond`]), from a prompter built the way
//! [`manager::Dard`] builds its own (same templates, options, example pool and
//! grounding), with the same context: the history up to the user turn, the gold
//! state (and the previous gold state for the tracker), the database result of the
//! gold domain, and the dialog's id so that no few-shot example comes from it. The
//! gold output is written in the answer format the stage's parser reads. With a
//! prompt budget ([`Exporter::with_budget`]) prompts are trimmed exactly as the
//! stages trim them for a model with that budget. The test
//! split is refused, and no test dialog is ever exported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use agents::prompt::{
    ExamplePool, FewShot, Grounder, Prompt, PromptError, PromptSet, Prompter, format_route_answer,
    format_state_answer, unknown_placeholders,
};
use agents::roles::{RespondInput, RouteInput, TrackInput};
use multiwoz::Domain;
use multiwoz::db::Database;
use multiwoz::locate::{DataLayout, DialogSource};
use multiwoz::model::{Dialog, Split, dialog_key};
use serde_json::json;

use manager::{Config, Dard, grounding};

/// The error of an export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The test split was asked for: it is for evaluation only.
    #[error("--split test is refused: the test split is for evaluation only; export train or val")]
    TestSplit,
    /// The data could not be found or read.
    #[error("data: {0}")]
    Data(String),
    /// The prompt templates could not be loaded or rendered.
    #[error("prompts: {0}")]
    Prompt(#[from] PromptError),
    /// A task, format or scope name is unknown.
    #[error("{what}: unknown value `{value}` (expected one of: {expected})")]
    Unknown {
        /// The option.
        what: &'static str,
        /// The value given.
        value: String,
        /// The accepted values.
        expected: &'static str,
    },
}

/// Which stage the data trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Task {
    /// The dialog manager's router: gold output is the domain.
    Router,
    /// The belief-state tracker: gold output is the state.
    Dst,
    /// A domain agent: gold output is the delexicalized reply.
    Response,
}

impl std::str::FromStr for Task {
    type Err = ExportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "router" => Ok(Task::Router),
            "dst" => Ok(Task::Dst),
            "response" => Ok(Task::Response),
            _ => Err(ExportError::Unknown {
                what: "task",
                value: s.to_string(),
                expected: "router, dst, response",
            }),
        }
    }
}

/// The line format of the export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// `{"messages": [system, user, assistant]}`.
    #[default]
    Messages,
    /// `{"prompt": …, "completion": …}` (the prompt is [`Prompt::to_text`]).
    PromptCompletion,
}

impl std::str::FromStr for Format {
    type Err = ExportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "messages" => Ok(Format::Messages),
            "prompt-completion" => Ok(Format::PromptCompletion),
            _ => Err(ExportError::Unknown {
                what: "format",
                value: s.to_string(),
                expected: "messages, prompt-completion",
            }),
        }
    }
}

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// The stage.
    pub task: Task,
    /// Only turns whose gold domain is this one (`None`: every domain, one model).
    pub domain: Option<Domain>,
    /// The split (train or val).
    pub split: Split,
}

/// One exported example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRecord {
    /// The dialog key.
    pub dialog: String,
    /// The index of the user turn among the dialog's utterances.
    pub turn: usize,
    /// The gold domain of the turn.
    pub domain: Domain,
    /// The prompt the stage sends for this turn.
    pub prompt: Prompt,
    /// The gold answer, in the format the stage's parser reads.
    pub completion: String,
}

impl ExportRecord {
    /// The JSON line of this record in `format`.
    pub fn to_json(&self, format: Format) -> serde_json::Value {
        match format {
            Format::Messages => json!({"messages": [
                {"role": "system", "content": self.prompt.system},
                {"role": "user", "content": self.prompt.user},
                {"role": "assistant", "content": self.completion},
            ]}),
            Format::PromptCompletion => {
                json!({"prompt": self.prompt.to_text(), "completion": self.completion})
            }
        }
    }
}

/// Figures of an export, for the stats line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportStats {
    /// Examples written per gold domain.
    pub per_domain: BTreeMap<Domain, usize>,
    /// Examples written in all.
    pub total: usize,
    /// Total prompt length in characters ([`Prompt::to_text`]).
    pub total_chars: usize,
    /// Longest prompt in characters.
    pub max_chars: usize,
    /// Response turns left out because the gold reply is empty or uses a
    /// placeholder the evaluator does not know.
    pub skipped_replies: usize,
}

impl ExportStats {
    /// Mean prompt length in characters.
    pub fn mean_chars(&self) -> f64 {
        self.total_chars as f64 / self.total.max(1) as f64
    }

    fn add(&mut self, record: &ExportRecord) {
        let chars = record.prompt.to_text().chars().count();
        *self.per_domain.entry(record.domain).or_default() += 1;
        self.total += 1;
        self.total_chars += chars;
        self.max_chars = self.max_chars.max(chars);
    }

    /// The stats line (one line of JSON, `tokens` as given by the caller).
    pub fn line(&self, tokens: serde_json::Value) -> String {
        let per_domain: BTreeMap<String, usize> = self
            .per_domain
            .iter()
            .map(|(d, n)| (d.to_string(), *n))
            .collect();
        json!({"stats": {
            "examples": self.total,
            "per_domain": per_domain,
            "prompt_chars": {"mean": (self.mean_chars() * 10.0).round() / 10.0, "max": self.max_chars},
            "prompt_tokens": tokens,
            "skipped_replies": self.skipped_replies,
        }})
        .to_string()
    }
}

/// Renders export records with the pipeline's own prompter and grounding.
#[derive(Debug, Clone)]
pub struct Exporter {
    prompter: Arc<Prompter>,
    db: Arc<Database>,
    budget: Option<models::PromptBudget>,
}

impl Exporter {
    /// An exporter on a ready prompter (e.g. [`Dard::prompter`]) and database.
    pub fn new(prompter: Arc<Prompter>, db: Arc<Database>) -> Exporter {
        Exporter {
            prompter,
            db,
            budget: None,
        }
    }

    /// The same exporter, trimming every prompt to `budget` as the LLM-backed
    /// roles trim what they send a model with that budget (T5: 512 tokens), so
    /// the model is trained on what it will see.
    pub fn with_budget(mut self, budget: models::PromptBudget) -> Exporter {
        self.budget = Some(budget);
        self
    }

    /// The prompter [`manager::Dard`] builds for `config`, with the few-shot pool
    /// from `pool_dialogs` (test dialogs are skipped by the pool).
    pub fn build(
        config: &Config,
        db: Arc<Database>,
        pool_dialogs: &[Dialog],
    ) -> Result<Exporter, ExportError> {
        let set = PromptSet::load(config.prompts.dir.as_deref())?;
        let needs_examples = config.prompts.few_shot != FewShot::None && config.prompts.shots > 0;
        let pool = if needs_examples {
            ExamplePool::build(pool_dialogs, config.prompts.example_turns)
        } else {
            ExamplePool::empty()
        };
        let ground_db = db.clone();
        let grounder: Grounder = Arc::new(move |d, s| grounding::ground(&ground_db, d, s, 0));
        let prompter = Arc::new(Prompter::new(
            set,
            Arc::new(pool),
            config.prompts.options(),
            Some(grounder),
        ));
        Ok(Exporter::new(prompter, db))
    }

    /// The prompter.
    pub fn prompter(&self) -> &Arc<Prompter> {
        &self.prompter
    }

    /// The examples of `dialogs` for `opts`: dialogs of other splits and test
    /// dialogs (by split or by id in `test_ids`) are skipped.
    pub fn records(
        &self,
        dialogs: &[Dialog],
        test_ids: &BTreeSet<String>,
        opts: &ExportOptions,
    ) -> Result<(Vec<ExportRecord>, ExportStats), ExportError> {
        if opts.split == Split::Test {
            return Err(ExportError::TestSplit);
        }
        let chosen: Vec<Dialog> = dialogs
            .iter()
            .filter(|d| d.split == Some(opts.split) && !test_ids.contains(&d.key()))
            .cloned()
            .collect();
        // The pool's gold derivation, with the whole dialog as context.
        let gold = ExamplePool::build(&chosen, usize::MAX);
        let mut records = Vec::new();
        let mut stats = ExportStats::default();
        let budget = self.budget.as_ref();
        for e in gold.examples() {
            if opts.domain.is_some_and(|d| d != e.domain) {
                continue;
            }
            let id = Some(e.dialog.as_str());
            let (prompt, completion) = match opts.task {
                Task::Router => (
                    self.prompter.route_within(
                        &RouteInput {
                            history: &e.context,
                            state: &e.state,
                            dialog_id: id,
                        },
                        budget,
                    ),
                    format_route_answer(e.domain, &route_reason(e.domain)),
                ),
                Task::Dst => (
                    self.prompter.track_within(
                        &TrackInput {
                            history: &e.context,
                            previous: &e.previous_state,
                            dialog_id: id,
                        },
                        budget,
                    ),
                    format_state_answer(&e.state),
                ),
                Task::Response => {
                    let reply = e.reply.trim();
                    if reply.is_empty() || !unknown_placeholders(reply).is_empty() {
                        stats.skipped_replies += 1;
                        continue;
                    }
                    let seed = Dard::seed_for(&e.dialog, e.context.len());
                    let db = grounding::ground(&self.db, e.domain, &e.state, seed);
                    let prompt = self.prompter.respond_within(
                        &RespondInput {
                            history: &e.context,
                            domain: e.domain,
                            state: &e.state,
                            db: &db,
                            dialog_id: id,
                        },
                        budget,
                    )?;
                    (prompt, reply.to_string())
                }
            };
            let record = ExportRecord {
                dialog: e.dialog.clone(),
                turn: e.turn,
                domain: e.domain,
                prompt,
                completion,
            };
            stats.add(&record);
            records.push(record);
        }
        Ok((records, stats))
    }
}

/// The reason written with a gold routing answer: the same words the router
/// prompt's few-shot answers show (a test checks they agree).
pub fn route_reason(domain: Domain) -> String {
    agents::prompt::gold_reason(domain)
}

/// The ids (keys) of the test dialogs the data folder lists (`testListFile`, or
/// one beside the per-split files), empty when it has no list.
pub fn test_ids(layout: &DataLayout) -> Result<BTreeSet<String>, ExportError> {
    match &layout.dialogs {
        DialogSource::Combined { lists, .. } => match lists.get(&Split::Test) {
            Some(path) => Ok(multiwoz::load::read_list(path)
                .map_err(|e| ExportError::Data(e.to_string()))?
                .iter()
                .map(|id| dialog_key(id))
                .collect()),
            None => Ok(BTreeSet::new()),
        },
        // Per-split files often come with the list files beside them.
        DialogSource::PerSplit { files } => {
            let list = files
                .values()
                .filter_map(|f| f.parent())
                .map(|dir| dir.join("testListFile"))
                .find(|p| p.is_file());
            match list {
                Some(path) => Ok(multiwoz::load::read_list(&path)
                    .map_err(|e| ExportError::Data(e.to_string()))?
                    .iter()
                    .map(|id| dialog_key(id))
                    .collect()),
                None => Ok(BTreeSet::new()),
            }
        }
        _ => Ok(BTreeSet::new()),
    }
}

/// Everything an export on disk data needs: the exporter, the dialogs of the
/// asked split, and the test ids.
#[derive(Debug)]
pub struct LoadedExport {
    /// The exporter.
    pub exporter: Exporter,
    /// The dialogs of the export split.
    pub dialogs: Vec<Dialog>,
    /// The ids of the test dialogs (from `testListFile`).
    pub test_ids: BTreeSet<String>,
    /// The data folder.
    pub root: PathBuf,
}

/// Loads the data for exporting `split` under `config`, building the prompter
/// as the pipeline does.
pub fn load(
    config: &Config,
    data_dir: Option<&Path>,
    split: Split,
) -> Result<LoadedExport, ExportError> {
    if split == Split::Test {
        return Err(ExportError::TestSplit);
    }
    let data = |e: &dyn std::fmt::Display| ExportError::Data(e.to_string());
    let dir = data_dir
        .map(Path::to_path_buf)
        .or_else(|| config.data.dir.clone());
    let layout = multiwoz::locate::locate(dir.as_deref()).map_err(|e| data(&e))?;
    let Some(db_dir) = &layout.db_dir else {
        return Err(ExportError::Data(format!(
            "{} has no database folder (db/*_db.json)",
            layout.root.display()
        )));
    };
    let db = Arc::new(Database::load(db_dir).map_err(|e| data(&e))?);
    let available = layout.dialogs.splits();
    if !available.contains(&split) {
        return Err(ExportError::Data(format!(
            "{} has no {split} split",
            layout.root.display()
        )));
    }
    let mut splits: Vec<Split> = config
        .prompts
        .example_splits
        .iter()
        .copied()
        .filter(|s| *s != Split::Test && available.contains(s))
        .collect();
    let pool_splits = splits.clone();
    if !splits.contains(&split) {
        splits.push(split);
    }
    let all = multiwoz::load::load_splits(&layout, &splits).map_err(|e| data(&e))?;
    let pool: Vec<Dialog> = all
        .iter()
        .filter(|d| d.split.is_some_and(|s| pool_splits.contains(&s)))
        .cloned()
        .collect();
    let exporter = Exporter::build(config, db, &pool)?;
    let dialogs = all.into_iter().filter(|d| d.split == Some(split)).collect();
    Ok(LoadedExport {
        exporter,
        dialogs,
        test_ids: test_ids(&layout)?,
        root: layout.root.clone(),
    })
}
