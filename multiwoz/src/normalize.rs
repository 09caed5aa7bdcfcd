//! The standard evaluator's normalization of responses and belief states.
//!
//! This mirrors `mwzeval/normalization.py` (MultiWOZ_Evaluation) step by step:
//! the placeholder-name mapping with its `(es|s|-s|-es|)` suffix, deletion of
//! unknown placeholders, lower-casing, the `-s`/`-ly` deletion, the Moses
//! tokenize + detokenize round trip, slot-name normalization and the value
//! canonicalization of names, food types, venue types, times and
//! parking/internet.
//!
//! Python semantics are kept where they matter: `str.strip` strips Unicode
//! whitespace, `str.split(':')` splits on every colon, `zfill` keeps a leading
//! sign, `int()` accepts surrounding whitespace, a sign and single underscores
//! between digits, and Python integers have no size limit. Where the evaluator
//! would raise (`int()` of a malformed hour before `pm`, malformed minutes in
//! [`time_str_to_minutes`]) the `try_*`/`Option` functions say so and the
//! infallible ones keep going with a documented fallback, because dard must not
//! crash on a model's output. Deliberate simplifications, exact for ASCII text:
//! only ASCII `0-9` count as digits (Python's `str.isdigit`/`int` also accept
//! other Unicode digits), and placeholder names use Rust's `char::is_alphanumeric`
//! for Python's `\w` (they differ only on some combining marks).

mod tables;

use crate::moses;

pub use tables::placeholder_token;

/// Which placeholder-name table to use when normalizing responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Mapping {
    /// The standard evaluator's table, unchanged (the default, and what the
    /// MultiWOZ leaderboard uses).
    #[default]
    Stock,
    /// The stock table with the names DARD's authors added before scoring their
    /// released predictions (`restaurant_ref`, `hotel_bookday`, `bookarea`, …;
    /// `train_name` is a train id), so that DARD's published figures can be
    /// reproduced.
    Dard,
}

/// A response after the evaluator's normalization.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NormalizedText {
    /// The normalized, detokenized text.
    pub text: String,
    /// Placeholder names (lower-cased, without brackets) that the mapping did not
    /// know; the evaluator deletes them (with their plural suffix) from the text.
    pub unknown_placeholders: Vec<String>,
}

/// An error where the standard evaluator itself would raise an exception.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NormalizeError {
    /// The hour before `pm`/`p.m.` is not an integer, so `int()` raises
    /// `ValueError` in `time_to_canonical`.
    #[error("time value `{value}`: the hour `{hour}` before `pm` is not an integer")]
    PmHourNotInteger {
        /// The original slot value.
        value: String,
        /// The text Python passes to `int()`.
        hour: String,
    },
}

/// Normalizes one response as `normalize_data` does: lower-case, map each
/// `[name]` placeholder (with an optional `es`/`s`/`-s`/`-es` suffix) to its
/// unified token or delete it when unknown, delete `-s` and `-ly`, then Moses
/// tokenize and detokenize.
pub fn normalize_response(text: &str, mapping: Mapping) -> NormalizedText {
    let lowered = py_lower(text);
    let mut unknown = Vec::new();
    let mapped = replace_placeholders(&lowered, mapping, &mut unknown);
    // Most responses have no dash: nothing to delete, nothing to copy.
    let stripped = match mapped.contains('-') {
        true => mapped.replace("-s", "").replace("-ly", ""),
        false => mapped,
    };
    NormalizedText {
        text: moses::round_trip(&stripped),
        unknown_placeholders: unknown,
    }
}

/// Python's `str.lower()`; Rust's full Unicode lower-casing (final sigma
/// included) agrees with it.
fn py_lower(s: &str) -> String {
    s.to_lowercase()
}

/// Whether `c` is in Python's `[\w\s\d]` for `str` patterns: alphanumeric,
/// underscore or whitespace.
fn is_placeholder_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric() || is_py_space(c)
}

/// Python's `str.isspace()` for one character: Unicode `White_Space` plus the
/// four ASCII information separators.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` without arguments.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// `re.sub(r'\[([\w\s\d]+)\](es|s|-s|-es|)', …)` with the slot-name mapping.
fn replace_placeholders(text: &str, mapping: Mapping, unknown: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len: usize = after
            .chars()
            .take_while(|&c| is_placeholder_char(c))
            .map(char::len_utf8)
            .sum();
        if name_len == 0 || !after[name_len..].starts_with(']') {
            // No match at this bracket: keep it and search from the next character.
            out.push('[');
            rest = after;
            continue;
        }
        let name = &after[..name_len];
        let tail = &after[name_len + 1..];
        // Alternatives are tried in the pattern's order (leftmost-first).
        let suffix = ["es", "s", "-s", "-es"]
            .into_iter()
            .find(|s| tail.starts_with(s))
            .map_or(0, str::len);
        match placeholder_token(name, mapping) {
            Some(token) => out.push_str(token),
            None => unknown.push(py_lower(name)),
        }
        rest = &tail[suffix..];
    }
    out.push_str(rest);
    out
}

