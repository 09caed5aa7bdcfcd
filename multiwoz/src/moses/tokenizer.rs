//! The Moses tokenizer for English, as sacremoses 0.2.0 runs it with its
//! default options (no aggressive dash splitting, XML escaping on).
//!
//! Moses is a chain of regular-expression substitutions. Every one of them
//! looks at a window of at most three characters, so each is written here as a
//! single left-to-right pass over a `char` buffer that takes the same
//! non-overlapping leftmost matches a regex engine would. That keeps the exact
//! semantics (including the quirks of applying the rules one after another)
//! at a fraction of the cost of running a dozen regexes per sentence.

use super::charclass::{is_alnum, is_alpha, is_lower, is_number, is_space};
use super::prefixes::ENGLISH;

/// Stand-in spelling for a run of dots while the other rules run, so that the
/// run is neither split nor mistaken for a sentence-final period.
const DOT: [char; 3] = ['D', 'O', 'T'];
const MULTI: [char; 5] = ['M', 'U', 'L', 'T', 'I'];
/// Tokens split off by the period rules.
const PERIOD: &[char] = &['.'];
const APOSTROPHE: &[char] = &['\''];

/// One rewrite rule of the chain: a pass from one buffer into another.
type Pass = fn(&[char], &mut Vec<char>);

/// The rules after padding, in Moses' order, each with the one character
/// without which it cannot match (so a text lacking it skips the pass).
const RULES: [(char, Pass); 9] = [
    ('.', mark_multidots),
    (',', split_comma_after_non_number),
    (',', split_comma_before_non_number),
    (',', split_final_comma_after_number),
    ('\'', split_apostrophe_between_non_letters),
    ('\'', split_apostrophe_before_letter),
    ('\'', split_apostrophe_after_letter),
    ('\'', attach_apostrophe_to_following_letters),
    ('\'', attach_apostrophe_s_to_number),
];

/// Tokenizes `text` like `MosesTokenizer(lang="en").tokenize(text)`.
pub(super) fn tokenize(text: &str) -> Vec<String> {
    let buf = split_buffer(text);
    let mut tokens = split_final_periods(&buf);
    split_trailing_dot_apostrophe(&mut tokens);
    tokens
        .into_iter()
        .map(|t| {
            let mut out = String::with_capacity(t.len() + 4);
            finish_token(t, &mut out, true);
            out
        })
        .collect()
}

/// The tokens of `text`, unescaped, written one after another into `words`
/// with the end of each in `ends`: what the detokenizer sees after joining the
/// escaped tokens and undoing the escapes (escaping then unescaping gives every
/// token back as it was, since each escaped entity starts with `&amp;`'s `&`
/// and none spans a space). `false` when a token is `@-@`, which the
/// detokenizer joins with its neighbours: then only the two steps give the
/// exact text.
pub(super) fn tokenize_unescaped(text: &str, words: &mut String, ends: &mut Vec<usize>) -> bool {
    let buf = split_buffer(text);
    let mut tokens = split_final_periods(&buf);
    split_trailing_dot_apostrophe(&mut tokens);
    for t in tokens {
        if t == ['@', '-', '@'] {
            return false;
        }
        finish_token(t, words, false);
        ends.push(words.len());
    }
    true
}

/// The padded text after the rules of the chain, before the split at spaces.
fn split_buffer(text: &str) -> Vec<char> {
    let mut buf = clean_and_pad(text);
    let mut out = Vec::with_capacity(buf.len() * 2);
    for (needed, pass) in RULES {
        if buf.contains(&needed) {
            out.clear();
            pass(&buf, &mut out);
            std::mem::swap(&mut buf, &mut out);
        }
    }
    buf
}

/// The first rules of the chain in one pass: each run of whitespace becomes
/// one space, the remaining C0 control characters go, the ends are trimmed,
/// and every character that is not alphanumeric, not whitespace and not one of
/// `.` `'` `` ` `` `,` `-` is surrounded with spaces. Runs are measured before
/// the control characters go, so "a \u{1} b" keeps two spaces, as in Moses.
fn clean_and_pad(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut in_space_run = false;
    // Spaces are written only once a later character shows they are not
    // trailing; leading ones are dropped.
    let mut pending_spaces = 0;
    for c in text.chars() {
        if is_space(c) {
            if !in_space_run && !out.is_empty() {
                pending_spaces += 1;
            }
            in_space_run = true;
            continue;
        }
        in_space_run = false;
        if c < ' ' {
            continue;
        }
        out.extend(std::iter::repeat_n(' ', pending_spaces));
        pending_spaces = 0;
        if is_alnum(c) || matches!(c, '.' | '\'' | '`' | ',' | '-') {
            out.push(c);
        } else {
            out.extend([' ', c, ' ']);
        }
    }
    out
}

/// Replaces each run of two or more dots by " DOT…DOTMULTI" (one "DOT" per
/// dot), followed by a space unless the run ends the text.
fn mark_multidots(src: &[char], dst: &mut Vec<char>) {
    let mut i = 0;
    while i < src.len() {
        let run = src[i..].iter().take_while(|&&c| c == '.').count();
        if run >= 2 {
            dst.push(' ');
            for _ in 0..run {
                dst.extend(DOT);
            }
            dst.extend(MULTI);
            i += run;
            if i < src.len() {
                dst.push(' ');
            }
        } else {
            dst.push(src[i]);
            i += 1;
        }
    }
}

/// `X,` → `X , ` where X is not a number character.
fn split_comma_after_non_number(src: &[char], dst: &mut Vec<char>) {
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        if src.get(i + 1) == Some(&',') && !is_number(c) {
            dst.extend([c, ' ', ',', ' ']);
            i += 2;
        } else {
            dst.push(c);
            i += 1;
        }
    }
}

