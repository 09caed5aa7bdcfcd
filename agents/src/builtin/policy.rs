//! The built-in policy: what the system does next, from the domain's state, the
//! database result and the user's last turn.
//!
//! The decision is a [`Plan`]: a [`Kind`] of reply (request a constraint, offer a
//! venue, tell attributes, book, no match, goodbye …) and the placeholders the
//! reply must and may carry. Placeholders a user did not ask for are not added:
//! an offer names the venue and may describe it by the constraints the user
//! gave, phone numbers and addresses come only when asked, a reference only
//! with a booking.
//!
//! [`decide`] reads top to bottom in the order a turn meets the rules: a
//! closing, the details asked for, the domain's own rules; the tables the
//! rules consult come last.

use std::collections::{BTreeMap, BTreeSet};

use multiwoz::{Domain, Slot};

use super::cues::{
    Ask, accepts_offer, asks_about_it, is_closing, says_done, system_requests, user_asks,
};
use super::intent::{
    accepts_offered_details, asks_information, asks_more_about, booking_intent, booking_slots,
    train_offered, wants_suggestion,
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
    /// Whether at most one entity matches, so a reply describing two ("one
    /// is [value_name] … the other is [value_name]") would name it twice.
    pub single_entity: bool,
    /// The amenities a reply may claim ([`INTERNET`], [`PARKING`] bits): one the
    /// user asked to have, or the offered venue has. "We have 29 hotels that
    /// have free wifi" is false when the user asked for parking.
    pub amenities: u8,
    /// The venue-type words ([`TYPE_WORDS`] bits) a reply may call the venue:
    /// an offer of a nightclub must not read "a great college".
    pub type_words: u32,
}

/// Words a reply may use for a venue's type, as the pool's replies write them,
/// each with the database types it is true of.
pub const TYPE_WORDS: [(&str, &[&str]); 24] = [
    ("college", &["college"]),
    ("museum", &["museum"]),
    ("nightclub", &["nightclub"]),
    ("theatre", &["theatre"]),
    ("cinema", &["cinema"]),
    ("park", &["park"]),
    ("pool", &["swimmingpool"]),
    ("church", &["architecture"]),
    ("gallery", &["museum"]),
    ("boat", &["boat"]),
    ("concert", &["concerthall"]),
    ("guesthouse", &["guesthouse"]),
    ("guest house", &["guesthouse"]),
    // Words of what one does there tie a reply to a type as much as its name:
    // a boat is no place "if you like dancing".
    ("dancing", &["nightclub"]),
    ("dance", &["nightclub"]),
    ("club", &["nightclub"]),
    ("swimming", &["swimmingpool"]),
    ("swim", &["swimmingpool"]),
    ("film", &["cinema"]),
    ("movie", &["cinema"]),
    ("punting", &["boat"]),
    ("exhibit", &["museum"]),
    ("exhibition", &["museum"]),
    ("sports", &["multiple sports"]),
];

/// The [`TYPE_WORDS`] bits true of a venue of database type `value`.
pub fn type_word_bits(value: &str) -> u32 {
    TYPE_WORDS
        .iter()
        .enumerate()
        .filter(|(_, (_, types))| types.contains(&value))
        .fold(0, |bits, (i, _)| bits | 1 << i)
}

/// The amenity bit of internet (wifi) in [`Plan::amenities`].
pub const INTERNET: u8 = 1;
/// The amenity bit of parking in [`Plan::amenities`].
pub const PARKING: u8 = 2;

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
            single_entity: false,
            amenities: INTERNET | PARKING,
            type_words: u32::MAX,
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
    /// Whether an earlier system turn named a train (its id): seats asked for
    /// later are on that train.
    pub train_named: bool,
}

/// Decides the next reply.
pub fn decide(input: &PolicyInput<'_>) -> Plan {
    let mut plan = decide_plan(input);
    // A reply about the offered venue calls it by its own type only.
    let about_venue = matches!(plan.kind, Kind::Offer | Kind::Attrs | Kind::Book);
    if about_venue
        && matches!(input.domain, Domain::Attraction | Domain::Hotel)
        && let Some(kind) = input.db.record.as_ref().and_then(|r| r.fields.get("type"))
    {
        plan.type_words = type_word_bits(kind);
        if let Some(then) = &mut plan.then {
            then.type_words = plan.type_words;
        }
    }
    if input.domain == Domain::Hotel {
        let amenities = true_amenities(input, plan.kind);
        plan.amenities = amenities;
        if let Some(then) = &mut plan.then {
            then.amenities = amenities;
        }
    }
    plan
}

