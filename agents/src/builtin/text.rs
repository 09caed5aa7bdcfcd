//! Text normalization shared by the built-in tracker, router and realizer.
//!
//! MultiWOZ 2.1 text is tokenized (`Saint John 's college .`) while people in a chat
//! type `Saint John's college.`; both must look the same to lexicon matching and to
//! the router's features. [`normalize`] lower-cases, glues clitics, drops
//! apostrophes, turns `&` into `and` and every other non-alphanumeric character
//! (except a `:` inside a time) into a space.

use std::cell::RefCell;

use super::memo::{Recent, remembered};

/// Normalizes an utterance or a lexicon value into space-separated lower-case tokens.
pub fn normalize(text: &str) -> String {
    thread_local! {
        static RECENT: RefCell<Recent<String>> = RefCell::default();
    }
    remembered(&RECENT, text, normalize_uncached)
}

fn normalize_uncached(text: &str) -> String {
    let lower = text.to_lowercase();
    // Glue tokenized clitics back ("john 's" -> "john's", "do n't" -> "don't").
    let glued = lower
        .replace(" 's", "'s")
        .replace(" n't", "n't")
        .replace(" 're", "'re")
        .replace(" 'll", "'ll")
        .replace(" 'd", "'d")
        .replace(" 've", "'ve")
        .replace(" 'm", "'m")
        .replace('\u{2019}', "'");
    let chars: Vec<char> = glued.chars().collect();
    let mut out = String::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\'' => {}
            '&' => out.push_str(" and "),
            ':' | '.'
                if i > 0
                    && chars[i - 1].is_ascii_digit()
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit) =>
            {
                // Keep "17:30" whole; "5.30" is a time too in these dialogs.
                out.push(':');
            }
            c if c.is_alphanumeric() => out.push(c),
            _ => out.push(' '),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits normalized text into tokens.
pub fn tokens(normalized: &str) -> Vec<&str> {
    normalized.split_whitespace().collect()
}

/// The value of a number word or numeral up to twenty (`"two"` → 2, `"7"` → 7).
pub fn number_value(token: &str) -> Option<u32> {
    const WORDS: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    if let Some(i) = WORDS.iter().position(|w| *w == token) {
        return u32::try_from(i).ok();
    }
    match token {
        "a" | "single" | "myself" => return None,
        "couple" => return Some(2),
        _ => {}
    }
    let digits = token.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    if digits.is_empty() || digits.len() > 3 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The weekday named by a token (`"mon"`, `"monday"`), as the lower-case full name.
pub fn weekday(token: &str) -> Option<&'static str> {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    DAYS.iter()
        .find(|d| token == **d || (token.len() >= 3 && d.starts_with(token) && token != "sun"))
        .copied()
        .or(match token {
            "weds" | "wed" => Some("wednesday"),
            "thur" | "thurs" => Some("thursday"),
            _ => None,
        })
}

/// Whether `needle` (normalized tokens) occurs as whole tokens in `haystack`.
pub fn contains_phrase(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    // Only token starts can begin a whole-token match, so compare there
    // instead of running a substring search per call: the built-in asks
    // thousands of these questions of short texts every turn.
    let bytes = haystack.as_bytes();
    let needle = needle.as_bytes();
    let mut start = 0;
    while start + needle.len() <= bytes.len() {
        let end = start + needle.len();
        // The first byte alone settles almost every mismatch.
        if bytes[start] == needle[0]
            && &bytes[start..end] == needle
            && (end == bytes.len() || bytes[end] == b' ')
        {
            return true;
        }
        match bytes[start..].iter().position(|&b| b == b' ') {
            Some(space) => start += space + 1,
            None => break,
        }
    }
    false
}

/// Where the earliest whole-token occurrence of any of the phrases begins (a
/// byte offset), or `None` when none occurs.
pub fn from_first(haystack: &str, needles: &[&str]) -> Option<usize> {
    needles
        .iter()
        .filter(|n| !n.is_empty())
        .filter_map(|needle| {
            haystack.match_indices(needle).map(|(i, _)| i).find(|&i| {
                let end = i + needle.len();
                (i == 0 || haystack.as_bytes()[i - 1] == b' ')
                    && (end == haystack.len() || haystack.as_bytes()[end] == b' ')
            })
        })
        .min()
}

