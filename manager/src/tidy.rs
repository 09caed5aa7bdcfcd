//! Tidying a lexicalized reply so that a person would accept it: filled
//! placeholders can break article agreement ("a [value_price]" → "a
//! expensive"; [`agree_article`], applied where a placeholder is filled), and
//! replies stitched from parts can repeat a word, a field or a whole sentence
//! ([`tidy`]). The fixes are textual and backend-independent.

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

/// Makes the article that `text` ends with ("a " or "an ") agree with the
/// `next` word about to be written after it.
pub fn agree_article(text: &mut String, next: &str) {
    let trimmed = text.trim_end_matches(' ');
    let spaces = text.len() - trimmed.len();
    if spaces == 0 {
        return;
    }
    let word_start = trimmed
        .rfind(|c: char| !c.is_alphabetic())
        .map_or(0, |i| i + 1);
    let word = &trimmed[word_start..];
    if !matches!(word, "a" | "an" | "A" | "An") {
        return;
    }
    if let Some(fixed) = article_for(word, next) {
        let tail = text[trimmed.len()..].to_string();
        text.truncate(word_start);
        text.push_str(fixed);
        text.push_str(&tail);
    }
}

/// Drops a word repeated right after itself ("the the").
fn fix_words(text: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for w in text.split(' ') {
        let is_word = !w.is_empty() && w.chars().all(char::is_alphabetic);
        if is_word && out.last().is_some_and(|prev| prev.eq_ignore_ascii_case(w)) {
            continue;
        }
        out.push(w);
    }
    out.join(" ")
}

/// A clause without its trailing punctuation, lower-cased, for comparison.
fn key(s: &str) -> String {
    s.trim()
        .trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .to_lowercase()
}

/// Drops comma-separated parts that repeat the parts right before them
/// ("517a coldham lane, 517a coldham lane"; "pool way, whitehill road, pool
/// way, whitehill road"). The first repeated part may end a longer one ("is
/// at: pool way").
fn fix_fields(sentence: &str) -> String {
    let parts: Vec<&str> = sentence.split(',').collect();
    let keys: Vec<String> = parts.iter().map(|p| key(p)).collect();
    let mut out: Vec<String> = Vec::new();
    let mut out_keys: Vec<String> = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let repeated = (1..=out.len().min(parts.len() - i)).rev().find(|&k| {
            let start = out_keys.len() - k;
            keys[i..i + k].iter().all(|x| !x.is_empty())
                && out_keys[start].ends_with(&keys[i])
                && (1..k).all(|j| out_keys[start + j] == keys[i + j])
        });
        if let Some(k) = repeated {
            // Keep the sentence's final punctuation from the last dropped part.
            let tail: String = parts[i + k - 1]
                .trim_end()
                .chars()
                .rev()
                .take_while(|c| matches!(c, '.' | '!' | '?'))
                .collect();
            let space = parts[i + k - 1].ends_with(' ');
            if let Some(last) = out.last_mut() {
                *last = format!(
                    "{}{}{}",
                    last.trim_end(),
                    tail,
                    if space { " " } else { "" }
                );
            }
            i += k;
            continue;
        }
        out.push(parts[i].to_string());
        out_keys.push(keys[i].clone());
        i += 1;
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

    fn agreed(before: &str, value: &str) -> String {
        let mut text = before.to_string();
        agree_article(&mut text, value);
        text.push_str(value);
        text
    }

    #[test]
    fn articles_agree_with_the_filled_value() {
        assert_eq!(agreed("it is a ", "expensive"), "it is an expensive");
        assert_eq!(agreed("An ", "cheap"), "A cheap");
        assert_eq!(agreed("a ", "university"), "a university");
        assert_eq!(agreed("book a ", "hour"), "book an hour");
        assert_eq!(
            agreed("try ", "a and b guest house"),
            "try a and b guest house"
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
    fn a_repeated_run_of_fields_is_dropped() {
        assert_eq!(
            tidy("It is at: pool way, whitehill road, pool way, whitehill road. Bye."),
            "It is at: pool way, whitehill road. Bye."
        );
        assert_eq!(tidy("red, green, blue."), "red, green, blue.");
    }

    #[test]
    fn a_repeated_sentence_is_dropped() {
        assert_eq!(
            tidy("It is in the east. Anything else? It is in the east. Bye."),
            "It is in the east. Anything else? Bye."
        );
    }
}
