//! Inform and Success with the standard evaluator's semantics
//! (`metrics.get_dialog_success` and `get_success`).
//!
//! Per dialog: a venue domain is *informed* when every venue the system could have
//! offered (the DB results for the state at the last turn that mentioned a `NAME` or
//! `TRAINID` placeholder and changed the offered set) is among the venues matching
//! the goal; taxi, police and hospital, goals naming the venue, and trains never
//! offered nor asked for by id are informed automatically. *Success* needs Inform on
//! the whole dialog and every requested slot provided in a turn whose active
//! domains include that domain; `REFERENCE` only counts in domains booked by that
//! turn.

use std::sync::{Arc, RwLock};

use indexmap::IndexMap;
use multiwoz::Domain;
use rustc_hash::FxHashMap;

use crate::predictions::TurnState;

/// The placeholder tokens the evaluator looks for, in its order.
pub(crate) const REQUESTABLE_TOKENS: [&str; 5] =
    ["PHONE", "ADDRESS", "POST", "REFERENCE", "TRAINID"];

/// Venue lookups: the ids of the venues matching the constraints, in DB order.
pub trait VenueDb: Sync {
    /// The evaluator's `MultiWOZVenueDatabase.query(domain, constraints)`.
    fn venue_ids(&self, domain: Domain, constraints: &[(&str, &str)]) -> Vec<String>;
}

/// One goal domain as the success computation needs it.
#[derive(Debug, Clone)]
pub(crate) struct GoalDomain<'a> {
    pub domain: Domain,
    pub informable: &'a IndexMap<String, String>,
    /// Requested placeholder tokens (a set: duplicates removed).
    pub requested: Vec<&'static str>,
}

/// One dialog's inputs, turns already aligned.
pub(crate) struct DialogInput<'a> {
    pub goal: Vec<GoalDomain<'a>>,
    pub booked: &'a [Vec<Domain>],
    pub utterances: Vec<&'a str>,
    pub states: Vec<&'a TurnState>,
    pub active_domains: Vec<&'a [String]>,
}

/// One dialog's verdicts, per goal domain in goal order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DialogOutcome {
    pub inform: Vec<(Domain, bool)>,
    pub inform_total: bool,
    /// Present only when the whole dialog was informed, as in the evaluator.
    pub success: Option<Vec<(Domain, bool)>>,
    pub success_total: bool,
}

/// Query results by domain and sorted constraints.
type QueryCache = FxHashMap<(Domain, Vec<(String, String)>), Arc<Vec<String>>>;

/// A DB front that remembers every query (results depend only on the domain and the
/// constraint set), shared by the worker threads.
pub(crate) struct CachedDb<'d> {
    db: &'d dyn VenueDb,
    cache: RwLock<QueryCache>,
}

impl<'d> CachedDb<'d> {
    pub(crate) fn new(db: &'d dyn VenueDb) -> CachedDb<'d> {
        CachedDb {
            db,
            cache: RwLock::new(FxHashMap::default()),
        }
    }

    fn query(&self, domain: Domain, constraints: &IndexMap<String, String>) -> Arc<Vec<String>> {
        let mut pairs: Vec<(String, String)> = constraints
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // The evaluator walks the DB columns and looks each up in the constraints,
        // so the constraint order cannot change the result.
        pairs.sort();
        let key = (domain, pairs);
        if let Ok(cache) = self.cache.read()
            && let Some(hit) = cache.get(&key)
        {
            return Arc::clone(hit);
        }
        let borrowed: Vec<(&str, &str)> = key
            .1
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let ids = Arc::new(self.db.venue_ids(domain, &borrowed));
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(key, Arc::clone(&ids));
        }
        ids
    }

    /// How many distinct queries were run.
    pub(crate) fn distinct_queries(&self) -> usize {
        self.cache.read().map_or(0, |c| c.len())
    }
}

enum Offered {
    Venues(Arc<Vec<String>>),
    Matched,
}

/// `get_dialog_success` for one dialog.
pub(crate) fn dialog_success(input: &DialogInput<'_>, db: &CachedDb<'_>) -> DialogOutcome {
    let no_venues: Arc<Vec<String>> = Arc::new(Vec::new());
    let mut offered: Vec<Offered> = input
        .goal
        .iter()
        .map(|_| Offered::Venues(Arc::clone(&no_venues)))
        .collect();
    let mut provided: Vec<Vec<&'static str>> = vec![Vec::new(); input.goal.len()];

    // zip() in the evaluator stops at the shortest of the four sequences.
    let turns = input
        .utterances
        .len()
        .min(input.states.len())
        .min(input.booked.len())
        .min(input.active_domains.len());
    for t in 0..turns {
        let utterance = input.utterances[t];
        let state = input.states[t];
        let booked = &input.booked[t];
        let active = input.active_domains[t];
        for (g, goal) in input.goal.iter().enumerate() {
            let name = goal.domain.as_str();
            if !active.iter().any(|d| d == name) {
                continue;
            }
            let mentions_venue = (utterance.contains("NAME")
                && matches!(
                    goal.domain,
                    Domain::Restaurant | Domain::Hotel | Domain::Attraction
                ))
                || (utterance.contains("TRAINID") && goal.domain == Domain::Train);
            if mentions_venue {
                let matching = match state.get(name) {
                    Some(constraints) => db.query(goal.domain, constraints),
                    None => Arc::clone(&no_venues),
                };
                if let Offered::Venues(previous) = &offered[g] {
                    let replace = previous.is_empty()
                        || previous.iter().any(|venue| !matching.contains(venue));
                    if replace {
                        offered[g] = Offered::Venues(matching);
                    }
                }
            }
            for token in REQUESTABLE_TOKENS {
                if !utterance.contains(token) {
                    continue;
                }
                if token == "REFERENCE" && !booked.contains(&goal.domain) {
                    continue;
                }
                if !provided[g].contains(&token) {
                    provided[g].push(token);
                }
            }
        }
    }

    for (g, goal) in input.goal.iter().enumerate() {
        if goal.informable.contains_key("name")
            || matches!(
                goal.domain,
                Domain::Taxi | Domain::Police | Domain::Hospital
            )
        {
            offered[g] = Offered::Matched;
        }
        if goal.domain == Domain::Train
            && matches!(&offered[g], Offered::Venues(v) if v.is_empty())
            && !goal.requested.contains(&"TRAINID")
        {
            offered[g] = Offered::Matched;
        }
    }

    let inform: Vec<(Domain, bool)> = input
        .goal
        .iter()
        .zip(&offered)
        .map(|(goal, offered)| {
            let ok = match offered {
                Offered::Matched => true,
                Offered::Venues(venues) if goal.domain.has_venues() && !venues.is_empty() => {
                    let goal_venues = db.query(goal.domain, goal.informable);
                    venues.iter().all(|v| goal_venues.contains(v))
                }
                Offered::Venues(_) => false,
            };
            (goal.domain, ok)
        })
        .collect();
    let inform_total = inform.iter().all(|(_, ok)| *ok);

    let (success, success_total) = if inform_total {
        let per_domain: Vec<(Domain, bool)> = input
            .goal
            .iter()
            .zip(&provided)
            .map(|(goal, provided)| {
                (
                    goal.domain,
                    goal.requested.iter().all(|r| provided.contains(r)),
                )
            })
            .collect();
        let total = per_domain.iter().all(|(_, ok)| *ok);
        (Some(per_domain), total)
    } else {
        (None, false)
    };
    DialogOutcome {
        inform,
        inform_total,
        success,
        success_total,
    }
}

#[cfg(test)]
mod tests;
