//! Corpus BLEU exactly as sacrebleu 2.x computes `corpus_bleu(hyps, [refs])` with its
//! defaults: the `13a` tokenizer, `exp` smoothing, the brevity penalty, no
//! lower-casing, maximum n-gram order 4, no effective order, one reference per
//! segment (the standard evaluator passes a single reference stream).
//!
//! The floating-point operations follow sacrebleu's order so the score is the same
//! double, not just the same to a few decimals.

use std::collections::HashMap;

use rayon::prelude::*;
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
    let hyp_tokens = tokenize_13a(py_rstrip(hyp));
    let ref_tokens = tokenize_13a(py_rstrip(reference));
    let hyp_words: Vec<&str> = py_split_whitespace(&hyp_tokens);
    let ref_words: Vec<&str> = py_split_whitespace(&ref_tokens);
    let ref_counts = ngram_counts(&ref_words);
    let hyp_counts = ngram_counts(&hyp_words);
    let mut stats = Stats {
        hyp_len: hyp_words.len() as u64,
        // With a single reference the closest reference length is that reference's.
        ref_len: ref_words.len() as u64,
        ..Stats::default()
    };
    for (ngram, &count) in &hyp_counts {
        let n = ngram.len() - 1;
        stats.total[n] += count;
        if let Some(&ref_count) = ref_counts.get(ngram) {
            stats.correct[n] += count.min(ref_count);
        }
    }
    stats
}

fn ngram_counts<'a, 'w>(words: &'a [&'w str]) -> HashMap<&'a [&'w str], u64> {
    let mut counts: HashMap<&[&str], u64> = HashMap::new();
    for n in 1..=MAX_ORDER {
        for window in words.windows(n) {
            *counts.entry(window).or_insert(0) += 1;
        }
    }
    counts
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
pub fn tokenize_13a(line: &str) -> String {
    let mut line = line.replace("<skipped>", "").replace("-\n", "").replace('\n', " ");
    if line.contains('&') {
        line = line
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
    }
    let padded: Vec<char> = format!(" {line} ").chars().collect();

    // ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
    let mut step1 = Vec::with_capacity(padded.len() * 2);
    for &c in &padded {
        if is_13a_symbol(c) {
            step1.extend([' ', c, ' ']);
        } else {
            step1.push(c);
        }
    }
    // ([^0-9])([\.,]) -> "\1 \2 "
    let step2 = sub_pairs(&step1, |a, b| !a.is_ascii_digit() && is_dot_comma(b), |a, b| {
        [a, ' ', b, ' ']
    });
    // ([\.,])([^0-9]) -> " \1 \2"
    let step3 = sub_pairs(&step2, |a, b| is_dot_comma(a) && !b.is_ascii_digit(), |a, b| {
        [' ', a, ' ', b]
    });
    // ([0-9])(-) -> "\1 \2 "
    let step4 = sub_pairs(&step3, |a, b| a.is_ascii_digit() && b == '-', |a, b| [a, ' ', b, ' ']);
    let joined: String = step4.into_iter().collect();
    py_split_whitespace(&joined).join(" ")
}

fn is_13a_symbol(c: char) -> bool {
    matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/')
}

fn is_dot_comma(c: char) -> bool {
    c == '.' || c == ','
}

/// Python's `re.sub` for a two-character pattern: scan left to right, replace each
/// non-overlapping match, and resume after it.
fn sub_pairs(
    chars: &[char],
    matches: impl Fn(char, char) -> bool,
    replace: impl Fn(char, char) -> [char; 4],
) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len() + chars.len() / 2);
    let mut i = 0;
    while i < chars.len() {
        if i + 1 < chars.len() && matches(chars[i], chars[i + 1]) {
            out.extend(replace(chars[i], chars[i + 1]));
            i += 2;
        } else {
            out.push(chars[i]);
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
            ("hello there , how are you ?", "hi there , how are you doing ?"),
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
}
