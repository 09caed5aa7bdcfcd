//! `dard export`: fine-tuning data (JSON Lines) for the router, the tracker or the
//! domain agents, with exactly the prompts the LLM-backed stages send; a stats
//! line (one JSON object) is printed at the end on stdout.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use bench::export::{ExportOptions, Format, Task, load};
use manager::Config;
use multiwoz::Domain;
use multiwoz::model::Split;

use crate::cmd::fetch::{FetchPolicy, ensure_data};

/// Flags of `dard export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The stage the data trains.
    #[arg(long, value_enum)]
    pub task: TaskArg,
    /// Only the turns of this gold domain (one model per domain).
    #[arg(long, value_parser = parse_domain, conflicts_with = "single")]
    pub domain: Option<Domain>,
    /// Every domain's turns in one file (one model for all; the default).
    #[arg(long)]
    pub single: bool,
    /// The split to export: train or val (test is refused: it is for evaluation only).
    #[arg(long, value_enum)]
    pub split: SplitArg,
    /// The line format.
    #[arg(long, value_enum, default_value_t = FormatArg::Messages)]
    pub format: FormatArg,
    /// The pipeline config whose `[prompts]` and `[data]` tables the prompts follow
    /// (default: the built-in defaults).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The MultiWOZ data folder (default: DARD_DATA, ./data/multiwoz, ../shared/multiwoz).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// A GGUF model whose tokenizer counts prompt tokens for the stats line
    /// and the prompt budget (T5 models: 512 tokens unless --max-prompt-tokens).
    #[arg(long, value_name = "GGUF")]
    pub tokenizer: Option<PathBuf>,
    /// Trim prompts to this many tokens of the --tokenizer model, as the stages
    /// trim what they send a backend with this `max_prompt_tokens`.
    #[arg(long, value_name = "N", requires = "tokenizer")]
    pub max_prompt_tokens: Option<u32>,
    /// The output file (JSON Lines).
    #[arg(long, value_name = "FILE.jsonl")]
    pub out: PathBuf,
}

/// The stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TaskArg {
    /// The dialog manager's router (gold: the domain).
    Router,
    /// The belief-state tracker (gold: the state).
    Dst,
    /// The domain agents (gold: the delexicalized reply).
    Response,
}

/// The splits (test only to refuse it with a clear message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SplitArg {
    /// The training split.
    Train,
    /// The validation split.
    Val,
    /// The test split: refused.
    Test,
}

/// The line formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// `{"messages": [system, user, assistant]}`.
    Messages,
    /// `{"prompt": …, "completion": …}`.
    PromptCompletion,
}

fn parse_domain(s: &str) -> Result<Domain, String> {
    s.parse::<Domain>().map_err(|e| e.to_string())
}

/// Runs `dard export`.
pub fn run(args: ExportArgs, fetch: FetchPolicy) -> Result<()> {
    let split = match args.split {
        SplitArg::Train => Split::Train,
        SplitArg::Val => Split::Val,
        SplitArg::Test => bail!(
            "--split test is refused: the test split is for evaluation only; export train or val"
        ),
    };
    let opts = ExportOptions {
        task: match args.task {
            TaskArg::Router => Task::Router,
            TaskArg::Dst => Task::Dst,
            TaskArg::Response => Task::Response,
        },
        domain: args.domain,
        split,
    };
    let format = match args.format {
        FormatArg::Messages => Format::Messages,
        FormatArg::PromptCompletion => Format::PromptCompletion,
    };
    let config = match &args.config {
        Some(path) => Config::from_file(path)
            .with_context(|| format!("reading the config {}", path.display()))?,
        None => Config::default(),
    };
    let explicit = args.data.clone().or_else(|| config.data.dir.clone());
    ensure_data(explicit.as_deref(), fetch)?;
    let loaded = load(&config, args.data.as_deref(), split).context("loading the data")?;
    let exporter = match prompt_budget(args.tokenizer.as_deref(), args.max_prompt_tokens)? {
        Some(budget) => {
            eprintln!("prompts trimmed to {} tokens", budget.max_tokens);
            loaded.exporter.clone().with_budget(budget)
        }
        None => loaded.exporter.clone(),
    };
    let (records, stats) = exporter
        .records(&loaded.dialogs, &loaded.test_ids, &opts)
        .context("rendering the examples")?;
    let tokens = prompt_tokens(args.tokenizer.as_deref(), &records)?;
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let mut out = BufWriter::new(file);
    let write_err = || format!("writing {}", args.out.display());
    for r in &records {
        writeln!(out, "{}", r.to_json(format)).with_context(write_err)?;
    }
    out.flush().with_context(write_err)?;
    eprintln!(
        "wrote {} examples from {} to {}",
        records.len(),
        loaded.root.display(),
        args.out.display()
    );
    // The stats go to stdout, not into the file, so that trainers read only examples.
    println!("{}", stats.line(tokens));
    Ok(())
}

