//! Which reading of a value fits the turn: a phrase such as "centre" or a venue
//! name may denote values of several domains and slots.

use multiwoz::{Domain, Slot};

use super::super::lexicon::{Match, Reading};
use super::{RuleTracker, TrackView, TurnCtx};

impl RuleTracker {
    /// Picks the reading of a lexicon match that fits the turn.
    pub(super) fn resolve_match(
        &self,
        ctx: &TurnCtx<'_>,
        m: &Match,
        view: &TrackView,
    ) -> Option<(Domain, Slot, String)> {
        let before = &ctx.toks[..m.start];
        let prev = before.last().copied().unwrap_or("");
        let prev2 = before.iter().rev().take(3).copied().collect::<Vec<_>>();
        let first = m.readings.first()?;
        // "out of cambridge", "come to the hotel", "pick me up at the museum".
        // "pick me up at the museum" puts three words between.
        let near: Vec<&str> = before.iter().rev().take(4).copied().collect();
        let out_of = prev == "of" && prev2.contains(&"out")
            || near.iter().any(|t| {
                matches!(
                    *t,
                    "come" | "pick" | "picked" | "pickup" | "collect" | "collected" | "fetch"
                )
            }) && !near.iter().any(|t| matches!(*t, "take" | "drop"));
        let place_slot = |departure_default: bool, ends: (bool, bool)| {
            if out_of
                || prev2.iter().any(|t| {
                    matches!(
                        *t,
                        "from" | "leaving" | "departing" | "leaves" | "leave" | "depart"
                    )
                }) && !matches!(prev, "to" | "into" | "for")
            {
                Slot::Departure
            } else if matches!(
                prev,
                "to" | "into" | "at" | "for" | "arrive" | "arriving" | "reach"
            ) || prev2.iter().any(|t| {
                matches!(
                    *t,
                    "to" | "going"
                        | "destination"
                        | "arrive"
                        | "arriving"
                        | "arrives"
                        | "heading"
                        | "headed"
                        | "bound"
                        | "towards"
                        | "reaches"
                )
            }) {
                Slot::Destination
            } else if ends.0 != ends.1 {
                // One end known: an unmarked place is the other one.
                if ends.1 {
                    Slot::Departure
                } else {
                    Slot::Destination
                }
            } else if ctx.sys_asks.contains(&Slot::Departure)
                && !ctx.sys_asks.contains(&Slot::Destination)
            {
                Slot::Departure
            } else if ctx.sys_asks.contains(&Slot::Destination) {
                Slot::Destination
            } else if departure_default {
                Slot::Departure
            } else {
                Slot::Destination
            }
        };
        match first.slot {
            Slot::Name => {
                if ctx.domain == Some(Domain::Taxi) {
                    let taxi = view.state.get(&Domain::Taxi);
                    let has_dep = taxi.is_some_and(|t| t.contains_key(&Slot::Departure));
                    let has_dest = taxi.is_some_and(|t| t.contains_key(&Slot::Destination));
                    let slot = place_slot(!has_dep, (has_dep, has_dest));
                    return Some((Domain::Taxi, slot, first.value.clone()));
                }
                let pick = m
                    .readings
                    .iter()
                    .find(|r| Some(r.domain) == ctx.domain)
                    .unwrap_or(first);
                Some((pick.domain, Slot::Name, pick.value.clone()))
            }
            Slot::Departure if first.domain == Domain::Train => {
                let taxi = ctx.domain == Some(Domain::Taxi);
                if first.value == "cambridge"
                    && !taxi
                    && ctx.domain != Some(Domain::Train)
                    && !matches!(prev, "from" | "to")
                {
                    return None;
                }
                let d = if taxi { Domain::Taxi } else { Domain::Train };
                let st = view.state.get(&d);
                let has_dep = st.is_some_and(|t| t.contains_key(&Slot::Departure));
                let has_dest = st.is_some_and(|t| t.contains_key(&Slot::Destination));
                let slot = place_slot(!has_dep, (has_dep, has_dest));
                // A taxi goes to a town's station, not to the town: "from the
                // cambridge train station" is that place.
                let after = &ctx.toks[m.end.min(ctx.toks.len())..];
                let station = matches!(
                    after,
                    ["station", ..] | ["train" | "railway", "station", ..]
                );
                let value = if taxi && station {
                    format!("{} train station", first.value)
                } else {
                    first.value.clone()
                };
                Some((d, slot, value))
            }
            _ => {
                let pick: &Reading = m
                    .readings
                    .iter()
                    .find(|r| Some(r.domain) == ctx.domain)
                    .or_else(|| {
                        // An area or price range in a turn about another domain: the
                        // most recent venue domain in the state.
                        m.readings.iter().find(|r| view.domain == Some(r.domain))
                    })
                    .or_else(|| (m.readings.len() == 1).then_some(first))?;
                if pick.slot == Slot::Type
                    && pick.domain == Domain::Attraction
                    && ctx.domain == Some(Domain::Hotel)
                {
                    return None;
                }
                Some((pick.domain, pick.slot, pick.value.clone()))
            }
        }
    }
}
