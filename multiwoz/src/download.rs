//! Module `download` (being written).
