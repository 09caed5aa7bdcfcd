//! When nothing in the database matches a search, the nearest thing that does: the
//! same search with one constraint changed ("Would you like one of the two
//! guesthouses that fit instead?"), so a person is not left to guess what to relax.
//!
//! The changed constraint is the first, in the order people give up on them for
//! the domain, whose removal finds venues; its new value is the one most of those
//! venues share. The sentence is built from the database's values, for every
//! backend, and takes the place of the reply's closing question.

use agents::roles::DialogState;
use multiwoz::db::Database;
use multiwoz::{Domain, Slot};

/// The constraints of each domain in the order they are given up: a hotel's type
/// before its area, a restaurant's area before its food.
fn relax_order(domain: Domain) -> &'static [Slot] {
    match domain {
        Domain::Hotel => &[
            Slot::Type,
            Slot::Parking,
            Slot::Internet,
            Slot::Stars,
            Slot::Area,
            Slot::PriceRange,
        ],
        Domain::Restaurant => &[Slot::Area, Slot::PriceRange, Slot::Food],
        Domain::Attraction => &[Slot::Area, Slot::Type],
        _ => &[],
    }
}

/// The nearest alternative as a sentence: as people read it, and delexicalized
/// (its values as `[value_*]` placeholders, as MultiWOZ writes its replies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nearest {
    /// With the values.
    pub text: String,
    /// With placeholders.
    pub delex: String,
    /// The constraint it changes, what the user asked, and what it would be.
    pub change: Change,
}

/// One constraint of a domain changed to another value: the alternative the
/// system proposed, and that a "yes" accepts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Change {
    /// The domain searched.
    pub domain: Domain,
    /// The constraint changed.
    pub slot: Slot,
    /// The value the user asked for.
    pub from: String,
    /// The value that finds something.
    pub to: String,
}

impl Change {
    /// Applies the change to `state` while the user still asks for `from` (a
    /// constraint the user changed since stays the user's).
    pub fn apply(&self, state: &mut DialogState) {
        if let Some(v) = state
            .get_mut(&self.domain)
            .and_then(|s| s.get_mut(&self.slot))
            && *v == self.from
        {
            *v = self.to.clone();
        }
    }
}

/// Words by which a reply says that nothing matched (a reply without one is
/// about something else, such as a goodbye, and gets no alternative).
pub const NO_MATCH_CUES: [&str; 9] = [
    "no ",
    "not ",
    "n't",
    "sorry",
    "unfortunately",
    "nothing",
    "none",
    "unable",
    "cannot",
];

/// Whether `reply` says that nothing matched.
pub fn says_no_match(reply: &str) -> bool {
    let reply = reply.to_lowercase();
    NO_MATCH_CUES.iter().any(|c| reply.contains(c))
}

/// The sentence offering the nearest alternative when `domain`'s search under
/// `state` finds nothing; `None` when something matches, the user named a venue,
/// or no single change finds one.
pub fn nearest(db: &Database, domain: Domain, state: &DialogState) -> Option<Nearest> {
    let slots = state.get(&domain)?;
    if slots.contains_key(&Slot::Name) {
        return None;
    }
    let constraints: Vec<(Slot, &str)> = slots
        .iter()
        .filter(|(s, v)| !s.is_book() && v.as_str() != "dontcare")
        .map(|(s, v)| (*s, v.as_str()))
        .collect();
    let query = |cs: &[(Slot, &str)]| {
        db.query(domain, cs.iter().map(|(s, v)| (s.as_str(), *v)))
            .len()
    };
    if constraints.is_empty() || query(&constraints) > 0 {
        return None;
    }
    for &slot in relax_order(domain) {
        let Some(&(_, wanted)) = constraints.iter().find(|(s, _)| *s == slot) else {
            continue;
        };
        let others: Vec<(Slot, &str)> = constraints
            .iter()
            .copied()
            .filter(|(s, _)| *s != slot)
            .collect();
        let matches = db.query(domain, others.iter().map(|(s, v)| (s.as_str(), *v)));
        // The value most of the venues share (the first seen on a tie).
        let mut tally: Vec<(&str, usize)> = Vec::new();
        for e in &matches {
            let Some(v) = e.entity().get(slot.as_str()) else {
                continue;
            };
            if v == wanted || v == "?" || v.is_empty() {
                continue;
            }
            match tally.iter_mut().find(|(t, _)| *t == v) {
                Some((_, n)) => *n += 1,
                None => tally.push((v, 1)),
            }
        }
        let Some(&(value, _)) = tally.iter().rev().max_by_key(|(_, n)| *n) else {
            continue;
        };
        let mut changed = others;
        changed.push((slot, value));
        let count = query(&changed);
        if count == 0 {
            continue;
        }
        let mut found = sentence(domain, slot, value, count);
        found.change = Change {
            domain,
            slot,
            from: wanted.to_string(),
            to: value.to_string(),
        };
        return Some(found);
    }
    None
}

