//! Fuzzy string similarity exactly as the standard evaluator computes it.
//!
//! mwzeval matches venue names, food types and train stations with
//! `fuzzywuzzy.fuzz.partial_ratio` (fuzzywuzzy 0.18), which delegates to
//! python-Levenshtein 0.27 (itself built on RapidFuzz). The score of
//! `partial_ratio` depends not only on edit distances but on *which* optimal
//! alignment Levenshtein's `editops` picks, because the matching blocks of that
//! alignment choose the windows of the longer string that are scored. This module
//! re-implements that whole chain so that the integer scores are bit-identical:
//!
//! 1. the common prefix and suffix are stripped (they are matches);
//! 2. the Levenshtein matrix of the middle parts is filled and walked back from
//!    the bottom-right corner with RapidFuzz's preference order (delete when the
//!    vertical delta is +1, else step one column back and insert when the vertical
//!    delta there is -1, else take the diagonal);
//! 3. the edit operations become matching blocks (the runs of equal characters
//!    between edits, plus the closing `(len1, len2, 0)` block);
//! 4. every block aligns a window of the longer string with the shorter string;
//!    each window is scored with the Indel ratio `1 - indel_distance / (len1 + len2)`
//!    in `f64`; a window above 0.995 returns 100 at once, otherwise the best window
//!    is rounded half-to-even as Python's `round` does.
//!
//! Strings are compared as sequences of Unicode scalar values, like Python `str`.
//! RapidFuzz switches to Hirschberg's algorithm (which may pick another optimal
//! alignment) only when both stripped strings are long (at least 65 and 10
//! characters and a product of at least about four million); below that size,
//! which covers every database value and every realistic query, the scores here
//! are exact. The fixture `tests/fixtures/fuzzy_vectors.tsv` pins this down.

/// `fuzz.ratio(a, b)`: the Indel similarity of the two strings as a percentage,
/// rounded half-to-even; 100 for equal strings and 0 when one of them is empty.
pub fn ratio(a: &str, b: &str) -> u8 {
    if a == b {
        return 100;
    }
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    percent(indel_ratio(&a, &b))
}

/// `fuzz.partial_ratio(a, b)`: the best Indel similarity (as a rounded
/// percentage) between the shorter string and the windows of the longer string
/// that the Levenshtein alignment's matching blocks point at; 100 for equal
/// strings and 0 when one of them is empty.
pub fn partial_ratio(a: &str, b: &str) -> u8 {
    if a == b {
        return 100;
    }
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    partial_ratio_chars(&a, &b)
}

/// [`partial_ratio`] on strings already split into characters (the caller has
/// handled the equal and empty cases).
fn partial_ratio_chars(a: &[char], b: &[char]) -> u8 {
    // Ties go to the first argument as the shorter one, as in fuzzywuzzy.
    let (shorter, longer) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let pattern = Pattern::new(shorter);
    let mut best = f64::NEG_INFINITY;
    for block in matching_blocks(shorter, longer) {
        let start = block.dest.saturating_sub(block.src);
        let end = (start + shorter.len()).min(longer.len());
        let window = &longer[start.min(longer.len())..end];
        let r = pattern.indel_ratio(window);
        if r > 0.995 {
            return 100;
        }
        if r > best {
            best = r;
        }
    }
    percent(best)
}

/// Python's `int(round(100 * r))` for a ratio in `[0, 1]`.
/// Whether `ratio(a, b)` can be `min` or more, without computing it: `false`
/// only when it surely is not. The Indel ratio is `2 * lcs / (len_a + len_b)`,
/// and the longest common subsequence has no more of each character than both
/// strings hold, so that count bounds it. Callers that look for a close match
/// among many candidates skip most of them this way.
pub fn ratio_can_reach(a: &str, b: &str, min: u8) -> bool {
    if !a.is_ascii() || !b.is_ascii() {
        return true;
    }
    let (la, lb) = (a.len(), b.len());
    if la + lb == 0 {
        return true;
    }
    let mut counts = [0i32; 128];
    for c in a.bytes() {
        counts[usize::from(c)] += 1;
    }
    let mut common = 0usize;
    for c in b.bytes() {
        let n = &mut counts[usize::from(c)];
        if *n > 0 {
            *n -= 1;
            common += 1;
        }
    }
    // The score is rounded, so it can exceed the bound by half a point.
    200.0 * common as f64 >= (f64::from(min) - 0.5) * (la + lb) as f64
}

