//! The built-in policy: what the system does next, from the domain's state, the
//! database result and the user's last turn.
//!
//! The decision is a [`Plan`]: a [`Kind`] of reply (request a constraint, offer a
//! venue, tell attributes, book, no match, goodbye …) and the placeholders the
//! reply must and may carry. Placeholders a user did not ask for are not added:
//! an offer names the venue and may describe it by the constraints the user
//! gave, phone numbers and addresses come only when asked, a reference only
//! with a booking.

use std::collections::{BTreeMap, BTreeSet};

use multiwoz::{Domain, Slot};

use super::cues::{
    Ask, asks_booking, declines, gives_party, is_closing, mentions_booking_details,
    system_requests, user_asks, wants_booking,
};
use super::pool::Kind;
use super::text::{contains_any, contains_phrase};
use super::tracker::DONTCARE;
use crate::roles::DbResult;

/// What the reply should do and which placeholders it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The domain the reply serves.
    pub domain: Domain,
    /// What it does.
    pub kind: Kind,
    /// Placeholders it must carry (`name`, `phone`, `reference`, …).
    pub must: BTreeSet<String>,
    /// Placeholders it may carry besides.
    pub may: BTreeSet<String>,
    /// Placeholders that make a reply preferable (naming the venue).
    pub prefer: BTreeSet<String>,
    /// For requests: the slots that may be asked for, most wanted first
    /// (MultiWOZ act slot names: `area`, `price`, `people`, `depart`, …).
    pub requests: Vec<String>,
    /// A second reply part (attributes asked for along with a booking).
    pub then: Option<Box<Plan>>,
    /// A required placeholder to drop when no reply in the pool carries it.
    pub fallback_without: Option<String>,
}

impl Plan {
    fn new(domain: Domain, kind: Kind) -> Plan {
        Plan {
            domain,
            kind,
            must: BTreeSet::new(),
            may: BTreeSet::new(),
            prefer: BTreeSet::new(),
            requests: Vec::new(),
            then: None,
            fallback_without: None,
        }
    }

    fn with(mut self, must: &[&str], may: &[&str]) -> Plan {
        self.must.extend(must.iter().map(|s| s.to_string()));
        self.may.extend(may.iter().map(|s| s.to_string()));
        self
    }
}

/// Everything the policy looks at.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInput<'a> {
    /// The domain the turn was routed to.
    pub domain: Domain,
    /// That domain's state (with `dontcare` values where known).
    pub state: &'a BTreeMap<Slot, String>,
    /// The database result for the domain.
    pub db: &'a DbResult,
    /// The user's last turn, normalized.
    pub user: &'a str,
    /// The system turn before it, normalized.
    pub system: &'a str,
    /// Whether an earlier system turn already confirmed a booking in this
    /// domain (so complete booking details do not book again).
    pub confirmed: bool,
}

/// The placeholder that answers an ask, in a domain.
fn ask_placeholder(ask: Ask, domain: Domain) -> Option<&'static str> {
    Some(match ask {
        Ask::Phone => "phone",
        Ask::Address => "address",
        Ask::Postcode => "postcode",
        Ask::TrainId if domain == Domain::Train => "id",
        Ask::Price => "price",
        Ask::Leave if domain == Domain::Train => "leave",
        Ask::Arrive if domain == Domain::Train => "arrive",
        Ask::Duration if domain == Domain::Train => "time",
        Ask::Area if domain != Domain::Train => "area",
        Ask::Food if domain == Domain::Restaurant => "food",
        Ask::Type if matches!(domain, Domain::Hotel | Domain::Attraction) => "type",
        Ask::Stars if domain == Domain::Hotel => "stars",
        Ask::Car if domain == Domain::Taxi => "car",
        _ => return None,
    })
}

/// The act slot name used in MultiWOZ requests for a state slot.
fn request_name(slot: Slot) -> &'static str {
    match slot {
        Slot::PriceRange => "price",
        Slot::Departure => "depart",
        Slot::Destination => "dest",
        Slot::BookDay => "day",
        Slot::BookPeople => "people",
        Slot::BookStay => "stay",
        Slot::BookTime => "time",
        other => other.as_str(),
    }
}

