//! What a simulation run is asked to do ([`SimSpec`]): where the goals come
//! from, who plays the customer, and the limits; saved in `run.json` and
//! compared on `--resume`.

use std::path::PathBuf;

use multiwoz::model::Split;
use serde::{Deserialize, Serialize};

use crate::error::BenchError;
use crate::spec::Selection;

/// Where the goals come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
#[non_exhaustive]
pub enum GoalSource {
    /// The goals of a split's dialogs, as selected.
    Split {
        /// The split.
        split: Split,
        /// Which dialogs.
        selection: Selection,
    },
    /// Goals sampled from the database and the val goals' statistics.
    Generated {
        /// How many.
        count: usize,
        /// Their seed.
        seed: u64,
    },
}

/// Who plays the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum UserKind {
    /// The agenda-based user with mined templates (no model).
    #[default]
    Agenda,
    /// A model plays the customer: the config's `[user]` backend.
    Llm,
}

/// Everything a simulation run is asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimSpec {
    /// The goals.
    pub goals: GoalSource,
    /// The user.
    pub user: UserKind,
    /// User turns before the user gives up.
    pub max_turns: usize,
    /// The seed of the user's choices.
    pub seed: u64,
    /// The MultiWOZ data folder (default: the usual search).
    pub data_dir: Option<PathBuf>,
    /// The TOML config file (default: the built-in default).
    pub config_file: Option<PathBuf>,
}

impl Default for SimSpec {
    fn default() -> Self {
        SimSpec {
            goals: GoalSource::Split {
                split: Split::Test,
                selection: Selection::All,
            },
            user: UserKind::Agenda,
            max_turns: 20,
            seed: 0,
            data_dir: None,
            config_file: None,
        }
    }
}

impl SimSpec {
    /// Checks what a spec can check alone.
    pub fn check(&self) -> Result<(), BenchError> {
        if self.max_turns == 0 {
            return Err(BenchError::flag("--max-turns", "must be at least 1"));
        }
        match &self.goals {
            GoalSource::Split { split, .. } if !matches!(split, Split::Test | Split::Val) => {
                Err(BenchError::flag("--split", "use test or val"))
            }
            GoalSource::Split {
                selection: Selection::First(0),
                ..
            } => Err(BenchError::flag("--dialogs", "must be at least 1")),
            GoalSource::Split {
                selection: Selection::Ids(ids),
                ..
            } if ids.is_empty() => Err(BenchError::flag("--ids", "names no dialog")),
            GoalSource::Generated { count: 0, .. } => {
                Err(BenchError::flag("--count", "must be at least 1"))
            }
            _ => Ok(()),
        }
    }
}
