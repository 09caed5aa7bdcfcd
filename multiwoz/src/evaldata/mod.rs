//! Evaluation data in the standard evaluator's (mwzeval's) JSON forms: goals,
//! reference responses, gold belief states and booked domains.
//!
//! [`EvalData::from_files`] reads the four JSON files a user passes; [`EvalData::derive`]
//! builds the same data from original-format dialogs as
//! `../shared/multiwoz/README.txt` describes for the reconstructed files.

pub mod cache;
mod codec;
mod derive;
mod goal;

use std::collections::HashMap;
use std::path::Path;

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use crate::error::EvalDataError;
pub use cache::{CACHE_ENV, CacheStatus, EvalDataCache};
pub use derive::{derive_booked_domains, derive_goal, derive_gold_states, derive_references};

use crate::Domain;
use crate::model::Dialog;

/// A belief state in the evaluator's form: domain → slot → value, normalized.
/// Order is preserved because the evaluator's domain estimate depends on dict order.
pub type TurnState = IndexMap<String, IndexMap<String, String>>;

/// An attribute the user asks for, as the evaluator's goals list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Requestable {
    /// The phone number.
    #[serde(rename = "PHONE")]
    Phone,
    /// The address.
    #[serde(rename = "ADDRESS")]
    Address,
    /// The postcode.
    #[serde(rename = "POST")]
    Post,
    /// A booking reference number.
    #[serde(rename = "REFERENCE")]
    Reference,
    /// The train id.
    #[serde(rename = "TRAINID")]
    TrainId,
}

impl Requestable {
    /// The placeholder token the evaluator looks for (`PHONE`, `POST`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Requestable::Phone => "PHONE",
            Requestable::Address => "ADDRESS",
            Requestable::Post => "POST",
            Requestable::Reference => "REFERENCE",
            Requestable::TrainId => "TRAINID",
        }
    }
}

/// One domain of a goal in the evaluator's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainGoal {
    /// Normalized informable constraints (slot names like `arrive`, `leave`).
    #[serde(default)]
    pub informable: IndexMap<String, String>,
    /// What the user must be given.
    #[serde(default)]
    pub requestable: Vec<Requestable>,
    /// Booking constraints (`people`, `day`, `time`, `stay`); written as `[]` when empty,
    /// as the evaluator's file does.
    #[serde(
        default,
        serialize_with = "goal::serialize_booking",
        deserialize_with = "goal::deserialize_booking"
    )]
    pub booking: IndexMap<String, String>,
}

/// A dialog's goal in the evaluator's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Goal {
    /// Domains in file order.
    pub domains: IndexMap<Domain, DomainGoal>,
}

/// The evaluation data of a set of dialogs, keyed by the evaluator's dialog key
/// (lower case, no `.json`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalData {
    /// Goals.
    pub goals: HashMap<String, Goal>,
    /// Normalized delexicalized system turns.
    pub references: HashMap<String, Vec<String>>,
    /// Gold belief state per system turn.
    pub gold_states: HashMap<String, Vec<TurnState>>,
    /// Domains booked by each system turn.
    pub booked_domains: HashMap<String, Vec<Vec<Domain>>>,
}

impl EvalData {
    /// Reads the four evaluator-format files. Errors name the file and, for a
    /// malformed entry, the dialog id and the problem.
    pub fn from_files(
        goals: &Path,
        references: &Path,
        gold_states: &Path,
        booked_domains: &Path,
    ) -> Result<EvalData, EvalDataError> {
        Ok(EvalData {
            goals: read_map(goals)?,
            references: read_map(references)?,
            gold_states: read_map(gold_states)?,
            booked_domains: read_map(booked_domains)?,
        })
    }

    /// Builds the evaluation data from original-format dialogs: goals from their user
    /// goals, and per system turn the gold state, the booked domains and the
    /// normalized delexicalized reference. Dialogs without a goal (2.2) get no goal entry.
    pub fn derive(dialogs: &[Dialog]) -> EvalData {
        // Each dialog is derived on its own (the references' normalization is most
        // of the work), so the dialogs are spread over the cores, then gathered in
        // order.
        let derived: Vec<_> = dialogs
            .par_iter()
            .map(|d| {
                (
                    d.key(),
                    d.goal.as_ref().map(derive_goal),
                    derive_references(d),
                    derive_gold_states(d),
                    derive_booked_domains(d),
                )
            })
            .collect();
        let mut data = EvalData::default();
        for (key, goal, references, gold_states, booked) in derived {
            if let Some(goal) = goal {
                data.goals.insert(key.clone(), goal);
            }
            data.references.insert(key.clone(), references);
            data.gold_states.insert(key.clone(), gold_states);
            data.booked_domains.insert(key, booked);
        }
        data
    }

    /// The data of several parts (e.g. the pieces of one file, in order) as one;
    /// a dialog id in two parts keeps the later part's data, as [`EvalData::derive`]
    /// does for an id listed twice.
    pub fn merge(parts: impl IntoIterator<Item = EvalData>) -> EvalData {
        let mut data = EvalData::default();
        for part in parts {
            data.goals.extend(part.goals);
            data.references.extend(part.references);
            data.gold_states.extend(part.gold_states);
            data.booked_domains.extend(part.booked_domains);
        }
        data
    }
}

/// Reads `{dialog id: T}` from a JSON file. Syntax errors keep serde's line and
/// column; a malformed entry names its dialog id.
fn read_map<T: DeserializeOwned>(path: &Path) -> Result<HashMap<String, T>, EvalDataError> {
    let bytes = std::fs::read(path).map_err(|source| EvalDataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let current = std::cell::RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let result = goal::KeyedMap::<T>::new(&current)
        .deserialize_from(&mut de)
        .and_then(|m| de.end().map(|()| m));
    result.map_err(|source| match current.into_inner() {
        Some(dialog) if source.is_data() => EvalDataError::Entry {
            path: path.to_path_buf(),
            dialog,
            message: source.to_string(),
        },
        _ => EvalDataError::Json {
            path: path.to_path_buf(),
            source,
        },
    })
}
