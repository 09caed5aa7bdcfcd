//! Reading a system turn into dialog acts, from what every backend produces.
//!
//! * **Values** come from the delexicalized reply: each placeholder
//!   (`[value_phone]`, `[hotel_address]`) is located in the text people read,
//!   and what stands there is the value informed (a placeholder left unfilled
//!   informs nothing). Values written straight into the text, as an LLM agent
//!   may do, are found by looking for the offered record's fields in the text.
//!   Either way only what the text says counts.
//! * **Bookings**: a reference in the text (`[value_reference]` filled, or
//!   "reference number is X" written out) is a booking; for taxis, naming the
//!   car is.
//! * **Requests, no-offers, failed bookings, offers to book** are read from
//!   the text with the phrase lists of `data/understand.json`.

use std::sync::OnceLock;

use multiwoz::Domain;
use regex::Regex;
use serde::Deserialize;

use crate::acts::{Act, Intent};
use crate::attr::Attr;
use crate::system::{Record, SystemTurn};

/// The phrase lists, compiled once.
struct Cues {
    requests: Vec<(Attr, Option<Domain>, Regex)>,
    no_offer: Regex,
    no_book: Regex,
    offer_book: Regex,
    reqmore: Regex,
    bye: Regex,
    reference: Regex,
    both_ends: Regex,
    stars: Regex,
}

#[derive(Deserialize)]
struct CueFile {
    requests: Vec<RequestCue>,
    no_offer: String,
    no_book: String,
    offer_book: String,
    reqmore: String,
    bye: String,
    reference: String,
    both_ends: String,
}

#[derive(Deserialize)]
struct RequestCue {
    slot: Attr,
    #[serde(default)]
    domain: Option<Domain>,
    pattern: String,
}

fn cues() -> &'static Cues {
    static CUES: OnceLock<Cues> = OnceLock::new();
    CUES.get_or_init(|| {
        // The file is part of the crate: a broken one is a build-time bug the
        // unit tests catch, so falling back to "understands nothing" is enough.
        let file: CueFile = serde_json::from_str(include_str!("../data/understand.json"))
            .unwrap_or(CueFile {
                requests: Vec::new(),
                no_offer: "$^".into(),
                no_book: "$^".into(),
                offer_book: "$^".into(),
                reqmore: "$^".into(),
                bye: "$^".into(),
                reference: "$^".into(),
                both_ends: "$^".into(),
            });
        let re = |p: &str| Regex::new(&format!("(?i){p}")).unwrap_or_else(|_| never());
        Cues {
            requests: file
                .requests
                .iter()
                .map(|c| (c.slot, c.domain, re(&c.pattern)))
                .collect(),
            no_offer: re(&file.no_offer),
            no_book: re(&file.no_book),
            offer_book: re(&file.offer_book),
            reqmore: re(&file.reqmore),
            bye: re(&file.bye),
            reference: re(&file.reference),
            both_ends: re(&file.both_ends),
            stars: re(r"\b([0-5])[ -]stars?\b"),
        }
    })
}

fn never() -> Regex {
    Regex::new("$^").unwrap_or_else(|_| unreachable!("a constant pattern compiles"))
}

