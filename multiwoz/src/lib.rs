//! The MultiWOZ data layer of dard: dialogs in both public formats, the ontology,
//! the database and its queries with the standard evaluator's semantics, the
//! evaluation data derived from the dialogs, and (de)lexicalization.
//!
//! This crate knows nothing of models and does no async work.

pub mod db;
pub mod download;
pub mod error;
pub mod evaldata;
pub mod fuzzy;
pub mod lex;
pub mod load;
pub mod locate;
pub mod model;
pub mod moses;
pub mod normalize;
pub mod ontology;

pub use ontology::{Domain, Slot, UnknownDomain, UnknownSlot};
