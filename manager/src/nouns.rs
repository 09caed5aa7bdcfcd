//! What people call venues of each type, one and several ("two swimming pools",
//! "23 museums"): the database writes types as single lower-case words.

use multiwoz::Domain;

/// Attraction types as a person says them: (database value, one, several).
pub(crate) const ATTRACTION_NOUNS: [(&str, &str, &str); 12] = [
    ("architecture", "architectural site", "architectural sites"),
    ("boat", "boat", "boats"),
    ("cinema", "cinema", "cinemas"),
    ("college", "college", "colleges"),
    ("concerthall", "concert hall", "concert halls"),
    (
        "entertainment",
        "entertainment venue",
        "entertainment venues",
    ),
    ("museum", "museum", "museums"),
    (
        "multiple sports",
        "multiple sports venue",
        "multiple sports venues",
    ),
    ("nightclub", "nightclub", "nightclubs"),
    ("park", "park", "parks"),
    ("swimmingpool", "swimming pool", "swimming pools"),
    ("theatre", "theatre", "theatres"),
];

/// What a person calls venues of type `value` in `domain`, one or several.
pub fn type_noun(domain: Domain, value: &str, plural: bool) -> String {
    let (one, several) = match domain {
        Domain::Hotel => (value.to_string(), format!("{value}s")),
        _ => match ATTRACTION_NOUNS.iter().find(|(v, _, _)| *v == value) {
            Some((_, one, several)) => (one.to_string(), several.to_string()),
            None => (
                format!("{value} attraction"),
                format!("{value} attractions"),
            ),
        },
    };
    if plural { several } else { one }
}

/// The plural of a type as a reply filled it in after a count ("23 museum" →
/// "23 museums"); values that are already plural or not a type noun stay.
pub fn plural_of(value: &str) -> Option<String> {
    if let Some((_, _, several)) = ATTRACTION_NOUNS
        .iter()
        .find(|(v, one, _)| *v == value || *one == value)
    {
        return Some(several.to_string());
    }
    match value {
        "hotel" | "guesthouse" | "restaurant" | "attraction" | "train" | "taxi" => {
            Some(format!("{value}s"))
        }
        _ => None,
    }
}

/// Whether `text` ends with a count above one ("there are 23", "I have three")
/// or "no" ("there are no").
pub fn ends_with_plural_count(text: &str) -> bool {
    let mut words = text.split_whitespace().rev();
    let Some(last) = words.next() else {
        return false;
    };
    // "a 3 star": a number after an article is a rating, not a count.
    if words
        .next()
        .is_some_and(|w| matches!(w.to_lowercase().as_str(), "a" | "an" | "the"))
    {
        return false;
    }
    let last = last.to_lowercase();
    // Number words are read by the tracker's table ("couple" is a count there,
    // not a word a reply puts before a type).
    let word_count = || {
        last.chars().all(|c| c.is_ascii_alphabetic())
            && last != "couple"
            && agents::builtin::text::number_value(&last).is_some_and(|n| n > 1)
    };
    last == "no" || last.parse::<u64>().is_ok_and(|n| n > 1) || word_count()
}

/// Words that may follow a type noun in a reply ("museums in the centre",
/// "hotels that match"); another word after it ("swimmingpool attractions") means
/// the type is used as an adjective and stays singular.
const AFTER_NOUN_WORDS: &[&str] = &[
    "in",
    "that",
    "which",
    "with",
    "to",
    "near",
    "for",
    "and",
    "or",
    "available",
    "on",
    "at",
    "listed",
    "matching",
    "you",
    "i",
    "we",
    "are",
    "is",
    "there",
    "around",
    "of",
];

/// Whether the text after a filled-in type lets the type be a plural noun.
pub fn noun_may_end_here(after: &str) -> bool {
    let next: String = after
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    next.is_empty() || AFTER_NOUN_WORDS.contains(&next.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_after_a_count_become_plural() {
        assert_eq!(plural_of("museum").as_deref(), Some("museums"));
        assert_eq!(plural_of("swimmingpool").as_deref(), Some("swimming pools"));
        assert_eq!(plural_of("guesthouse").as_deref(), Some("guesthouses"));
        assert_eq!(
            plural_of("multiple sports").as_deref(),
            Some("multiple sports venues")
        );
        assert_eq!(plural_of("centre"), None);
        assert!(ends_with_plural_count("There are 23 "));
        assert!(ends_with_plural_count("I have three"));
        assert!(!ends_with_plural_count("There is 1 "));
        assert!(!ends_with_plural_count("the "));
        assert!(ends_with_plural_count("there are no "));
        assert!(noun_may_end_here(" in the centre."));
        assert!(noun_may_end_here(". Would you"));
        assert!(!noun_may_end_here(" attractions in the south"));
    }
}
