//! What the user's turn means in its context: a booking wanted now, contact
//! details accepted, a suggestion asked for, a venue asked about. The policy
//! decides on these readings.

use multiwoz::{Domain, Slot};

use super::cues::{
    asks_booking, declines, gives_party, is_closing, mentions_booking_details, names_train_id,
    system_requests, wants_booking,
};
use super::policy::PolicyInput;
use super::text::{contains_any, contains_phrase, from_first};

/// Whether the user accepts the system's offer to give contact details
/// ("Would you like the address?" - "Yes, please.").
pub(super) fn accepts_offered_details(user: &str, system: &str) -> bool {
    // The details are offered in the question itself ("would you like their
    // phone number"): details given before an unrelated question ("the postcode
    // is cb58rg, do you need anything else") are no offer.
    let question = from_first(
        system,
        &[
            "would you like",
            "do you need",
            "do you want",
            "shall i give",
            "can i give",
            "should i give",
            "want me to give",
            "like me to give",
        ],
    )
    .map(|at| &system[at..]);
    let offers = question.is_some_and(|q| {
        contains_any(
            q,
            &[
                "address",
                "phone",
                "postcode",
                "post code",
                "number",
                "contact",
            ],
        )
    }) && !contains_any(system, &["book", "reservation", "reserve", "tickets"]);
    offers
        && contains_any(
            user,
            &[
                "yes",
                "yeah",
                "sure",
                "please",
                "ok",
                "okay",
                "yep",
                "that would",
            ],
        )
        && !contains_any(user, &["no", "not", "dont"])
}

/// Whether the user asks the system to pick or to suggest, or says any will do.
pub(super) fn wants_suggestion(user: &str) -> bool {
    super::cues::asks_for_another(user)
        || contains_any(
            user,
            &[
                "suggest",
                "suggestion",
                "suggestions",
                "recommend",
                "recommendation",
                "what do you have",
                "whatever you",
                "whichever",
                "doesnt matter",
                "does not matter",
                "dont care",
                "do not care",
                "no preference",
                "not picky",
                "open to",
                "any of them",
                "surprise me",
                "what are my options",
                "what are the options",
                "your favorite",
                "you pick",
                "you choose",
                // Asking the system to choose, not leaving one slot open ("any
                // area is fine" is a don't-care the tracker keeps).
                "pick one",
                "pick any",
                "choose one",
                "choose any",
                "up to you",
                "your call",
            ],
        )
}

/// Words of a search constraint: a part of town, a price range, a rating.
const SEARCH_WORDS: &[&str] = &[
    "north",
    "south",
    "east",
    "west",
    "centre",
    "center",
    "central",
    "cheap",
    "moderate",
    "moderately",
    "expensive",
    "star",
    "stars",
];

/// Words that accept an offer or ask to book.
const YES_WORDS: &[&str] = &[
    "yes",
    "yeah",
    "yep",
    "sure",
    "please",
    "ok",
    "okay",
    "book",
    "reserve",
    "sounds good",
    "that works",
    "go ahead",
    "perfect",
];

/// Whether the previous system turn offered a venue or a train to book.
pub(super) fn offered_before(system: &str) -> bool {
    contains_any(
        system,
        &[
            "book",
            "reserve",
            "reservation",
            "booking",
            "tickets",
            "ticket",
        ],
    )
}

/// Whether the previous system turn proposed a particular train (by its id or
/// its times): only then does "yes please" book one without further details.
pub(super) fn train_offered(system: &str) -> bool {
    names_train_id(system)
        || contains_phrase(system, "train")
            && contains_any(
                system,
                &["leaves", "departs", "arrives", "leaving", "departing"],
            )
}

/// Whether the user asks about a venue in general ("information on X"): people
/// asking so want how to reach it, and the human replies give address and phone.
pub(super) fn asks_information(user: &str) -> bool {
    contains_any(
        user,
        &[
            "information on",
            "information about",
            "information for",
            "info on",
            "info about",
            "info for",
            "tell me about",
            "tell me more",
            "details on",
            "details about",
            "more information",
            "called",
            "looking for the",
            "find the",
            "heard of",
            "heard good things",
            "particulars",
            "anything about",
            "some information",
            "info",
        ],
    )
}

/// Whether the user asks for more about the venue at hand ("can I get more
/// info", "all of the information"): the human replies tell how to reach it.
/// "Information on a restaurant" is a search and "some info on it", said of a
/// venue just named, asks what it is: not this.
pub(super) fn asks_more_about(user: &str) -> bool {
    // "That's all the info I need" closes.
    !contains_any(user, &["thats all", "that is all", "thats it"])
        && contains_any(
            user,
            &[
                "more info",
                "more information",
                "more details",
                "tell me more",
                "all of the information",
                "all of the info",
                "more about it",
                // "I just need the information of the guesthouse": the
                // definite article points at the one at hand.
                "the information of",
                "the info of",
                "the details of",
                "its information",
                "their information",
            ],
        )
}

/// The booking details a domain needs before a booking can be made.
pub(super) fn booking_slots(d: Domain) -> &'static [Slot] {
    match d {
        Domain::Restaurant => &[Slot::BookDay, Slot::BookPeople, Slot::BookTime],
        Domain::Hotel => &[Slot::BookDay, Slot::BookPeople, Slot::BookStay],
        _ => &[Slot::BookPeople],
    }
}

