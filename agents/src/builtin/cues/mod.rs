//! Keyword cues shared by the built-in tracker and policy: which domain an
//! utterance talks about, which slots a system turn asks for, what a user turn
//! requests, and whether it thanks, says goodbye, declines or wants a booking.

use multiwoz::{Domain, Slot};

mod booking_words;
mod chat_words;
mod words;

use booking_words::{
    ACCEPT_WORDS, ASKS_BOOKING_WORDS, BOOK_ITEM_WORDS, BOOK_WORDS, BOOKED_GOODS,
    BOOKED_GOODS_WORDS, BOOKED_WORDS, BOOKING_DETAIL_WORDS, BOOKING_FAILED_WORDS,
    BOOKING_OFFER_WORDS, NO_BOOK_WORDS, NOT_PARTY_UNITS, PARTY_PHRASES, PARTY_UNIT_WORDS,
};
use chat_words::{
    ABOUT_IT_WORDS, ALL_DONE_WORDS, BUSINESS_WORDS, BYE_WORDS, DECLINE_WORDS, DONE_WORDS,
    NEW_REQUEST_WORDS, NOT_NOW_WORDS, OFFER_QUESTION_WORDS, PUT_OFF_WORDS, STILL_ASKING_WORDS,
    SYSTEM_REQUEST_WORDS, THANKS_WORDS, WORKS_FOR_ME_WORDS, YES_NO_QUESTION_WORDS,
};
use words::{
    ASK_OPENERS, ASK_WORDS, ASKED_NOUNS, DOMAIN_WORDS, NOT_ASKED_BEFORE, TIME_SETTING_WORDS,
    YES_NO_OPENERS, YES_NO_VALUES,
};

use std::cell::RefCell;

use super::memo::{Recent, remembered};
use super::text::{contains_any, contains_phrase};

pub(crate) use words::{PARTY_NOUNS, SMALL_TALK};

/// The domains a normalized utterance names explicitly, in priority order.
pub fn domain_words(norm: &str) -> Vec<Domain> {
    DOMAIN_WORDS
        .iter()
        .filter(|(_, words)| contains_any(norm, words))
        .map(|(d, _)| *d)
        .collect()
}

/// The slots a (normalized) system turn asks the user for.
pub fn system_requests(norm: &str) -> Vec<Slot> {
    SYSTEM_REQUEST_WORDS
        .iter()
        .filter(|(_, words)| contains_any(norm, words))
        .map(|(s, _)| *s)
        .collect()
}

/// An attribute a user asks the system to tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Ask {
    /// Phone number.
    Phone,
    /// Street address.
    Address,
    /// Postcode.
    Postcode,
    /// Booking reference.
    Reference,
    /// Train id.
    TrainId,
    /// Price, price range or entrance fee.
    Price,
    /// Departure time of a train.
    Leave,
    /// Arrival time.
    Arrive,
    /// Travel time of a train.
    Duration,
    /// Area of a venue.
    Area,
    /// Food of a restaurant.
    Food,
    /// Venue type.
    Type,
    /// Star rating.
    Stars,
    /// Parking of a hotel.
    Parking,
    /// Internet of a hotel.
    Internet,
    /// Taxi car type.
    Car,
    /// Venue name.
    Name,
}

/// The attributes a (normalized) user turn asks for.
pub fn user_asks(norm: &str) -> Vec<Ask> {
    thread_local! {
        static RECENT: RefCell<Recent<Vec<Ask>>> = RefCell::default();
    }
    remembered(&RECENT, norm, user_asks_uncached)
}

fn user_asks_uncached(norm: &str) -> Vec<Ask> {
    let mut asks: Vec<Ask> = ASK_WORDS
        .iter()
        .filter(|(ask, words)| match ask {
            // "a departure time after 21:15" sets a time; "the departure time
            // and price" asks for it.
            Ask::Leave | Ask::Arrive => words.iter().any(|w| asked_not_set(norm, w)),
            // "I don't care about parking" asks nothing about it.
            Ask::Parking | Ask::Internet => {
                contains_any(norm, words) && !amenity_not_to_matter(norm, *ask)
            }
            _ => contains_any(norm, words),
        })
        .map(|(a, _)| *a)
        .collect();
    if asks_total(norm) && !asks.contains(&Ask::Price) {
        asks.push(Ask::Price);
    }
    for ask in asked_after_opener(norm)
        .into_iter()
        .chain(asked_yes_or_no(norm))
    {
        if !asks.contains(&ask) {
            asks.push(ask);
        }
    }
    asks
}

