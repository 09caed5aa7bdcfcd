//! Grounding: the database result of a domain under the current state.
//!
//! Venue domains (restaurant, hotel, attraction, train) are queried with the
//! standard evaluator's semantics; hospital departments are matched by name; the
//! police domain has one station; taxis have no records, so a taxi whose trip is
//! known (where from, where to, and when) gets a car and a phone number made up
//! deterministically from the turn. [`ground_remembering`] keeps what the
//! dialog's memory already offered.

use std::hash::{DefaultHasher, Hash, Hasher};

use agents::roles::{DbRecord, DbResult, DialogState};

use crate::memory::DialogMemory;
use multiwoz::db::{Database, Entity};
use multiwoz::normalize::normalize_state_value;
use multiwoz::{Domain, Slot};
use serde_json::Value;

/// The hospital's own details, which the department records lack.
const HOSPITAL: [(&str, &str); 4] = [
    ("name", "Addenbrookes Hospital"),
    ("address", "Hills Rd, Cambridge"),
    ("postcode", "CB20QQ"),
    ("phone", "01223245151"),
];

/// The police station's postcode, which its record lacks.
const POLICE_POSTCODE: &str = "cb11jg";

/// An entity as an owned record: string and number fields, raw names.
pub fn record_of(entity: &Entity) -> DbRecord {
    let fields = entity
        .fields()
        .filter_map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some((k.to_string(), text))
        })
        .collect();
    DbRecord {
        id: entity.id().to_string(),
        fields,
    }
}

/// The database result of `domain` under `state`. `seed` makes the made-up
/// taxi details differ between turns while staying reproducible.
pub fn ground(db: &Database, domain: Domain, state: &DialogState, seed: u64) -> DbResult {
    let empty = Default::default();
    let slots = state.get(&domain).unwrap_or(&empty);
    match domain {
        Domain::Taxi => taxi(db, !trip_known(slots), seed),
        Domain::Police => {
            let stations = db.entities(Domain::Police);
            let record = stations.first().map(|e| {
                let mut r = record_of(e);
                r.fields
                    .entry("postcode".to_string())
                    .or_insert_with(|| POLICE_POSTCODE.to_string());
                r
            });
            DbResult {
                domain,
                count: stations.len(),
                record,
            }
        }
        Domain::Hospital => hospital(db, slots.get(&Slot::Department).map(String::as_str)),
        _ => venues(db, domain, slots),
    }
}

/// Whether a taxi can be sent: it needs where from, where to, and a time.
fn trip_known(slots: &std::collections::BTreeMap<Slot, String>) -> bool {
    slots.contains_key(&Slot::Departure)
        && slots.contains_key(&Slot::Destination)
        && (slots.contains_key(&Slot::Leave) || slots.contains_key(&Slot::Arrive))
}

/// [`ground`], steered by what the dialog already said: the entity offered or
/// booked before stays the record while it still matches the constraints, and
/// the taxi sent for a trip stays the same car for that trip.
pub fn ground_remembering(
    db: &Database,
    domain: Domain,
    state: &DialogState,
    seed: u64,
    memory: &DialogMemory,
) -> DbResult {
    let mut fresh = ground(db, domain, state, seed);
    match domain {
        Domain::Taxi => {
            if fresh.record.is_some()
                && let Some(kept) = memory.remembered(domain, state, |_| false)
            {
                fresh.record = Some(kept);
            }
        }
        Domain::Police | Domain::Hospital => {}
        _ => {
            let empty = Default::default();
            let slots = state.get(&domain).unwrap_or(&empty);
            let ids = db.query_ids(domain, search_constraints(slots));
            if let Some(kept) = memory.remembered(domain, state, |r| ids.contains(&r.id.as_str())) {
                fresh.record = Some(kept);
            }
        }
    }
    fresh
}

