//! Module `evaldata` (being written).