/// `,X` → ` , X` where X is not a number character.
fn split_comma_before_non_number(src: &[char], dst: &mut Vec<char>) {
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        match src.get(i + 1) {
            Some(&next) if c == ',' && !is_number(next) => {
                dst.extend([' ', ',', ' ', next]);
                i += 2;
            }
            _ => {
                dst.push(c);
                i += 1;
            }
        }
    }
}

/// A comma that ends the text after a number character gets spaces around it.
fn split_final_comma_after_number(src: &[char], dst: &mut Vec<char>) {
    dst.extend_from_slice(src);
    if let [.., n, ','] = src
        && is_number(*n)
    {
        dst.pop();
        dst.extend([' ', ',', ' ']);
    }
}

/// One apostrophe rule: an apostrophe with `left` before it and `right` after
/// it becomes ` ' ` (or ` '` when `attach` keeps it on the following character).
fn apostrophe_rule(
    src: &[char],
    dst: &mut Vec<char>,
    left: impl Fn(char) -> bool,
    right: impl Fn(char) -> bool,
    attach: bool,
) {
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        if let [_, '\'', after, ..] = src[i..]
            && left(c)
            && right(after)
        {
            dst.extend([c, ' ', '\'']);
            if !attach {
                dst.push(' ');
            }
            dst.push(after);
            i += 3;
        } else {
            dst.push(c);
            i += 1;
        }
    }
}

/// `'` between two non-letters stands alone.
fn split_apostrophe_between_non_letters(src: &[char], dst: &mut Vec<char>) {
    apostrophe_rule(src, dst, |c| !is_alpha(c), |c| !is_alpha(c), false);
}

/// `'` after a character that is neither letter nor number, before a letter,
/// stands alone (an opening quote).
fn split_apostrophe_before_letter(src: &[char], dst: &mut Vec<char>) {
    apostrophe_rule(src, dst, |c| !is_alpha(c) && !is_number(c), is_alpha, false);
}

/// `'` after a letter and before a non-letter stands alone (a closing quote).
fn split_apostrophe_after_letter(src: &[char], dst: &mut Vec<char>) {
    apostrophe_rule(src, dst, is_alpha, |c| !is_alpha(c), false);
}

/// `'` between letters starts a clitic: "don't" → "don 't".
fn attach_apostrophe_to_following_letters(src: &[char], dst: &mut Vec<char>) {
    apostrophe_rule(src, dst, is_alpha, is_alpha, true);
}

/// `'s` after a number is a clitic: "1990's" → "1990 's".
fn attach_apostrophe_s_to_number(src: &[char], dst: &mut Vec<char>) {
    apostrophe_rule(src, dst, is_number, |c| c == 's', true);
}

/// Splits the text at whitespace and separates the final period of a word from
/// it unless the word is an abbreviation: it contains another period and a
/// letter, it is a known nonbreaking prefix, the next word starts in lower
/// case, or it is a numeric-only prefix followed by a number.
fn split_final_periods(text: &[char]) -> Vec<&[char]> {
    let mut words = text
        .split(|&c| is_space(c))
        .filter(|w| !w.is_empty())
        .peekable();
    let mut tokens = Vec::with_capacity(text.len() / 4);
    while let Some(word) = words.next() {
        match word {
            [prefix @ .., '.']
                if !prefix.is_empty() && !keeps_period(prefix, words.peek().copied()) =>
            {
                tokens.push(prefix);
                tokens.push(PERIOD);
            }
            _ => tokens.push(word),
        }
    }
    tokens
}

/// Whether `prefix.` followed by the word `next` is an abbreviation.
fn keeps_period(prefix: &[char], next: Option<&[char]>) -> bool {
    if prefix.contains(&'.') && prefix.iter().any(|&c| is_alpha(c)) {
        return true;
    }
    let prefix: String = prefix.iter().collect();
    let prefixes = &*ENGLISH;
    if prefixes.is_unconditional(&prefix) {
        return true;
    }
    let next_first = next.and_then(|w| w.first()).copied();
    if next_first.is_some_and(is_lower) {
        return true;
    }
    prefixes.is_numeric_only(&prefix) && next_first.is_some_and(|c| c.is_ascii_digit())
}

/// A text ending in `.'` has both characters split off as separate tokens.
fn split_trailing_dot_apostrophe(tokens: &mut Vec<&[char]>) {
    if let Some(&[ref rest @ .., '.', '\'']) = tokens.last().copied() {
        tokens.pop();
        if !rest.is_empty() {
            tokens.push(rest);
        }
        tokens.push(PERIOD);
        tokens.push(APOSTROPHE);
    }
}

/// Turns the dot-run stand-ins back into dots and, with `escape`, escapes the
/// characters that are special to Moses (`&`, `|`, `<`, `>`, quotes and square
/// brackets), appending the token to `out`.
fn finish_token(token: &[char], out: &mut String, escape: bool) {
    let mut i = 0;
    while i < token.len() {
        if token[i] == 'D' {
            let dots = token[i..]
                .chunks_exact(3)
                .take_while(|chunk| *chunk == DOT)
                .count();
            if dots > 0 && token[i + 3 * dots..].starts_with(&MULTI) {
                out.extend(std::iter::repeat_n('.', dots));
                i += 3 * dots + MULTI.len();
                continue;
            }
        }
        match token[i] {
            c if !escape => out.push(c),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("&#124;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            '[' => out.push_str("&#91;"),
            ']' => out.push_str("&#93;"),
            c => out.push(c),
        }
        i += 1;
    }
}
