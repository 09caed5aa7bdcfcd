//! Questions the manager answers from the dialog memory rather than from a
//! fresh database search: the facts of a booking already made ("what's the
//! total?" after four train tickets, "what was the reference?"), and details asked when the conversation
//! has named no venue to give them for ("what's the postcode?" as a first
//! turn), and what a night costs at the hotel at hand (the database's room
//! prices, which no agent's record carries).
//!
//! An agent answers from the state and one database record. After a booking
//! that record is the first match of the state, not necessarily what was
//! booked, and a price on it is one ticket's; with nothing offered it is a
//! venue the user never heard of. Whatever the backend, the booking's total is
//! the unit price times the people, and a question about no venue in
//! particular is answered with a question.

use agents::builtin::cues::{Ask, domain_words, user_asks};
use agents::builtin::text::normalize;
use agents::roles::{DbResult, DialogState};
use multiwoz::{Domain, Slot};

use crate::lexicalize::total_price;
use crate::memory::DialogMemory;
use multiwoz::db::Database;

mod rooms;

/// A reply the manager writes itself, delexicalized and as shown.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Recall {
    /// With placeholders, as the benchmark records replies.
    pub delex: String,
    /// As the user reads it.
    pub reply: String,
    /// The record the reply is about (the booked train), or none.
    pub db: DbResult,
    /// Why the manager answered, for the turn's reason.
    pub why: &'static str,
}

/// What a question about a booked train may ask besides its price.
const TRAIN_FACTS: [Ask; 6] = [
    Ask::Price,
    Ask::Reference,
    Ask::TrainId,
    Ask::Leave,
    Ask::Arrive,
    Ask::Duration,
];

/// The answer from `memory` to the `user` turn routed to `domain`, when it is
/// a question the manager answers itself. `previous` is the state before the
/// turn: a turn that changes the booking is the agent's to rebook.
pub(crate) fn answer(
    memory: &DialogMemory,
    db: &Database,
    domain: Domain,
    state: &DialogState,
    previous: &DialogState,
    user: &str,
) -> Option<Recall> {
    let norm = normalize(user);
    let asks = user_asks(&norm);
    let named = domain_words(&norm);
    if named.iter().any(|d| *d != domain) {
        return None;
    }
    // A turn that changes the domain's state changes the booking: the agent's.
    let unchanged = state.get(&domain) == previous.get(&domain);
    unchanged
        .then(|| {
            booked_train(memory, domain, &asks).or_else(|| booked_reference(memory, domain, &asks))
        })
        .flatten()
        // A price question about the hotel at hand, which the turn may have
        // named (the state then holds its name) but not changed otherwise.
        .or_else(|| {
            fn searched(s: &DialogState) -> Vec<(&Slot, &String)> {
                s.get(&Domain::Hotel)
                    .into_iter()
                    .flatten()
                    .filter(|(slot, _)| **slot != Slot::Name)
                    .collect()
            }
            (domain == Domain::Hotel
                && asks.contains(&Ask::Price)
                && searched(state) == searched(previous))
            .then(|| rooms::room_prices(memory, db, &norm))
            .flatten()
        })
        .or_else(|| which_venue(memory, domain, state, &asks, !named.is_empty()))
}

/// The domain a question of details is about when the router picked one with
/// nothing at hand ("May I get the phone number?" routed to attraction while
/// the conversation is on a guesthouse): the domain whose remembered entity
/// the last system turn named, else the only domain with one. `None` keeps the
/// router's pick: the turn names a domain, asks nothing, or the pick has an
/// entity or a search of its own.
pub(crate) fn venue_at_hand(
    memory: &DialogMemory,
    routed: Domain,
    state: &DialogState,
    user: &str,
    last_system: Option<&str>,
) -> Option<Domain> {
    let norm = normalize(user);
    if user_asks(&norm).is_empty() || !domain_words(&norm).is_empty() {
        return None;
    }
    let has_entity = |d: Domain| {
        memory
            .domain(d)
            .is_some_and(|m| m.offered.is_some() || m.booking.is_some())
    };
    if has_entity(routed) || state.get(&routed).is_some_and(|s| !s.is_empty()) {
        return None;
    }
    let candidates: Vec<Domain> = Domain::ALL
        .into_iter()
        .filter(|d| *d != routed && has_entity(*d))
        .collect();
    let system = last_system.unwrap_or_default().to_lowercase();
    let named_last = candidates.iter().copied().find(|d| {
        memory
            .domain(*d)
            .and_then(|m| m.offered.as_ref())
            .and_then(|o| o.name())
            .is_some_and(|name| !name.is_empty() && system.contains(&name.to_lowercase()))
    });
    match (named_last, candidates.as_slice()) {
        (Some(d), _) => Some(d),
        (None, [d]) => Some(*d),
        _ => None,
    }
}

