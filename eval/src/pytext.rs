//! Small re-implementations of Python built-ins whose exact behaviour the metrics
//! depend on: `str.isspace`, `str.split()`, `str.rstrip()` and `round(x, n)`.

/// Python's `str.isspace` for one character: Unicode White_Space plus the ASCII
/// information separators U+001C–U+001F, which Python also treats as whitespace.
pub(crate) fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.split()` without arguments: split on runs of whitespace, dropping
/// empty pieces.
pub(crate) fn py_split_whitespace(text: &str) -> Vec<&str> {
    text.split(py_isspace).filter(|s| !s.is_empty()).collect()
}

/// Python's `str.rstrip()` without arguments.
pub(crate) fn py_rstrip(text: &str) -> &str {
    text.trim_end_matches(py_isspace)
}

/// Python's `round(x, ndigits)` for a float: the exact binary value rounded to
/// `ndigits` decimals, ties to even, read back as the nearest double.
///
/// Rust's fixed-precision formatting is exact and breaks ties to even, which is what
/// CPython's `float.__round__` (via `_Py_dg_dtoa` mode 3) does.
pub fn py_round(x: f64, ndigits: usize) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.ndigits$}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_round_breaks_exact_ties_to_even_like_python() {
        // Python: round(0.25, 1) == 0.2, round(12.75, 1) == 12.8, round(2.675, 2) == 2.67.
        assert_eq!(py_round(0.25, 1), 0.2);
        assert_eq!(py_round(12.25, 1), 12.2);
        assert_eq!(py_round(12.75, 1), 12.8);
        assert_eq!(py_round(2.675, 2), 2.67);
        assert_eq!(py_round(92.45, 1), 92.5);
        assert_eq!(py_round(88.85, 1), 88.8);
        assert_eq!(py_round(100.0 * 925.0 / 1000.0, 1), 92.5);
    }

    #[test]
    fn py_split_treats_information_separators_as_whitespace() {
        assert_eq!(py_split_whitespace(" a\u{1c}b \u{a0}c  "), ["a", "b", "c"]);
        assert_eq!(py_rstrip("x \u{1f}\n"), "x");
    }
}