/// The amenities a hotel reply of `kind` can truly claim: those the user asked
/// for (every match has them) and, when the reply is about the offered venue,
/// those it has.
fn true_amenities(input: &PolicyInput<'_>, kind: Kind) -> u8 {
    let about_venue = matches!(kind, Kind::Offer | Kind::Attrs | Kind::Book);
    let has = |slot: Slot, field: &str| {
        input
            .state
            .get(&slot)
            .is_some_and(|v| matches!(v.as_str(), "yes" | "free"))
            || about_venue
                && input
                    .db
                    .record
                    .as_ref()
                    .and_then(|r| r.fields.get(field))
                    .is_some_and(|v| matches!(v.as_str(), "yes" | "free"))
    };
    let mut bits = 0;
    if has(Slot::Internet, "internet") {
        bits |= INTERNET;
    }
    if has(Slot::Parking, "parking") {
        bits |= PARKING;
    }
    bits
}

fn decide_plan(input: &PolicyInput<'_>) -> Plan {
    let d = input.domain;
    let filled = |s: Slot| input.state.contains_key(&s);
    let user = input.user;
    // "Charlie Chan sounds good. Thank you!" to "Would you like to book?"
    // accepts the booking; it closes nothing.
    // "Oh, I'll be departing from bishops stortford, yes, thanks." gives what
    // the search needed: a value of the state said in a turn that does not
    // say it is done goes on with the search.
    let gives_value = || {
        !says_done(user)
            && input.state.iter().any(|(s, v)| {
                !s.is_book() && v.len() >= 4 && v != DONTCARE && contains_phrase(user, v)
            })
    };
    if is_closing(user)
        && !(accepts_offer(user, input.system) && booking_intent(input))
        && !gives_value()
    {
        let bye = contains_any(user, GOODBYE_PHRASES) || says_done(user);
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
            // A taxi is sent only for a known trip: where from, where to and
            // when. Until then the reply asks, whatever else the user asked.
            // A time the user left open ("any time") is no time the
            // dispatcher can send a car for: without a car the time is asked.
            if missing.is_empty() && input.db.record.is_none() {
                missing.push(Slot::Leave);
            }
            if missing.is_empty() {
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
            // "Where is the cardiology ward?": the department is in the
            // hospital, and where the hospital is answers it.
            if contains_any(user, &["where"]) && !must.contains(&"address") {
                must.push("address");
            }
            if must.is_empty() {
                must = vec!["phone"];
            }
            // A department asked for is named with its number: whose phone it
            // is matters as much as the number.
            if d == Domain::Hospital && filled(Slot::Department) {
                must.push("department");
            }
            Plan::new(d, Kind::Attrs).with(
                &must,
                &["name", "address", "postcode", "department", "phone"],
            )
        }
        _ => venue_or_train(input, &asks),
    }
}

