//! Dialog memory: what the system has offered and booked so far, per domain.
//!
//! The agents write delexicalized replies; the manager fills them from a
//! database record. Without memory every turn grounds afresh, so the venue
//! named two turns ago, the taxi's car and a booking reference could change
//! from one turn to the next. The memory is updated after each turn from what
//! the reply actually said (its placeholders), whichever backend wrote it, and
//! steers the grounding of later turns: the entity already offered stays the
//! offer while it still matches the user's constraints, a booked taxi keeps
//! its car and phone for the same trip, and a booking keeps its reference.

use std::collections::BTreeMap;

use agents::roles::{DbRecord, DbResult, DialogState};
use multiwoz::{Domain, Slot};
use serde::{Deserialize, Serialize};

use crate::alternatives::Change;
use crate::lexicalize::booking_reference;

/// What one dialog has offered and booked, per domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DialogMemory {
    /// Per domain, what the system said about it.
    #[serde(default)]
    pub domains: BTreeMap<Domain, DomainMemory>,
    /// The alternative the last reply proposed when nothing matched ("would you
    /// like one of the two guesthouses instead?"), for the next turn to take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Change>,
    /// Alternatives the user took: each stands in the state while the user
    /// still asks for what it replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<Change>,
}

/// What the system offered and booked in one domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DomainMemory {
    /// The entity the system last named (a venue, a train, or a taxi with its
    /// car and phone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered: Option<DbRecord>,
    /// The booking made, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking: Option<Booking>,
}

/// A booking the system confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Booking {
    /// The reference given to the user.
    pub reference: String,
    /// What was booked: the venue, the train, or the taxi (car and phone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<DbRecord>,
    /// The booking's details from the state: people, day, time, stay, and a
    /// taxi's or train's trip.
    #[serde(default)]
    pub details: BTreeMap<Slot, String>,
}

/// Placeholder attributes that name or describe the offered entity.
const ENTITY_ATTRS: &[&str] = &[
    "name", "id", "trainid", "address", "addr", "phone", "postcode", "post", "car", "type",
];

/// The slots a taxi trip is made of: another trip needs another car.
pub const TAXI_TRIP: [Slot; 4] = [
    Slot::Departure,
    Slot::Destination,
    Slot::Leave,
    Slot::Arrive,
];

/// The attribute names of a delexicalized reply's placeholders (`[value_name]`
/// and `[restaurant_name]` both give `name`).
pub fn placeholder_attrs(delex: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = delex;
    while let Some(open) = rest.find('[') {
        let Some(len) = rest[open..].find(']') else {
            break;
        };
        let name = rest[open + 1..open + len].to_ascii_lowercase();
        let attr = match name.split_once('_') {
            Some((prefix, attr)) if prefix == "value" || prefix.parse::<Domain>().is_ok() => {
                attr.to_string()
            }
            _ => name,
        };
        out.push(attr);
        rest = &rest[open + len + 1..];
    }
    out
}

/// The booking details of `domain` in `state`: its book slots, and for trains
/// and taxis the trip.
fn booking_details(domain: Domain, state: &DialogState) -> BTreeMap<Slot, String> {
    let Some(slots) = state.get(&domain) else {
        return BTreeMap::new();
    };
    slots
        .iter()
        .filter(|(s, _)| {
            s.is_book()
                || (matches!(domain, Domain::Taxi | Domain::Train) && TAXI_TRIP.contains(s))
                || (domain == Domain::Train && **s == Slot::Day)
        })
        .map(|(s, v)| (*s, v.clone()))
        .collect()
}

/// The trip of a taxi record (kept in its fields when it was made up).
fn taxi_trip(record: &DbRecord) -> BTreeMap<Slot, String> {
    TAXI_TRIP
        .iter()
        .filter_map(|s| record.get(s.as_str()).map(|v| (*s, v.to_string())))
        .collect()
}