/// The acts of a system turn. `focus` is the domain the user is talking about,
/// used when the turn names no domain.
pub fn understand(turn: &SystemTurn, focus: Option<Domain>) -> Vec<Act> {
    let Some(domain) = turn.domain.or(focus) else {
        return general_acts(&turn.text);
    };
    let c = cues();
    let text = turn.text.as_str();
    let mut acts: Vec<Act> = Vec::new();
    let push = |acts: &mut Vec<Act>, act: Act| {
        if !acts.contains(&act) {
            acts.push(act);
        }
    };

    // Values at the placeholders' places.
    for (name, value) in placeholder_values(&turn.delex, text, turn.record.as_ref()) {
        let Some(attr) = placeholder_attr(&name, domain) else {
            continue;
        };
        match attr {
            Attr::Reference => push(&mut acts, Act::new(Intent::Book, domain, attr, value)),
            Attr::Choice if matches!(value.as_str(), "0" | "zero" | "no") => {
                push(&mut acts, Act::bare(Intent::NoOffer, domain))
            }
            Attr::Internet | Attr::Parking => push(
                &mut acts,
                Act::new(Intent::Inform, domain, attr, yes_no(&value)),
            ),
            _ => push(&mut acts, Act::new(Intent::Inform, domain, attr, value)),
        }
    }
    // Values written out: the offered record's fields found in the text.
    if let Some(record) = &turn.record {
        for (attr, value) in literal_values(record, text) {
            if !acts
                .iter()
                .any(|a| a.slot == Some(attr) && a.intent == Intent::Inform)
            {
                push(&mut acts, Act::new(Intent::Inform, domain, attr, value));
            }
        }
    }
    if !acts.iter().any(|a| a.intent == Intent::Book) {
        // A reference has a digit: "reference number is required" is none.
        let reference = c
            .reference
            .captures_iter(text)
            .filter_map(|m| m.get(1))
            .find(|m| m.as_str().chars().any(|ch| ch.is_ascii_digit()));
        if let Some(m) = reference {
            push(
                &mut acts,
                Act::new(Intent::Book, domain, Attr::Reference, m.as_str()),
            );
        }
    }
    if domain == Domain::Taxi
        && let Some(car) = acts
            .iter()
            .find(|a| a.slot == Some(Attr::CarType) && a.intent == Intent::Inform)
            .map(|a| a.value.clone())
    {
        push(
            &mut acts,
            Act::new(Intent::Book, domain, Attr::Reference, car),
        );
    }
    let booked = acts.iter().any(|a| a.intent == Intent::Book);

    // Failures.
    if !booked && c.no_book.is_match(text) {
        push(&mut acts, Act::bare(Intent::NoBook, domain));
    } else if !booked && c.no_offer.is_match(text) {
        push(&mut acts, Act::bare(Intent::NoOffer, domain));
    }

    // Questions: only sentences that end with a question mark ask.
    for q in questions(text) {
        if c.offer_book.is_match(q) && !booked {
            push(&mut acts, Act::bare(Intent::OfferBook, domain));
        }
        let asks_from = c
            .requests
            .iter()
            .any(|(a, _, re)| *a == Attr::Departure && re.is_match(q));
        for (attr, only, re) in &c.requests {
            // "Where would you like to travel from?" asks only where from.
            if *attr == Attr::Destination && asks_from && !c.both_ends.is_match(q) {
                continue;
            }
            if only.is_none_or(|d| d == domain) && re.is_match(q) {
                let attr = match (attr, domain) {
                    (Attr::BookDay, Domain::Train) => Attr::Day,
                    (Attr::BookTime, Domain::Train | Domain::Taxi) => Attr::LeaveAt,
                    (a, _) => *a,
                };
                push(&mut acts, Act::new(Intent::Request, domain, attr, "?"));
            }
        }
    }
    for a in general_acts(text) {
        push(&mut acts, a);
    }
    acts
}

/// A hotel's parking or internet as told ("free parking", "no wifi") as the
/// yes or no the goal and the evaluator hold; any other value stays as said.
fn yes_no(value: &str) -> String {
    let v = value.trim().to_lowercase();
    let no = ["no", "none", "not", "doesn't", "does not", "without"]
        .iter()
        .any(|w| contains_word(&v, w));
    let yes = [
        "yes",
        "free",
        "has",
        "includes",
        "included",
        "available",
        "wifi",
        "parking",
        "internet",
    ]
    .iter()
    .any(|w| contains_word(&v, w));
    match (no, yes) {
        (true, _) => "no".into(),
        (false, true) => "yes".into(),
        _ => value.to_string(),
    }
}

/// `reqmore` and `bye`, which need no domain.
fn general_acts(text: &str) -> Vec<Act> {
    let c = cues();
    let mut acts = Vec::new();
    if questions(text).any(|q| c.reqmore.is_match(q)) {
        acts.push(Act::general(Intent::Reqmore));
    }
    if c.bye.is_match(text) {
        acts.push(Act::general(Intent::Bye));
    }
    acts
}

