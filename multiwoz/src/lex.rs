//! Module `lex` (being written).
