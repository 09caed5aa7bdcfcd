//! Module `model` (being written).
