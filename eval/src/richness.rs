//! Lexical richness as the standard evaluator's `get_richness` reports it, on the
//! normalized responses: unigram entropy, conditional bigram entropy, average
//! response length, MSTTR (window 50) and the numbers of distinct uni-, bi- and
//! trigrams.
//!
//! Tokens come from the `lexical-diversity` package's `tokenize` (punctuation
//! deletion, whitespace squeezing, lower-casing, split on single spaces, so empty
//! tokens count). Sums run in first-occurrence order, as over Python `Counter`s, so
//! the entropies are the same doubles.

use indexmap::IndexMap;
use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use serde::Serialize;

use crate::pytext::py_isspace;

/// The richness figures; names follow the evaluator's output keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Richness {
    /// Unigram entropy in bits.
    pub entropy: f64,
    /// Conditional bigram entropy in bits.
    pub cond_entropy: f64,
    /// Average number of tokens per response.
    pub avg_lengths: f64,
    /// Mean segmental type-token ratio over windows of 50 tokens.
    pub msttr: f64,
    /// Distinct unigrams.
    pub num_unigrams: usize,
    /// Distinct bigrams.
    pub num_bigrams: usize,
    /// Distinct trigrams.
    pub num_trigrams: usize,
}

/// What `lexical_diversity.lex_div.tokenize` deletes, in its order (so `-LRB-` is
/// never found whole: `-` goes first); `ld_prepare` is tested against it.
#[cfg(test)]
const PUNCTUATION: [&str; 18] = [
    "``", "''", "'", ".", ",", "?", "!", ")", "(", "%", "/", "-", "_", "-LRB-", "-RRB-", "SYM",
    ":", ";",
];

/// `lexical_diversity.lex_div.tokenize`.
pub fn ld_tokenize(text: &str) -> Vec<String> {
    ld_prepare(text).split(' ').map(str::to_owned).collect()
}