/// Whether the token at `i` (an amenity, a slot's word) is said not to
/// matter: "I don't care about parking", "parking doesn't matter".
pub fn said_not_to_matter(toks: &[&str], i: usize) -> bool {
    let before = |k: usize| i.checked_sub(k).map_or("", |j| toks[j]);
    let after = |k: usize| toks.get(i + k).copied().unwrap_or("");
    let indifferent_before = matches!(before(1), "about" | "for" | "re")
        && matches!(before(2), "care" | "matter" | "mind" | "bothered")
        && matches!(before(3), "dont" | "doesnt" | "not" | "t");
    let indifferent_after = matches!(after(1), "doesnt" | "dont" | "isnt" | "not")
        && matches!(after(2), "matter" | "matters" | "important" | "care");
    indifferent_before || indifferent_after
}

/// Whether every mention of an amenity asked about says it does not matter.
fn amenity_not_to_matter(norm: &str, ask: Ask) -> bool {
    let toks: Vec<&str> = norm.split(' ').collect();
    let mentions: Vec<usize> = (0..toks.len())
        .filter(|&i| match ask {
            Ask::Parking => toks[i] == "parking",
            _ => matches!(toks[i], "wifi" | "internet"),
        })
        .collect();
    !mentions.is_empty() && mentions.iter().all(|&i| said_not_to_matter(&toks, i))
}

/// How many words after a yes/no opener the value asked about may come ("is
/// that one also in the moderate price range").
const YES_NO_WINDOW: usize = 6;

/// The attributes a yes/no question asks by naming a value ("is that in the
/// moderate price range?" asks the price range, "is it in the centre?" the
/// area): the one asking wants to hear the venue's own value.
fn asked_yes_or_no(norm: &str) -> Vec<Ask> {
    let tokens: Vec<&str> = norm.split(' ').collect();
    let mut out = Vec::new();
    for start in 0..tokens.len() {
        let Some(n) = YES_NO_OPENERS
            .iter()
            .find_map(|o| starts_with_words(&tokens[start..], o))
        else {
            continue;
        };
        let end = tokens.len().min(start + n + YES_NO_WINDOW);
        for i in start + n..end {
            for (ask, values) in YES_NO_VALUES {
                let named = values
                    .iter()
                    .any(|v| starts_with_words(&tokens[i..end], v).is_some());
                if named && !out.contains(ask) {
                    out.push(*ask);
                }
            }
        }
    }
    out
}

/// Whether the turn asks for "the total" of a price ("what's the total?",
/// "the total for everyone") rather than the total travel time or a party
/// ("the total of 4 people").
fn asks_total(norm: &str) -> bool {
    let tokens: Vec<&str> = norm.split(' ').collect();
    tokens.windows(2).enumerate().any(|(i, w)| {
        w == ["the", "total"]
            && !matches!(
                tokens.get(i + 2).copied().unwrap_or(""),
                "travel" | "time" | "journey" | "trip" | "duration" | "of" | "number"
            )
    })
}

/// Whether `phrase` occurs in `norm` once at least without a time set after
/// it: "departure time after 21:15", "an arrival time of 10:00" set a
/// constraint; "the arrival time of that train" asks.
fn asked_not_set(norm: &str, phrase: &str) -> bool {
    let is_time =
        |t: &str| t.contains(':') || !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let tokens: Vec<&str> = norm.split(' ').collect();
    (0..tokens.len()).any(|i| {
        starts_with_words(&tokens[i..], phrase).is_some_and(|n| {
            let rest = &tokens[(i + n).min(tokens.len())..];
            let next = rest.first().copied().unwrap_or("");
            let set = is_time(next)
                || TIME_SETTING_WORDS.contains(&next)
                    && rest.iter().skip(1).take(3).any(|t| is_time(t));
            !set
        })
    })
}