fn percent(r: f64) -> u8 {
    // The product is within [0, 100], so the cast cannot truncate.
    (100.0 * r).round_ties_even() as u8
}

/// RapidFuzz's normalized Indel similarity, `1 - dist / (len1 + len2)`.
fn indel_ratio(a: &[char], b: &[char]) -> f64 {
    Pattern::new(a).indel_ratio(b)
}

/// A block of equal characters `src[src..src+len] == dest[dest..dest+len]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MatchingBlock {
    src: usize,
    dest: usize,
    len: usize,
}

/// The kinds of Levenshtein edit operations (matches are not recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EditKind {
    Replace,
    Insert,
    Delete,
}

/// One Levenshtein edit operation at positions of the full strings.
#[derive(Debug, Clone, Copy)]
struct EditOp {
    kind: EditKind,
    src: usize,
    dest: usize,
}

/// The matching blocks of `Levenshtein.matching_blocks(opcodes(s1, s2), s1, s2)`.
fn matching_blocks(s1: &[char], s2: &[char]) -> Vec<MatchingBlock> {
    let ops = editops(s1, s2);
    let mut blocks = Vec::new();
    let (mut src, mut dest) = (0usize, 0usize);
    for op in &ops {
        if src < op.src || dest < op.dest {
            let len = (op.src - src).min(op.dest - dest);
            if len > 0 {
                blocks.push(MatchingBlock { src, dest, len });
            }
            src = op.src;
            dest = op.dest;
        }
        match op.kind {
            EditKind::Replace => {
                src += 1;
                dest += 1;
            }
            EditKind::Delete => src += 1,
            EditKind::Insert => dest += 1,
        }
    }
    if src < s1.len() || dest < s2.len() {
        let len = (s1.len() - src).min(s2.len() - dest);
        if len > 0 {
            blocks.push(MatchingBlock { src, dest, len });
        }
    }
    blocks.push(MatchingBlock {
        src: s1.len(),
        dest: s2.len(),
        len: 0,
    });
    blocks
}

/// `Levenshtein.editops(s1, s2)`: RapidFuzz's alignment, in order.
fn editops(s1: &[char], s2: &[char]) -> Vec<EditOp> {
    let prefix = s1.iter().zip(s2).take_while(|(x, y)| x == y).count();
    let suffix = s1[prefix..]
        .iter()
        .rev()
        .zip(s2[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let a = &s1[prefix..s1.len() - suffix];
    let b = &s2[prefix..s2.len() - suffix];
    let (n, m) = (a.len(), b.len());
    // d[i * (m + 1) + j] = Levenshtein distance of a[..i] and b[..j].
    let w = m + 1;
    let mut d = vec![0u32; (n + 1) * w];
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j as u32;
    }
    for i in 1..=n {
        d[i * w] = i as u32;
        for j in 1..=m {
            let sub = d[(i - 1) * w + j - 1] + u32::from(a[i - 1] != b[j - 1]);
            let del = d[(i - 1) * w + j] + 1;
            let ins = d[i * w + j - 1] + 1;
            d[i * w + j] = sub.min(del).min(ins);
        }
    }
    let dist = d[n * w + m] as usize;
    let mut ops = Vec::with_capacity(dist);
    // The vertical delta D[col][row] - D[col-1][row] is what the bit-parallel
    // VP/VN vectors encode; the walk below follows RapidFuzz's test order.
    let vertical = |col: usize, row: usize| -> i64 {
        i64::from(d[col * w + row]) - i64::from(d[(col - 1) * w + row])
    };
    let (mut col, mut row) = (n, m);
    while row != 0 && col != 0 {
        if vertical(col, row) == 1 {
            col -= 1;
            ops.push(EditOp {
                kind: EditKind::Delete,
                src: col + prefix,
                dest: row + prefix,
            });
        } else {
            row -= 1;
            if row != 0 && vertical(col, row) == -1 {
                ops.push(EditOp {
                    kind: EditKind::Insert,
                    src: col + prefix,
                    dest: row + prefix,
                });
            } else {
                col -= 1;
                if a[col] != b[row] {
                    ops.push(EditOp {
                        kind: EditKind::Replace,
                        src: col + prefix,
                        dest: row + prefix,
                    });
                }
            }
        }
    }
    while col != 0 {
        col -= 1;
        ops.push(EditOp {
            kind: EditKind::Delete,
            src: col + prefix,
            dest: row + prefix,
        });
    }
    while row != 0 {
        row -= 1;
        ops.push(EditOp {
            kind: EditKind::Insert,
            src: col + prefix,
            dest: row + prefix,
        });
    }
    ops.reverse();
    ops
}

/// A string prepared for repeated LCS computations against other strings:
/// bit masks of its character positions for the bit-parallel LCS (Hyyrö), used
/// when it has at most 64 characters.
struct Pattern<'a> {
    chars: &'a [char],
    /// (character, positions mask) pairs; short strings have few distinct chars.
    masks: Vec<(char, u64)>,
}