/// Whether the user wants a booking now: asks for one with a venue or train in
/// focus, accepts an offer to book, or answers the system's booking questions.
pub(super) fn booking_intent(input: &PolicyInput<'_>) -> bool {
    let d = input.domain;
    let st = input.state;
    let asked_booking_details = {
        let asks = system_requests(input.system);
        let about_booking = contains_any(
            input.system,
            &[
                "book",
                "booking",
                "reservation",
                "reserve",
                "table",
                "stay",
                "tickets",
            ],
        );
        about_booking
            && (asks
                .iter()
                .any(|s| matches!(s, Slot::BookPeople | Slot::BookStay | Slot::BookTime))
                || (asks.contains(&Slot::Day) && d != Domain::Train))
    };
    let refuses = declines(input.user)
        || contains_any(
            input.user,
            &[
                "no", "not", "dont", "wont", "nope", "hold off", "later", "myself", "just yet",
            ],
        ) && !gives_party(input.user)
            && !contains_any(input.user, &["no problem", "no worries", "not a problem"]);
    // For a train, "what time" and "what day" ask about the journey, not the booking.
    let booking_question = if d == Domain::Train {
        asks_booking(input.system)
            && contains_any(
                input.system,
                &[
                    "how many",
                    "for how many",
                    "yourself",
                    "multiple people",
                    "one moment",
                    "will book",
                    "go ahead and book",
                    "getting this booked",
                    "reference",
                ],
            )
    } else {
        asks_booking(input.system)
    };
    // "Something in the centre would be great" after "shall I book it?" goes on
    // searching: a turn that gives a search constraint and no yes or booking
    // word does not accept the offer.
    let keeps_searching = contains_any(input.user, SEARCH_WORDS)
        && !contains_any(input.user, YES_WORDS)
        && !gives_party(input.user);
    if (asked_booking_details || booking_question) && !refuses && !keeps_searching {
        return true;
    }
    // Details the user gave for a booking that has not been made yet book it
    // once the venue is pinned down, whatever this turn says besides.
    let pinned = match d {
        Domain::Train => {
            st.contains_key(&Slot::Departure)
                && st.contains_key(&Slot::Destination)
                && st.contains_key(&Slot::Day)
        }
        _ => true,
    };
    if !input.confirmed
        && pinned
        && input.db.count > 0
        && booking_slots(d).iter().all(|s| st.contains_key(s))
        && !refuses
        && !is_closing(input.user)
    {
        return true;
    }
    // "8 people for 3 nights starting wednesday" books without the word "book".
    if booking_slots(d).iter().all(|s| st.contains_key(s))
        && mentions_booking_details(input.user)
        && d != Domain::Train
    {
        return true;
    }
    // "Can I get 1 ticket for that?" after a proposed train books it.
    if d == Domain::Train && train_offered(input.system) && gives_party(input.user) && !refuses {
        return true;
    }
    // "For 5 people" right after seats were booked (for one, as "yes please"
    // books): the booking is made again for the party.
    if d == Domain::Train && input.confirmed && gives_party(input.user) && !refuses {
        return true;
    }
    // "Yes, for 7 people" after a proposed train books it.
    if d == Domain::Train
        && st.contains_key(&Slot::BookPeople)
        && train_offered(input.system)
        && contains_any(input.user, &["people", "of us", "tickets", "persons"])
        && !declines(input.user)
    {
        return true;
    }
    if keeps_searching || !wants_booking(input.user, input.system) {
        return false;
    }
    let in_focus = match d {
        Domain::Train => {
            (st.contains_key(&Slot::Leave) || st.contains_key(&Slot::Arrive))
                && st.contains_key(&Slot::Departure)
                && st.contains_key(&Slot::Destination)
        }
        _ => st.contains_key(&Slot::Name),
    };
    let has_details = st.keys().any(|s| s.is_book());
    // A train is booked only once one is pinned down: a confirmation from
    // another domain ("booking was successful") offers no train.
    let offered = if d == Domain::Train {
        train_offered(input.system)
    } else {
        offered_before(input.system)
    };
    in_focus || has_details || offered && input.db.count > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::text::normalize;

    #[test]
    fn another_domains_booking_confirmation_offers_no_train() {
        assert!(!train_offered(&normalize(
            "Booking was successful. Reference number is : 4TN7L0YD ."
        )));
        assert!(train_offered(&normalize(
            "TR9933 leaves at 14:06 and arrives by 15:01."
        )));
        assert!(train_offered(&normalize(
            "There is a train that leaves at 13:17."
        )));
    }

    #[test]
    fn details_given_before_an_unrelated_question_are_no_offer() {
        let accepts = |user: &str, system: &str| {
            accepts_offered_details(&normalize(user), &normalize(system))
        };
        assert!(!accepts(
            "Yes I would like some information on the Cambridge artworks.",
            "Certainly. They're located in postcode cb58rg. Do you need assistance with anything else today?"
        ));
        assert!(accepts(
            "Yes, please.",
            "It is in the centre. Would you like their phone number?"
        ));
        assert!(accepts("Sure.", "Do you need the address or the postcode?"));
    }
}