/// Normalizes a belief-state slot name: lower-case, spaces removed, `arriveby`
/// becomes `arrive` and `leaveat` becomes `leave`.
pub fn normalize_state_slot_name(name: &str) -> String {
    let name = py_lower(name).replace(' ', "");
    match name.as_str() {
        "arriveby" => "arrive".to_string(),
        "leaveat" => "leave".to_string(),
        _ => name,
    }
}

/// `normalize_state_slot_value(slot, value)`: canonical venue names (for `name`,
/// `destination`, `departure`), venue types, food types, `HH:MM` times (for
/// `arrive`, `leave`, `arriveby`, `leaveat`, `time`) and `free` → `yes` for
/// `parking`/`internet`; other slots keep their value.
///
/// Where Python raises (a non-integer hour before `pm`), this returns the time
/// stripped and lower-cased, which matches no database time; use
/// [`try_normalize_state_value`] to detect that case.
pub fn normalize_state_value(slot: &str, value: &str) -> String {
    try_normalize_state_value(slot, value).unwrap_or_else(|_| py_lower(py_strip(value)))
}

/// [`normalize_state_value`], with an error exactly where the standard evaluator
/// raises instead of returning.
pub fn try_normalize_state_value(slot: &str, value: &str) -> Result<String, NormalizeError> {
    Ok(match slot {
        "name" | "destination" | "departure" => tables::name_to_canonical(value),
        "type" => tables::type_to_canonical(value).to_string(),
        "food" => tables::food_to_canonical(value),
        "arrive" | "leave" | "arriveby" | "leaveat" | "time" => time_to_canonical(value)?,
        "parking" | "internet" if value == "free" => "yes".to_string(),
        _ => value.to_string(),
    })
}

/// `time_to_canonical`: converts a time expression to `HH:MM` where the
/// evaluator can, keeping its many special cases.
fn time_to_canonical(value: &str) -> Result<String, NormalizeError> {
    let time = py_lower(py_strip(value));
    if let Some(fixed) = tables::fixed_time(&time) {
        return Ok(fixed.to_string());
    }
    let mut time: String = time;
    if time.starts_with("by") {
        // Python slices `time[3:]`: three characters, no strip.
        time = time.chars().skip(3).collect();
    }
    if let Some(rest) = time.strip_prefix("after") {
        time = py_strip(rest).to_string();
    }
    if let Some(rest) = time.strip_prefix("afer") {
        time = py_strip(rest).to_string();
    }
    if let Some(rest) = time.strip_suffix("am") {
        time = py_strip(rest).to_string();
    }
    if let Some(rest) = time.strip_suffix("a.m.") {
        time = py_strip(rest).to_string();
    }
    if time.ends_with("pm") || time.ends_with("p.m.") {
        if let Some(rest) = time.strip_suffix("pm") {
            time = py_strip(rest).to_string();
        }
        if let Some(rest) = time.strip_suffix("p.m.") {
            time = py_strip(rest).to_string();
        }
        let tokens: Vec<&str> = time.split(':').collect();
        if tokens.len() == 2 {
            let hour =
                py_int_plus(tokens[0], 12).ok_or_else(|| NormalizeError::PmHourNotInteger {
                    value: value.to_string(),
                    hour: tokens[0].to_string(),
                })?;
            return Ok(format!("{hour}:{}", tokens[1]));
        }
        if tokens.len() == 1 && is_py_digits(tokens[0]) {
            let hour =
                py_int_plus(tokens[0], 12).ok_or_else(|| NormalizeError::PmHourNotInteger {
                    value: value.to_string(),
                    hour: tokens[0].to_string(),
                })?;
            return Ok(format!("{hour}:00"));
        }
    }
    if time.is_empty() {
        return Ok("00:00".to_string());
    }
    if time.ends_with(['.', ',', '?']) {
        time.pop();
    }
    if is_py_digits(&time) && time.chars().count() == 4 {
        return Ok(format!("{}:{}", &time[..2], &time[2..]));
    }
    if is_py_digits(&time) {
        return Ok(format!("{}:00", py_zfill(&time, 2)));
    }
    if time.contains(':') {
        time = time.replace(' ', "");
    }
    let chars: Vec<char> = time.chars().collect();
    if chars.len() == 4 && chars[1] == ':' {
        let mut tokens = time.split(':');
        let first = tokens.next().unwrap_or_default();
        let second = tokens.next().unwrap_or_default();
        return Ok(format!("{}:{second}", py_zfill(first, 2)));
    }
    Ok(time)
}

