//! Tidying a lexicalized reply so that a person would accept it: filled
//! placeholders can break article agreement ("a [value_price]" → "a
//! expensive"), and replies stitched from parts can repeat a word, a field or a
//! whole sentence. The fixes are textual and backend-independent.

/// Words starting with a vowel letter that take "a" (a consonant sound).
const A_BEFORE_VOWEL: &[&str] = &["uni", "use", "usu", "eu", "one", "once", "ur"];

/// Words starting with a consonant letter that take "an" (a silent h).
const AN_BEFORE_CONSONANT: &[&str] = &["hour", "honest", "honour", "heir"];

/// The article `word` needs before `next` ("a" or "an"), keeping its case.
fn article_for(word: &str, next: &str) -> Option<&'static str> {
    let lower = next
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    let first = lower.chars().next()?;
    if !first.is_alphabetic() {
        return None;
    }
    let vowel_sound = if "aeiou".contains(first) {
        !A_BEFORE_VOWEL.iter().any(|p| lower.starts_with(p))
    } else {
        AN_BEFORE_CONSONANT.iter().any(|p| lower.starts_with(p))
    };
    let capital = word.starts_with('A');
    Some(match (vowel_sound, capital) {
        (true, false) => "an",
        (true, true) => "An",
        (false, false) => "a",
        (false, true) => "A",
    })
}

/// Fixes "a"/"an" before the next word and drops a word repeated right after
/// itself ("the the").
fn fix_words(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        if matches!(*w, "a" | "an" | "A" | "An")
            && let Some(fixed) = article_for(w, next)
        {
            out.push(fixed.to_string());
            continue;
        }
        let is_word = !w.is_empty() && w.chars().all(char::is_alphabetic);
        if is_word
            && let Some(prev) = out.last()
            && prev.eq_ignore_ascii_case(w)
        {
            continue;
        }
        out.push((*w).to_string());
    }
    out.join(" ")
}

/// A clause without its trailing punctuation, lower-cased, for comparison.
fn key(s: &str) -> String {
    s.trim()
        .trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .to_lowercase()
}

/// Drops a comma-separated part that repeats the end of the part before it
/// ("517a coldham lane, 517a coldham lane").
fn fix_fields(sentence: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for (i, part) in sentence.split(',').enumerate() {
        let k = key(part);
        if i > 0
            && !k.is_empty()
            && let Some(prev) = out.last_mut()
            && key(prev).ends_with(&k)
        {
            // Keep the sentence's final punctuation.
            let tail: String = part
                .trim_end()
                .chars()
                .rev()
                .take_while(|c| matches!(c, '.' | '!' | '?'))
                .collect();
            let trailing_space = part.ends_with(' ');
            *prev = format!("{}{}", prev.trim_end(), tail);
            if trailing_space {
                prev.push(' ');
            }
            continue;
        }
        out.push(part.to_string());
    }
    out.join(",")
}

/// The sentences of `text`, each with its end punctuation and the space after.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'.' | b'!' | b'?') && bytes.get(i + 1).is_none_or(|n| *n == b' ') {
            let end = (i + 2).min(text.len());
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Tidies a lexicalized reply: article agreement, no word, field or sentence
/// said twice in a row (sentences: anywhere in the reply).
pub fn tidy(text: &str) -> String {
    let words = fix_words(text);
    let mut seen: Vec<String> = Vec::new();
    let mut out = String::with_capacity(words.len());
    for s in sentences(&words) {
        let k = key(s);
        if !k.is_empty() && seen.contains(&k) {
            continue;
        }
        seen.push(k);
        out.push_str(&fix_fields(s));
    }
    out.trim_end().to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn articles_agree_with_the_filled_value() {
        assert_eq!(tidy("it is a expensive hotel"), "it is an expensive hotel");
        assert_eq!(tidy("An cheap one and a hour"), "A cheap one and an hour");
        assert_eq!(
            tidy("a university and a 4 star"),
            "a university and a 4 star"
        );
    }

    #[test]
    fn a_word_said_twice_is_said_once() {
        assert_eq!(tidy("book the the hotel"), "book the hotel");
    }

    #[test]
    fn a_repeated_field_is_dropped() {
        assert_eq!(
            tidy("The address is 517a coldham lane, 517a coldham lane."),
            "The address is 517a coldham lane."
        );
    }

    #[test]
    fn a_repeated_sentence_is_dropped() {
        assert_eq!(
            tidy("It is in the east. Anything else? It is in the east. Bye."),
            "It is in the east. Anything else? Bye."
        );
    }
}
