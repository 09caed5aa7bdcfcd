//! Module `load` (being written).