impl<'a> Pattern<'a> {
    fn new(chars: &'a [char]) -> Pattern<'a> {
        let mut masks: Vec<(char, u64)> = Vec::new();
        if chars.len() <= 64 {
            for (i, &c) in chars.iter().enumerate() {
                match masks.iter_mut().find(|(k, _)| *k == c) {
                    Some((_, m)) => *m |= 1 << i,
                    None => masks.push((c, 1 << i)),
                }
            }
        }
        Pattern { chars, masks }
    }

    fn mask(&self, c: char) -> u64 {
        self.masks
            .iter()
            .find(|(k, _)| *k == c)
            .map_or(0, |&(_, m)| m)
    }

    /// The length of the longest common subsequence with `other`.
    fn lcs(&self, other: &[char]) -> usize {
        if self.chars.len() <= 64 {
            // Bit-parallel LCS: zero bits of `v` mark matched pattern positions.
            let mut v: u64 = !0;
            for &c in other {
                let u = v & self.mask(c);
                v = v.wrapping_add(u) | (v - u);
            }
            let width_mask = if self.chars.len() == 64 {
                !0
            } else {
                (1u64 << self.chars.len()) - 1
            };
            (!v & width_mask).count_ones() as usize
        } else {
            lcs_dp(self.chars, other)
        }
    }

    /// RapidFuzz's normalized Indel similarity against `other`.
    fn indel_ratio(&self, other: &[char]) -> f64 {
        let total = self.chars.len() + other.len();
        if total == 0 {
            return 1.0;
        }
        let dist = total - 2 * self.lcs(other);
        1.0 - dist as f64 / total as f64
    }
}

/// The LCS length by dynamic programming, for long strings.
fn lcs_dp(a: &[char], b: &[char]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = vec![0usize; b.len() + 1];
    for &x in a {
        for (j, &y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                cur[j].max(prev[j + 1])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn editops_match_installed_levenshtein() {
        // Levenshtein.editops("qabxcd", "abycdf") as python-Levenshtein 0.27.5
        // prints it (RapidFuzz's docstring shows `delete 1`, the library says 0).
        let ops = editops(&chars("qabxcd"), &chars("abycdf"));
        let got: Vec<(EditKind, usize, usize)> =
            ops.iter().map(|o| (o.kind, o.src, o.dest)).collect();
        assert_eq!(
            got,
            vec![
                (EditKind::Delete, 0, 0),
                (EditKind::Replace, 3, 2),
                (EditKind::Insert, 6, 5)
            ]
        );
    }

    #[test]
    fn bit_parallel_lcs_agrees_with_dp() {
        let words = ["", "a", "abcabc", "the cambridge punter", "xyzzy", "aaaa"];
        for x in words {
            for y in words {
                let (cx, cy) = (chars(x), chars(y));
                assert_eq!(Pattern::new(&cx).lcs(&cy), lcs_dp(&cx, &cy), "{x:?} {y:?}");
            }
        }
    }

    #[test]
    fn equal_and_empty_strings_follow_fuzzywuzzy_decorators() {
        assert_eq!(partial_ratio("", ""), 100);
        assert_eq!(partial_ratio("", "a"), 0);
        assert_eq!(ratio("abc", ""), 0);
        assert_eq!(ratio("abc", "abc"), 100);
    }
}