/// The sentences of `text` that end with a question mark.
fn questions(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut out = Vec::new();
    for (i, ch) in text.char_indices() {
        if matches!(ch, '.' | '!' | '?') {
            let sentence = &text[start..i];
            if ch == '?' {
                out.push(sentence);
            }
            start = i + ch.len_utf8();
        }
    }
    out.into_iter()
}

/// The attribute a placeholder name stands for in `domain`.
pub fn placeholder_attr(name: &str, domain: Domain) -> Option<Attr> {
    let lower = name.to_ascii_lowercase();
    let attr = match lower.split_once('_') {
        Some((prefix, attr)) if prefix == "value" || prefix.parse::<Domain>().is_ok() => attr,
        _ => lower.as_str(),
    };
    Some(match attr {
        "price" | "pricerange" => match domain {
            Domain::Attraction => Attr::EntranceFee,
            Domain::Train => Attr::Price,
            _ => Attr::PriceRange,
        },
        "time" => match domain {
            Domain::Train => Attr::Duration,
            _ => Attr::BookTime,
        },
        "day" if domain != Domain::Train => Attr::BookDay,
        "count" => Attr::Choice,
        "car" | "type" if domain == Domain::Taxi => Attr::CarType,
        "people" => Attr::BookPeople,
        "stay" => Attr::BookStay,
        "leave" | "leaveat" => Attr::LeaveAt,
        "arrive" | "arriveby" => Attr::ArriveBy,
        "id" => Attr::TrainId,
        "reference" => Attr::Reference,
        other => Attr::from_act_slot(Some(domain), other, false).or_else(|| other.parse().ok())?,
    })
}

