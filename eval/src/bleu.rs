//! Corpus BLEU exactly as sacrebleu 2.x computes `corpus_bleu(hyps, [refs])` with its
//! defaults: the `13a` tokenizer, `exp` smoothing, the brevity penalty, no
//! lower-casing, maximum n-gram order 4, no effective order, one reference per
//! segment (the standard evaluator passes a single reference stream).
//!
//! The floating-point operations follow sacrebleu's order so the score is the same
//! double, not just the same to a few decimals.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::pytext::{py_rstrip, py_split_whitespace};

const MAX_ORDER: usize = 4;

/// BLEU and its sufficient statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bleu {
    /// The corpus BLEU score in 0–100, unrounded (what the evaluator returns).
    pub score: f64,
    /// Matched n-grams for n = 1..=4 (clipped by the reference counts).
    pub correct: [u64; MAX_ORDER],
    /// Hypothesis n-grams for n = 1..=4.
    pub total: [u64; MAX_ORDER],
    /// The n-gram precisions in percent, after smoothing.
    pub precisions: [f64; MAX_ORDER],
    /// The brevity penalty.
    pub brevity_penalty: f64,
    /// Total hypothesis length in 13a tokens.
    pub hyp_len: u64,
    /// Total reference length in 13a tokens.
    pub ref_len: u64,
}

/// Segment statistics: lengths and per-order correct/total counts.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    hyp_len: u64,
    ref_len: u64,
    correct: [u64; MAX_ORDER],
    total: [u64; MAX_ORDER],
}

impl Stats {
    fn add(mut self, other: Stats) -> Stats {
        self.hyp_len += other.hyp_len;
        self.ref_len += other.ref_len;
        for n in 0..MAX_ORDER {
            self.correct[n] += other.correct[n];
            self.total[n] += other.total[n];
        }
        self
    }
}

/// Computes corpus BLEU for aligned hypothesis / reference segments.
///
/// `pairs` yields `(hypothesis, reference)`; the order does not change the score.
pub fn corpus_bleu<'a>(pairs: &[(&'a str, &'a str)]) -> Bleu {
    let stats = pairs
        .par_iter()
        .map(|(hyp, reference)| segment_stats(hyp, reference))
        .reduce(Stats::default, Stats::add);
    compute(stats)
}

fn segment_stats(hyp: &str, reference: &str) -> Stats {
    let hyp_tokens = utf8(tokenize_13a_bytes(py_rstrip(hyp)));
    let ref_tokens = utf8(tokenize_13a_bytes(py_rstrip(reference)));
    let hyp_words: Vec<&str> = py_split_whitespace(&hyp_tokens);
    let ref_words: Vec<&str> = py_split_whitespace(&ref_tokens);
    let mut stats = Stats {
        hyp_len: hyp_words.len() as u64,
        // With a single reference the closest reference length is that reference's.
        ref_len: ref_words.len() as u64,
        ..Stats::default()
    };
    // Words become small per-segment ids so that n-grams compare as integers.
    let mut vocabulary: FxHashMap<&str, u32> = FxHashMap::default();
    let hyp_ids = intern(&mut vocabulary, &hyp_words);
    let ref_ids = intern(&mut vocabulary, &ref_words);
    let mut hyp_grams: Vec<u128> = Vec::with_capacity(hyp_ids.len());
    let mut ref_grams: Vec<u128> = Vec::with_capacity(ref_ids.len());
    for n in 1..=MAX_ORDER {
        hyp_grams.clear();
        ref_grams.clear();
        hyp_grams.extend(hyp_ids.windows(n).map(pack));
        ref_grams.extend(ref_ids.windows(n).map(pack));
        stats.total[n - 1] = hyp_grams.len() as u64;
        stats.correct[n - 1] = clipped_matches(&mut hyp_grams, &mut ref_grams);
    }
    stats
}

fn intern<'w>(vocabulary: &mut FxHashMap<&'w str, u32>, words: &[&'w str]) -> Vec<u32> {
    words
        .iter()
        .map(|w| {
            let next = vocabulary.len() as u32;
            *vocabulary.entry(w).or_insert(next)
        })
        .collect()
}

/// Packs an n-gram (n <= 4) of word ids into one integer; the order n is implied by
/// the caller, so distinct n-grams of one order get distinct keys.
fn pack(gram: &[u32]) -> u128 {
    gram.iter()
        .fold(0u128, |acc, &id| (acc << 32) | u128::from(id))
}

