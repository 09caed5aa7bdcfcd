//! Module `moses` (being written).
