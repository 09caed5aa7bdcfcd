//! The text forms of the pipeline's data inside prompts: history, state, database
//! results, the slot inventory, and the answers the parsers expect.
//!
//! Every function here is pure and deterministic; the few-shot examples and the
//! live prompt use the same ones, so the model sees one format throughout.

use crate::roles::{DbRecord, DbResult, DialogState, Utterance};
use multiwoz::{Domain, Slot};

/// The last `max` utterances as `user: …` / `system: …` lines (all when `max` is 0).
pub fn format_history(history: &[Utterance], max: usize) -> String {
    let start = if max == 0 {
        0
    } else {
        history.len().saturating_sub(max)
    };
    history[start..]
        .iter()
        .map(|u| format!("{}: {}", u.speaker, one_line(&u.text)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Collapses line breaks and runs of spaces, so an utterance stays one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The state as one line of JSON, domains and slots in ontology order
/// (`{"restaurant": {"area": "centre"}}`, `{}` when empty).
pub fn format_state(state: &DialogState) -> String {
    let domains: Vec<String> = state
        .iter()
        .filter(|(_, slots)| !slots.is_empty())
        .map(|(domain, slots)| {
            let slots: Vec<String> = slots
                .iter()
                .map(|(slot, value)| format!("{}: {}", json_str(slot.as_str()), json_str(value)))
                .collect();
            format!("{}: {{{}}}", json_str(domain.as_str()), slots.join(", "))
        })
        .collect();
    format!("{{{}}}", domains.join(", "))
}

/// A JSON string literal.
fn json_str(s: &str) -> String {
    // Serializing a &str cannot fail.
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// The slots of one domain as `slot=value` pairs (`none` when there are none).
pub fn format_domain_state(state: &DialogState, domain: Domain) -> String {
    match state.get(&domain) {
        Some(slots) if !slots.is_empty() => slots
            .iter()
            .map(|(s, v)| format!("{s}={v}"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => "none".to_string(),
    }
}

/// Record fields worth showing to an agent, in the order shown.
const RECORD_FIELDS: &[&str] = &[
    "name",
    "trainID",
    "type",
    "food",
    "department",
    "area",
    "pricerange",
    "stars",
    "parking",
    "internet",
    "entrance fee",
    "departure",
    "destination",
    "day",
    "leaveAt",
    "arriveBy",
    "duration",
    "price",
    "address",
    "postcode",
    "phone",
];

/// A record's shown fields as `field=value` pairs.
fn format_record(record: &DbRecord) -> String {
    RECORD_FIELDS
        .iter()
        .filter_map(|f| record.get(f).map(|v| format!("{f}={}", one_line(v))))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A database result in one line: the match count and the offered record.
pub fn format_db(db: &DbResult) -> String {
    if db.domain == Domain::Taxi {
        return "taxis can always be booked; the car type and phone number come with the booking"
            .to_string();
    }
    let count = match db.count {
        0 => "no match".to_string(),
        1 => "1 match".to_string(),
        n => format!("{n} matches"),
    };
    match &db.record {
        Some(record) => format!("{count}; first match: {}", format_record(record)),
        None => count,
    }
}

/// The slots the tracker fills, per domain.
pub fn domain_slots(domain: Domain) -> &'static [Slot] {
    use Slot::*;
    match domain {
        Domain::Restaurant => &[Area, Food, PriceRange, Name, BookDay, BookPeople, BookTime],
        Domain::Hotel => &[
            Area, PriceRange, Type, Stars, Parking, Internet, Name, BookDay, BookPeople, BookStay,
        ],
        Domain::Attraction => &[Area, Type, Name],
        Domain::Train => &[Departure, Destination, Day, Leave, Arrive, BookPeople],
        Domain::Taxi => &[Departure, Destination, Leave, Arrive],
        Domain::Hospital => &[Department],
        _ => &[],
    }
}

/// The slot inventory for the DST prompt, one `domain: slot, slot, …` line per
/// domain that has slots.
pub fn format_slots() -> String {
    Domain::ALL
        .into_iter()
        .filter(|d| !domain_slots(*d).is_empty())
        .map(|d| {
            let slots: Vec<&str> = domain_slots(d).iter().map(|s| s.as_str()).collect();
            format!("{d}: {}", slots.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The router's answer in the format its parser reads first:
/// `{"domain": "hotel", "reason": "…"}`.
pub fn format_route_answer(domain: Domain, reason: &str) -> String {
    format!(
        "{{\"domain\": {}, \"reason\": {}}}",
        json_str(domain.as_str()),
        json_str(reason.trim())
    )
}

/// The tracker's answer: the state as one line of JSON.
pub fn format_state_answer(state: &DialogState) -> String {
    format_state(state)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    fn state() -> DialogState {
        let mut s = DialogState::new();
        s.entry(Domain::Hotel)
            .or_default()
            .insert(Slot::Stars, "4".into());
        s.entry(Domain::Restaurant)
            .or_default()
            .insert(Slot::PriceRange, "cheap".into());
        s.entry(Domain::Restaurant)
            .or_default()
            .insert(Slot::Area, "centre".into());
        s
    }

    #[test]
    fn state_is_one_line_json_in_ontology_order() {
        let text = format_state(&state());
        assert_eq!(
            text,
            r#"{"restaurant": {"area": "centre", "pricerange": "cheap"}, "hotel": {"stars": "4"}}"#
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["hotel"]["stars"], "4");
        assert_eq!(format_state(&DialogState::new()), "{}");
    }

    #[test]
    fn history_keeps_the_last_utterances_on_one_line_each() {
        let h = vec![
            Utterance::user("hi"),
            Utterance::system("hello ,\nhow can i help ?"),
            Utterance::user("a  taxi please"),
        ];
        assert_eq!(
            format_history(&h, 2),
            "system: hello , how can i help ?\nuser: a taxi please"
        );
        assert_eq!(format_history(&h, 0).lines().count(), 3);
    }

    #[test]
    fn route_answer_is_valid_json_with_spaces() {
        let a = format_route_answer(Domain::Hotel, "the user wants a \"room\"");
        assert!(a.starts_with("{\"domain\": \"hotel\", \"reason\": "), "{a}");
        let v: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert_eq!(v["reason"], "the user wants a \"room\"");
    }

    #[test]
    fn db_line_names_count_and_record() {
        let mut record = DbRecord {
            id: "1".into(),
            ..DbRecord::default()
        };
        record.fields.insert("name".into(), "golden wok".into());
        record
            .fields
            .insert("location".into(), "[52.2, 0.1]".into());
        let db = DbResult {
            domain: Domain::Restaurant,
            count: 3,
            record: Some(record),
        };
        assert_eq!(format_db(&db), "3 matches; first match: name=golden wok");
        assert_eq!(format_db(&DbResult::empty(Domain::Hotel)), "no match");
    }
}
