//! The English nonbreaking-prefix list: abbreviations such as `Mr` or `e.g`
//! after which a final period stays attached to its word.
//!
//! The list is the Moses data file `nonbreaking_prefix.en`, embedded at compile
//! time and parsed once. A line marked `#NUMERIC_ONLY#` names a prefix that only
//! keeps its period when a number follows (`No. 5`).

use super::charclass::is_space;
use std::collections::HashSet;
use std::sync::LazyLock;

/// The embedded data file (origin and licence in its header).
static PREFIX_FILE: &str = include_str!("nonbreaking_prefix.en");

/// The marker that flags a numeric-only prefix on its line.
const NUMERIC_ONLY_MARKER: &str = "#NUMERIC_ONLY#";

/// The parsed prefix list.
pub(super) struct Prefixes {
    /// Every non-comment line, trimmed, markers included (as Moses keeps them).
    lines: HashSet<&'static str>,
    /// The prefixes of lines carrying the numeric-only marker.
    numeric_only: HashSet<&'static str>,
}

/// The English list, parsed on first use.
pub(super) static ENGLISH: LazyLock<Prefixes> = LazyLock::new(|| Prefixes::parse(PREFIX_FILE));

impl Prefixes {
    /// Parses a Moses prefix file: one entry per line, `#` starts a comment
    /// line, blank lines are skipped.
    fn parse(file: &'static str) -> Prefixes {
        let mut lines = HashSet::new();
        let mut numeric_only = HashSet::new();
        for line in file.lines() {
            let line = line.trim_matches(is_space);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            lines.insert(line);
            if has_numeric_only_marker(line) {
                // Moses keeps what precedes the last space: "No #NUMERIC_ONLY#" -> "No".
                let prefix = line.rsplit_once(' ').map_or("", |(head, _)| head);
                numeric_only.insert(prefix);
            }
        }
        Prefixes {
            lines,
            numeric_only,
        }
    }

    /// Whether `word.` never ends a sentence, whatever follows it.
    pub(super) fn is_unconditional(&self, word: &str) -> bool {
        self.lines.contains(word) && !self.numeric_only.contains(word)
    }

    /// Whether `word.` keeps its period only before a number.
    pub(super) fn is_numeric_only(&self, word: &str) -> bool {
        self.numeric_only.contains(word)
    }
}

/// Whether the marker appears right after a whitespace character.
fn has_numeric_only_marker(line: &str) -> bool {
    line.char_indices()
        .any(|(i, c)| is_space(c) && line[i + c.len_utf8()..].starts_with(NUMERIC_ONLY_MARKER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_list_has_titles_letters_and_numeric_only_entries() {
        let p = &*ENGLISH;
        for word in ["Mr", "Dr", "A", "Z", "e.g", "i.e", "Jan", "Rs", "Nos"] {
            assert!(p.is_unconditional(word), "{word}");
        }
        for word in ["No", "Art", "pp"] {
            assert!(
                p.is_numeric_only(word) && !p.is_unconditional(word),
                "{word}"
            );
        }
        for word in ["May", "mr", "No #NUMERIC_ONLY#x", "", "#"] {
            assert!(
                !p.is_unconditional(word) && !p.is_numeric_only(word),
                "{word}"
            );
        }
    }

    #[test]
    fn header_comments_are_not_prefixes() {
        assert!(!ENGLISH.lines.iter().any(|l| l.starts_with('#')));
        assert_eq!(ENGLISH.numeric_only.len(), 3);
    }
}
