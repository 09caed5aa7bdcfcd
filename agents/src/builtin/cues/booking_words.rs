//! The words behind the booking cues: asking to book or refusing, accepting an
//! offer, booking details and party sizes, and the system's booking questions,
//! confirmations and failures. Data only; the matching is in `cues`.

use multiwoz::Domain;

/// What is booked, named in an answer to a booking question.
pub(super) const BOOKED_GOODS_WORDS: &[&str] = &["nights", "tickets", "a table"];

/// Words that ask to book.
pub(super) const BOOK_WORDS: &[&str] = &[
    "book",
    "reserve",
    "reservation",
    "booking",
    "make it for",
    "reserved",
    "reference number",
    "confirmation number",
];

/// What is booked, named alone ("two tickets", "a table for four"): a request to
/// book, unless the turn asks what one costs.
pub(super) const BOOK_ITEM_WORDS: &[&str] = &[
    "tickets", "a ticket", "a table", "seats", "a seat", "one seat",
];

/// Phrases that refuse a booking ("no need to book", "I will book it myself").
pub(super) const NO_BOOK_WORDS: &[&str] = &[
    "dont book",
    "do not book",
    "no need to book",
    "not book",
    "wont book",
    "wont be booking",
    "wont need to book",
    "not booking",
    "book later",
    "book yet",
    "dont need to book",
    "dont need a reservation",
    "not ready to book",
    "dont need to make",
    "no booking",
    "book it myself",
    "book myself",
    "i will book",
    "ill book",
    "not at this time",
    "dont need a booking",
    "no thanks",
];

/// Words of a system turn that offers a booking.
pub(super) const BOOKING_OFFER_WORDS: &[&str] = &["book", "reserve", "reservation", "booking"];

/// Words that accept an offer.
pub(super) const ACCEPT_WORDS: &[&str] = &[
    "yes",
    "yeah",
    "sure",
    "please do",
    "that would be great",
    "sounds good",
    "go ahead",
    "ok",
    "okay",
    "perfect",
    "great",
    "yes please",
];

/// Words of booking details: party, nights, weekdays, times of day.
pub(super) const BOOKING_DETAIL_WORDS: &[&str] = &[
    "people",
    "persons",
    "person",
    "guests",
    "nights",
    "night",
    "of us",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "pm",
    "am",
];

/// Phrases that give a party size without a number ("just me", "a party of").
pub(super) const PARTY_PHRASES: &[&str] = &[
    "just me",
    "only me",
    "just myself",
    "only myself",
    "just one",
    "only one",
    "party of",
    "of us",
    "us both",
    "me and my",
    "my wife and i",
    "my husband and i",
    "my partner and i",
    "my friend and i",
];

/// Booking questions and promises of a system turn ("how many people", "I will book that now", "another day?").
pub(super) const ASKS_BOOKING_WORDS: &[&str] = &[
    "how many people",
    "how many guests",
    "how many tickets",
    "how many seats",
    "how many nights",
    "how many days",
    "how many will",
    "how many in your",
    "for how many",
    "yourself only",
    "multiple people",
    "party size",
    "in your party",
    "what day",
    "which day",
    "what time",
    "starting on what",
    "how long will you",
    "how long would you",
    "one moment",
    "moment for the reference",
    "go ahead and book",
    "will book",
    "will work on getting",
    "booking was unsuccessful",
    "was unsuccessful",
    "not available",
    "no availability",
    "another day",
    "shorter stay",
    "another time",
    "time slot",
];

/// Phrases of a system turn that reports a booking made.
pub(super) const BOOKED_WORDS: &[&str] = &[
    "reference number is",
    "reference number",
    "reference is",
    "ref",
    "booking was successful",
    "booking completed",
    "booking is complete",
    "successfully booked",
    "i have booked",
    "ive booked",
    "i booked",
    "booked you",
    "you are booked",
    "youre booked",
    "you are all set",
    "youre all set",
    "confirmation number",
];

/// Phrases of a booking that failed.
pub(super) const BOOKING_FAILED_WORDS: &[&str] = &[
    "unsuccessful",
    "not available",
    "no availability",
    "unable",
    "sorry",
];

/// The goods a booking confirmation names, by bookable domain.
pub(super) const BOOKED_GOODS: &[(Domain, &[&str])] = &[
    (
        Domain::Restaurant,
        &["table", "restaurant", "dinner", "lunch"],
    ),
    (
        Domain::Hotel,
        &[
            "room",
            "nights",
            "night",
            "stay",
            "hotel",
            "guesthouse",
            "guest house",
        ],
    ),
    (
        Domain::Train,
        &["train", "tickets", "ticket", "station", "seats", "gbp"],
    ),
];

/// Words besides the party nouns that may follow a party count ("four of us", "two altogether").
pub(super) const PARTY_UNIT_WORDS: &[&str] = &["of", "friends", "altogether", "total"];

/// Units after "for N" that make N something other than a party ("for 2 nights", "for 5 pm").
pub(super) const NOT_PARTY_UNITS: &[&str] = &[
    "night", "nights", "day", "days", "minutes", "hours", "hour", "stars", "star", "pm", "am",
    "oclock",
];
