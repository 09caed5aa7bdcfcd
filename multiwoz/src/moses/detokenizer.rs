//! The Moses detokenizer for English, as sacremoses 0.2.0 runs it with its
//! default options (XML unescaping on).
//!
//! The tokens are joined, unescaped and re-split at whitespace; then each token
//! decides whether it is glued to its left neighbour, to its right neighbour,
//! or to neither. Quote characters alternate between opening (glued right)
//! and closing (glued left), counted separately for each quote spelling.

use super::charclass::{is_cjk, is_currency, is_detok_alpha, is_space};

/// XML entities undone after joining (Moses' list, including the legacy
/// `&bar;`, `&bra;` and `&ket;`). Moses replaces them one after another with
/// `&amp;` last; as every entity runs from an `&` to the next `;` with neither
/// inside, occurrences never overlap and no replacement creates a new one, so
/// one left-to-right pass gives the same text.
const ENTITIES: [(&str, char); 11] = [
    ("&bar;", '|'),
    ("&#124;", '|'),
    ("&lt;", '<'),
    ("&gt;", '>'),
    ("&bra;", '['),
    ("&ket;", ']'),
    ("&quot;", '"'),
    ("&apos;", '\''),
    ("&#91;", '['),
    ("&#93;", ']'),
    ("&amp;", '&'),
];

/// Detokenizes like `MosesDetokenizer(lang="en").detokenize(tokens)`.
pub(super) fn detokenize<S: AsRef<str>>(tokens: &[S]) -> String {
    let mut text =
        String::with_capacity(tokens.iter().map(|t| t.as_ref().len() + 1).sum::<usize>() + 2);
    text.push(' ');
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        text.push_str(token.as_ref());
    }
    text.push(' ');
    if text.contains(" @-@ ") {
        text = text.replace(" @-@ ", "-");
    }
    if text.contains('&') {
        text = unescape(&text);
    }
    let words: Vec<&str> = text.split(is_space).filter(|w| !w.is_empty()).collect();
    glue(&words)
}

/// Tokenizes and detokenizes `text` in one go, with the result of
/// `detokenize(&tokenize(text))` but without escaping each token, joining them
/// and unescaping the joined text.
pub(super) fn round_trip(text: &str) -> String {
    let mut joined = String::with_capacity(text.len() + 16);
    let mut ends = Vec::with_capacity(text.len() / 3);
    if !super::tokenizer::tokenize_unescaped(text, &mut joined, &mut ends) {
        return detokenize(&super::tokenizer::tokenize(text));
    }
    let mut words = Vec::with_capacity(ends.len());
    let mut start = 0;
    for end in ends {
        if end > start {
            words.push(&joined[start..end]);
        }
        start = end;
    }
    glue(&words)
}

/// Replaces the XML entities of [`ENTITIES`] by their characters.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match ENTITIES.iter().find(|(entity, _)| rest.starts_with(entity)) {
            Some(&(entity, plain)) => {
                out.push(plain);
                rest = &rest[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// How a token attaches to its neighbours.
enum Attach {
    /// Space before, space after (an ordinary word).
    Free,
    /// No space before it; space after.
    Left,
    /// Space before it (if the previous token allows); none after.
    Right,
}

/// Joins the re-split tokens, applying the English attachment rules.
fn glue(words: &[&str]) -> String {
    let mut out = String::with_capacity(words.iter().map(|w| w.len() + 1).sum());
    // Per quote spelling, how many have been seen: odd means one is open.
    let mut quote_counts: Vec<(&str, usize)> = Vec::new();
    let mut space_before_next = true;
    for (i, &word) in words.iter().enumerate() {
        let mut chars = word.chars();
        let Some(first) = chars.next() else {
            continue;
        };
        let attach = if is_cjk(first) {
            let after_cjk = i > 0 && words[i - 1].chars().next_back().is_some_and(is_cjk);
            if after_cjk {
                Attach::Left
            } else {
                Attach::Free
            }
        } else if word.chars().all(is_opening_symbol) {
            Attach::Right
        } else if word.chars().all(is_closing_punctuation) {
            Attach::Left
        } else if i > 0 && first == '\'' && chars.next().is_some_and(is_detok_alpha) {
            // A clitic such as 's or 'll.
            Attach::Left
        } else if word.chars().all(is_quote) {
            let kind = if word.chars().all(|c| matches!(c, '„' | '“')) {
                "\""
            } else {
                word
            };
            let slot = match quote_counts.iter().position(|&(k, _)| k == kind) {
                Some(slot) => slot,
                None => {
                    quote_counts.push((kind, 0));
                    quote_counts.len() - 1
                }
            };
            let count = &mut quote_counts[slot].1;
            if *count % 2 == 1 {
                *count += 1;
                Attach::Left
            } else if word == "'" && i > 0 && words[i - 1].ends_with('s') {
                // The possessive of a word ending in s ("the Jones' house"):
                // glued left, and not counted as an opening quote.
                Attach::Left
            } else {
                *count += 1;
                Attach::Right
            }
        } else {
            Attach::Free
        };
        match attach {
            Attach::Free | Attach::Right if space_before_next => out.push(' '),
            _ => {}
        }
        out.push_str(word);
        space_before_next = !matches!(attach, Attach::Right);
    }
    out.trim_matches(is_space).to_owned()
}

/// Currency symbols and opening brackets, which attach to what follows.
fn is_opening_symbol(c: char) -> bool {
    matches!(c, '(' | '[' | '{' | '¿' | '¡') || is_currency(c)
}

/// Punctuation that attaches to what precedes it.
fn is_closing_punctuation(c: char) -> bool {
    matches!(
        c,
        ',' | '.' | '?' | '!' | ':' | ';' | '\\' | '%' | '}' | ']' | ')'
    )
}

/// Characters that can make up a quote token.
fn is_quote(c: char) -> bool {
    matches!(c, '\'' | '"' | '„' | '“' | '`')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_undoes_one_level_of_escaping_only() {
        assert_eq!(
            unescape("&amp;lt; &lt;&gt; &#124;&bar; &apos;&quot;"),
            "&lt; <> || '\""
        );
        assert_eq!(unescape("&& &unknown; &#91x &#93;"), "&& &unknown; &#91x ]");
    }

    #[test]
    fn possessive_apostrophe_after_s_does_not_open_a_quote() {
        assert_eq!(
            detokenize(&["the", "Jones", "'", "house"]),
            "the Jones' house"
        );
        assert_eq!(detokenize(&["'", "hi", "'"]), "'hi'");
    }
}
