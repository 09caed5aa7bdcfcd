//! Module `locate` (being written).