/// Another entity that matches `state` besides `first`, for a reply that
/// describes two or a user who asks for another: the next train by time, or
/// the next venue in the database.
pub fn another(
    db: &Database,
    domain: Domain,
    state: &DialogState,
    first: &DbResult,
) -> Option<DbResult> {
    if !matches!(
        domain,
        Domain::Restaurant | Domain::Hotel | Domain::Attraction | Domain::Train
    ) {
        return None;
    }
    let taken = first.record.as_ref()?.id.as_str();
    let empty = Default::default();
    let slots = state.get(&domain).unwrap_or(&empty);
    let mut matches: Vec<&Entity> = db
        .query(domain, search_constraints(slots))
        .iter()
        .map(|m| m.entity())
        .collect();
    let other = if domain == Domain::Train {
        matches.sort_by_key(|e| minutes(e, "leaveAt"));
        // The train after the one offered, else the one before it.
        let at = matches.iter().position(|e| e.id() == taken);
        at.and_then(|i| {
            matches
                .get(i + 1)
                .or_else(|| i.checked_sub(1).and_then(|j| matches.get(j)))
        })
    } else {
        // The venue after the one offered, in database order and round again,
        // so that asking for another one again and again goes through them all.
        let at = matches
            .iter()
            .position(|e| e.id() == taken)
            .map_or(0, |i| i + 1);
        matches[at..]
            .iter()
            .chain(&matches[..at])
            .find(|e| e.id() != taken)
    };
    other.map(|e| DbResult {
        domain,
        count: first.count,
        record: Some(record_of(e)),
    })
}

/// The state's search constraints for a database query: every slot but the
/// booking details.
fn search_constraints(slots: &std::collections::BTreeMap<Slot, String>) -> Vec<(&str, &str)> {
    slots
        .iter()
        .filter(|(s, _)| !s.is_book())
        .map(|(s, v)| (s.as_str(), v.as_str()))
        .collect()
}

/// A train's time field in minutes after midnight (0 when missing).
fn minutes(e: &Entity, field: &str) -> u32 {
    e.get(field)
        .and_then(multiwoz::normalize::time_str_to_minutes)
        .unwrap_or(0)
}

/// The database type an attraction type names in everyday words ("church" is
/// architecture, "gallery" a museum), when it names exactly one and is no
/// database type itself.
fn database_type(db: &Database, value: &str) -> Option<&'static str> {
    let known = db
        .entities(Domain::Attraction)
        .iter()
        .any(|e| e.get("type").is_some_and(|t| t == value));
    if known {
        return None;
    }
    let word = value.strip_suffix("es").filter(|w| w.ends_with("ch"));
    let word = word.or_else(|| value.strip_suffix('s')).unwrap_or(value);
    agents::builtin::policy::TYPE_WORDS
        .iter()
        .find(|(w, _)| *w == value || *w == word)
        .and_then(|(_, types)| match types {
            [one] => Some(*one),
            _ => None,
        })
}

fn venues(
    db: &Database,
    domain: Domain,
    slots: &std::collections::BTreeMap<Slot, String>,
) -> DbResult {
    let mut matches = db.query(domain, search_constraints(slots));
    // "church" (an annotator's or a model's word) matches no type in the
    // database; what it means does.
    if matches.is_empty()
        && domain == Domain::Attraction
        && let Some(kind) = slots.get(&Slot::Type).and_then(|t| database_type(db, t))
    {
        let mut mapped = slots.clone();
        mapped.insert(Slot::Type, kind.to_string());
        matches = db.query(domain, search_constraints(&mapped));
    }
    // For trains the first match in file order is arbitrary: offer the first
    // to leave after the wanted time, or the last to arrive before it.
    let chosen = if domain == Domain::Train {
        if slots.contains_key(&Slot::Arrive) && !slots.contains_key(&Slot::Leave) {
            matches
                .iter()
                .max_by_key(|e| minutes(e.entity(), "arriveBy"))
                .copied()
        } else {
            matches
                .iter()
                .min_by_key(|e| minutes(e.entity(), "leaveAt"))
                .copied()
        }
    } else {
        // The query matches names loosely ("nandos" for "nandos city centre"):
        // the venue called exactly what the user named comes first.
        let wanted = slots.get(&Slot::Name).map(|n| n.trim().to_lowercase());
        wanted
            .and_then(|w| {
                matches
                    .iter()
                    .find(|e| e.entity().name().to_lowercase() == w)
                    .copied()
            })
            .or_else(|| matches.first().copied())
    };
    let mut count = matches.len();
    // A venue the user named exists even when other constraints do not match
    // it: its details are still the ones to tell.
    let record = match (chosen, slots.get(&Slot::Name)) {
        (Some(e), _) => Some(record_of(e.entity())),
        (None, Some(name)) => {
            let found = named(db, domain, name);
            // The evaluator's query misses some venues by their own names
            // (it reads "the junction" as "junction theatre", which its
            // database does not have): a venue found by name that meets the
            // other constraints is a match.
            if let Some(r) = &found {
                let mut others = slots.clone();
                others.remove(&Slot::Name);
                if db
                    .query_ids(domain, search_constraints(&others))
                    .contains(&r.id.as_str())
                {
                    count = 1;
                }
            }
            found
        }
        (None, None) => None,
    };
    DbResult {
        domain,
        count,
        record,
    }
}