/// Sum over distinct hypothesis n-grams of `min(hyp count, ref count)`, by sorting
/// both lists and merging.
fn clipped_matches(hyp: &mut [u128], reference: &mut [u128]) -> u64 {
    hyp.sort_unstable();
    reference.sort_unstable();
    let (mut i, mut j, mut matched) = (0, 0, 0u64);
    while i < hyp.len() && j < reference.len() {
        match hyp[i].cmp(&reference[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let gram = hyp[i];
                let hyp_count = hyp[i..].iter().take_while(|g| **g == gram).count();
                let ref_count = reference[j..].iter().take_while(|g| **g == gram).count();
                matched += hyp_count.min(ref_count) as u64;
                i += hyp_count;
                j += ref_count;
            }
        }
    }
    matched
}

fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// sacrebleu's `BLEU.compute_bleu` with `smooth_method="exp"`.
fn compute(stats: Stats) -> Bleu {
    let Stats {
        hyp_len,
        ref_len,
        correct,
        total,
    } = stats;
    let mut brevity_penalty = 1.0;
    if hyp_len < ref_len {
        brevity_penalty = if hyp_len > 0 {
            (1.0 - ref_len as f64 / hyp_len as f64).exp()
        } else {
            0.0
        };
    }
    let mut precisions = [0.0f64; MAX_ORDER];
    let mut bleu = Bleu {
        score: 0.0,
        correct,
        total,
        precisions,
        brevity_penalty,
        hyp_len,
        ref_len,
    };
    if correct.iter().all(|&c| c == 0) {
        return bleu;
    }
    let mut smooth_mteval = 1.0f64;
    for n in 0..MAX_ORDER {
        if total[n] == 0 {
            break;
        }
        if correct[n] == 0 {
            smooth_mteval *= 2.0;
            precisions[n] = 100.0 / (smooth_mteval * total[n] as f64);
        } else {
            precisions[n] = 100.0 * correct[n] as f64 / total[n] as f64;
        }
    }
    // Python's sum() starts from the integer 0 and adds left to right; a zero
    // precision contributes sacrebleu's floor value instead of -inf.
    let mut log_sum = 0.0f64;
    for &p in &precisions {
        log_sum += if p == 0.0 { -9_999_999_999.0 } else { p.ln() };
    }
    bleu.precisions = precisions;
    bleu.score = brevity_penalty * (log_sum / MAX_ORDER as f64).exp();
    bleu
}

/// sacrebleu's `13a` tokenizer (mteval-v13a), returning the space-joined tokens.
///
/// Works on UTF-8 bytes: every pattern involves ASCII characters only, and each
/// replacement inserts ASCII spaces at character boundaries, so the result is the
/// same as the character-level regular expressions give.
pub fn tokenize_13a(line: &str) -> String {
    py_split_whitespace(&utf8(tokenize_13a_bytes(line))).join(" ")
}

/// The `13a` steps up to (not including) the final whitespace squeeze, as UTF-8 bytes.
fn tokenize_13a_bytes(line: &str) -> Vec<u8> {
    let mut owned = None;
    if line.contains("<skipped>") || line.contains('\n') {
        owned = Some(
            line.replace("<skipped>", "")
                .replace("-\n", "")
                .replace('\n', " "),
        );
    }
    let mut line: &str = owned.as_deref().unwrap_or(line);
    let unescaped;
    if line.contains('&') {
        unescaped = line
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
        line = &unescaped;
    }
    let bytes = line.as_bytes();

    // ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
    let mut step1 = Vec::with_capacity(bytes.len() * 2 + 2);
    for &c in [b' '].iter().chain(bytes).chain([b' '].iter()) {
        if is_13a_symbol(c) {
            step1.extend([b' ', c, b' ']);
        } else {
            step1.push(c);
        }
    }
    // ([^0-9])([\.,]) -> "\1 \2 "
    let step2 = sub_pairs(
        &step1,
        |a, b| !a.is_ascii_digit() && is_dot_comma(b),
        |a, b| [a, b' ', b, b' '],
    );
    // ([\.,])([^0-9]) -> " \1 \2"
    let step3 = sub_pairs(
        &step2,
        |a, b| is_dot_comma(a) && !b.is_ascii_digit(),
        |a, b| [b' ', a, b' ', b],
    );
    // ([0-9])(-) -> "\1 \2 "
    sub_pairs(
        &step3,
        |a, b| a.is_ascii_digit() && b == b'-',
        |a, b| [a, b' ', b, b' '],
    )
}

