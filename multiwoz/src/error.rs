//! Module `error` (being written).