/// Whether any of the phrases occurs as whole tokens in `haystack`.
pub fn contains_any(haystack: &str, needles: &[&str]) -> bool {
    // The token starts are found once for all the phrases: the word lists
    // asked about are long, the texts short. The first two bytes of every
    // token also go into a small bit set, so most phrases are ruled out by
    // one lookup instead of a comparison at every token.
    const MAX_TOKENS: usize = 128;
    let bytes = haystack.as_bytes();
    let mut starts = [0usize; MAX_TOKENS];
    let mut n = 0;
    let mut prefixes = PrefixSet::default();
    let mut start = 0;
    for i in 0..=bytes.len() {
        if i == bytes.len() || bytes[i] == b' ' {
            if n == MAX_TOKENS {
                return needles.iter().any(|p| contains_phrase(haystack, p));
            }
            starts[n] = start;
            n += 1;
            prefixes.insert(&bytes[start..i]);
            start = i + 1;
        }
    }
    let starts = &starts[..n];
    needles.iter().any(|needle| {
        let needle = needle.as_bytes();
        !needle.is_empty()
            && prefixes.may_contain(needle)
            && starts.iter().any(|&start| {
                let end = start + needle.len();
                end <= bytes.len()
                    && bytes[start] == needle[0]
                    && &bytes[start..end] == needle
                    && (end == bytes.len() || bytes[end] == b' ')
            })
    })
}

/// The first two bytes of tokens, hashed into 1,024 bits: no false
/// negatives, few false positives for a sentence's worth of tokens.
#[derive(Default)]
struct PrefixSet([u64; 16]);

impl PrefixSet {
    fn key(token: &[u8]) -> usize {
        let first = token.first().copied().unwrap_or(b' ');
        // A one-letter token ("a", "i") is followed by a space in any longer
        // phrase that starts with it, or by nothing.
        let second = token.get(1).copied().unwrap_or(b' ');
        (usize::from(first) * 31 + usize::from(second)) % 1024
    }

    fn insert(&mut self, token: &[u8]) {
        let k = Self::key(token);
        self.0[k / 64] |= 1 << (k % 64);
    }

    fn may_contain(&self, phrase: &[u8]) -> bool {
        let k = Self::key(phrase);
        self.0[k / 64] & (1 << (k % 64)) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenized_and_typed_text_normalize_alike() {
        assert_eq!(
            normalize("Saint John 's college ."),
            normalize("Saint John's college.")
        );
        assert_eq!(normalize("I do n't care"), "i dont care");
        assert_eq!(normalize("B&B at 17:30, please"), "b and b at 17:30 please");
        assert_eq!(normalize("alpha-milton"), "alpha milton");
    }

    #[test]
    fn numbers_and_days_parse() {
        assert_eq!(number_value("two"), Some(2));
        assert_eq!(number_value("8"), Some(8));
        assert_eq!(number_value("3pm"), Some(3));
        assert_eq!(number_value("cheap"), None);
        assert_eq!(weekday("tues"), Some("tuesday"));
        assert_eq!(weekday("sun"), None);
        assert_eq!(weekday("sunday"), Some("sunday"));
        assert!(contains_phrase("a cheap place", "cheap"));
        assert!(!contains_phrase("cheaper", "cheap"));
    }

    #[test]
    fn phrases_match_whole_tokens_anywhere() {
        let text = "i want the cheap place in the centre";
        assert!(contains_phrase(text, "i want"));
        assert!(contains_phrase(text, "the centre"));
        assert!(contains_phrase(text, "cheap place in"));
        assert!(!contains_phrase(text, "want the cheap pl"));
        assert!(!contains_phrase(text, "entre"));
        assert!(!contains_phrase(text, "centre please"));
        assert!(!contains_phrase("cafe jello", "cafe jello gallery"));
        assert!(contains_phrase("a  b", "b"));
        assert!(contains_phrase("caf\u{e9} uno", "uno"));
        assert!(!contains_phrase(text, ""));
    }

    #[test]
    fn contains_any_agrees_with_contains_phrase_on_short_and_long_texts() {
        let long = vec!["word"; 300].join(" ") + " the centre";
        let texts = [
            "i want a cheap place in the centre",
            " leading  spaces ",
            "",
            "a",
            "get me a ride i want",
            &long,
        ];
        let needles = [
            "centre",
            "the centre",
            "cheap place",
            "entre",
            "spaces",
            "",
            "word word",
            "a",
            "a ride",
            "i want",
            "i",
            "ride i",
        ];
        for text in texts {
            for needle in needles {
                assert_eq!(
                    contains_any(text, &[needle]),
                    contains_phrase(text, needle),
                    "{needle:?} in {text:?}"
                );
            }
            assert_eq!(
                contains_any(text, &needles),
                needles.iter().any(|n| contains_phrase(text, n))
            );
        }
    }
}