/// The taxi trip of the state.
fn state_trip(state: &DialogState) -> BTreeMap<Slot, String> {
    state
        .get(&Domain::Taxi)
        .map(|slots| {
            TAXI_TRIP
                .iter()
                .filter_map(|s| slots.get(s).map(|v| (*s, v.clone())))
                .collect()
        })
        .unwrap_or_default()
}

impl DialogMemory {
    /// An empty memory, as at the start of a dialog.
    pub fn new() -> DialogMemory {
        DialogMemory::default()
    }

    /// What is remembered about `domain`.
    pub fn domain(&self, domain: Domain) -> Option<&DomainMemory> {
        self.domains.get(&domain)
    }

    /// Whether nothing has been offered or booked yet.
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty() && self.proposal.is_none() && self.accepted.is_empty()
    }

    /// Forgets everything (a new dialog).
    pub fn clear(&mut self) {
        self.domains.clear();
        self.proposal = None;
        self.accepted.clear();
    }

    /// The tracked `state` with the alternatives the user took: the proposal of
    /// the last reply is taken when `takes` says the user said yes to it, and
    /// the state still holds what it replaces.
    pub fn steer(&mut self, state: &mut DialogState, takes: impl Fn(&Change) -> bool) {
        if let Some(p) = self.proposal.take()
            && takes(&p)
            && state
                .get(&p.domain)
                .and_then(|s| s.get(&p.slot))
                .is_some_and(|v| *v == p.from)
        {
            self.accepted.push(p);
        }
        for change in &self.accepted {
            change.apply(state);
        }
    }

    /// The record a turn should talk about, given what was already said: the
    /// entity offered or booked before when it is still among the matches of
    /// the current constraints (`is_match`), the same taxi for the same trip.
    /// Returns `None` when the fresh grounding should stand.
    pub fn remembered(
        &self,
        domain: Domain,
        state: &DialogState,
        is_match: impl Fn(&DbRecord) -> bool,
    ) -> Option<DbRecord> {
        let mem = self.domains.get(&domain)?;
        let candidates = mem
            .offered
            .iter()
            .chain(mem.booking.as_ref().and_then(|b| b.record.as_ref()));
        if domain == Domain::Taxi {
            let trip = state_trip(state);
            return candidates
                .into_iter()
                .find(|r| {
                    let old = taxi_trip(r);
                    // The same trip, or the trip the taxi was made up for with
                    // details added since (a time given after the car).
                    old.iter().all(|(s, v)| trip.get(s) == Some(v))
                        && [Slot::Departure, Slot::Destination]
                            .iter()
                            .all(|s| old.get(s) == trip.get(s))
                })
                .cloned();
        }
        candidates.into_iter().find(|r| is_match(r)).cloned()
    }

    /// Records what the reply `delex` said about `db`'s record in `domain`:
    /// an entity it named or described becomes the offer, a reference makes a
    /// booking. A booking of the same thing with the same details keeps its
    /// reference; otherwise the reference is made from `seed`. Returns the
    /// reference to show, if the reply gives one.
    pub fn observe(
        &mut self,
        domain: Domain,
        delex: &str,
        db: &DbResult,
        state: &DialogState,
        seed: u64,
    ) -> Option<String> {
        let reference = self.learn(domain, delex, db, state, seed);
        self.domains
            .retain(|_, m| m.offered.is_some() || m.booking.is_some());
        reference
    }

    fn learn(
        &mut self,
        domain: Domain,
        delex: &str,
        db: &DbResult,
        state: &DialogState,
        seed: u64,
    ) -> Option<String> {
        let attrs = placeholder_attrs(delex);
        let mem = self.domains.entry(domain).or_default();
        let record = db.record.as_ref().map(|r| {
            let mut r = r.clone();
            if domain == Domain::Taxi {
                for (s, v) in state_trip(state) {
                    r.fields.insert(s.as_str().to_string(), v);
                }
            }
            r
        });
        if let Some(record) = &record
            && attrs.iter().any(|a| ENTITY_ATTRS.contains(&a.as_str()))
        {
            mem.offered = Some(record.clone());
        }
        if !attrs.iter().any(|a| a == "reference" || a == "ref") {
            return mem.booking.as_ref().map(|b| b.reference.clone());
        }
        let details = booking_details(domain, state);
        let same = |b: &Booking| {
            b.details == details
                && b.record.as_ref().map(|r| &r.id) == record.as_ref().map(|r| &r.id)
        };
        match &mem.booking {
            Some(b) if same(b) => Some(b.reference.clone()),
            _ => {
                let reference = booking_reference(seed);
                mem.booking = Some(Booking {
                    reference: reference.clone(),
                    record,
                    details,
                });
                Some(reference)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    fn record(id: &str, fields: &[(&str, &str)]) -> DbRecord {
        DbRecord {
            id: id.to_string(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn result(domain: Domain, r: DbRecord) -> DbResult {
        DbResult {
            domain,
            count: 1,
            record: Some(r),
        }
    }

    #[test]
    fn placeholders_name_their_attribute_whatever_the_prefix() {
        assert_eq!(
            placeholder_attrs("[value_name] at [restaurant_phone] , ref [ref] ."),
            ["name", "phone", "ref"]
        );
    }

    #[test]
    fn a_named_venue_is_remembered_while_it_still_matches() {
        let mut m = DialogMemory::new();
        let db = result(Domain::Restaurant, record("7", &[("name", "golden wok")]));
        m.observe(
            Domain::Restaurant,
            "try [value_name] .",
            &db,
            &DialogState::new(),
            1,
        );
        let kept = m.remembered(Domain::Restaurant, &DialogState::new(), |_| true);
        assert_eq!(kept.unwrap().id, "7");
        assert!(
            m.remembered(Domain::Restaurant, &DialogState::new(), |_| false)
                .is_none()
        );
    }

    #[test]
    fn a_booking_keeps_its_reference_until_its_details_change() {
        let mut m = DialogMemory::new();
        let db = result(Domain::Hotel, record("3", &[("name", "acorn guest house")]));
        let mut state = DialogState::new();
        state
            .entry(Domain::Hotel)
            .or_default()
            .insert(Slot::BookPeople, "2".into());
        let first = m.observe(
            Domain::Hotel,
            "booked , ref [value_reference]",
            &db,
            &state,
            1,
        );
        let again = m.observe(
            Domain::Hotel,
            "your ref is [value_reference]",
            &db,
            &state,
            2,
        );
        assert_eq!(first, again);
        state
            .entry(Domain::Hotel)
            .or_default()
            .insert(Slot::BookPeople, "3".into());
        let changed = m.observe(
            Domain::Hotel,
            "rebooked , [value_reference]",
            &db,
            &state,
            3,
        );
        assert_ne!(first, changed);
    }

    #[test]
    fn a_taxi_stays_the_same_for_the_same_trip() {
        let mut m = DialogMemory::new();
        let mut state = DialogState::new();
        let taxi = state.entry(Domain::Taxi).or_default();
        taxi.insert(Slot::Departure, "acorn guest house".into());
        taxi.insert(Slot::Destination, "golden wok".into());
        let db = result(
            Domain::Taxi,
            record("", &[("car", "red honda"), ("phone", "07000000001")]),
        );
        m.observe(
            Domain::Taxi,
            "a [value_car] , [value_phone]",
            &db,
            &state,
            1,
        );
        state
            .entry(Domain::Taxi)
            .or_default()
            .insert(Slot::Leave, "10:15".into());
        let kept = m.remembered(Domain::Taxi, &state, |_| false).unwrap();
        assert_eq!(kept.get("car"), Some("red honda"));
        state
            .entry(Domain::Taxi)
            .or_default()
            .insert(Slot::Destination, "kings college".into());
        assert!(m.remembered(Domain::Taxi, &state, |_| false).is_none());
    }
}
