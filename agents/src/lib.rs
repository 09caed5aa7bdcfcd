//! The `agents` crate of dard.