/// One piece of a delexicalized reply.
enum Piece<'a> {
    Text(&'a str),
    Slot(&'a str),
}

fn pieces(delex: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = delex;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        out.push(Piece::Slot(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// The values standing at the placeholders of `delex` in `text`, in order.
/// A placeholder whose value cannot be located (the text does not follow the
/// delexicalized reply there) or that stayed unfilled gives nothing.
pub fn placeholder_values(
    delex: &str,
    text: &str,
    record: Option<&Record>,
) -> Vec<(String, String)> {
    let parts = pieces(delex);
    let lower = text.to_lowercase();
    // Lower-casing may change byte lengths outside ASCII; then give up on
    // placeholders rather than slice at the wrong place.
    if lower.len() != text.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut pos = 0usize;
    for (i, part) in parts.iter().enumerate() {
        match part {
            Piece::Text(t) => {
                let t = t.to_lowercase();
                match lower[pos..].find(t.as_str()) {
                    Some(at) => pos += at + t.len(),
                    None => return out,
                }
            }
            Piece::Slot(name) => {
                // The value the lexicalizer would write, if it stands here.
                let expected = record.and_then(|r| expected_value(name, r));
                // "in [value_area]" may read "in the north": the article is the
                // writer's, not the value's.
                if let Some(v) = &expected
                    && !lower[pos..].starts_with(v.as_str())
                    && lower[pos..].starts_with("the ")
                    && lower[pos + 4..].starts_with(v.as_str())
                {
                    pos += 4;
                }
                if let Some(v) =
                    expected.filter(|v| !v.is_empty() && lower[pos..].starts_with(v.as_str()))
                {
                    out.push((name.to_string(), text[pos..pos + v.len()].to_string()));
                    pos += v.len();
                    continue;
                }
                let end = match parts.get(i + 1) {
                    Some(Piece::Text(next)) => {
                        let next = next.to_lowercase();
                        match lower[pos..].find(next.as_str()) {
                            Some(at) => pos + at,
                            None => return out,
                        }
                    }
                    // Two placeholders in a row: no way to tell where one ends.
                    Some(Piece::Slot(_)) => return out,
                    None => lower.len(),
                };
                let value = without_frame_words(text[pos..end].trim());
                if !value.is_empty() && !value.contains('[') {
                    out.push((name.to_string(), value.to_string()));
                }
                pos = end;
            }
        }
    }
    out
}

/// A value as a reply may frame it ("the north", "moderate price range", "4
/// star"): the article before it and the unit after it are not the value.
fn without_frame_words(value: &str) -> &str {
    let lower = value.to_lowercase();
    let mut start = 0;
    for article in ["the ", "a ", "an "] {
        if lower.starts_with(article) {
            start = article.len();
            break;
        }
    }
    let mut end = value.len();
    for unit in [" price range", " star rating", " stars", " star"] {
        if lower[start..].ends_with(unit) && end - unit.len() > start {
            end -= unit.len();
            break;
        }
    }
    value.get(start..end).unwrap_or(value).trim()
}

/// The record's value for a placeholder, lower-cased.
fn expected_value(name: &str, record: &Record) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let attr = lower.rsplit('_').next().unwrap_or(&lower);
    let field = match attr {
        "address" | "addr" => "address",
        "phone" => "phone",
        "postcode" | "post" => "postcode",
        "name" => "name",
        "id" | "trainid" => "trainID",
        "car" => "car",
        other => other,
    };
    record.get(field).map(str::to_lowercase)
}

/// Fields whose values, found in the text outside the venue's name, count as
/// informed.
const LITERAL_FIELDS: [(&str, Attr); 12] = [
    ("address", Attr::Address),
    ("phone", Attr::Phone),
    ("postcode", Attr::Postcode),
    ("trainID", Attr::TrainId),
    ("car", Attr::CarType),
    ("food", Attr::Food),
    ("area", Attr::Area),
    ("pricerange", Attr::PriceRange),
    ("entrance fee", Attr::EntranceFee),
    ("duration", Attr::Duration),
    ("price", Attr::Price),
    ("leaveAt", Attr::LeaveAt),
];

/// The record's fields that the text states.
fn literal_values(record: &Record, text: &str) -> Vec<(Attr, String)> {
    let mut lower = text.to_lowercase();
    let mut out = Vec::new();
    // The name is read first and then blanked out: a word of a venue's name
    // ("clare college", "the lensfield hotel") states nothing about its type,
    // food or area, just as a system policy saying the name makes no such act.
    if let Some(name) = record.get("name").map(|n| n.trim().to_lowercase())
        && name.len() >= 3
        && contains_word(&lower, &name)
    {
        lower = lower.replace(&name, " ");
        out.push((Attr::Name, name));
    }
    for (field, attr) in LITERAL_FIELDS {
        let Some(v) = record.get(field) else { continue };
        let v = v.trim().to_lowercase();
        if v.len() >= 3 && v != "?" && contains_word(&lower, &v) {
            out.push((attr, v));
        }
    }
    if let Some(v) = record.get("arriveBy").map(str::to_lowercase)
        && contains_word(&lower, &v)
        && lower.contains("arriv")
    {
        out.push((Attr::ArriveBy, v));
    }
    for (field, words) in [
        ("internet", ["internet", "wifi"]),
        ("parking", ["parking", "parking"]),
    ] {
        if let Some(v) = record.get(field)
            && words.iter().any(|w| lower.contains(w))
        {
            out.push((
                Attr::from_act_slot(None, field, false).unwrap_or(Attr::Parking),
                v.to_lowercase(),
            ));
        }
    }
    if let (Some(stars), Some(m)) = (record.get("stars"), cues().stars.captures(&lower))
        && m.get(1).is_some_and(|n| n.as_str() == stars)
    {
        out.push((Attr::Stars, stars.to_string()));
    }
    if let Some(t) = record.get("type").map(str::to_lowercase)
        && t.len() >= 3
        && contains_word(&lower, &t)
    {
        out.push((Attr::Type, t));
    }
    out
}

/// Whether `needle` occurs in `hay` between word boundaries.
pub(crate) fn contains_word(hay: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(at) = hay[from..].find(needle) {
        let start = from + at;
        let end = start + needle.len();
        let before = hay[..start].chars().next_back();
        let after = hay[end..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        from = start + needle.len().max(1);
        if from >= hay.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests;
