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
        .map_init(Scratch::default, |scratch, (hyp, reference)| {
            segment_stats(hyp, reference, scratch)
        })
        .reduce(Stats::default, Stats::add);
    compute(stats)
}

/// Buffers reused from segment to segment by one worker.
#[derive(Default)]
struct Scratch {
    hyp: Vec<u8>,
    reference: Vec<u8>,
    tmp: Vec<u8>,
    hyp_grams: Vec<u128>,
    ref_grams: Vec<u128>,
    hyp_grams64: Vec<u64>,
    ref_grams64: Vec<u64>,
}

fn segment_stats(hyp: &str, reference: &str, scratch: &mut Scratch) -> Stats {
    let Scratch {
        hyp: hyp_buf,
        reference: ref_buf,
        tmp,
        hyp_grams,
        ref_grams,
        hyp_grams64,
        ref_grams64,
    } = scratch;
    tokenize_13a_into(py_rstrip(hyp), hyp_buf, tmp);
    let hyp_words = split_words(hyp_buf, hyp.is_ascii());
    if hyp == reference {
        // Equal texts: every n-gram matches itself (what the general path below
        // computes, without tokenizing and sorting twice).
        let len = hyp_words.len() as u64;
        let mut stats = Stats {
            hyp_len: len,
            ref_len: len,
            ..Stats::default()
        };
        for n in 0..MAX_ORDER {
            stats.total[n] = len.saturating_sub(n as u64);
            stats.correct[n] = stats.total[n];
        }
        return stats;
    }
    tokenize_13a_into(py_rstrip(reference), ref_buf, tmp);
    let ref_words = split_words(ref_buf, reference.is_ascii());
    let mut stats = Stats {
        hyp_len: hyp_words.len() as u64,
        // With a single reference the closest reference length is that reference's.
        ref_len: ref_words.len() as u64,
        ..Stats::default()
    };
    // Words become small per-segment ids so that n-grams compare as integers.
    let mut vocabulary: FxHashMap<&[u8], u32> = FxHashMap::default();
    vocabulary.reserve(hyp_words.len() + ref_words.len());
    let hyp_ids = intern(&mut vocabulary, &hyp_words);
    let ref_ids = intern(&mut vocabulary, &ref_words);
    for n in 1..=MAX_ORDER {
        stats.total[n - 1] = hyp_ids.len().saturating_sub(n - 1) as u64;
        stats.correct[n - 1] = if vocabulary.len() <= 1 << 16 {
            // Ids fit in 16 bits: n-grams pack into u64, which sorts faster.
            hyp_grams64.clear();
            ref_grams64.clear();
            hyp_grams64.extend(hyp_ids.windows(n).map(pack64));
            ref_grams64.extend(ref_ids.windows(n).map(pack64));
            clipped_matches(hyp_grams64, ref_grams64)
        } else {
            hyp_grams.clear();
            ref_grams.clear();
            hyp_grams.extend(hyp_ids.windows(n).map(pack));
            ref_grams.extend(ref_ids.windows(n).map(pack));
            clipped_matches(hyp_grams, ref_grams)
        };
    }
    stats
}

/// Python's `str.split()` of tokenizer output, as byte slices. ASCII text (the
/// tokenizer keeps a text ASCII when it was) is split on Python's ASCII
/// whitespace bytes directly; other text goes through the character-level split.
fn split_words(tokens: &[u8], ascii: bool) -> Vec<&[u8]> {
    if !ascii && let Ok(text) = std::str::from_utf8(tokens) {
        return py_split_whitespace(text)
            .into_iter()
            .map(str::as_bytes)
            .collect();
    }
    // ASCII whitespace as Python's str.isspace sees it: \t \n \v \f \r, the
    // information separators \x1c-\x1f, and the space. (Tokenizer output is always
    // UTF-8, so the fallback for invalid bytes never runs in practice.)
    tokens
        .split(|b| matches!(b, b'\t'..=b'\r' | 0x1c..=0x1f | b' '))
        .filter(|w| !w.is_empty())
        .collect()
}