/// The rules of the venue and train domains, in the order a turn meets them: a
/// booking, attributes asked for, no match, constraints still missing, an offer.
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
        // An answer tells what was asked; of the venue's other details only
        // those the user chose it by (and how many, and the price) come along.
        let chosen_by = |p: &str| match p {
            "area" => filled(Slot::Area),
            "food" => filled(Slot::Food),
            "type" => filled(Slot::Type),
            "stars" => filled(Slot::Stars),
            // How many there are is no attribute of a venue the user named.
            "choice" => !filled(Slot::Name),
            _ => true,
        };
        may.extend(
            describe(d)
                .iter()
                .copied()
                .filter(|p| d == Domain::Train || chosen_by(p)),
        );
        let mut p = Plan::new(d, Kind::Attrs).with(&must, &may);
        p.prefer.insert(name_ph.to_string());
        p.fallback_without = Some(name_ph.to_string());
        p
    };
    // People asking about a venue by name, or for more about the one offered,
    // want to find and reach it; the human replies give its address with the
    // postcode, and a phone number.
    // "Thanks! Can I get some information on it?" asks about the venue the
    // system offered; "a place called X, can you give me some info on it?"
    // asks what the venue just named is (an offer tells that).
    let named_here = input
        .state
        .get(&Slot::Name)
        .is_some_and(|n| contains_phrase(input.user, n));
    // "It" is a venue the system just named (or the user chose), never the
    // first row of a search nobody saw.
    let at_hand = filled(Slot::Name)
        || input
            .db
            .record
            .as_ref()
            .and_then(|r| r.name())
            .is_some_and(|n| n.len() >= 3 && contains_phrase(input.system, &n.to_lowercase()));
    let about_venue = d == Domain::Attraction && filled(Slot::Name) && asks_information(input.user)
        || matches!(d, Domain::Restaurant | Domain::Hotel) && asks_more_about(input.user)
        || matches!(d, Domain::Restaurant | Domain::Hotel | Domain::Attraction)
            && asks_about_it(input.user)
            && at_hand
            && !named_here;
    let reach_plan = || {
        let mut p = attrs_plan(&["address", "postcode", "phone"]);
        p.fallback_without = Some("postcode".to_string());
        p
    };
    if booking {
        let mut missing: Vec<Slot> = booking_slots(d)
            .iter()
            .copied()
            .filter(|s| !filled(*s))
            .collect();
        // A train offer accepted with "yes please" is booked for the one traveller.
        if d == Domain::Train && train_offered(input.system) {
            missing.clear();
        } else if d == Domain::Train && !input.train_named {
            // Seats on a train nobody has chosen: which train is unknown until
            // its route and day are. Every train runs to or from Cambridge, so
            // one end other than Cambridge gives the route.
            let elsewhere = [Slot::Departure, Slot::Destination]
                .iter()
                .any(|s| st.get(s).is_some_and(|v| v != "cambridge"));
            let mut unknown: Vec<Slot> = Vec::new();
            if !elsewhere {
                unknown.extend(
                    [Slot::Departure, Slot::Destination]
                        .into_iter()
                        .filter(|s| !filled(*s)),
                );
            }
            if !filled(Slot::Day) {
                unknown.push(Slot::Day);
            }
            // Of the day's trains on that route, the one wanted is known by
            // when it leaves or arrives; asked once and not said, any will do
            // (the first).
            let time_asked = system_requests(input.system)
                .iter()
                .any(|s| matches!(s, Slot::Leave | Slot::Arrive));
            if !filled(Slot::Leave) && !filled(Slot::Arrive) && count > 1 && !time_asked {
                unknown.push(Slot::Leave);
            }
            missing = unknown.into_iter().chain(missing).collect();
        }
        // A venue named in the state exists even when other constraints no
        // longer match it (the user changed them): book it.
        let bookable = count > 0 || filled(Slot::Name);
        // A question asked along with the booking ("how much are the tickets",
        // "get me the train id") is answered before the booking details are asked.
        if !missing.is_empty() && bookable && !attr_asks.is_empty() {
            return attrs_plan(&attr_asks);
        }
        // "Yes, can I get more info?" asks before it books.
        if !missing.is_empty() && bookable && about_venue {
            return reach_plan();
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
    if about_venue && count > 0 {
        return reach_plan();
    }
    // "I'm interested in going to Cherry Hinton Water Play": an attraction the
    // user names is one to find; most human replies give where it is.
    let named_now = st
        .get(&Slot::Name)
        .is_some_and(|n| n.len() >= 4 && input.user.contains(n.as_str()));
    if d == Domain::Attraction && named_now && count > 0 {
        let mut p = attrs_plan(&["address"]);
        p.may.extend(["area", "price", "type"].map(String::from));
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
    // A question answered with "I don't mind" asks for no further questions.
    let waved_off = just_asked
        .iter()
        .any(|s| st.get(s).is_some_and(|v| v == DONTCARE));
    let suggest = wants_suggestion(input.user) || waved_off && d != Domain::Train;
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

/// Phrases of a closing turn that says goodbye (rather than asking if there is
/// anything else), besides those that say the user is done
/// ([`says_done`]: "that's everything", "bye").
const GOODBYE_PHRASES: &[&str] = &["no thank", "have a good", "have a great", "have a nice"];

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
        Ask::Parking if domain == Domain::Hotel => "parking",
        Ask::Internet if domain == Domain::Hotel => "internet",
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