/// `lexical_diversity.lex_div.tokenize` up to the final `split(" ")`.
///
/// The eighteen deletions run in three passes that give the same text: ``` `` ```
/// pairs (found in the input, left to right) and the single characters
/// `' . , ? ! ) ( % / - _` go together (deleting single characters commutes, and
/// `''`, `-LRB-`, `-RRB-` cannot survive the single-character deletions); `SYM`
/// next (it may be formed by those deletions); `:` and `;` last (deleting them
/// before `SYM` could form one that Python keeps), merged with the whitespace
/// squeeze.
fn ld_prepare(text: &str) -> String {
    let mut first = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' if chars.peek() == Some(&'`') => {
                chars.next();
            }
            '\'' | '.' | ',' | '?' | '!' | ')' | '(' | '%' | '/' | '-' | '_' => {}
            _ => first.push(c),
        }
    }
    if first.contains("SYM") {
        first = first.replace("SYM", "");
    }
    // ':' and ';' go, then re.sub('\s+', ' ', raw)
    let mut squeezed = String::with_capacity(first.len());
    let mut in_space = false;
    for c in first.chars() {
        if c == ':' || c == ';' {
            continue;
        }
        if py_isspace(c) {
            if !in_space {
                squeezed.push(' ');
            }
            in_space = true;
        } else {
            squeezed.push(c);
            in_space = false;
        }
    }
    squeezed.to_lowercase()
}

/// Computes the richness figures over responses in evaluation order.
///
/// Returns `None` for an empty corpus (the evaluator divides by zero there).
pub fn richness(responses: &[&str]) -> Option<Richness> {
    if responses.is_empty() {
        return None;
    }
    let prepared: Vec<String> = responses.par_iter().map(|r| ld_prepare(r)).collect();

    // Tokens are interned in first-occurrence order, so id order is the order of
    // the evaluator's unigram Counter.
    let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
    let mut unigram_counts: Vec<u64> = Vec::new();
    let mut bigrams: IndexMap<(u32, u32), u64, FxBuildHasher> = IndexMap::default();
    let mut trigrams: FxHashSet<(u32, u32, u32)> = FxHashSet::default();
    let mut all_tokens: Vec<u32> = Vec::new();
    let mut sentence: Vec<u32> = Vec::new();
    for text in &prepared {
        sentence.clear();
        for t in text.split(' ') {
            let next = ids.len() as u32;
            let id = *ids.entry(t).or_insert(next);
            if id == next {
                unigram_counts.push(0);
            }
            unigram_counts[id as usize] += 1;
            sentence.push(id);
        }
        for w in sentence.windows(2) {
            *bigrams.entry((w[0], w[1])).or_insert(0) += 1;
        }
        for w in sentence.windows(3) {
            trigrams.insert((w[0], w[1], w[2]));
        }
        all_tokens.extend_from_slice(&sentence);
    }

    let total: u64 = unigram_counts.iter().sum();
    let ln2 = 2.0f64.ln();
    // math.log(p, 2) is log(p) / log(2) in CPython, not log2(p).
    let mut entropy_sum = 0.0f64;
    for &count in &unigram_counts {
        let p = count as f64 / total as f64;
        entropy_sum += p * (p.ln() / ln2);
    }
    let mut cond_sum = 0.0f64;
    for (&(head, _), &count) in &bigrams {
        let head_count = unigram_counts[head as usize];
        let cond = count as f64 / head_count as f64;
        let joint = count as f64 / total as f64;
        cond_sum += joint * (cond.ln() / ln2);
    }

    // Python's `-sum(...)` over no bigrams negates the integer 0, which is 0, not
    // the float -0.0 that negating 0.0 gives.
    let cond_entropy = if bigrams.is_empty() { 0.0 } else { -cond_sum };
    Some(Richness {
        entropy: -entropy_sum,
        cond_entropy,
        avg_lengths: all_tokens.len() as f64 / responses.len() as f64,
        msttr: msttr(&all_tokens, unigram_counts.len(), 50),
        num_unigrams: unigram_counts.len(),
        num_bigrams: bigrams.len(),
        num_trigrams: trigrams.len(),
    })
}

/// `lexical_diversity.lex_div.msttr` over interned tokens (`vocabulary` ids).
fn msttr(tokens: &[u32], vocabulary: usize, window: usize) -> f64 {
    // `seen[id]` holds the number (1-based) of the last segment that contained `id`.
    let mut seen = vec![0usize; vocabulary];
    let mut ttr = |segment_no: usize, segment: &[u32]| {
        if segment.is_empty() {
            return 0.0;
        }
        let mut types = 0usize;
        for &t in segment {
            if seen[t as usize] != segment_no {
                seen[t as usize] = segment_no;
                types += 1;
            }
        }
        types as f64 / segment.len() as f64
    };
    if tokens.len() < window + 1 {
        return ttr(1, tokens);
    }
    let segments = tokens.len() / window;
    let mut sum = 0.0f64;
    for (i, chunk) in tokens.chunks_exact(window).take(segments).enumerate() {
        sum += ttr(i + 1, chunk);
    }
    sum / segments as f64
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The deletions one by one, in the package's order (the specification
    /// `ld_prepare` must equal).
    fn ld_prepare_step_by_step(text: &str) -> String {
        let mut raw = text.to_owned();
        for p in PUNCTUATION {
            raw = raw.replace(p, "");
        }
        let mut squeezed = String::new();
        let mut in_space = false;
        for c in raw.chars() {
            if py_isspace(c) {
                if !in_space {
                    squeezed.push(' ');
                }
                in_space = true;
            } else {
                squeezed.push(c);
                in_space = false;
            }
        }
        squeezed.to_lowercase()
    }

    #[test]
    fn ld_prepare_equals_the_step_by_step_deletions_on_tricky_cases() {
        for text in [
            "S.YM",
            "SY:M",
            "SY;M x",
            "```",
            "`.`",
            "'`'`",
            "-LRB- -RRB- (x)",
            "a : b",
            "a :\t; b",
            "SSYMYM",
            "Σ ΣΑ.",
            " lead  trail ",
            "",
        ] {
            assert_eq!(ld_prepare(text), ld_prepare_step_by_step(text), "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn ld_prepare_equals_the_step_by_step_deletions(
            text in "[`'.,?!)(%/\\-_:; \t\u{a0}SYMLRBa-cΣ]{0,24}"
        ) {
            prop_assert_eq!(ld_prepare(&text), ld_prepare_step_by_step(&text));
        }
    }

    #[test]
    fn ld_tokenize_keeps_empty_tokens_like_lexical_diversity() {
        // lex_div.tokenize("thanks . bye !") == ['thanks', 'bye', '']
        assert_eq!(ld_tokenize("thanks . bye !"), ["thanks", "bye", ""]);
        // '-' goes before '-LRB-', and upper-case SYM is deleted before lower-casing.
        assert_eq!(
            ld_tokenize("a -LRB- SYMbol NAME"),
            ["a", "lrb", "bol", "name"]
        );
    }

    #[test]
    fn richness_matches_the_python_figures() {
        // From mwzeval.metrics.get_richness on these two responses (Python 3.11).
        let r = richness(&[
            "i have NAME at ADDRESS .",
            "the NAME is in AREA , the phone is PHONE .",
        ])
        .unwrap();
        assert_eq!(r.num_unigrams, 11);
        assert_eq!(r.avg_lengths, 8.0);
        assert_eq!(r.entropy, 3.375);
        assert_eq!(r.cond_entropy, 0.5);
        assert_eq!(r.num_bigrams, 14);
        assert_eq!(r.num_trigrams, 12);
        assert_eq!(r.msttr, 0.6875);
    }

    #[test]
    fn all_empty_responses_have_cond_entropy_zero_not_minus_zero() {
        let r = richness(&["", "", ""]).unwrap();
        assert_eq!(r.num_bigrams, 0);
        assert!(r.cond_entropy == 0.0 && r.cond_entropy.is_sign_positive());
        assert_eq!(format!("{:.2}", r.cond_entropy), "0.00");
        // One unigram type: Python negates a float sum here, so -0.0 stays.
        assert!(r.entropy == 0.0 && r.entropy.is_sign_negative());
    }

    #[test]
    fn msttr_averages_full_windows_only() {
        let tokens: Vec<u32> = (0..120).map(|i| i % 25).collect();
        assert_eq!(msttr(&tokens, 25, 50), 0.5);
        // Fewer than window + 1 tokens: one type-token ratio over all of them.
        assert_eq!(msttr(&[0, 1, 1, 2], 3, 50), 0.75);
    }
}