fn intern<'w>(vocabulary: &mut FxHashMap<&'w [u8], u32>, words: &[&'w [u8]]) -> Vec<u32> {
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
/// [`pack`] for ids below 2^16, into 16 bits each.
fn pack64(gram: &[u32]) -> u64 {
    gram.iter()
        .fold(0u64, |acc, &id| (acc << 16) | u64::from(id))
}

fn pack(gram: &[u32]) -> u128 {
    gram.iter()
        .fold(0u128, |acc, &id| (acc << 32) | u128::from(id))
}

/// Sum over distinct hypothesis n-grams of `min(hyp count, ref count)`, by sorting
/// both lists and merging.
fn clipped_matches<T: Ord + Copy>(hyp: &mut [T], reference: &mut [T]) -> u64 {
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

/// The tokenizer only inserts ASCII spaces at character boundaries, so its output
/// is UTF-8; the lossy branch is a safety net that never allocates in practice.
fn utf8(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
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
    let (mut out, mut tmp) = (Vec::new(), Vec::new());
    tokenize_13a_into(line, &mut out, &mut tmp);
    py_split_whitespace(&utf8(&out)).join(" ")
}

/// The `13a` steps up to (not including) the final whitespace squeeze, as UTF-8
/// bytes written to `out` (`tmp` is scratch space).
fn tokenize_13a_into(line: &str, out: &mut Vec<u8>, tmp: &mut Vec<u8>) {
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
    // The line is padded with a space on each side first, and a space is a symbol
    // too: each pad becomes three spaces.
    out.clear();
    out.reserve(3 * bytes.len() + 6);
    out.extend_from_slice(b"   ");
    let mut run = 0;
    for (i, &c) in bytes.iter().enumerate() {
        if is_13a_symbol(c) {
            out.extend_from_slice(&bytes[run..i]);
            out.extend([b' ', c, b' ']);
            run = i + 1;
        }
    }
    out.extend_from_slice(&bytes[run..]);
    out.extend_from_slice(b"   ");
    // Steps 2 and 3 only act around '.' and ',', step 4 only before '-'.
    if !bytes.iter().any(|&b| b == b'.' || b == b',' || b == b'-') {
        return;
    }
    // ([^0-9])([\.,]) -> "\1 \2 "
    sub_pairs(
        out,
        tmp,
        |a, b| !a.is_ascii_digit() && is_dot_comma(b),
        |a, b| [a, b' ', b, b' '],
    );
    // ([\.,])([^0-9]) -> " \1 \2"
    sub_pairs(
        tmp,
        out,
        |a, b| is_dot_comma(a) && !b.is_ascii_digit(),
        |a, b| [b' ', a, b' ', b],
    );
    // ([0-9])(-) -> "\1 \2 "
    sub_pairs(
        out,
        tmp,
        |a, b| a.is_ascii_digit() && b == b'-',
        |a, b| [a, b' ', b, b' '],
    );
    std::mem::swap(out, tmp);
}

fn is_13a_symbol(c: u8) -> bool {
    matches!(c, b'{'..=b'~' | b'['..=b'`' | b' '..=b'&' | b'('..=b'+' | b':'..=b'@' | b'/')
}

fn is_dot_comma(c: u8) -> bool {
    c == b'.' || c == b','
}

/// Python's `re.sub` for a two-character pattern: scan left to right, replace each
/// non-overlapping match, and resume after it.
/// Writes the result to `out`.
fn sub_pairs(
    bytes: &[u8],
    out: &mut Vec<u8>,
    matches: impl Fn(u8, u8) -> bool,
    replace: impl Fn(u8, u8) -> [u8; 4],
) {
    out.clear();
    out.reserve(bytes.len() + bytes.len() / 2);
    // Unchanged bytes are copied in runs.
    let (mut i, mut run) = (0, 0);
    while i + 1 < bytes.len() {
        if matches(bytes[i], bytes[i + 1]) {
            out.extend_from_slice(&bytes[run..i]);
            out.extend(replace(bytes[i], bytes[i + 1]));
            i += 2;
            run = i;
        } else {
            i += 1;
        }
    }
    out.extend_from_slice(&bytes[run.min(bytes.len())..]);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The 13a steps byte by byte, as first written (the specification the
    /// run-copying tokenizer must equal).
    fn tokenize_13a_byte_by_byte(line: &str) -> Vec<u8> {
        fn sub(bytes: &[u8], m: impl Fn(u8, u8) -> bool, r: impl Fn(u8, u8) -> [u8; 4]) -> Vec<u8> {
            let (mut out, mut i) = (Vec::new(), 0);
            while i < bytes.len() {
                if i + 1 < bytes.len() && m(bytes[i], bytes[i + 1]) {
                    out.extend(r(bytes[i], bytes[i + 1]));
                    i += 2;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            out
        }
        let mut step1 = Vec::new();
        for &c in [b' '].iter().chain(line.as_bytes()).chain([b' '].iter()) {
            if is_13a_symbol(c) {
                step1.extend([b' ', c, b' ']);
            } else {
                step1.push(c);
            }
        }
        let step2 = sub(
            &step1,
            |a, b| !a.is_ascii_digit() && is_dot_comma(b),
            |a, b| [a, b' ', b, b' '],
        );
        let step3 = sub(
            &step2,
            |a, b| is_dot_comma(a) && !b.is_ascii_digit(),
            |a, b| [b' ', a, b' ', b],
        );
        sub(
            &step3,
            |a, b| a.is_ascii_digit() && b == b'-',
            |a, b| [a, b' ', b, b' '],
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn tokenizer_equals_the_byte_by_byte_steps(text in "[a-c.,\\-0-9 ()é$]{0,30}") {
            let (mut out, mut tmp) = (Vec::new(), Vec::new());
            tokenize_13a_into(&text, &mut out, &mut tmp);
            prop_assert_eq!(out, tokenize_13a_byte_by_byte(&text));
        }

        /// The byte-level split of ASCII text equals Python's character-level one.
        #[test]
        fn ascii_split_equals_the_character_split(
            text in "[a-c.,\\-&;0-9 \t\n\u{b}\u{c}\r\u{1c}-\u{1f}]{0,30}"
        ) {
            let (mut out, mut tmp) = (Vec::new(), Vec::new());
            tokenize_13a_into(&text, &mut out, &mut tmp);
            let fast = split_words(&out, true);
            let reference: Vec<&[u8]> = py_split_whitespace(std::str::from_utf8(&out).unwrap())
                .into_iter()
                .map(str::as_bytes)
                .collect();
            prop_assert_eq!(fast, reference);
        }
    }

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
    fn equal_texts_shortcut_gives_the_general_statistics() {
        // A trailing space is stripped before tokenizing, so the second pair takes
        // the general path with the same tokens.
        let mut scratch = Scratch::default();
        for text in ["", "a", "the cat , sat", "x . y , 3.5 - 4 ( z ) a a a a"] {
            let padded = format!("{text} ");
            let fast = segment_stats(text, text, &mut scratch);
            let general = segment_stats(text, &padded, &mut scratch);
            assert_eq!(
                (fast.hyp_len, fast.ref_len, fast.correct, fast.total),
                (
                    general.hyp_len,
                    general.ref_len,
                    general.correct,
                    general.total
                ),
                "{text:?}"
            );
        }
    }

    #[test]
    fn segments_with_over_65536_distinct_words_count_exactly() {
        // Too many ids for 16 bits: the u128 packing is used.
        let words: Vec<String> = (0..70_000).map(|i| format!("w{i}")).collect();
        let hyp = words.join(" ");
        let reference = format!("{} w3 w4 w5 w6", words[..69_000].join(" "));
        let stats = segment_stats(&hyp, &reference, &mut Scratch::default());
        assert_eq!(stats.total, [70_000, 69_999, 69_998, 69_997]);
        // 69 000 shared unigrams plus w3..w6 appear twice in the reference but
        // once in the hypothesis (already counted); bigrams etc. along the shared
        // prefix, plus the "w3 w4", "w4 w5", … n-grams (already counted too).
        assert_eq!(stats.correct, [69_000, 68_999, 68_998, 68_997]);
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