fn is_13a_symbol(c: u8) -> bool {
    matches!(c, b'{'..=b'~' | b'['..=b'`' | b' '..=b'&' | b'('..=b'+' | b':'..=b'@' | b'/')
}

fn is_dot_comma(c: u8) -> bool {
    c == b'.' || c == b','
}

/// Python's `re.sub` for a two-character pattern: scan left to right, replace each
/// non-overlapping match, and resume after it.
fn sub_pairs(
    bytes: &[u8],
    matches: impl Fn(u8, u8) -> bool,
    replace: impl Fn(u8, u8) -> [u8; 4],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 2);
    let mut i = 0;
    while i < bytes.len() {
        if i + 1 < bytes.len() && matches(bytes[i], bytes[i + 1]) {
            out.extend(replace(bytes[i], bytes[i + 1]));
            i += 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenize_13a_splits_punctuation_but_not_numbers() {
        assert_eq!(tokenize_13a("Hello, world."), "Hello , world .");
        assert_eq!(tokenize_13a("it costs 3.50 pounds"), "it costs 3.50 pounds");
        assert_eq!(tokenize_13a("1,000 or 5-6"), "1,000 or 5 - 6");
        assert_eq!(tokenize_13a("a&amp;b (c)"), "a & b ( c )");
        assert_eq!(tokenize_13a("x..y"), "x . . y");
    }

    #[test]
    fn identical_corpus_scores_one_hundred_like_sacrebleu() {
        let pairs = [("the cat sat on the mat", "the cat sat on the mat")];
        let bleu = corpus_bleu(&pairs);
        // sacrebleu prints 100.00000000000004 here: exp(log(100)).
        assert_eq!(bleu.score, 100.0f64.ln().exp());
        assert_eq!(bleu.brevity_penalty, 1.0);
    }

    #[test]
    fn no_match_scores_zero() {
        let bleu = corpus_bleu(&[("a b c", "d e f")]);
        assert_eq!(bleu.score, 0.0);
    }

    #[test]
    fn missing_higher_orders_floor_the_score_like_sacrebleu() {
        // sacrebleu 2.6: corpus_bleu(["the cat"], [["the cat sat on the mat"]]).score == 0.0
        let bleu = corpus_bleu(&[("the cat", "the cat sat on the mat")]);
        assert_eq!(bleu.correct, [2, 1, 0, 0]);
        assert_eq!(bleu.total, [2, 1, 0, 0]);
        assert_eq!(bleu.precisions, [100.0, 100.0, 0.0, 0.0]);
        assert_eq!(bleu.score, 0.0);
    }

    #[test]
    fn scores_equal_sacrebleu_bit_for_bit() {
        // Values printed by sacrebleu 2.6.0 corpus_bleu(hyps, [refs]).score (repr).
        let bleu = corpus_bleu(&[
            ("the cat sat on a mat today", "the cat sat on the mat"),
            (
                "hello there , how are you ?",
                "hi there , how are you doing ?",
            ),
        ]);
        assert_eq!(bleu.score, 54.14341926669983);
        let bleu = corpus_bleu(&[("a b c d e f", "a b x d e y")]);
        assert_eq!(bleu.score, 22.957488466614336);
    }

    #[test]
    fn tokenize_13a_matches_sacrebleu_on_edge_cases() {
        assert_eq!(tokenize_13a("a\u{1c}b  c\u{a0}d"), "a b c d");
        assert_eq!(tokenize_13a(".,.,a"), ". , . , a");
        assert_eq!(tokenize_13a("9.-3"), "9 . -3");
    }

    #[test]
    fn tokenize_13a_on_bytes_matches_sacrebleu_on_non_ascii_text() {
        // Outputs of sacrebleu 2.6.0's Tokenizer13a.
        let cases = [
            ("café. ok", "café . ok"),
            ("é,é", "é , é"),
            ("naïve-3", "naïve-3"),
            ("5é.x", "5é . x"),
            ("3.é", "3 . é"),
            ("日本.語,x", "日本 . 語 , x"),
            ("\u{2028}a.b", "a . b"),
        ];
        for (input, expected) in cases {
            assert_eq!(tokenize_13a(input), expected, "{input}");
        }
    }
}
