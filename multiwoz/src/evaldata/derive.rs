//! Deriving the evaluator's data from original-format dialogs.
//!
//! The rules reproduce the reconstructed files of `../shared/multiwoz`:
//! * goal: the domains restaurant, hotel, attraction, train, taxi (in that order)
//!   that the user goal mentions; informable = `info` with evaluator-normalized slot
//!   names and values; requestable = `reqt` entries phone/address/postcode/trainID
//!   mapped to PHONE/ADDRESS/POST/TRAINID in goal order, then REFERENCE when the
//!   domain has a `book` section; booking = `book` without its `invalid` and
//!   `pre_invalid` flags, values as written;
//! * gold state: per system turn, per domain in file order, the `semi` slots then
//!   the `book` slots as `book<slot>`, dropping `""`, `not mentioned`, `none` and
//!   `dontcare`, normalized like the evaluator;
//! * booked domains: per system turn, the domains (file order, taxi excluded) whose
//!   `booked` list is non-empty;
//! * references: the system turn delexicalized with its spans, then normalized by
//!   the evaluator's response normalization.

use indexmap::IndexMap;

use super::{DomainGoal, Goal, Requestable, TurnState};
use crate::model::{BeliefState, Dialog, UserGoal};
use crate::normalize::{
    Mapping, normalize_response, normalize_state_slot_name, normalize_state_value,
};
use crate::{Domain, Slot};

/// Values the gold state leaves out.
const DROPPED_VALUES: [&str; 4] = ["", "not mentioned", "none", "dontcare"];

/// The domains of the evaluator's goals, in the order its goals file lists them.
const GOAL_DOMAINS: [Domain; 5] = [
    Domain::Restaurant,
    Domain::Hotel,
    Domain::Attraction,
    Domain::Train,
    Domain::Taxi,
];

/// The evaluator-form goal of an original user goal.
pub fn derive_goal(goal: &UserGoal) -> Goal {
    let mut domains = IndexMap::new();
    for domain in GOAL_DOMAINS {
        let Some(g) = goal.domains.get(&domain) else {
            continue;
        };
        let informable = g
            .info
            .iter()
            .map(|(slot, value)| {
                let slot = normalize_state_slot_name(slot);
                let value = normalize_state_value(&slot, value);
                (slot, value)
            })
            .collect();
        let mut requestable: Vec<Requestable> = g
            .reqt
            .iter()
            .filter_map(|r| match r.as_str() {
                "phone" => Some(Requestable::Phone),
                "address" => Some(Requestable::Address),
                "postcode" => Some(Requestable::Post),
                "trainID" => Some(Requestable::TrainId),
                _ => None,
            })
            .collect();
        if g.has_book {
            requestable.push(Requestable::Reference);
        }
        domains.insert(
            domain,
            DomainGoal {
                informable,
                requestable,
                booking: g.book.clone(),
            },
        );
    }
    Goal { domains }
}

/// The evaluator-form state of one annotated belief state.
pub fn turn_state(belief: &BeliefState) -> TurnState {
    let mut state = TurnState::new();
    for (domain, b) in &belief.domains {
        let mut slots = IndexMap::new();
        let all = b.semi.iter().chain(b.book.iter());
        for (slot, value) in all {
            if DROPPED_VALUES.contains(&value.as_str()) {
                continue;
            }
            let name = slot_state_name(*slot);
            let value = normalize_state_value(name, value);
            slots.insert(name.to_string(), value);
        }
        if !slots.is_empty() {
            state.insert(domain.as_str().to_string(), slots);
        }
    }
    state
}

/// The state name of a slot (`bookpeople`, `arrive`, …).
fn slot_state_name(slot: Slot) -> &'static str {
    slot.as_str()
}

/// The gold state of every system turn (an empty state where a turn has no annotation).
pub fn derive_gold_states(dialog: &Dialog) -> Vec<TurnState> {
    dialog
        .system_turns()
        .map(|t| t.belief.as_ref().map(turn_state).unwrap_or_default())
        .collect()
}

/// The domains with a booking by each system turn (taxi excluded, as in the
/// evaluator's file).
pub fn derive_booked_domains(dialog: &Dialog) -> Vec<Vec<Domain>> {
    dialog
        .system_turns()
        .map(|t| {
            t.belief
                .as_ref()
                .map(|b| {
                    b.domains
                        .iter()
                        .filter(|(d, s)| **d != Domain::Taxi && !s.booked.is_empty())
                        .map(|(d, _)| *d)
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// The normalized delexicalized reference of every system turn.
pub fn derive_references(dialog: &Dialog) -> Vec<String> {
    dialog
        .system_turns()
        .map(|t| normalize_response(&crate::lex::delexicalize(t), Mapping::Stock).text)
        .collect()
}