/// Prompt lengths in tokens (mean and max) by the GGUF tokenizer given with
/// `--tokenizer`, or a note saying why they are unavailable.
#[cfg(feature = "llama")]
fn prompt_tokens(
    tokenizer: Option<&std::path::Path>,
    records: &[bench::export::ExportRecord],
) -> Result<serde_json::Value> {
    let Some(path) = tokenizer else {
        return Ok(serde_json::Value::String(
            "unavailable: no --tokenizer given".to_string(),
        ));
    };
    let counter = models::llama::TokenCounter::open(path)
        .with_context(|| format!("opening the tokenizer {}", path.display()))?;
    let counts: Vec<usize> = records
        .iter()
        .map(|r| counter.count(&r.prompt.to_text()))
        .collect();
    let max = counts.iter().copied().max().unwrap_or(0);
    let mean = if counts.is_empty() {
        0.0
    } else {
        counts.iter().sum::<usize>() as f64 / counts.len() as f64
    };
    Ok(serde_json::json!({"mean": (mean * 10.0).round() / 10.0, "max": max}))
}

/// The prompt budget of the `--tokenizer` model: `--max-prompt-tokens`, else
/// 512 for a T5 model, else none — what the llama backend gives the stages.
#[cfg(feature = "llama")]
fn prompt_budget(
    tokenizer: Option<&std::path::Path>,
    max_prompt_tokens: Option<u32>,
) -> Result<Option<models::PromptBudget>> {
    let Some(path) = tokenizer else {
        return Ok(None);
    };
    let counter = models::llama::TokenCounter::open(path)
        .with_context(|| format!("opening the tokenizer {}", path.display()))?;
    let mut config = models::llama::LlamaConfig::new(path);
    config.max_prompt_tokens = max_prompt_tokens;
    Ok(counter
        .budget_for(&config)
        .map(|max| models::PromptBudget::new(max as usize, move |text| counter.count(text))))
}

/// Without the `llama` feature there is no GGUF tokenizer to trim with.
#[cfg(not(feature = "llama"))]
fn prompt_budget(
    tokenizer: Option<&std::path::Path>,
    max_prompt_tokens: Option<u32>,
) -> Result<Option<models::PromptBudget>> {
    match (tokenizer, max_prompt_tokens) {
        (Some(path), Some(_)) => anyhow::bail!(
            "--max-prompt-tokens counts with {}, which needs dard built with `--features llama`",
            path.display()
        ),
        _ => Ok(None),
    }
}

/// Without the `llama` feature there is no GGUF tokenizer to count with.
#[cfg(not(feature = "llama"))]
fn prompt_tokens(
    tokenizer: Option<&std::path::Path>,
    _records: &[bench::export::ExportRecord],
) -> Result<serde_json::Value> {
    Ok(serde_json::Value::String(match tokenizer {
        Some(path) => format!(
            "unavailable: counting tokens with {} needs dard built with `--features llama`",
            path.display()
        ),
        None => "unavailable: no --tokenizer given".to_string(),
    }))
}