/// The venue called `name`: by its name as written (or a name the evaluator
/// writes for it: "junction theatre" for "the junction"), else as the
/// evaluator's query finds it (which maps some names to others).
fn named(db: &Database, domain: Domain, name: &str) -> Option<DbRecord> {
    let wanted = name.trim().to_lowercase();
    let canonical = normalize_state_value("name", &wanted);
    let entities = db.entities(domain);
    entities
        .iter()
        .find(|e| e.name().to_lowercase() == wanted)
        .or_else(|| {
            entities
                .iter()
                .find(|e| normalize_state_value("name", &e.name().to_lowercase()) == canonical)
        })
        .map(record_of)
        .or_else(|| {
            db.query(domain, [("name", name)])
                .first()
                .map(|e| record_of(e.entity()))
        })
}

fn hospital(db: &Database, department: Option<&str>) -> DbResult {
    let all = db.entities(Domain::Hospital);
    let wanted = department.map(str::to_lowercase);
    let matching: Vec<&Entity> = match &wanted {
        Some(w) => all
            .iter()
            .filter(|e| {
                e.get("department")
                    .is_some_and(|d| d.to_lowercase().contains(w.as_str()))
            })
            .collect(),
        None => Vec::new(),
    };
    // "neurology" is the neurology department, not "neurology neurosurgery".
    let exact = matching.iter().find(|e| {
        e.get("department")
            .is_some_and(|d| Some(d.to_lowercase()) == wanted)
    });
    let mut record = match exact.or(matching.first()) {
        Some(e) => record_of(e),
        None => DbRecord::default(),
    };
    for (k, v) in HOSPITAL {
        // The department's own phone wins over the switchboard.
        record
            .fields
            .entry(k.to_string())
            .or_insert_with(|| v.to_string());
    }
    DbResult {
        domain: Domain::Hospital,
        count: if wanted.is_some() { matching.len() } else { 1 },
        record: Some(record),
    }
}

fn taxi(db: &Database, nothing_asked: bool, seed: u64) -> DbResult {
    let list = |field: &str| -> Vec<String> {
        db.entities(Domain::Taxi)
            .first()
            .and_then(|e| e.value(field))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let colors = list("taxi_colors");
    let types = list("taxi_types");
    if nothing_asked || colors.is_empty() || types.is_empty() {
        return DbResult::empty(Domain::Taxi);
    }
    let mut h = DefaultHasher::new();
    seed.hash(&mut h);
    let x = h.finish();
    let car = format!(
        "{} {}",
        colors[(x % colors.len() as u64) as usize],
        types[((x >> 16) % types.len() as u64) as usize]
    );
    let phone = format!("07{:09}", (x >> 24) % 1_000_000_000);
    let mut record = DbRecord {
        id: String::new(),
        ..DbRecord::default()
    };
    record.fields.insert("car".to_string(), car);
    record.fields.insert("phone".to_string(), phone);
    DbResult {
        domain: Domain::Taxi,
        count: 1,
        record: Some(record),
    }
}

/// The database values the built-in default learns its lexicon from:
/// `(domain, field, value)` for every string field of every record.
pub fn db_values(db: &Database) -> Vec<(Domain, &str, &str)> {
    let mut out = Vec::new();
    for domain in Domain::ALL {
        for e in db.entities(domain) {
            for (k, v) in e.fields() {
                if let Value::String(s) = v {
                    out.push((domain, k, s.as_str()));
                }
            }
        }
    }
    out
}
