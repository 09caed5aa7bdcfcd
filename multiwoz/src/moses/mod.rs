//! English Moses tokenizer and detokenizer, output-identical to sacremoses 0.2.0.
//!
//! The standard MultiWOZ evaluator normalizes every response with
//! `MosesDetokenizer(lang="en").detokenize(MosesTokenizer(lang="en").tokenize(text))`;
//! BLEU and the lexical-richness figures depend on the exact result, so this
//! module reproduces sacremoses with its default options bit for bit: the same
//! Unicode character classes (Perl's, not Rust's), the English
//! nonbreaking-prefix list, XML escaping of `& | < > ' " [ ]` in tokens, and the
//! detokenizer's quote and clitic rules.
//!
//! ```
//! let tokens = multiwoz::moses::tokenize("I'd like a table, please.");
//! assert_eq!(tokens, ["I", "&apos;d", "like", "a", "table", ",", "please", "."]);
//! assert_eq!(multiwoz::moses::detokenize(&tokens), "I'd like a table, please.");
//! ```

mod charclass;
mod detokenizer;
mod prefixes;
mod tables;
mod tokenizer;

/// Splits `text` into Moses tokens, as sacremoses'
/// `MosesTokenizer(lang="en").tokenize(text)` does with default options
/// (`aggressive_dash_splits=False`, `escape=True`).
///
/// Punctuation is split off, clitics such as `n't` and `'s` become tokens of
/// their own, a sentence-final period is separated unless it ends a known
/// abbreviation, and the characters `& | < > ' " [ ]` are written as XML
/// entities (`&amp;`, `&#124;`, `&lt;`, `&gt;`, `&apos;`, `&quot;`, `&#91;`,
/// `&#93;`). Empty or all-whitespace input gives no tokens.
pub fn tokenize(text: &str) -> Vec<String> {
    tokenizer::tokenize(text)
}

/// Joins Moses tokens back into text, as sacremoses'
/// `MosesDetokenizer(lang="en").detokenize(tokens)` does with default options
/// (`unescape=True`).
///
/// XML entities are unescaped, punctuation and clitics are attached to the
/// preceding word, currency symbols and opening brackets to the following one,
/// and quotes alternate between opening and closing.
pub fn detokenize<S: AsRef<str>>(tokens: &[S]) -> String {
    detokenizer::detokenize(tokens)
}

/// `detokenize(&tokenize(text))`, the evaluator's normalization round trip,
/// computed in one pass without the escaping that the two steps undo.
pub fn round_trip(text: &str) -> String {
    detokenizer::round_trip(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenize_splits_clitics_and_final_period() {
        assert_eq!(
            tokenize("I don't know Mr. Smith's address."),
            [
                "I", "don", "&apos;t", "know", "Mr.", "Smith", "&apos;s", "address", "."
            ]
        );
    }

    #[test]
    fn tokenize_of_blank_text_is_empty() {
        assert!(tokenize("").is_empty());
        assert!(tokenize(" \t\n\u{1}").is_empty());
    }

    #[test]
    fn detokenize_of_no_tokens_is_empty() {
        assert_eq!(detokenize::<&str>(&[]), "");
    }

    #[test]
    fn round_trip_of_evaluator_style_text() {
        let text = "booking completed ! your taxi will be TYPE contact number is PHONE";
        assert_eq!(
            detokenize(&tokenize(text)),
            "booking completed! your taxi will be TYPE contact number is PHONE"
        );
    }
}
