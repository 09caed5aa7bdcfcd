//! The `agents` crate of dard.
pub mod builtin;
pub mod llm;
pub mod prompt;
pub mod roles;