/// "Would you like one of the two guesthouses that fit instead?": the count and
/// the one value that changed (the others are the ones the reply just said), with
/// values and with placeholders.
fn sentence(domain: Domain, slot: Slot, value: &str, count: usize) -> Nearest {
    let plural = count > 1;
    let what = |v: &str| -> String {
        match slot {
            Slot::Type => {
                let noun = crate::nouns::type_noun(domain, v, plural);
                format!("{noun} that {}", if plural { "fit" } else { "fits" })
            }
            Slot::Area if plural => format!("in the {v}"),
            Slot::Area => format!("one in the {v}"),
            Slot::PriceRange | Slot::Food => {
                let noun = match domain {
                    Domain::Restaurant if plural => "restaurants",
                    Domain::Restaurant => "restaurant",
                    _ if plural => "ones",
                    _ => "one",
                };
                format!("{v} {noun}")
            }
            Slot::Stars if plural => format!("with {v} stars"),
            Slot::Stars => format!("one with {v} stars"),
            Slot::Parking | Slot::Internet => {
                let amenity = if slot == Slot::Parking {
                    "parking"
                } else {
                    "wifi"
                };
                let with = match v {
                    "no" => format!("without free {amenity}"),
                    _ => format!("with free {amenity}"),
                };
                if plural { with } else { format!("one {with}") }
            }
            _ => v.to_string(),
        }
    };
    let lexical = match (slot, value) {
        (Slot::PriceRange, "moderate") => "moderately priced".to_string(),
        _ => value.to_string(),
    };
    let delex_value = match slot {
        // Yes / no are words of the sentence, not values.
        Slot::Parking | Slot::Internet => value.to_string(),
        _ => format!("[value_{}]", slot.as_str()),
    };
    let delex_what = match slot {
        Slot::Type => format!("{delex_value} that {}", if plural { "fit" } else { "fits" }),
        _ => what(&delex_value),
    };
    match count {
        1 => Nearest {
            text: format!("Would you like the {} instead?", what(&lexical)),
            delex: format!("Would you like the {delex_what} instead?"),
            change: unchanged(domain, slot),
        },
        n => Nearest {
            text: format!(
                "Would you like one of the {} {} instead?",
                number_word(n),
                what(&lexical)
            ),
            delex: format!("Would you like one of the [value_count] {delex_what} instead?"),
            change: unchanged(domain, slot),
        },
    }
}

/// A change that changes nothing yet ([`nearest`] fills in the values).
fn unchanged(domain: Domain, slot: Slot) -> Change {
    Change {
        domain,
        slot,
        from: String::new(),
        to: String::new(),
    }
}

/// Words by which a user takes a proposal ("yes", "ok, book it", "that's fine").
const TAKE_WORDS: &[&str] = &[
    "yes",
    "yeah",
    "yep",
    "sure",
    "ok",
    "okay",
    "alright",
    "fine",
    "sounds good",
    "that works",
    "go ahead",
    "please do",
    "book it",
    "book one",
    "lets do",
    "i will take",
    "ill take",
    "that would be great",
    "perfect",
];

/// Words by which a user turns a proposal down.
const DECLINE_WORDS: &[&str] = &["no", "not", "dont", "nope", "rather not", "instead"];