/// The description placeholders an offer may carry in a domain.
fn describe(domain: Domain) -> &'static [&'static str] {
    match domain {
        Domain::Restaurant => &["choice", "area", "food", "price"],
        Domain::Hotel => &["choice", "area", "price", "type", "stars"],
        Domain::Attraction => &["choice", "area", "type", "price"],
        Domain::Train => &[
            "choice",
            "leave",
            "arrive",
            "day",
            "departure",
            "destination",
            "price",
            "time",
        ],
        _ => &[],
    }
}

/// Decides the next reply.
pub fn decide(input: &PolicyInput<'_>) -> Plan {
    let d = input.domain;
    let filled = |s: Slot| input.state.contains_key(&s);
    let user = input.user;
    if is_closing(user) {
        let bye = contains_any(
            user,
            &[
                "bye",
                "goodbye",
                "that is all",
                "thats all",
                "nothing else",
                "no thank",
                "no thanks",
                "that will be all",
                "all i need",
                "thats it",
                "that is it",
                "all set",
                "have a good",
                "have a great",
                "have a nice",
            ],
        );
        return Plan::new(d, if bye { Kind::Bye } else { Kind::Reqmore });
    }
    // "Would you like their address?" - "Yes, please": the offered details are asked for.
    let mut asked = user_asks(user);
    if accepts_offered_details(user, input.system) {
        for a in user_asks(input.system) {
            if matches!(a, Ask::Phone | Ask::Address | Ask::Postcode) && !asked.contains(&a) {
                asked.push(a);
            }
        }
    }
    let asks: Vec<&'static str> = asked
        .into_iter()
        .filter_map(|a| ask_placeholder(a, d))
        .filter(|a| d != Domain::Train || !matches!(*a, "phone" | "address" | "postcode"))
        .collect();
    match d {
        Domain::Taxi => {
            let mut missing: Vec<Slot> = [Slot::Departure, Slot::Destination]
                .into_iter()
                .filter(|s| !filled(*s))
                .collect();
            if !filled(Slot::Leave) && !filled(Slot::Arrive) {
                missing.push(Slot::Leave);
            }
            let places = filled(Slot::Departure) as u8 + filled(Slot::Destination) as u8;
            let time = filled(Slot::Leave) || filled(Slot::Arrive);
            let enough = places == 2 || (places == 1 && time);
            if missing.is_empty() || enough || asks.contains(&"car") || asks.contains(&"phone") {
                return Plan::new(d, Kind::Book).with(
                    &["car", "phone"],
                    &["leave", "arrive", "departure", "destination"],
                );
            }
            let mut p = Plan::new(d, Kind::Request);
            p.requests = missing
                .into_iter()
                .map(|s| request_name(s).to_string())
                .chain(["arrive".to_string()])
                .collect();
            p
        }
        Domain::Police | Domain::Hospital => {
            let mut must: Vec<&str> = asks
                .iter()
                .copied()
                .filter(|a| matches!(*a, "phone" | "address" | "postcode"))
                .collect();
            if must.is_empty() {
                must = vec!["phone"];
            }
            Plan::new(d, Kind::Attrs).with(
                &must,
                &["name", "address", "postcode", "department", "phone"],
            )
        }
        _ => venue_or_train(input, &asks),
    }
}

/// Whether the user accepts the system's offer to give contact details
/// ("Would you like the address?" - "Yes, please.").
fn accepts_offered_details(user: &str, system: &str) -> bool {
    let offers = contains_any(
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
    ) && contains_any(
        system,
        &[
            "address",
            "phone",
            "postcode",
            "post code",
            "number",
            "contact",
        ],
    ) && !contains_any(system, &["book", "reservation", "reserve", "tickets"]);
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
fn wants_suggestion(user: &str) -> bool {
    contains_any(
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
        ],
    )
}

