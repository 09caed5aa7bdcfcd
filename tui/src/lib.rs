//! The `tui` crate of dard.
