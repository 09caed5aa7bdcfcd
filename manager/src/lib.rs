//! The DARD dialog manager: Domain Assigned Response Delegation on MultiWOZ.
//!
//! A [`Dard`] pipeline is built from a TOML [`Config`] (or in code) with
//! [`Dard::builder`]. Each user turn is tracked into a belief state, grounded in
//! the database, delegated by the manager's router to exactly one domain agent,
//! answered by that agent with a delexicalized reply, and lexicalized for people.
//! Every stage can run on its own backend (OpenAI-compatible, Bedrock, a local
//! GGUF model) or on the built-in default, which needs no model at all.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let dard = manager::Dard::builder().build()?; // the built-in default
//! let mut session = dard.session();
//! let outcome = session.turn("I need a cheap restaurant in the centre").await?;
//! println!("{} ({}): {}", outcome.domain, outcome.reason, outcome.reply);
//! # Ok(())
//! # }
//! ```
//!
//! For benchmarks, [`Dard::answer`] answers one system turn from a given history,
//! optionally with the gold state in place of the tracker's.
//!
//! Main types: [`Dard`] and its [`DardBuilder`], [`Config`], [`Session`],
//! [`TurnRequest`] and [`TurnOutcome`] (with a [`StageReport`] per stage);
//! [`grounding`] queries the database for the chosen domain and [`lexicalize`]
//! fills the reply's placeholders.
//!
//! The manager depends on `agents`, `models` and `multiwoz`. It must not depend
//! on the dataset runners (`bench`), the evaluator (`eval`) or the chat (`tui`):
//! they are built on it.

mod alternatives;
mod aside;
mod builder;
pub mod config;
mod config_load;
pub mod config_user;
mod dard;
pub mod error;
pub mod grounding;
pub mod lexicalize;
pub mod memory;
mod nouns;
mod recall;
pub mod script;
mod session;
mod snapshot;
mod startup;
pub mod tidy;
mod told;
mod turn;

pub use builder::{DardBuilder, build_prompter};
pub use config::{
    AgentsConfig, BUILTIN, CacheConfig, Config, DataConfig, PipelineConfig, PromptsConfig,
};
pub use config_user::UserConfig;
pub use dard::{Dard, PipelineInfo};
pub use error::{BuildError, TurnError};
pub use memory::{Booking, DialogMemory, DomainMemory};
pub use session::Session;
pub use snapshot::SessionSnapshot;
pub use turn::{StageReport, StateSource, TurnOutcome, TurnRequest};

/// The pipeline's data types, re-exported for callers.
pub use agents::roles::{DbRecord, DbResult, DialogState, Speaker, Stage, StageUsage, Utterance};
