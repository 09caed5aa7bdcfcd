//! "How much is it per night?" about the hotel at hand: the room prices the
//! database has for it. The price range a reply usually gives ("it is in the
//! cheap price range") does not answer a question of what a night costs, and
//! the record an agent sees carries no prices (they are a nested table).

use agents::builtin::text::contains_any;
use agents::roles::DbResult;
use multiwoz::Domain;
use multiwoz::db::Database;
use serde_json::Value;

use super::Recall;
use crate::memory::DialogMemory;

/// Words that ask what a room costs, not the price range.
const ROOM_PRICE_WORDS: &[&str] = &[
    "per night",
    "a night",
    "nightly",
    "how much",
    "cost",
    "costs",
    "rate",
    "rates",
    "room price",
    "room prices",
    "price of a room",
    "price for a room",
    "price per",
];

/// The kinds of room the database prices, in the order a reply names them.
const ROOMS: [(&str, &str); 3] = [
    ("double", "a double room"),
    ("single", "a single"),
    ("family", "a family room"),
];

/// The room prices of the hotel offered or booked, when `norm` (a normalized
/// user turn routed to the hotel) asks what a room costs.
pub(super) fn room_prices(memory: &DialogMemory, db: &Database, norm: &str) -> Option<Recall> {
    if !contains_any(norm, ROOM_PRICE_WORDS) {
        return None;
    }
    let remembered = memory.domain(Domain::Hotel)?;
    let booked = remembered.booking.as_ref().and_then(|b| b.record.as_ref());
    let record = remembered.offered.as_ref().or(booked)?;
    let entity = db.entity(Domain::Hotel, &record.id)?;
    let prices = entity.value("price").and_then(Value::as_object)?;
    let quoted: Vec<(&str, String)> = ROOMS
        .iter()
        .filter_map(|(kind, words)| {
            let p = prices.get(*kind)?;
            let p = p
                .as_str()
                .map(str::to_string)
                .or_else(|| p.as_f64().map(|n| n.to_string()))?;
            (!p.trim().is_empty()).then(|| (*words, format!("{} pounds", p.trim())))
        })
        .collect();
    if quoted.is_empty() {
        return None;
    }
    let name = record.name().unwrap_or("it");
    let (mut delex, mut reply) = ("[value_name]".to_string(), name.to_string());
    if let Some(range) = record.get("pricerange") {
        delex.push_str(" is [value_price]:");
        reply.push_str(&format!(" is {range}:"));
    } else {
        delex.push(':');
        reply.push(':');
    }
    for (i, (words, price)) in quoted.iter().enumerate() {
        let joint = match i {
            0 => " ",
            _ if i + 1 == quoted.len() => " and ",
            _ => ", ",
        };
        let night = if i == 0 { " a night" } else { "" };
        delex.push_str(&format!("{joint}{words} is [value_price]{night}"));
        reply.push_str(&format!("{joint}{words} is {price}{night}"));
    }
    let question = if booked.is_some_and(|b| b.id == record.id) {
        ". Is there anything else I can help with?"
    } else {
        ". Would you like me to book a room?"
    };
    delex.push_str(question);
    reply.push_str(question);
    Some(Recall {
        delex,
        reply,
        db: DbResult {
            domain: Domain::Hotel,
            count: 1,
            record: Some(record.clone()),
        },
        why: "the room prices of the hotel at hand, from the database",
    })
}
