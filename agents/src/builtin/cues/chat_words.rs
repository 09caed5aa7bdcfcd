//! The words behind the conversational cues: what a system turn asks for,
//! thanks and goodbyes, and declining an offer. Data only; the matching is in
//! `cues`.

use multiwoz::Slot;

/// The phrasings a system turn uses to ask for each slot.
pub(super) const SYSTEM_REQUEST_WORDS: &[(Slot, &[&str])] = &[
    (
        Slot::Area,
        &[
            "area",
            "part of town",
            "side of town",
            "part of the city",
            "where in town",
        ],
    ),
    (
        Slot::PriceRange,
        &[
            "price range",
            "pricerange",
            "price",
            "budget",
            "how expensive",
        ],
    ),
    (
        Slot::Food,
        &["type of food", "kind of food", "cuisine", "food"],
    ),
    (Slot::Stars, &["star", "stars", "rating"]),
    (Slot::Parking, &["parking"]),
    (Slot::Internet, &["internet", "wifi"]),
    (
        Slot::Type,
        &[
            "guesthouse or",
            "hotel or",
            "type of",
            "kind of",
            "what type",
            "what kind",
        ],
    ),
    (
        Slot::Day,
        &[
            "what day",
            "which day",
            "day would you",
            "day will you",
            "arrival day",
            "day of",
            "when would you",
            "when will you",
            "what night",
            "which night",
            "starting day",
        ],
    ),
    (
        Slot::BookPeople,
        &[
            "how many people",
            "how many guests",
            "how many tickets",
            "for how many",
            "party",
            "how many in",
        ],
    ),
    (Slot::BookStay, &["how many nights", "how long", "nights"]),
    (Slot::BookTime, &["what time"]),
    (
        Slot::Leave,
        &[
            "leave",
            "depart at",
            "departure time",
            "leaving",
            "to depart",
        ],
    ),
    (
        Slot::Arrive,
        &["arrive", "arrival", "be there by", "get there"],
    ),
    (
        Slot::Departure,
        &[
            "departing from",
            "leaving from",
            "where from",
            "from where",
            "departure",
            "pick you up",
            "picked up",
            "travel from",
            "where will you be leaving",
            "coming from",
            "travelling from",
            "traveling from",
        ],
    ),
    (
        Slot::Destination,
        &[
            "destination",
            "where to",
            "going to",
            "heading",
            "travel to",
            "traveling to",
            "travelling to",
            "where are you going",
            "where will you be going",
            "take you",
            "drop you off",
            "where would you like to go",
        ],
    ),
];

/// Thanks and goodbyes: a closing turn has one.
pub(super) const THANKS_WORDS: &[&str] = &[
    "thank",
    "thanks",
    "thankyou",
    "thx",
    "thanx",
    "thank u",
    "ty",
    "ta",
    "bye",
    "goodbye",
    "cheers",
    "that is all",
    "thats all",
    "that will be all",
    "thats it",
    "that is it",
    "nothing else",
    "no thanks",
    "all i need",
    "you have been",
    "great day",
    "appreciate",
];

/// Words of a turn that still has business (a request, a question).
pub(super) const BUSINESS_WORDS: &[&str] = &[
    "book",
    "need",
    "looking",
    "find",
    "phone",
    "address",
    "postcode",
    "reference",
    "also",
    "train",
    "taxi",
    "restaurant",
    "hotel",
    "how",
    "what",
    "could",
    "can you",
    "please",
];

/// Yes/no questions about what is on the table ("thanks, oh, is that in the
/// moderate price range?"): the turn thanks and still asks.
pub(super) const YES_NO_QUESTION_WORDS: &[&str] = &[
    "is that",
    "is this",
    // "is it" alone would catch "no, that it is it"; the question goes on.
    "is it in",
    "is it on",
    "is it near",
    "is it close",
    "is it cheap",
    "is it expensive",
    "is it moderately",
    "is it free",
    "is it a",
    "does it",
    "does that",
    "do they",
    "are they",
    "forgot to ask",
    "one more question",
];

