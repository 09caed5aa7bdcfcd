//! Module `fuzzy` (being written).
