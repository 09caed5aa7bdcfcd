//! The `manager` crate of dard.