/// Whether the user's turn (normalized) takes the alternative just proposed.
pub fn takes_proposal(norm: &str) -> bool {
    use agents::builtin::text::contains_any;
    if contains_any(norm, DECLINE_WORDS) {
        return false;
    }
    // "Does it have wifi?" after "would you like one of the two guesthouses
    // instead?" asks about the alternative: the answer is about it.
    let about_it =
        contains_any(norm, PROPOSAL_PRONOUNS) && !agents::builtin::cues::user_asks(norm).is_empty();
    contains_any(norm, TAKE_WORDS) || about_it
}

/// Words by which a question refers to the alternative just proposed.
const PROPOSAL_PRONOUNS: &[&str] = &["it", "they", "them", "either", "those", "these", "one"];

/// A count as a word up to ten ("three 2-star hotels" reads better than "3 2-star
/// hotels"), in digits above.
fn number_word(n: usize) -> String {
    const WORDS: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| w.to_string())
}

/// `reply` with its closing question replaced by `question` (the alternative is
/// the question now), or `question` added at its end.
pub fn ask_instead(reply: &str, question: &str) -> String {
    let trimmed = reply.trim_end();
    if let Some(body) = trimmed.strip_suffix('?') {
        // The last sentence starts after the last end mark before it.
        return match body.rfind(['.', '!', '?']) {
            Some(cut) => format!("{} {question}", &trimmed[..=cut]),
            None => question.to_string(),
        };
    }
    if trimmed.is_empty() {
        return question.to_string();
    }
    format!("{trimmed} {question}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn the_alternative_replaces_the_closing_question() {
        let q = "Would you like one of the two guesthouses that fit instead?";
        assert_eq!(
            ask_instead("I have no hotel there. Would you like another area?", q),
            format!("I have no hotel there. {q}")
        );
        assert_eq!(
            ask_instead("Nothing matches.", q),
            format!("Nothing matches. {q}")
        );
        assert_eq!(ask_instead("Would you like another area?", q), q);
    }

    #[test]
    fn a_question_about_the_alternative_takes_it() {
        use agents::builtin::text::normalize;
        for taken in [
            "Yes, book it",
            "Does it have wifi?",
            "what area are they in?",
        ] {
            assert!(takes_proposal(&normalize(taken)), "{taken}");
        }
        for not in [
            "No, try the east",
            "I need a taxi too",
            "Is it not in the north?",
        ] {
            assert!(!takes_proposal(&normalize(not)), "{not}");
        }
    }

    #[test]
    fn only_replies_saying_nothing_matched_get_an_alternative() {
        assert!(says_no_match(
            "Not in [value_area]. Would you like another area?"
        ));
        assert!(says_no_match("I'm sorry, there aren't any."));
        assert!(!says_no_match("You're welcome, have a great day."));
        assert!(!says_no_match("What area would you like?"));
    }

    #[test]
    fn the_alternative_names_the_one_value_that_changed() {
        let n = sentence(Domain::Hotel, Slot::Type, "guesthouse", 2);
        assert_eq!(
            n.text,
            "Would you like one of the two guesthouses that fit instead?"
        );
        assert_eq!(
            n.delex,
            "Would you like one of the [value_count] [value_type] that fit instead?"
        );
        let n = sentence(Domain::Attraction, Slot::Area, "north", 1);
        assert_eq!(n.text, "Would you like the one in the north instead?");
        assert_eq!(
            n.delex,
            "Would you like the one in the [value_area] instead?"
        );
        let n = sentence(Domain::Restaurant, Slot::Food, "chinese", 3);
        assert_eq!(
            n.text,
            "Would you like one of the three chinese restaurants instead?"
        );
        let n = sentence(Domain::Hotel, Slot::PriceRange, "moderate", 4);
        assert_eq!(
            n.text,
            "Would you like one of the four moderately priced ones instead?"
        );
        let n = sentence(Domain::Attraction, Slot::Type, "swimmingpool", 1);
        assert_eq!(
            n.text,
            "Would you like the swimming pool that fits instead?"
        );
    }
}