/// Questions that offer what was found ("Would that work for you?").
pub(super) const OFFER_QUESTION_WORDS: &[&str] = &[
    "work for you",
    "would that work",
    "does that work",
    "sound good",
];

/// Acceptances beyond a plain yes ("that works for me").
pub(super) const WORKS_FOR_ME_WORDS: &[&str] = &[
    "works",
    "will work",
    "would work",
    "sounds great",
    "sounds perfect",
];

/// Words that put an offer off or turn it down ("not right now", "I'll book
/// it myself").
pub(super) const NOT_NOW_WORDS: &[&str] = &[
    "no",
    "not",
    "nope",
    "dont",
    "wont",
    "yet",
    "take care of",
    "for now",
    "later",
    "myself",
    "think about",
];

/// Words that put a request off for later ("we'll find a restaurant later"):
/// the domain such a clause names is not the one the turn is about.
pub(super) const PUT_OFF_WORDS: &[&str] = &[
    "later",
    "another time",
    "some other time",
    "for now",
    "hold off",
    "not now",
    "not right now",
    "not yet",
    "forget the",
    "forget about",
    "never mind the",
    "nevermind the",
    "skip the",
];

/// Goodbyes proper.
pub(super) const BYE_WORDS: &[&str] = &["bye", "goodbye"];

/// Attributes a thanking user may still ask for ("No thanks. I just need the phone number").
pub(super) const STILL_ASKING_WORDS: &[&str] = &[
    "phone",
    "address",
    "postcode",
    "post code",
    "reference number",
];

/// Words that ask about the venue at hand ("Thank you. Can I get some
/// information on it?"): a thanking turn with them still asks.
pub(super) const ABOUT_IT_WORDS: &[&str] = &[
    "information on it",
    "information about it",
    "info on it",
    "info about it",
    "details on it",
    "details about it",
    "more about it",
];

/// Words that, with a domain word, start a new request after thanks.
pub(super) const NEW_REQUEST_WORDS: &[&str] = &[
    "any",
    "wondering",
    "looking",
    "need",
    "want",
    "find",
    "finding",
    "recommend",
    "also",
    "like",
    "help",
    "search",
    "searching",
    "is there",
    "are there",
    "do you have",
];

/// Phrases that close a turn even when it mentions business ("no thanks, that is all I need").
pub(super) const ALL_DONE_WORDS: &[&str] = &[
    "thats all i need",
    "that is all i need",
    "no thanks",
    "nothing else",
    "all i need",
    "that s all",
    "that will be all",
];

/// Phrases that end the conversation without a thank-you ("perfect, that's
/// everything").
pub(super) const DONE_WORDS: &[&str] = &[
    "thats all",
    "that is all",
    "thats everything",
    "that is everything",
    "thats it",
    "that is it",
    "that will be all",
    "should be all",
    "should be it",
    "should do it",
    "that will do",
    "thatll do",
    "that does it",
    "nothing else",
    "im done",
    "i am done",
    "all set",
];

/// Phrases that decline an offer or ask for another option.
pub(super) const DECLINE_WORDS: &[&str] = &[
    "something else",
    "another",
    "different",
    "other options",
    "anything else available",
    "not that one",
    "any others",
    "other one",
];

/// Phrasings that ask for another option than the one offered.
pub(super) const ANOTHER_OPTION_WORDS: &[&str] = &[
    "another one",
    "another option",
    "another suggestion",
    "another restaurant",
    "another hotel",
    "another place",
    "another attraction",
    "another guesthouse",
    "something different",
    "something else",
    "a different one",
    "a different restaurant",
    "a different hotel",
    "a different place",
    "a different attraction",
    "other options",
    "other suggestions",
    "any others",
    "any other options",
    "what else is there",
    "what else do you have",
    "not that one",
    "dont like that one",
    "dont like it",
    "dont like the sound",
    "not what i wanted",
    "not what i want",
    "not what i was looking for",
    "not what im looking for",
    "not what i am looking for",
    "not interested in that",
    "not my thing",
    "doesnt sound good",
    "does not sound good",
    "doesnt appeal",
];