/// The price of a booked train for all its passengers, with the other facts
/// of that booking the turn asks for.
fn booked_train(memory: &DialogMemory, domain: Domain, asks: &[Ask]) -> Option<Recall> {
    if domain != Domain::Train
        || !asks.contains(&Ask::Price)
        || asks.iter().any(|a| !TRAIN_FACTS.contains(a))
    {
        return None;
    }
    let remembered = memory.domain(domain)?;
    let booking = remembered.booking.as_ref()?;
    let train = booking.record.as_ref()?;
    // A train offered since the booking is what a price question is about.
    if remembered
        .offered
        .as_ref()
        .is_some_and(|o| o.id != train.id)
    {
        return None;
    }
    let unit = train.get("price")?;
    let id = train.get("trainID").unwrap_or(&train.id);
    let people: u32 = booking
        .details
        .get(&Slot::BookPeople)
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(1);
    let mut parts: Vec<(String, Vec<(&str, String)>)> = Vec::new();
    if people > 1 {
        parts.push((
            "The total for [value_people] tickets on [value_id] is [value_price] ({unit} each), payable at the station.".replace("{unit}", unit),
            vec![
                ("[value_people]", people.to_string()),
                ("[value_id]", id.to_string()),
                ("[value_price]", total_price(unit, people)?),
            ],
        ));
    } else {
        parts.push((
            "A ticket on [value_id] costs [value_price], payable at the station.".into(),
            vec![
                ("[value_id]", id.to_string()),
                ("[value_price]", unit.to_string()),
            ],
        ));
    }
    let leave = asks.contains(&Ask::Leave);
    let arrive = asks.contains(&Ask::Arrive);
    if leave || arrive {
        let mut times = Vec::new();
        let mut text = String::from("It");
        if leave && let Some(t) = train.get("leaveAt") {
            text.push_str(" leaves at [value_leave]");
            times.push(("[value_leave]", t.to_string()));
        }
        if arrive && let Some(t) = train.get("arriveBy") {
            text.push_str(if times.is_empty() {
                " arrives at [value_arrive]"
            } else {
                " and arrives at [value_arrive]"
            });
            times.push(("[value_arrive]", t.to_string()));
        }
        if !times.is_empty() {
            text.push('.');
            parts.push((text, times));
        }
    }
    if asks.contains(&Ask::Duration)
        && let Some(t) = train.get("duration")
    {
        parts.push((
            "The journey takes [value_time].".into(),
            vec![("[value_time]", t.to_string())],
        ));
    }
    if asks.contains(&Ask::Reference) {
        parts.push((
            "Your reference number is [value_reference].".into(),
            vec![("[value_reference]", booking.reference.clone())],
        ));
    }
    parts.push(("Is there anything else I can help with?".into(), Vec::new()));
    let delex = parts
        .iter()
        .map(|(t, _)| t.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let values: Vec<(&str, String)> = parts.into_iter().flat_map(|(_, v)| v).collect();
    let reply = filled(&delex, &values);
    Some(Recall {
        delex,
        reply,
        db: DbResult {
            domain,
            count: 1,
            record: Some(train.clone()),
        },
        why: "the booked train's price for everyone, from the dialog memory",
    })
}

/// "What was the reference?" after a booking: the booking's, whatever the
/// state would match now.
fn booked_reference(memory: &DialogMemory, domain: Domain, asks: &[Ask]) -> Option<Recall> {
    if asks != [Ask::Reference] {
        return None;
    }
    let booking = memory.domain(domain)?.booking.as_ref()?;
    let record = booking.record.as_ref()?;
    let mut values = vec![("[value_reference]", booking.reference.clone())];
    let delex = match record.name() {
        Some(name) if domain == Domain::Train => {
            values.push(("[value_id]", name.to_string()));
            "The reference number of your booking on [value_id] is [value_reference]."
        }
        Some(name) => {
            values.push(("[value_name]", name.to_string()));
            "The reference number of your booking at [value_name] is [value_reference]."
        }
        None => "The reference number of your booking is [value_reference].",
    };
    let reply = filled(delex, &values);
    let more = " Is there anything else I can help with?";
    Some(Recall {
        delex: format!("{delex}{more}"),
        reply: format!("{reply}{more}"),
        db: DbResult {
            domain,
            count: 1,
            record: Some(record.clone()),
        },
        why: "the booking's reference, from the dialog memory",
    })
}

/// `delex` with each placeholder replaced by its value.
fn filled(delex: &str, values: &[(&str, String)]) -> String {
    values
        .iter()
        .fold(delex.to_string(), |text, (placeholder, value)| {
            text.replace(placeholder, value)
        })
}

/// "What's the postcode?" when the conversation has named no venue of the
/// domain and the user gave nothing to search by: which one is meant (which
/// restaurant, when the user said restaurant; else which place).
fn which_venue(
    memory: &DialogMemory,
    domain: Domain,
    state: &DialogState,
    asks: &[Ask],
    named: bool,
) -> Option<Recall> {
    let noun = match domain {
        // The router's pick is a guess when the user named no kind of place.
        Domain::Restaurant | Domain::Hotel | Domain::Attraction if !named => "place",
        Domain::Restaurant => "restaurant",
        Domain::Hotel => "hotel",
        Domain::Attraction => "attraction",
        _ => return None,
    };
    let details: Vec<&str> = asks
        .iter()
        .filter_map(|a| match a {
            Ask::Phone => Some("phone number"),
            Ask::Address => Some("address"),
            Ask::Postcode => Some("postcode"),
            _ => None,
        })
        .collect();
    let said_before = memory
        .domain(domain)
        .is_some_and(|m| m.offered.is_some() || m.booking.is_some());
    let searched = state.get(&domain).is_some_and(|s| !s.is_empty());
    if details.is_empty() || said_before || searched {
        return None;
    }
    let wanted = match details.as_slice() {
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => return None,
    };
    let text = format!(
        "Which {noun} would you like the {wanted} of? Tell me its name, or what you are looking for and I will find one."
    );
    Some(Recall {
        delex: text.clone(),
        reply: text,
        db: DbResult::empty(domain),
        why: "details asked with no venue named yet: the manager asks which",
    })
}

#[cfg(test)]
mod tests;
