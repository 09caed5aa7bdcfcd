//! Module `db` (being written).
