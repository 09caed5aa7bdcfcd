//! The `eval` crate of dard.
