//! Places for taxis: venues named by their domain ("from the hotel to the
//! restaurant") and trips between the two venues of the state.

use multiwoz::{Domain, Slot};

use super::super::text::contains_any;
use super::{RuleTracker, TrackView, TurnCtx};

impl RuleTracker {
    /// "from the hotel to the restaurant": places named by their domain resolve to
    /// the venue of that domain in the state, or the one the system last named.
    pub(super) fn taxi_references(
        &self,
        ctx: &TurnCtx<'_>,
        view: &TrackView,
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        let toks = &ctx.toks;
        for (i, tok) in toks.iter().enumerate() {
            if let Some((start, place)) = public_place(toks, i) {
                if let Some(slot) = trip_end(&toks[start.saturating_sub(4)..start]) {
                    set_taxi_end(updates, slot, place.to_string());
                }
                continue;
            }
            if *tok == "station" {
                self.taxi_station(toks, i, view, updates);
                continue;
            }
            if *tok == "there" {
                taxi_there(ctx, i, view, updates);
                continue;
            }
            let domain = match *tok {
                "restaurant" => Domain::Restaurant,
                "hotel" | "guesthouse" | "lodging" => Domain::Hotel,
                "attraction" | "museum" | "college" | "church" | "theatre" | "cinema" | "park"
                | "pool" | "gallery" | "nightclub" | "club" | "boat" => Domain::Attraction,
                _ => continue,
            };
            if i == 0 || !matches!(toks[i - 1], "the" | "my" | "our" | "that") {
                continue;
            }
            let Some(name) = view
                .state
                .get(&domain)
                .and_then(|s| s.get(&Slot::Name))
                .or_else(|| view.offered.get(&domain))
            else {
                continue;
            };
            let before = &toks[i.saturating_sub(4)..i];
            let slot = if before
                .iter()
                .any(|t| matches!(*t, "from" | "leaving" | "departing" | "leave" | "depart"))
            {
                Slot::Departure
            } else if before
                .iter()
                .any(|t| matches!(*t, "to" | "at" | "arrive" | "reach" | "get"))
            {
                Slot::Destination
            } else {
                continue;
            };
            set_taxi_end(updates, slot, name.clone());
        }
    }
}

/// The hospital as a taxi's end (the hospital domain has one).
const HOSPITAL: &str = "addenbrookes hospital";
/// The police station as a taxi's end (the police domain has one).
const POLICE_STATION: &str = "parkside police station";

/// The places every dialog knows without a venue in the state: the hospital
/// and the police station. Each row: the word that ends the phrase, the words
/// that may come before it as part of the name, and the place's name.
const PUBLIC_PLACES: &[(&str, &[&str], &str)] = &[
    ("hospital", &["addenbrookes", "the", "a"], HOSPITAL),
    ("addenbrookes", &[], HOSPITAL),
    ("station", &["police", "parkside"], POLICE_STATION),
    ("police", &["the", "parkside"], POLICE_STATION),
];

/// Sets a taxi's end unless an earlier reading of the turn set it.
fn set_taxi_end(updates: &mut Vec<(Domain, Slot, String)>, slot: Slot, place: String) {
    if !updates
        .iter()
        .any(|(d, s, _)| *d == Domain::Taxi && *s == slot)
    {
        updates.push((Domain::Taxi, slot, place));
    }
}

/// The public place whose phrase ends at token `i` ("to the hospital", "from
/// parkside police station"), with the index the phrase starts at.
fn public_place(toks: &[&str], i: usize) -> Option<(usize, &'static str)> {
    let (_, before, place) = PUBLIC_PLACES.iter().find(|(head, before, _)| {
        toks[i] == *head
            // "station" names the police station only after "police".
            && (!before.contains(&"police") || i > 0 && before.contains(&toks[i - 1]))
    })?;
    // "police" is a place only when no "station" follows (that is the row above).
    if toks[i] == "police" && toks.get(i + 1) == Some(&"station") {
        return None;
    }
    let mut start = i;
    while start > 0 && before.contains(&toks[start - 1]) {
        start -= 1;
    }
    // The article before a multi-word name: "to the parkside police station".
    if start > 0 && matches!(toks[start - 1], "the" | "my" | "a") {
        start -= 1;
    }
    Some((start, place))
}

/// Whether the words before a place make it where the taxi leaves from or
/// where it goes: the nearest such word decides ("from the police to the
/// hospital").
fn trip_end(before: &[&str]) -> Option<Slot> {
    before.iter().rev().find_map(|t| match *t {
        "from" | "leaving" | "departing" | "leave" | "depart" => Some(Slot::Departure),
        "to" | "at" | "arrive" | "reach" | "get" => Some(Slot::Destination),
        _ => None,
    })
}

