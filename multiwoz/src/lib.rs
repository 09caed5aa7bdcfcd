//! The MultiWOZ data layer of dard: dialogs in both public formats, the ontology,
//! the database and its queries with the standard evaluator's semantics, the
//! evaluation data derived from the dialogs, and (de)lexicalization.
//!
//! This crate knows nothing of models and does no async work.

pub mod ontology;

pub use ontology::{Domain, Slot, UnknownDomain, UnknownSlot};