/// Whether the previous system turn offered a venue or a train to book.
fn offered_before(system: &str) -> bool {
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
fn train_offered(system: &str) -> bool {
    let has_id = system
        .split(' ')
        .any(|t| t.len() > 2 && t.starts_with("tr") && t[2..].bytes().all(|b| b.is_ascii_digit()));
    has_id
        || contains_phrase(system, "train")
            && contains_any(
                system,
                &["leaves", "departs", "arrives", "leaving", "departing"],
            )
}

/// Whether the user asks about a venue in general ("information on X"): people
/// asking so want how to reach it, and the human replies give address and phone.
fn asks_information(user: &str) -> bool {
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

/// Whether the user wants a booking now: asks for one with a venue or train in
/// focus, accepts an offer to book, or answers the system's booking questions.
fn booking_intent(input: &PolicyInput<'_>) -> bool {
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
            &["no", "not", "dont", "nope", "hold off", "later", "myself"],
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
    if (asked_booking_details || booking_question) && !refuses {
        return true;
    }
    // Details the user gave for a booking that has not been made yet book it
    // once the venue is pinned down, whatever this turn says besides.
    let details: &[Slot] = match d {
        Domain::Restaurant => &[Slot::BookDay, Slot::BookPeople, Slot::BookTime],
        Domain::Hotel => &[Slot::BookDay, Slot::BookPeople, Slot::BookStay],
        _ => &[Slot::BookPeople],
    };
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
        && details.iter().all(|s| st.contains_key(s))
        && !refuses
        && !is_closing(input.user)
    {
        return true;
    }
    // "8 people for 3 nights starting wednesday" books without the word "book".
    let needed: &[Slot] = match d {
        Domain::Restaurant => &[Slot::BookDay, Slot::BookPeople, Slot::BookTime],
        Domain::Hotel => &[Slot::BookDay, Slot::BookPeople, Slot::BookStay],
        _ => &[Slot::BookPeople],
    };
    if needed.iter().all(|s| st.contains_key(s))
        && mentions_booking_details(input.user)
        && d != Domain::Train
    {
        return true;
    }
    // "Can I get 1 ticket for that?" after a proposed train books it.
    if d == Domain::Train && train_offered(input.system) && gives_party(input.user) && !refuses {
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
    if !wants_booking(input.user, input.system) {
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

fn venue_or_train(input: &PolicyInput<'_>, asks: &[&'static str]) -> Plan {
    let d = input.domain;
    let st = input.state;
    let filled = |s: Slot| st.contains_key(&s);
    let name_ph = if d == Domain::Train { "id" } else { "name" };
    let count = input.db.count;
    let booking = d != Domain::Attraction && booking_intent(input);
    let attr_asks: Vec<&str> = asks
        .iter()
        .copied()
        .filter(|a| *a != name_ph || d == Domain::Train)
        .collect();

    // Attribute replies name the venue they describe: people want to know whose
    // phone number it is, and the evaluator credits an offer only by name.
    let attrs_plan = |asks: &[&str]| {
        let mut must: Vec<&str> = asks.to_vec();
        if d != Domain::Train && !must.contains(&name_ph) {
            must.push(name_ph);
        }
        let mut may: Vec<&str> = vec![name_ph];
        may.extend(describe(d));
        let mut p = Plan::new(d, Kind::Attrs).with(&must, &may);
        p.prefer.insert(name_ph.to_string());
        p.fallback_without = Some(name_ph.to_string());
        p
    };
    if booking {
        let needed: &[Slot] = match d {
            Domain::Restaurant => &[Slot::BookDay, Slot::BookPeople, Slot::BookTime],
            Domain::Hotel => &[Slot::BookDay, Slot::BookPeople, Slot::BookStay],
            _ => &[Slot::BookPeople],
        };
        let mut missing: Vec<Slot> = needed.iter().copied().filter(|s| !filled(*s)).collect();
        // A train offer accepted with "yes please" is booked for the one traveller.
        if d == Domain::Train && train_offered(input.system) {
            missing.clear();
        }
        // A venue named in the state exists even when other constraints no
        // longer match it (the user changed them): book it.
        let bookable = count > 0 || filled(Slot::Name);
        // A question asked along with the booking ("how much are the tickets",
        // "get me the train id") is answered before the booking details are asked.
        if !missing.is_empty() && bookable && !attr_asks.is_empty() {
            return attrs_plan(&attr_asks);
        }
        if !missing.is_empty() && bookable {
            let mut p = Plan::new(d, Kind::BookRequest).with(&[], &[name_ph, "choice"]);
            p.requests = missing
                .into_iter()
                .map(|s| request_name(s).to_string())
                .collect();
            return p;
        }
        if bookable {
            // A venue's confirmation names what was booked (and so credits the
            // offer); a train's, like most human ones, gives the reference and
            // the fare, and the train id only when it was asked for.
            let must: &[&str] = if d == Domain::Train {
                &["reference"]
            } else {
                &["reference", name_ph]
            };
            let mut p = Plan::new(d, Kind::Book).with(
                must,
                &[
                    name_ph,
                    "people",
                    "day",
                    "time",
                    "stay",
                    "price",
                    "leave",
                    "arrive",
                    "departure",
                    "destination",
                ],
            );
            if d != Domain::Train {
                p.prefer.insert(name_ph.to_string());
                p.fallback_without = Some(name_ph.to_string());
            }
            let rest: Vec<&str> = attr_asks
                .iter()
                .copied()
                .filter(|a| matches!(*a, "phone" | "address" | "postcode") || d == Domain::Train)
                .collect();
            if !rest.is_empty() {
                p.then = Some(Box::new(attrs_plan(&rest)));
            }
            return p;
        }
    }
    if !attr_asks.is_empty() && (count > 0 || filled(Slot::Name)) {
        return attrs_plan(&attr_asks);
    }
    // People asking about a venue by name want to find and reach it; the
    // human replies give its address with the postcode, and a phone number.
    if d == Domain::Attraction && filled(Slot::Name) && count > 0 && asks_information(input.user) {
        let mut p = attrs_plan(&["address", "postcode", "phone"]);
        p.fallback_without = Some("postcode".to_string());
        return p;
    }
    let informed: Vec<&str> = st
        .iter()
        .filter(|(s, v)| !s.is_book() && v.as_str() != DONTCARE)
        .filter_map(|(s, _)| match s {
            Slot::Area => Some("area"),
            Slot::Food => Some("food"),
            Slot::PriceRange => Some("price"),
            Slot::Type => Some("type"),
            Slot::Stars => Some("stars"),
            Slot::Day => Some("day"),
            Slot::Departure => Some("departure"),
            Slot::Destination => Some("destination"),
            Slot::Leave => Some("leave"),
            Slot::Arrive => Some("arrive"),
            Slot::Name => Some("name"),
            _ => None,
        })
        .collect();
    if count == 0 {
        return Plan::new(d, Kind::NoOffer).with(&[], &informed);
    }
    let wanted: &[Slot] = match d {
        Domain::Train => &[Slot::Departure, Slot::Destination, Slot::Day],
        Domain::Restaurant => &[Slot::Food, Slot::Area, Slot::PriceRange],
        Domain::Hotel => &[Slot::Area, Slot::PriceRange, Slot::Stars, Slot::Type],
        _ => &[Slot::Type, Slot::Area],
    };
    let mut missing: Vec<Slot> = wanted.iter().copied().filter(|s| !filled(*s)).collect();
    if d == Domain::Train && !filled(Slot::Leave) && !filled(Slot::Arrive) {
        missing.push(Slot::Leave);
        missing.push(Slot::Arrive);
    }
    // A slot the system just asked for and the user did not give is one the
    // user does not care about: ask for something else or offer.
    let just_asked = system_requests(input.system);
    missing.retain(|s| {
        !just_asked.contains(s)
            || d == Domain::Train && matches!(s, Slot::Departure | Slot::Destination | Slot::Day)
    });
    let threshold = match d {
        Domain::Train => 0,
        Domain::Attraction => 15,
        _ => 10,
    };
    let must_ask = d == Domain::Train
        && missing
            .iter()
            .any(|s| matches!(s, Slot::Departure | Slot::Destination | Slot::Day));
    // "Can you suggest one?", "no preference": the user wants an offer now.
    let suggest = wants_suggestion(input.user);
    if !missing.is_empty() && !filled(Slot::Name) && (count > threshold && !suggest || must_ask) {
        let mut may = vec!["choice"];
        may.extend(informed.iter().copied());
        let mut p = Plan::new(d, Kind::Request).with(&[], &may);
        p.requests = missing
            .into_iter()
            .map(|s| request_name(s).to_string())
            .collect();
        return p;
    }
    let mut may: Vec<&str> = describe(d).to_vec();
    may.extend(informed.iter().copied());
    Plan::new(d, Kind::Offer).with(&[name_ph], &may)
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
}
