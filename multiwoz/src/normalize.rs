//! Module `normalize` (being written).