/// `str.isdigit()` (ASCII digits only; non-empty).
fn is_py_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `str.zfill(width)`: zeros after an optional leading sign.
fn py_zfill(s: &str, width: usize) -> String {
    let len = s.chars().count();
    if len >= width {
        return s.to_string();
    }
    let zeros = "0".repeat(width - len);
    match s.chars().next() {
        Some(sign @ ('+' | '-')) => format!("{sign}{zeros}{}", &s[1..]),
        _ => format!("{zeros}{s}"),
    }
}

/// A Python integer parsed from a string: sign and decimal digits without
/// leading zeros (`"0"` for zero).
struct PyInt {
    negative: bool,
    digits: String,
}

/// Python's `int(s)` for base 10: surrounding whitespace, an optional sign, ASCII
/// digits with single underscores between them; `None` where Python raises.
fn parse_py_int(s: &str) -> Option<PyInt> {
    let s = py_strip(s);
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let bytes = body.as_bytes();
    if bytes.is_empty() || !bytes[0].is_ascii_digit() || !bytes[bytes.len() - 1].is_ascii_digit() {
        return None;
    }
    let mut digits = String::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' => digits.push(char::from(b)),
            b'_' if bytes[i + 1] != b'_' => {}
            _ => return None,
        }
    }
    let trimmed = digits.trim_start_matches('0');
    let digits = if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    };
    let negative = negative && digits != "0";
    Some(PyInt { negative, digits })
}

/// `str(int(s) + add)` with Python's unbounded integers; `None` where `int(s)`
/// raises.
fn py_int_plus(s: &str, add: u32) -> Option<String> {
    let n = parse_py_int(s)?;
    if n.digits.len() <= 30 {
        // Fits an i128 with room to spare.
        let magnitude: i128 = n.digits.parse().ok()?;
        let value = if n.negative { -magnitude } else { magnitude };
        return Some((value + i128::from(add)).to_string());
    }
    // A huge magnitude: adding a small number cannot change the sign.
    let mut digits: Vec<u8> = n.digits.bytes().map(|b| b - b'0').collect();
    let mut carry = i64::from(add) * if n.negative { -1 } else { 1 };
    for d in digits.iter_mut().rev() {
        if carry == 0 {
            break;
        }
        let v = i64::from(*d) + carry;
        *d = v.rem_euclid(10) as u8;
        carry = v.div_euclid(10);
    }
    let mut text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    if carry > 0 {
        text.insert_str(0, &carry.to_string());
    }
    let text = text.trim_start_matches('0').to_string();
    Some(if n.negative { format!("-{text}") } else { text })
}

/// `time_str_to_minutes`: minutes since midnight of an `HH:MM…` string.
///
/// Strings that do not start with two digits, a colon and two digits give
/// `Some(0)`, as in Python. `None` means Python's `int()` raises on the minutes
/// part (the text after the first colon up to the next one, e.g. `"10:15pm"`).
/// Python integers are unbounded; values beyond `u32::MAX` saturate, which
/// keeps every comparison with database times the same.
pub fn time_str_to_minutes(time: &str) -> Option<u32> {
    let b = time.as_bytes();
    let starts_hhmm = b.len() >= 5
        && b[0].is_ascii_digit()
        && b[1].is_ascii_digit()
        && b[2] == b':'
        && b[3].is_ascii_digit()
        && b[4].is_ascii_digit();
    if !starts_hhmm {
        return Some(0);
    }
    let hours = u64::from(b[0] - b'0') * 10 + u64::from(b[1] - b'0');
    let minutes_text = time[3..].split(':').next().unwrap_or_default();
    let minutes = parse_py_int(minutes_text)?;
    // The minutes text starts with a digit, so it is never negative.
    let minutes: u64 = if minutes.digits.len() > 15 {
        u64::MAX / 2
    } else {
        minutes.digits.parse().ok()?
    };
    Some(u32::try_from(hours * 60 + minutes).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zfill_keeps_sign_first() {
        assert_eq!(py_zfill("-", 2), "-0");
        assert_eq!(py_zfill("7", 2), "07");
        assert_eq!(py_zfill("123", 2), "123");
    }

    #[test]
    fn py_int_accepts_python_literals() {
        assert_eq!(py_int_plus(" 5 ", 12).as_deref(), Some("17"));
        assert_eq!(py_int_plus("1_0", 12).as_deref(), Some("22"));
        assert_eq!(py_int_plus("-20", 12).as_deref(), Some("-8"));
        assert_eq!(py_int_plus("1__0", 12), None);
        assert_eq!(py_int_plus("_1", 12), None);
        assert_eq!(py_int_plus("", 12), None);
        assert_eq!(
            py_int_plus("999999999999999999999999999999999999", 12).as_deref(),
            Some("1000000000000000000000000000000000011")
        );
        assert_eq!(
            py_int_plus("-1000000000000000000000000000000000005", 12).as_deref(),
            Some("-999999999999999999999999999999999993")
        );
    }
}
