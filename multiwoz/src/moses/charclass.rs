//! Membership tests for the character classes the Moses tokenizer and
//! detokenizer use.
//!
//! sacremoses spells its Unicode classes (`IsAlpha`, `IsN`, ...) out as explicit
//! character lists taken from Perl, so Rust's own Unicode predicates would
//! disagree with it on some code points. The lists live in [`super::tables`];
//! this module turns them into fast lookups with an ASCII bitmap in front of a
//! binary search.

use super::tables;
use std::cmp::Ordering;

/// A set of code points given as sorted, disjoint, inclusive ranges.
pub(super) struct CharSet {
    ranges: &'static [(u32, u32)],
    /// Bit `n` is set when the ASCII character `n` is in the set; most text is
    /// ASCII, so this answers the common case without a search.
    ascii: u128,
}

impl CharSet {
    const fn new(ranges: &'static [(u32, u32)]) -> CharSet {
        let mut ascii = 0u128;
        let mut i = 0;
        while i < ranges.len() {
            let (lo, hi) = ranges[i];
            let mut c = lo;
            while c <= hi && c < 128 {
                ascii |= 1 << c;
                c += 1;
            }
            i += 1;
        }
        CharSet { ranges, ascii }
    }

    /// Whether `c` is in the set.
    pub(super) fn contains(&self, c: char) -> bool {
        let cp = c as u32;
        if cp < 128 {
            return (self.ascii >> cp) & 1 == 1;
        }
        self.ranges
            .binary_search_by(|&(lo, hi)| {
                if hi < cp {
                    Ordering::Less
                } else if lo > cp {
                    Ordering::Greater
                } else {
                    Ordering::Equal
                }
            })
            .is_ok()
    }
}

static PERL_ALPHA: CharSet = CharSet::new(tables::PERL_ALPHA);
static PERL_ALNUM: CharSet = CharSet::new(tables::PERL_ALNUM);
static NUMBER: CharSet = CharSet::new(tables::NUMBER);
static LOWER: CharSet = CharSet::new(tables::LOWER);
static CURRENCY: CharSet = CharSet::new(tables::CURRENCY);

/// Python's `str.isspace`, which is what both `\s` in sacremoses' patterns and
/// its `str.split()` calls mean. It differs from Unicode `White_Space` in
/// including the ASCII separators U+001C..U+001F.
pub(super) fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..=' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// Whether `c` is a virama or nukta sign, which the tokenizer (but not the
/// detokenizer) counts as a letter.
fn is_indic_mark(c: char) -> bool {
    let cp = c as u32;
    cp >= 0x900 && tables::INDIC_MARKS.binary_search(&cp).is_ok()
}

/// The tokenizer's `IsAlpha`: Perl's alphabetic characters plus Indic marks.
pub(super) fn is_alpha(c: char) -> bool {
    PERL_ALPHA.contains(c) || is_indic_mark(c)
}

/// The tokenizer's `IsAlnum`: Perl's alphanumeric characters plus Indic marks.
pub(super) fn is_alnum(c: char) -> bool {
    PERL_ALNUM.contains(c) || is_indic_mark(c)
}

/// The detokenizer's `IsAlpha`: Perl's alphabetic characters only.
pub(super) fn is_detok_alpha(c: char) -> bool {
    PERL_ALPHA.contains(c)
}

/// Perl's `IsN`: any numeric character.
pub(super) fn is_number(c: char) -> bool {
    NUMBER.contains(c)
}

/// Perl's `IsLower`.
pub(super) fn is_lower(c: char) -> bool {
    LOWER.contains(c)
}

/// Perl's `IsSc`: currency symbols.
pub(super) fn is_currency(c: char) -> bool {
    CURRENCY.contains(c)
}

/// The CJK blocks sacremoses' detokenizer glues together (inclusive bounds,
/// as in its `is_cjk`; note that U+16FE0..U+16FFF is not among them).
const CJK_RANGES: [(u32, u32); 11] = [
    (0x1100, 0x11FF),
    (0x2E80, 0xA4CF),
    (0xA840, 0xA87F),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF65, 0xFFDC),
    (0x17000, 0x18AFF),
    (0x1B000, 0x1B12F),
    (0x1B170, 0x1B2FF),
    (0x20000, 0x2FFFF),
];

/// Whether `c` lies in one of the CJK blocks.
pub(super) fn is_cjk(c: char) -> bool {
    let cp = c as u32;
    cp >= 0x1100 && CJK_RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&cp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_bitmap_agrees_with_range_search() {
        for set in [&PERL_ALPHA, &PERL_ALNUM, &NUMBER, &LOWER, &CURRENCY] {
            for b in 0u8..128 {
                let cp = u32::from(b);
                let searched = set.ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&cp));
                assert_eq!(set.contains(char::from(b)), searched, "{b}");
            }
        }
    }

    #[test]
    fn classes_match_perl_on_samples() {
        assert!(is_alpha('é') && is_alpha('ß') && !is_alpha('1') && !is_alpha('\''));
        assert!(is_alnum('7') && is_alnum('x') && !is_alnum('-') && !is_alnum('€'));
        assert!(is_number('٣') && is_number('½') && !is_number('a'));
        assert!(is_lower('a') && !is_lower('A') && is_lower('ß'));
        assert!(is_currency('$') && is_currency('€') && !is_currency('%'));
        // U+094D DEVANAGARI SIGN VIRAMA: a tokenizer letter, not a detokenizer one.
        assert!(is_alpha('\u{94d}') && !is_detok_alpha('\u{94d}'));
    }

    #[test]
    fn python_whitespace_includes_ascii_separators() {
        assert!(is_space('\u{1f}') && is_space('\u{a0}') && is_space('\u{3000}'));
        assert!(!is_space('\u{200b}') && !is_space('x') && !is_space('\u{0}'));
    }

    #[test]
    fn cjk_ranges_are_inclusive() {
        assert!(is_cjk('\u{ac00}') && is_cjk('\u{11ff}') && is_cjk('中'));
        assert!(!is_cjk('\u{16fe0}') && !is_cjk('a'));
    }
}
