//! The rules that read one user turn: which reading of a value fits, places
//! for taxis, counts and days, hotel amenities, "don't care", and an offered
//! venue the user accepts.

use multiwoz::{Domain, Slot};

use super::super::cue_words::PARTY_NOUNS;
use super::super::cues::{declines, is_closing, user_asks};
use super::super::lexicon::{Match, Reading};
use super::super::text::{contains_any, number_value, weekday};
use super::super::times::TimeMention;
use super::{DONTCARE, RuleTracker, TrackView, TurnCtx};

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
        let place_slot = |departure_default: bool| {
            if prev2.iter().any(|t| {
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
            ) || prev2
                .iter()
                .any(|t| matches!(*t, "to" | "going" | "destination" | "arrive" | "arriving"))
            {
                Slot::Destination
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
                    let slot = place_slot(!has_dep);
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
                let slot = place_slot(!has_dep);
                Some((d, slot, first.value.clone()))
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
            if !updates
                .iter()
                .any(|(d, s, _)| *d == Domain::Taxi && *s == slot)
            {
                updates.push((Domain::Taxi, slot, name.clone()));
            }
        }
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

    /// People counts, nights, stars and weekdays.
    pub(super) fn numbers_and_days(
        &self,
        ctx: &TurnCtx<'_>,
        times: &[TimeMention],
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        let d = ctx.domain;
        let bookable = matches!(d, Some(Domain::Restaurant | Domain::Hotel | Domain::Train));
        let toks = &ctx.toks;
        for (i, tok) in toks.iter().enumerate() {
            if times.iter().any(|t| t.start <= i && i < t.end) {
                continue;
            }
            if let Some(day) = weekday(tok) {
                match d {
                    Some(Domain::Train) => updates.push((Domain::Train, Slot::Day, day.into())),
                    Some(dom @ (Domain::Restaurant | Domain::Hotel)) => {
                        updates.push((dom, Slot::BookDay, day.into()));
                    }
                    _ => {}
                }
                continue;
            }
            let Some(n) = number_value(tok) else { continue };
            let next_tok = toks.get(i + 1).copied().unwrap_or("");
            // "Book one for me", "I need one that is moderately priced": "one"
            // as a pronoun is no count.
            if *tok == "one"
                && !matches!(
                    next_tok,
                    "star"
                        | "stars"
                        | "night"
                        | "nights"
                        | "person"
                        | "people"
                        | "ticket"
                        | "guest"
                        | "adult"
                        | "seat"
                        | "room"
                        | "day"
                )
                && !ctx.sys_asks.contains(&Slot::BookPeople)
            {
                continue;
            }
            let next = toks.get(i + 1).copied().unwrap_or("");
            let next2 = toks.get(i + 2).copied().unwrap_or("");
            let prev = if i > 0 { toks[i - 1] } else { "" };
            let value = n.to_string();
            let people_noun = PARTY_NOUNS.contains(&next)
                || (next == "of" && next2 == "us")
                || prev == "party"
                || (prev == "of" && toks.get(i.wrapping_sub(2)) == Some(&"party"));
            if matches!(next, "star" | "stars") || (next == "star" && next2 == "rating") {
                updates.push((Domain::Hotel, Slot::Stars, value));
            } else if matches!(next, "night" | "nights")
                || (matches!(next, "days" | "day") && d == Some(Domain::Hotel))
            {
                updates.push((Domain::Hotel, Slot::BookStay, value));
            } else if bookable
                && (people_noun
                    || ((ctx.sys_asks.contains(&Slot::BookPeople)
                        || (prev == "for" && d == Some(Domain::Restaurant) && n <= 12)
                        || prev == "table")
                        && !matches!(next, "minutes" | "pounds" | "am" | "pm")))
            {
                if let Some(dom) = d {
                    updates.push((dom, Slot::BookPeople, value));
                }
            } else if d == Some(Domain::Hotel) && ctx.sys_asks.contains(&Slot::BookStay) && n <= 14
            {
                updates.push((Domain::Hotel, Slot::BookStay, value));
            } else if d == Some(Domain::Hotel) && ctx.sys_asks.contains(&Slot::Stars) && n <= 5 {
                updates.push((Domain::Hotel, Slot::Stars, value));
            }
        }
        if bookable
            && contains_any(
                ctx.norm,
                &[
                    "just me",
                    "just myself",
                    "only me",
                    "for myself",
                    "one person",
                    "just one",
                    "alone",
                    "by myself",
                    "a ticket",
                    "one ticket",
                    "a single ticket",
                    "a seat",
                    "one seat",
                ],
            )
            && let Some(dom) = d
        {
            updates.push((dom, Slot::BookPeople, "1".into()));
        }
    }

    /// Parking and internet requirements.
    pub(super) fn hotel_flags(&self, ctx: &TurnCtx<'_>, updates: &mut Vec<(Domain, Slot, String)>) {
        if ctx.domain.is_some_and(|d| d != Domain::Hotel)
            && !contains_any(ctx.norm, &["hotel", "guesthouse", "stay"])
        {
            return;
        }
        let neg = |word_idx: usize| {
            let lo = word_idx.saturating_sub(6);
            ctx.toks[lo..word_idx]
                .iter()
                .any(|t| matches!(*t, "no" | "dont" | "doesnt" | "not" | "without"))
        };
        for (i, tok) in ctx.toks.iter().enumerate() {
            let slot = match *tok {
                "parking" => Slot::Parking,
                "wifi" | "internet" => Slot::Internet,
                "fi" if i > 0 && ctx.toks[i - 1] == "wi" => Slot::Internet,
                _ => continue,
            };
            let window = &ctx.toks[i.saturating_sub(7)..i];
            // "Do they have free parking?" asks about a venue; it sets nothing.
            let asks = window
                .iter()
                .any(|t| matches!(*t, "do" | "does" | "if" | "whether" | "is" | "are"))
                && window.iter().any(|t| {
                    matches!(
                        *t,
                        "they" | "it" | "them" | "either" | "any" | "all" | "there"
                    )
                });
            if asks {
                continue;
            }
            // "It doesn't need to have free parking" leaves parking open.
            let v = if neg(i)
                && window.iter().any(|t| {
                    matches!(
                        *t,
                        "need" | "necessary" | "matter" | "care" | "required" | "needed"
                    )
                }) {
                DONTCARE
            } else if neg(i) {
                "no"
            } else {
                "yes"
            };
            updates.push((Domain::Hotel, slot, v.to_string()));
        }
    }

    /// "Don't care" answers, attached to the slot named nearby or asked for.
    pub(super) fn dontcare(&self, ctx: &TurnCtx<'_>, updates: &mut Vec<(Domain, Slot, String)>) {
        const PHRASES: &[&str] = &[
            "dont care",
            "doesnt matter",
            "does not matter",
            "no preference",
            "dont mind",
            "dont have a preference",
            "any area",
            "any part",
            "any price",
            "any type",
            "anywhere",
            "either is fine",
            "either one",
            "not important",
            "no particular",
            "whatever",
            "any is fine",
            "any will do",
            "not picky",
            "dont really care",
            "do not care",
            "no specific",
            "does nt matter",
            "any kind",
            "any food",
        ];
        if !contains_any(ctx.norm, PHRASES) {
            return;
        }
        let Some(d) = ctx.domain else { return };
        let named: &[(Slot, &[&str])] = &[
            (
                Slot::Area,
                &["area", "part", "anywhere", "location", "side"],
            ),
            (
                Slot::PriceRange,
                &["price", "pricerange", "cost", "expensive", "cheap"],
            ),
            (Slot::Food, &["food", "cuisine"]),
            (Slot::Type, &["type", "kind"]),
            (Slot::Stars, &["stars", "star", "rating"]),
        ];
        let mut slots: Vec<Slot> = named
            .iter()
            .filter(|(_, w)| contains_any(ctx.norm, w))
            .map(|(s, _)| *s)
            .collect();
        if slots.is_empty() {
            slots = ctx
                .sys_asks
                .iter()
                .copied()
                .filter(|s| !s.is_book())
                .take(2)
                .collect();
        }
        for s in slots {
            if !updates.iter().any(|(ud, us, _)| *ud == d && *us == s) {
                updates.push((d, s, DONTCARE.to_string()));
            }
        }
    }

    /// A venue the system offered becomes the user's choice once the user engages
    /// with it (asks about it or books it) without naming another.
    pub(super) fn accepted_offer(
        &self,
        ctx: &TurnCtx<'_>,
        view: &TrackView,
        current: &[(Domain, Slot, String)],
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        let sys_toks: Vec<&str> = ctx.sys_norm.split(' ').collect();
        let mut names: Vec<Reading> = Vec::new();
        for m in self.lexicon.find(&sys_toks) {
            if let Some(r) = m.readings.iter().find(|r| r.slot == Slot::Name)
                && !names.iter().any(|n| n.value == r.value)
            {
                names.push(r.clone());
            }
        }
        let [offer] = names.as_slice() else { return };
        if current
            .iter()
            .any(|(d, s, _)| *d == offer.domain && *s == Slot::Name)
            || declines(ctx.norm)
        {
            return;
        }
        if ctx.domain.is_some_and(|d| d != offer.domain) {
            return;
        }
        let engaged = !user_asks(ctx.norm).is_empty()
            || contains_any(
                ctx.norm,
                &[
                    "book",
                    "reserve",
                    "sounds good",
                    "sounds great",
                    "that sounds",
                    "perfect",
                    "yes",
                    "that works",
                    "great",
                    "sure",
                ],
            )
            || current
                .iter()
                .any(|(d, s, _)| *d == offer.domain && s.is_book());
        if engaged && !is_closing(ctx.norm) {
            let _ = view;
            updates.push((offer.domain, Slot::Name, offer.value.clone()));
        }
    }
}
