//! The MultiWOZ data layer of dard: dialogs in both public formats, the ontology,
//! the database and its queries with the standard evaluator's semantics, the
//! evaluation data derived from the dialogs, and (de)lexicalization.
//!
//! Main types: [`Domain`] and [`Slot`] (the ontology as enums),
//! [`model::Dialog`], [`db::Database`], [`evaldata::EvalData`] and
//! [`locate::DataLayout`] (where the data was found).
//!
//! This crate is the bottom of dard's workspace: it knows nothing of models,
//! agents or the pipeline, does no async work, and must not depend on any other
//! dard crate.

pub mod db;
pub mod disk_cache;
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