impl RuleTracker {
    /// "to the train station": the station of the train in the state, the one it
    /// leaves from when the taxi goes there, the one it arrives at when the taxi
    /// picks the user up there.
    fn taxi_station(
        &self,
        toks: &[&str],
        i: usize,
        view: &TrackView,
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        let mut start = i;
        if start > 0 && matches!(toks[start - 1], "train" | "railway") {
            start -= 1;
        }
        if start == 0 || !matches!(toks[start - 1], "the" | "my" | "our" | "that") {
            return;
        }
        let before = &toks[start.saturating_sub(4)..start];
        let (slot, end) = if before
            .iter()
            .any(|t| matches!(*t, "from" | "leaving" | "departing" | "leave" | "depart"))
        {
            (Slot::Departure, Slot::Destination)
        } else if before
            .iter()
            .any(|t| matches!(*t, "to" | "at" | "arrive" | "reach" | "get"))
        {
            (Slot::Destination, Slot::Departure)
        } else {
            return;
        };
        let Some(station) = view.state.get(&Domain::Train).and_then(|t| t.get(&end)) else {
            return;
        };
        set_taxi_end(updates, slot, format!("{station} train station"));
    }

    /// "A cab that arrives by my booking time": the taxi arrives (or leaves,
    /// "after my reservation") at the time of the table booked.
    pub(super) fn taxi_booking_time(
        &self,
        ctx: &TurnCtx<'_>,
        view: &TrackView,
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        // "...to arrive before our reservation", "in time for our booking".
        let arrival_words = contains_any(ctx.norm, &["arrive", "before", "in time", "by"]);
        let reservation = contains_any(
            ctx.norm,
            &[
                "our reservation",
                "my reservation",
                "the reservation",
                "our booking",
                "my booking",
                "our table",
                "my table",
            ],
        );
        let refers = arrival_words && reservation
            || contains_any(
                ctx.norm,
                &[
                    "booking time",
                    "reservation time",
                    "time of my reservation",
                    "time of the reservation",
                    "time of my booking",
                    "time of the booking",
                    "in time for my reservation",
                    "in time for the reservation",
                    "in time for my booking",
                    "in time for my table",
                    "in time for dinner",
                ],
            );
        let timed = updates
            .iter()
            .any(|(d, s, _)| *d == Domain::Taxi && matches!(s, Slot::Leave | Slot::Arrive));
        let Some(time) = view
            .state
            .get(&Domain::Restaurant)
            .and_then(|r| r.get(&Slot::BookTime))
        else {
            return;
        };
        if !refers || timed {
            return;
        }
        let after = contains_any(ctx.norm, &["after my", "after the", "leave the restaurant"]);
        let slot = if after { Slot::Leave } else { Slot::Arrive };
        updates.push((Domain::Taxi, slot, time.clone()));
    }

    /// "A taxi between the two places": the two venues of the state, the one the
    /// user leaves (or the one chosen first) as the departure.
    pub(super) fn taxi_between(
        &self,
        ctx: &TurnCtx<'_>,
        view: &TrackView,
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        if !contains_any(
            ctx.norm,
            &[
                "two places",
                "both places",
                "between the two",
                "between them",
                "between both",
                "two venues",
                "between the",
                "both locations",
                "two locations",
            ],
        ) {
            return;
        }
        let mut venues: Vec<(Domain, String)> = Vec::new();
        for d in [Domain::Restaurant, Domain::Hotel, Domain::Attraction] {
            if let Some(n) = view
                .state
                .get(&d)
                .and_then(|s| s.get(&Slot::Name))
                .or_else(|| view.offered.get(&d))
            {
                venues.push((d, n.clone()));
            }
        }
        if venues.len() < 2 {
            return;
        }
        let leaves_from = |d: Domain| {
            let word = match d {
                Domain::Restaurant => "restaurant",
                Domain::Hotel => "hotel",
                _ => "attraction",
            };
            contains_any(
                ctx.norm,
                &[
                    &format!("leave the {word}"),
                    &format!("from the {word}"),
                    &format!("leaving the {word}"),
                ],
            )
        };
        // One end already read ("leaving the college"): the other venue is the
        // other end.
        let set = |slot: Slot| {
            updates
                .iter()
                .find(|(d, s, _)| *d == Domain::Taxi && *s == slot)
                .map(|(_, _, v)| v.clone())
        };
        let other = |end: &str| {
            venues
                .iter()
                .find(|(_, n)| n != end)
                .map(|(_, n)| n.clone())
        };
        match (set(Slot::Departure), set(Slot::Destination)) {
            (Some(from), None) => {
                if let Some(to) = other(&from) {
                    updates.push((Domain::Taxi, Slot::Destination, to));
                }
                return;
            }
            (None, Some(to)) => {
                if let Some(from) = other(&to) {
                    updates.push((Domain::Taxi, Slot::Departure, from));
                }
                return;
            }
            (Some(_), Some(_)) => return,
            (None, None) => {}
        }
        if let Some(i) = venues.iter().position(|(d, _)| leaves_from(*d)) {
            venues.swap(0, i);
        }
        for (slot, venue) in [
            (Slot::Departure, &venues[0].1),
            (Slot::Destination, &venues[1].1),
        ] {
            if !updates
                .iter()
                .any(|(d, us, _)| *d == Domain::Taxi && *us == slot)
            {
                updates.push((Domain::Taxi, slot, venue.clone()));
            }
        }
    }