/// The number of words of `phrase` when `tokens` begin with them.
fn starts_with_words(tokens: &[&str], phrase: &str) -> Option<usize> {
    let mut n = 0;
    for word in phrase.split(' ') {
        if tokens.get(n) != Some(&word) {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// How many words after a question opener an attribute noun may come and still
/// be what is asked ("can I just have the number of stars").
const ASK_WINDOW: usize = 7;

/// The attributes named within a few words after a question or request opener
/// ("what attraction type is it", "can I have the number of stars"), unless the
/// word before the noun makes it a constraint ("a 4 star hotel", "any area") or
/// the noun belongs to another attribute ("type of food", "car type").
fn asked_after_opener(norm: &str) -> Vec<Ask> {
    // "can I *just* have", "could you *also* tell me": fillers do not change
    // what is asked.
    let tokens: Vec<&str> = norm
        .split(' ')
        .filter(|w| {
            !matches!(
                *w,
                "just" | "also" | "please" | "then" | "maybe" | "possibly"
            )
        })
        .collect();
    let mut out = Vec::new();
    for start in 0..tokens.len() {
        let opener = ASK_OPENERS
            .iter()
            .find_map(|o| starts_with_words(&tokens[start..], o));
        let Some(n) = opener else { continue };
        let window = &tokens[start + n..tokens.len().min(start + n + ASK_WINDOW)];
        for i in 0..window.len() {
            let before = match i {
                0 => tokens[start + n - 1],
                _ => window[i - 1],
            };
            let after = window.get(i + 1).copied().unwrap_or("");
            let after2 = window.get(i + 2).copied().unwrap_or("");
            for (ask, nouns) in ASKED_NOUNS {
                let named = nouns
                    .iter()
                    .any(|noun| starts_with_words(&window[i..], noun).is_some());
                if !named || NOT_ASKED_BEFORE.contains(&before) {
                    continue;
                }
                // "type of food" asks the food; "car type" / "type of car" is the taxi's.
                let of_other = after == "of" && matches!(after2, "food" | "cuisine" | "car");
                let car = before == "car" || (after == "of" && after2 == "car");
                let ask = match ask {
                    Ask::Type if of_other && after2 != "car" => Ask::Food,
                    Ask::Type if car => Ask::Car,
                    a => *a,
                };
                if !out.contains(&ask) {
                    out.push(ask);
                }
            }
        }
    }
    out
}

/// Whether a user turn only thanks or says goodbye.
pub fn is_closing(norm: &str) -> bool {
    thread_local! {
        static RECENT: RefCell<Recent<bool>> = RefCell::default();
    }
    remembered(&RECENT, norm, is_closing_uncached)
}

fn is_closing_uncached(norm: &str) -> bool {
    // "That's all" closes, unless the turn also asks something ("can you
    // confirm it is in the east? that is all").
    let done = contains_any(norm, DONE_WORDS)
        && !contains_any(norm, ASK_OPENERS)
        && !contains_any(norm, &["confirm", "if"]);
    let thanks = contains_any(norm, THANKS_WORDS) || done;
    // "That sounds good, but I won't book yet. Thanks!": a booking put off
    // is no business left.
    let business = contains_any(norm, BUSINESS_WORDS) && !contains_any(norm, NO_BOOK_WORDS);
    let bye = contains_any(norm, BYE_WORDS);
    // "No thanks. I just need the phone number" declines an offer, not the chat.
    let still_asking = contains_any(norm, STILL_ASKING_WORDS) && !bye;
    // "Yes, for 7 people. Thanks." answers a booking question.
    let books = gives_party(norm)
        || contains_any(norm, BOOKED_GOODS_WORDS)
        || norm
            .split(' ')
            .any(|t| t.contains(':') || super::text::weekday(t).is_some() && t.len() > 3);
    // "Thanks. I was wondering if there is a park in the south. asks for more.
    let new_request =
        !domain_words(norm).is_empty() && contains_any(norm, NEW_REQUEST_WORDS) && !bye;
    // "Is there parking? Thank you! Do they have internet?" still asks.
    // "Thanks. Oh, is that in the moderate price range?" too.
    // "Thank you. Can I get some information on it?" too.
    let asks = (!user_asks(norm).is_empty()
        || contains_any(norm, YES_NO_QUESTION_WORDS)
        || asks_about_it(norm))
        && !bye
        && !done
        && !contains_any(norm, ALL_DONE_WORDS);
    // "You gave me the info I need. Thanks, bye.": a goodbye ends the business.
    thanks
        && !still_asking
        && !books
        && !new_request
        && !asks
        && (!business || done || bye || contains_any(norm, ALL_DONE_WORDS))
}

/// Whether a (normalized) clause puts a request off ("we'll find a
/// restaurant later", "forget the hotel").
pub fn puts_off(norm: &str) -> bool {
    contains_any(norm, PUT_OFF_WORDS)
}

/// Whether a turn asks about the venue at hand in general ("can I get some
/// information on it?").
pub fn asks_about_it(norm: &str) -> bool {
    contains_any(norm, ABOUT_IT_WORDS)
}

/// Whether a turn says the user is done ("that's all", "goodbye"), beyond
/// thanking.
pub fn says_done(norm: &str) -> bool {
    contains_any(norm, DONE_WORDS)
        || contains_any(norm, ALL_DONE_WORDS)
        || contains_any(norm, BYE_WORDS)
}

/// Whether a thanking turn accepts the offer the system just made ("Yeah,
/// that works for me. Thanks!" to "Would that work for you?"): it answers the
/// question, and ends nothing. A confirmation ("booking was successful")
/// offers nothing more to accept.
pub fn accepts_offer(norm: &str, previous_system: &str) -> bool {
    let offered = (contains_any(previous_system, BOOKING_OFFER_WORDS)
        || contains_any(previous_system, OFFER_QUESTION_WORDS))
        && !contains_any(previous_system, BOOKED_WORDS)
        && !is_capability_reply(previous_system);
    let accepts = contains_any(norm, ACCEPT_WORDS) || contains_any(norm, WORKS_FOR_ME_WORDS);
    let ends = says_done(norm) || contains_any(norm, NOT_NOW_WORDS);
    offered && accepts && !ends
}

/// Whether a user turn asks to book (or accepts a booking offer).
pub fn wants_booking(norm: &str, previous_system: &str) -> bool {
    let verb = contains_any(norm, BOOK_WORDS);
    let item = contains_any(norm, BOOK_ITEM_WORDS);
    // "How much is a ticket?": the ticket of a price question is what is priced,
    // not what is bought (unless a party size says how many to buy).
    let priced = !verb && item && user_asks(norm).contains(&Ask::Price) && !gives_party(norm);
    let explicit = (verb || item) && !priced && !contains_any(norm, NO_BOOK_WORDS);
    // The reply to small talk lists what dard does ("… book a taxi …"); it
    // offers no booking to accept.
    let offered =
        contains_any(previous_system, BOOKING_OFFER_WORDS) && !is_capability_reply(previous_system);
    let accepts = contains_any(norm, ACCEPT_WORDS)
        && !contains_phrase(norm, "no")
        && !contains_any(norm, NO_BOOK_WORDS);
    explicit || (offered && accepts)
}

/// Whether a (normalized) user turn asks for another option than the one
/// offered ("something different", "another one").
pub fn asks_for_another(norm: &str) -> bool {
    contains_any(norm, chat_words::ANOTHER_OPTION_WORDS)
}

/// Whether a (normalized) system turn is the reply to small talk, which lists
/// what dard can help with.
pub fn is_capability_reply(system_norm: &str) -> bool {
    static CAPABILITIES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let reply = CAPABILITIES.get_or_init(|| super::text::normalize(crate::roles::OFF_TOPIC_REPLY));
    !reply.is_empty() && system_norm.trim() == reply.trim()
}

/// Whether a user turn gives booking details (a day, a party size, nights, a time).
pub fn mentions_booking_details(norm: &str) -> bool {
    contains_any(norm, BOOKING_DETAIL_WORDS) || norm.split(' ').any(|t| t.contains(':'))
}

/// One ticket or seat, which in a price question is the unit priced.
pub(crate) const SINGLE_SEAT_WORDS: &[&str] = &[
    "a ticket",
    "one ticket",
    "1 ticket",
    "a single ticket",
    "a seat",
    "one seat",
    "1 seat",
];

/// Whether a user turn gives a party size: "for 7 people", "four of us",
/// "just me", "a party of four", "one ticket".
pub fn gives_party(norm: &str) -> bool {
    // "How much is a ticket?", "what does one seat cost?": the price of one.
    if user_asks(norm).contains(&Ask::Price) && contains_any(norm, SINGLE_SEAT_WORDS) {
        return false;
    }
    let toks: Vec<&str> = norm.split(' ').collect();
    let unit = |t: &str| PARTY_NOUNS.contains(&t) || PARTY_UNIT_WORDS.contains(&t);
    let counted = toks
        .windows(2)
        .any(|w| super::text::number_value(w[0]).is_some_and(|n| n > 0 && n < 20) && unit(w[1]));
    // "a table for 2 at 17:15", "book it for 5": "for" and a count that no
    // other unit follows.
    let for_count = toks.iter().enumerate().any(|(i, t)| {
        *t == "for"
            && toks
                .get(i + 1)
                .and_then(|n| super::text::number_value(n))
                .is_some_and(|n| n > 0 && n < 20)
            && !toks
                .get(i + 2)
                .is_some_and(|u| NOT_PARTY_UNITS.contains(u) || u.contains(':'))
    });
    counted || for_count || contains_any(norm, PARTY_PHRASES)
}

/// Whether a (normalized) system turn asks a booking question or promises a
/// booking ("how many people", "what day", "I will book that now", "booking was
/// unsuccessful, another day?"): the user's answer, unless a refusal, books.
pub fn asks_booking(norm: &str) -> bool {
    contains_any(norm, ASKS_BOOKING_WORDS)
}

/// Whether a (normalized) turn names a train by its id ("tr9933").
pub fn names_train_id(norm: &str) -> bool {
    norm.split(' ')
        .any(|t| t.len() > 2 && t.starts_with("tr") && t[2..].bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a (normalized) system turn confirms a booking in `domain`: it says
/// the booking succeeded and does not name another bookable domain's goods.
pub fn confirms_booking(norm: &str, domain: Domain) -> bool {
    let success = contains_any(norm, BOOKED_WORDS) && !contains_any(norm, BOOKING_FAILED_WORDS);
    if !success {
        return false;
    }
    let names = |d: Domain| {
        BOOKED_GOODS
            .iter()
            .any(|(w, ws)| *w == d && contains_any(norm, ws))
    };
    let other = BOOKED_GOODS
        .iter()
        .any(|(w, ws)| *w != domain && contains_any(norm, ws));
    names(domain) || !other
}

/// Whether a user turn declines what the system offered or asks for another option.
pub fn declines(norm: &str) -> bool {
    contains_any(norm, DECLINE_WORDS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::text::normalize;

    #[test]
    fn taxi_wins_over_the_places_it_connects() {
        let n = normalize("I need a taxi from the hotel to the restaurant");
        assert_eq!(domain_words(&n)[0], Domain::Taxi);
    }

    #[test]
    fn system_questions_name_their_slots() {
        let n = normalize("What area of town would you like, and what price range?");
        let r = system_requests(&n);
        assert!(r.contains(&Slot::Area) && r.contains(&Slot::PriceRange));
    }

    #[test]
    fn an_attribute_named_after_a_question_opener_is_asked_for() {
        let asks = |t: &str| user_asks(&normalize(t));
        assert!(asks("What attraction type is it please?").contains(&Ask::Type));
        let stars =
            asks("Can I just have the number of stars the hotel has, address and postcode?");
        assert!(
            stars.contains(&Ask::Stars) && stars.contains(&Ask::Address),
            "{stars:?}"
        );
        assert!(asks("Could you tell me which part of town it is in?").contains(&Ask::Area));
        assert_eq!(asks("Can I get the type of food they serve?"), [Ask::Food]);
        assert!(asks("tell me the type of car please").contains(&Ask::Car));
        // Constraints and "don't care" are not questions.
        for said in [
            "Can I get a 4 star hotel in the north?",
            "What about one in any area?",
            "I need a cheap place to stay in the north area.",
            "Can you find me some chinese food?",
        ] {
            let got = asks(said);
            assert!(
                !got.iter()
                    .any(|a| matches!(a, Ask::Stars | Ask::Area | Ask::Type)),
                "{said}: {got:?}"
            );
        }
    }

    #[test]
    fn i_would_is_no_train_id_and_a_time_set_is_no_time_asked() {
        let asks = |t: &str| user_asks(&normalize(t));
        // Normalized, "I'd like" reads "id like".
        assert!(
            !asks("I'd like a train to Cambridge that arrives by 19:30.").contains(&Ask::TrainId)
        );
        assert!(asks("What is the train id?").contains(&Ask::TrainId));
        assert!(asks("Can I get the id please?").contains(&Ask::TrainId));
        for set in [
            "I need a train to Peterborough with a departure time after 21:15.",
            "The arrival time should be by 10:00.",
            "I want a departure time of 08:15.",
        ] {
            let got = asks(set);
            assert!(
                !got.iter().any(|a| matches!(a, Ask::Leave | Ask::Arrive)),
                "{set}: {got:?}"
            );
        }
        assert!(asks("I also need the departure time and price, please.").contains(&Ask::Leave));
        assert!(asks("What's the arrival time?").contains(&Ask::Arrive));
        assert!(
            asks("No, but I'd like to know where it's exactly located.").contains(&Ask::Address)
        );
        assert!(asks("Yep, what's the arrival time on that train?").contains(&Ask::Arrive));
        assert!(asks("Can I get the departure time of that train?").contains(&Ask::Leave));
    }

    #[test]
    fn an_amenity_said_not_to_matter_is_not_asked_about() {
        let asks = |t: &str| user_asks(&normalize(t));
        assert!(!asks("With wifi. No, I don't care about parking.").contains(&Ask::Parking));
        assert!(!asks("Parking doesn't matter.").contains(&Ask::Parking));
        assert!(asks("What about parking?").contains(&Ask::Parking));
        // One mention that matters is enough to ask.
        assert!(
            asks("I don't care about wifi, but does it have parking? What about internet?")
                .contains(&Ask::Internet)
        );
    }

    #[test]
    fn a_clause_that_puts_a_request_off() {
        assert!(puts_off(&normalize("we'll find a restaurant later")));
        assert!(puts_off(&normalize(
            "Let's hold off on booking the room for now"
        )));
        assert!(!puts_off(&normalize("I need a restaurant in the centre")));
    }

    #[test]
    fn an_offer_turned_down_asks_for_another() {
        for turn in [
            "Do you have another one?",
            "What? That's not what I wanted.",
            "Hmm, that doesn't sound good.",
            "I don't like it.",
        ] {
            assert!(asks_for_another(&normalize(turn)), "{turn}");
        }
        assert!(!asks_for_another(&normalize("That sounds good.")));
    }

    #[test]
    fn user_requests_and_closings() {
        let n = normalize("Can I get the phone number and postcode please?");
        assert_eq!(user_asks(&n), [Ask::Phone, Ask::Postcode]);
        assert!(is_closing(&normalize("No, that's all. Thank you!")));
        assert!(is_closing(&normalize("perfect, that's everything")));
        assert!(is_closing(&normalize("No, I'm all set.")));
        assert!(is_closing(&normalize("Nope! That should do it, thanks!")));
        assert!(is_closing(&normalize("That should be all, thank you.")));
        // Asking about the venue just offered is no goodbye.
        assert!(!is_closing(&normalize(
            "Yes that would be great! Thank you. Can I get some information on it?"
        )));
        assert!(is_closing(&normalize(
            "That's all the info I need, thanks."
        )));
        assert!(!is_closing(&normalize(
            "that's all for the hotel, now I need a train to ely"
        )));
        assert!(!is_closing(&normalize("Thanks, can you book it for 2?")));
        assert!(wants_booking(
            &normalize("yes please"),
            &normalize("Shall I book it?")
        ));
        assert!(!wants_booking(&normalize("no, I don't need to book"), ""));
        let capabilities = normalize(crate::roles::OFF_TOPIC_REPLY);
        assert!(!wants_booking(
            &normalize("ok, I need a place to dine"),
            &capabilities
        ));
    }

    #[test]
    fn declining_an_offer_while_asking_for_details_is_no_closing() {
        let n = normalize("No thanks. I just need the phone number and postcode for each.");
        assert!(!is_closing(&n));
        assert!(is_closing(&normalize("No thanks, goodbye.")));
    }

    #[test]
    fn a_goodbye_closes_despite_business_words_and_a_yes_no_question_does_not() {
        let closing = |t: &str| is_closing(&normalize(t));
        assert!(closing(
            "actually that sounds good. you gave me the info i need. thanks. bye."
        ));
        assert!(closing("No that it is it. Thank you."));
        assert!(!closing(
            "Thanks. Oh, I forgot to ask, is that in the moderate price range?"
        ));
        assert!(!closing("Thank you! Is it in the centre?"));
        assert!(closing(
            "That sounds good, but I won't book yet. Thank you!"
        ));
        assert!(!closing(
            "Thank you! Is there a guesthouse with free parking and wifi nearby?"
        ));
    }

    #[test]
    fn thanks_accepting_an_offer_accepts_it_unless_it_puts_it_off() {
        let offer = normalize("Charlie Chan is cheap. Would you like to book a table there?");
        let accepts = |t: &str| accepts_offer(&normalize(t), &offer);
        assert!(accepts("That sounds good. Thank you!"));
        assert!(accepts("Yeah, that works for me. Thanks"));
        assert!(!accepts(
            "That sounds good, but I won't book yet. Thank you!"
        ));
        assert!(!accepts("Perfect, that's all I need. Thanks, bye"));
        let booked = normalize("Booking was successful. Reference number is ABC. Anything else?");
        assert!(!accepts_offer(&normalize("Great, thanks!"), &booked));
    }

    #[test]
    fn a_yes_no_question_asks_the_value_it_names() {
        let asks = |t: &str| user_asks(&normalize(t));
        assert!(asks("Is that in the moderate price range?").contains(&Ask::Price));
        assert!(asks("Is it in the centre?").contains(&Ask::Area));
        assert!(asks("Is the Lensfield a 4 star hotel?").contains(&Ask::Stars));
        // A constraint stated, not asked.
        assert!(!asks("I want a cheap hotel in the north").contains(&Ask::Price));
        assert!(!asks("No that it is it, thank you").contains(&Ask::Area));
    }

    #[test]
    fn giving_a_party_size_while_thanking_is_no_closing() {
        assert!(!is_closing(&normalize("Yes, for 7 people. Thanks.")));
        assert!(!is_closing(&normalize("20:15 on wednesday, thanks.")));
        assert!(is_closing(&normalize("Thank you, goodbye.")));
        assert!(!is_closing(&normalize(
            "Not right now, but thanks for asking. I was wondering if there is a park in the south."
        )));
    }

    #[test]
    fn party_sizes_are_recognized_but_nights_are_not() {
        for yes in [
            "a table for 2 at 17:15",
            "seven altogether",
            "four of us",
            "just me",
            "three adult tickets",
            "book it for 5",
        ] {
            assert!(gives_party(&normalize(yes)), "{yes}");
        }
        for no in ["for 3 nights", "at 17:15 on friday", "4 stars please"] {
            assert!(!gives_party(&normalize(no)), "{no}");
        }
    }

    #[test]
    fn a_booking_confirmation_counts_for_its_own_domain_only() {
        let table = normalize("Your table is booked. Reference number is XYZ12345.");
        assert!(confirms_booking(&table, Domain::Restaurant));
        assert!(!confirms_booking(&table, Domain::Hotel));
        let failed = normalize("Booking was unsuccessful. Would you like another day?");
        assert!(!confirms_booking(&failed, Domain::Hotel));
        assert!(asks_booking(&failed));
    }

    #[test]
    fn reserving_a_seat_is_a_booking_request() {
        assert!(wants_booking(
            &normalize("Sounds great. Can I get one seat reserved?"),
            ""
        ));
    }

    #[test]
    fn the_total_asks_a_price_but_not_the_total_travel_time() {
        for asked in [
            "What's the total?",
            "what is the total cost",
            "the total for us all?",
        ] {
            assert!(
                user_asks(&normalize(asked)).contains(&Ask::Price),
                "{asked}"
            );
        }
        for not in [
            "What is the total travel time?",
            "I need 7 tickets total.",
            "a total of 4 tickets are needed",
        ] {
            assert!(!user_asks(&normalize(not)).contains(&Ask::Price), "{not}");
        }
    }
}