    /// "I need it to leave the restaurant by 19:30" with a hotel also in the
    /// dialog: a taxi that starts (or ends) at one of the dialog's two venues
    /// runs between them, so the other venue is its other end. Only with
    /// exactly one other venue; a third place is the user's to name.
    pub(super) fn taxi_other_end(
        &self,
        view: &TrackView,
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        let end = |slot: Slot| {
            updates
                .iter()
                .rev()
                .find(|(d, s, _)| *d == Domain::Taxi && *s == slot)
                .map(|(_, _, v)| v.clone())
                .or_else(|| {
                    view.state
                        .get(&Domain::Taxi)
                        .and_then(|t| t.get(&slot))
                        .cloned()
                })
        };
        let (known, missing) = match (end(Slot::Departure), end(Slot::Destination)) {
            (Some(from), None) => (from, Slot::Destination),
            (None, Some(to)) => (to, Slot::Departure),
            _ => return,
        };
        // The venue of each domain: the one chosen, else the one the system
        // last named (as for a taxi "between the two places").
        let venues: Vec<&String> = [Domain::Restaurant, Domain::Hotel, Domain::Attraction]
            .iter()
            .filter_map(|d| {
                view.state
                    .get(d)
                    .and_then(|s| s.get(&Slot::Name))
                    .or_else(|| view.offered.get(d))
            })
            .collect();
        if venues.len() != 2 || !venues.contains(&&known) {
            return;
        }
        if let Some(other) = venues.into_iter().find(|v| **v != known) {
            updates.push((Domain::Taxi, missing, other.clone()));
        }
    }

    /// A taxi to the restaurant where the user booked a table, with no time
    /// said: it is to arrive by the table's time (what the user needs; they
    /// can still say another).
    pub(super) fn taxi_to_booked_table(
        &self,
        view: &TrackView,
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        let taxi = view.state.get(&Domain::Taxi);
        let has = |slot: Slot| {
            updates
                .iter()
                .any(|(d, s, _)| *d == Domain::Taxi && *s == slot)
                || taxi.is_some_and(|t| t.contains_key(&slot))
        };
        if has(Slot::Leave) || has(Slot::Arrive) {
            return;
        }
        let destination = updates
            .iter()
            .rev()
            .find(|(d, s, _)| *d == Domain::Taxi && *s == Slot::Destination)
            .map(|(_, _, v)| v)
            .or_else(|| taxi.and_then(|t| t.get(&Slot::Destination)));
        let Some(restaurant) = view.state.get(&Domain::Restaurant) else {
            return;
        };
        if let (Some(to), Some(name), Some(time)) = (
            destination,
            restaurant.get(&Slot::Name),
            restaurant.get(&Slot::BookTime),
        ) && to == name
        {
            updates.push((Domain::Taxi, Slot::Arrive, time.clone()));
        }
    }
}

/// "A taxi to get there", "take me there", "from there": the venue the dialog
/// was just about (its name in the state, or the one offered), as the taxi's
/// destination, or its departure after "from". "Is there" asks, and names no
/// place.
fn taxi_there(
    ctx: &TurnCtx<'_>,
    i: usize,
    view: &TrackView,
    updates: &mut Vec<(Domain, Slot, String)>,
) {
    let Some(prev) = i.checked_sub(1).map(|p| ctx.toks[p]) else {
        return;
    };
    let slot = match prev {
        "from" => Slot::Departure,
        "get" | "go" | "taxi" | "cab" | "car" | "me" | "us" | "ride" | "lift" | "back" => {
            Slot::Destination
        }
        _ => return,
    };
    let Some(domain) = ctx.before else {
        return;
    };
    // The hospital and the police station are one place each.
    let name = match domain {
        Domain::Hospital => Some(HOSPITAL.to_string()),
        Domain::Police => Some(POLICE_STATION.to_string()),
        Domain::Restaurant | Domain::Hotel | Domain::Attraction => view
            .state
            .get(&domain)
            .and_then(|s| s.get(&Slot::Name))
            .or_else(|| view.offered.get(&domain))
            .cloned(),
        _ => None,
    };
    let Some(name) = name else {
        return;
    };
    set_taxi_end(updates, slot, name);
}
