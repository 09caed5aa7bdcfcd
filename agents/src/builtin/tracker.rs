//! The built-in belief-state tracker: lexicon and rule based.
//!
//! The state is recomputed from the whole history on every call (a few
//! microseconds per turn), so the tracker needs no memory between calls and gives
//! the same answer however the caller replays a dialog. Each user turn is read
//! in the context of the system turn before it: a bare "north" answers "what
//! area?", a bare "5" answers "how many people?", and "yes, book it" after an
//! offer of a venue fixes that venue's name. Later values override earlier ones,
//! which handles corrections ("actually, make it 4 people").

use std::collections::BTreeMap;

use multiwoz::{Domain, Slot};

use super::cues::{declines, domain_words, is_closing, system_requests, user_asks};
use super::lexicon::{Lexicon, Match, Reading};
use super::text::{contains_any, normalize, number_value, weekday};
use super::times::{TimeKind, all_times};
use crate::roles::{DialogState, Speaker, Utterance};

/// The value the tracker keeps for "don't care" (dropped from the public state,
/// as the evaluator's gold states drop it).
pub const DONTCARE: &str = "dontcare";

/// What the tracker knows after a history, beyond the public state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackView {
    /// The state including `dontcare` values.
    pub state: DialogState,
    /// The domain the last user turn was read in.
    pub domain: Option<Domain>,
    /// The last venue name the system mentioned, per domain.
    pub offered: BTreeMap<Domain, String>,
}

impl TrackView {
    /// The state without `dontcare` values, as the evaluator's gold states are.
    pub fn public_state(&self) -> DialogState {
        let mut out = DialogState::new();
        for (d, slots) in &self.state {
            let kept: BTreeMap<Slot, String> = slots
                .iter()
                .filter(|(_, v)| v.as_str() != DONTCARE)
                .map(|(s, v)| (*s, v.clone()))
                .collect();
            if !kept.is_empty() {
                out.insert(*d, kept);
            }
        }
        out
    }
}

/// The rule-based tracker over a [`Lexicon`].
#[derive(Debug, Clone)]
pub struct RuleTracker {
    lexicon: Lexicon,
}

/// An incremental run of the tracker over a dialog, one utterance at a time.
#[derive(Debug, Clone)]
pub struct TrackerRun<'t> {
    tracker: &'t RuleTracker,
    view: TrackView,
    last_system: String,
}

impl<'t> TrackerRun<'t> {
    /// A run at the start of a dialog.
    pub fn new(tracker: &'t RuleTracker) -> TrackerRun<'t> {
        TrackerRun {
            tracker,
            view: TrackView::default(),
            last_system: String::new(),
        }
    }

    /// Reads the next utterance.
    pub fn push(&mut self, utt: &Utterance) {
        match utt.speaker {
            Speaker::System => {
                self.last_system = normalize(&utt.text);
                self.tracker.note_offers(&self.last_system, &mut self.view);
            }
            _ => {
                let norm = normalize(&utt.text);
                self.tracker
                    .read_user_turn(&norm, &self.last_system, &mut self.view);
            }
        }
    }

    /// Resumes a run from a saved view and the last system utterance (normalized).
    pub fn resume(tracker: &'t RuleTracker, view: TrackView, last_system: String) -> TrackerRun<'t> {
        TrackerRun {
            tracker,
            view,
            last_system,
        }
    }

    /// The normalized last system utterance (the context of the next user turn).
    pub fn last_system(&self) -> &str {
        &self.last_system
    }

    /// What the tracker knows so far.
    pub fn view(&self) -> &TrackView {
        &self.view
    }

    /// The final view.
    pub fn into_view(self) -> TrackView {
        self.view
    }
}

/// Context for reading one user turn.
struct TurnCtx<'a> {
    norm: &'a str,
    toks: Vec<&'a str>,
    sys_norm: String,
    sys_asks: Vec<Slot>,
    domain: Option<Domain>,
}

impl RuleTracker {
    /// A tracker over the given lexicon.
    pub fn new(lexicon: Lexicon) -> RuleTracker {
        RuleTracker { lexicon }
    }

    /// The lexicon the tracker matches against.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Reads the whole history and returns the state after its last user turn.
    pub fn track(&self, history: &[Utterance]) -> TrackView {
        let mut run = TrackerRun::new(self);
        for utt in history {
            run.push(utt);
        }
        run.into_view()
    }

    /// Remembers the venue names a system turn mentions.
    fn note_offers(&self, sys_norm: &str, view: &mut TrackView) {
        let toks: Vec<&str> = sys_norm.split(' ').collect();
        for m in self.lexicon.find(&toks) {
            for r in &m.readings {
                if r.slot == Slot::Name {
                    view.offered.insert(r.domain, r.value.clone());
                }
            }
        }
    }

    fn read_user_turn(&self, norm: &str, sys_norm: &str, view: &mut TrackView) {
        let toks: Vec<&str> = norm.split(' ').filter(|t| !t.is_empty()).collect();
        let matches = self.lexicon.find(&toks);
        let times = all_times(&toks);
        let matches: Vec<Match> = matches
            .into_iter()
            .filter(|m| !times.iter().any(|t| t.start < m.end && m.start < t.end))
            .collect();
        let mut ctx = TurnCtx {
            norm,
            toks,
            sys_norm: sys_norm.to_string(),
            sys_asks: system_requests(sys_norm),
            domain: None,
        };
        ctx.domain = self.turn_domain(&ctx, &matches, view);
        view.domain = ctx.domain.or(view.domain);
        let mut updates: Vec<(Domain, Slot, String)> = Vec::new();

        for m in &matches {
            let lo = m.start.saturating_sub(2);
            let negated = ctx.toks[lo..m.start].iter().any(|t| matches!(*t, "not" | "isnt" | "arent" | "than"));
            if negated {
                continue;
            }
            if let Some(u) = self.resolve_match(&ctx, m, view) {
                updates.push(u);
            }
        }
        if ctx.domain == Some(Domain::Taxi) {
            self.taxi_references(&ctx, view, &mut updates);
            self.taxi_between(&ctx, view, &mut updates);
        }
        for t in &times {
            let Some(d) = ctx.domain else { break };
            let slot = match (d, t.kind) {
                (Domain::Restaurant, _) => Slot::BookTime,
                (Domain::Train | Domain::Taxi, TimeKind::Arrive) => Slot::Arrive,
                (Domain::Train | Domain::Taxi, TimeKind::Leave) => Slot::Leave,
                (Domain::Train | Domain::Taxi, TimeKind::At) => {
                    if ctx.sys_asks.contains(&Slot::Arrive) && !ctx.sys_asks.contains(&Slot::Leave)
                    {
                        Slot::Arrive
                    } else {
                        Slot::Leave
                    }
                }
                _ => continue,
            };
            updates.push((d, slot, t.hhmm()));
        }
        self.numbers_and_days(&ctx, &times, &mut updates);
        self.hotel_flags(&ctx, &mut updates);
        self.dontcare(&ctx, &mut updates);
        if std::env::var("NOACC").is_err() { self.accepted_offer(&ctx, view, &updates.clone(), &mut updates); }

        for (d, s, v) in updates {
            view.state.entry(d).or_default().insert(s, v);
        }
    }

    /// The domain a user turn is about.
    fn turn_domain(&self, ctx: &TurnCtx<'_>, matches: &[Match], view: &TrackView) -> Option<Domain> {
        if let Some(d) = domain_words(ctx.norm).first() {
            return Some(*d);
        }
        // An answer to a taxi or train question stays in that domain even when
        // it names a venue ("departing from the missing sock").
        let travel_question = ctx.sys_asks.iter().any(|s| matches!(s, Slot::Departure | Slot::Destination | Slot::Leave | Slot::Arrive));
        if travel_question && matches!(view.domain, Some(Domain::Taxi | Domain::Train)) && domain_words(&ctx.sys_norm).iter().all(|d| Some(*d) == view.domain) {
            return view.domain;
        }
        // Values that belong to one domain only.
        for m in matches {
            let domains: Vec<Domain> = m.readings.iter().map(|r| r.domain).collect();
            if domains.len() == 1 || domains.windows(2).all(|w| w[0] == w[1]) {
                let r = &m.readings[0];
                if r.slot != Slot::Departure || view.domain != Some(Domain::Taxi) {
                    return Some(r.domain);
                }
            }
        }
        if contains_any(ctx.norm, &["stars", "star", "wifi", "internet", "parking", "nights"]) {
            return Some(Domain::Hotel);
        }
        let sys_domains = domain_words(&ctx.sys_norm);
        if let Some(d) = sys_domains.first() {
            return Some(*d);
        }
        view.domain
    }

    /// Picks the reading of a lexicon match that fits the turn.
    fn resolve_match(&self, ctx: &TurnCtx<'_>, m: &Match, view: &TrackView) -> Option<(Domain, Slot, String)> {
        let before = &ctx.toks[..m.start];
        let prev = before.last().copied().unwrap_or("");
        let prev2 = before.iter().rev().take(3).copied().collect::<Vec<_>>();
        let first = m.readings.first()?;
        let place_slot = |departure_default: bool| {
            if prev2.iter().any(|t| matches!(*t, "from" | "leaving" | "departing" | "leaves"))
                && !matches!(prev, "to" | "into" | "for")
            {
                Slot::Departure
            } else if matches!(prev, "to" | "into" | "at" | "for" | "arrive" | "arriving" | "reach")
                || prev2.iter().any(|t| matches!(*t, "to" | "going" | "destination" | "arrive" | "arriving"))
            {
                Slot::Destination
            } else if ctx.sys_asks.contains(&Slot::Departure) && !ctx.sys_asks.contains(&Slot::Destination) {
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
                if first.value == "cambridge" && !taxi && ctx.domain != Some(Domain::Train) && !matches!(prev, "from" | "to") {
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
                if pick.slot == Slot::Type && pick.domain == Domain::Attraction && ctx.domain == Some(Domain::Hotel) {
                    return None;
                }
                Some((pick.domain, pick.slot, pick.value.clone()))
            }
        }
    }

    /// "from the hotel to the restaurant": places named by their domain resolve to
    /// the venue of that domain in the state, or the one the system last named.
    fn taxi_references(&self, ctx: &TurnCtx<'_>, view: &TrackView, updates: &mut Vec<(Domain, Slot, String)>) {
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
            let slot = if before.iter().any(|t| matches!(*t, "from" | "leaving" | "departing" | "leave" | "depart")) {
                Slot::Departure
            } else if before.iter().any(|t| matches!(*t, "to" | "at" | "arrive" | "reach" | "get")) {
                Slot::Destination
            } else {
                continue;
            };
            if !updates.iter().any(|(d, s, _)| *d == Domain::Taxi && *s == slot) {
                updates.push((Domain::Taxi, slot, name.clone()));
            }
        }
    }

    /// "A taxi between the two places": the two venues of the state, the one the
    /// user leaves (or the one chosen first) as the departure.
    fn taxi_between(&self, ctx: &TurnCtx<'_>, view: &TrackView, updates: &mut Vec<(Domain, Slot, String)>) {
        if !contains_any(ctx.norm, &["two places", "both places", "between the two", "between them", "between both", "two venues", "between the", "both locations", "two locations"]) {
            return;
        }
        let mut venues: Vec<(Domain, String)> = Vec::new();
        for d in [Domain::Restaurant, Domain::Hotel, Domain::Attraction] {
            if let Some(n) = view.state.get(&d).and_then(|s| s.get(&Slot::Name)).or_else(|| view.offered.get(&d)) {
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
            contains_any(ctx.norm, &[&format!("leave the {word}"), &format!("from the {word}"), &format!("leaving the {word}")])
        };
        if let Some(i) = venues.iter().position(|(d, _)| leaves_from(*d)) {
            venues.swap(0, i);
        }
        for (slot, venue) in [(Slot::Departure, &venues[0].1), (Slot::Destination, &venues[1].1)] {
            if !updates.iter().any(|(d, us, _)| *d == Domain::Taxi && *us == slot) {
                updates.push((Domain::Taxi, slot, venue.clone()));
            }
        }
    }

    /// People counts, nights, stars and weekdays.
    fn numbers_and_days(&self, ctx: &TurnCtx<'_>, times: &[super::times::TimeMention], updates: &mut Vec<(Domain, Slot, String)>) {
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
            let next = toks.get(i + 1).copied().unwrap_or("");
            let next2 = toks.get(i + 2).copied().unwrap_or("");
            let prev = if i > 0 { toks[i - 1] } else { "" };
            let value = n.to_string();
            let people_noun = matches!(next, "people" | "persons" | "person" | "guests" | "adults" | "tickets" | "ticket" | "seats" | "passengers" | "travelers" | "travellers")
                || (next == "of" && next2 == "us")
                || prev == "party" || (prev == "of" && toks.get(i.wrapping_sub(2)) == Some(&"party"));
            if matches!(next, "star" | "stars") || (next == "star" && next2 == "rating") {
                updates.push((Domain::Hotel, Slot::Stars, value));
            } else if matches!(next, "night" | "nights") || (matches!(next, "days" | "day") && d == Some(Domain::Hotel)) {
                updates.push((Domain::Hotel, Slot::BookStay, value));
            } else if people_noun && bookable {
                if let Some(dom) = d {
                    updates.push((dom, Slot::BookPeople, value));
                }
            } else if bookable && (ctx.sys_asks.contains(&Slot::BookPeople) || (prev == "for" && d == Some(Domain::Restaurant) && n <= 12) || (prev == "table" ))
                && !matches!(next, "minutes" | "pounds" | "am" | "pm")
            {
                if let Some(dom) = d {
                    updates.push((dom, Slot::BookPeople, value));
                }
            } else if d == Some(Domain::Hotel) && ctx.sys_asks.contains(&Slot::BookStay) && n <= 14 {
                updates.push((Domain::Hotel, Slot::BookStay, value));
            } else if d == Some(Domain::Hotel) && ctx.sys_asks.contains(&Slot::Stars) && n <= 5 {
                updates.push((Domain::Hotel, Slot::Stars, value));
            }
        }
        if bookable && contains_any(ctx.norm, &["just me", "just myself", "only me", "for myself", "one person", "just one"]) {
            if let Some(dom) = d {
                updates.push((dom, Slot::BookPeople, "1".into()));
            }
        }
    }

    /// Parking and internet requirements.
    fn hotel_flags(&self, ctx: &TurnCtx<'_>, updates: &mut Vec<(Domain, Slot, String)>) {
        if ctx.domain.is_some_and(|d| d != Domain::Hotel) && !contains_any(ctx.norm, &["hotel", "guesthouse", "stay"]) {
            return;
        }
        let neg = |word_idx: usize| {
            let lo = word_idx.saturating_sub(4);
            ctx.toks[lo..word_idx].iter().any(|t| matches!(*t, "no" | "dont" | "doesnt" | "not" | "without"))
        };
        for (i, tok) in ctx.toks.iter().enumerate() {
            let slot = match *tok {
                "parking" => Slot::Parking,
                "wifi" | "internet" => Slot::Internet,
                "fi" if i > 0 && ctx.toks[i - 1] == "wi" => Slot::Internet,
                _ => continue,
            };
            let v = if neg(i) { "no" } else { "yes" };
            updates.push((Domain::Hotel, slot, v.to_string()));
        }
    }

    /// "Don't care" answers, attached to the slot named nearby or asked for.
    fn dontcare(&self, ctx: &TurnCtx<'_>, updates: &mut Vec<(Domain, Slot, String)>) {
        const PHRASES: &[&str] = &[
            "dont care", "doesnt matter", "does not matter", "no preference", "dont mind",
            "dont have a preference", "any area", "any part", "any price", "any type",
            "anywhere", "either is fine", "either one", "not important", "no particular",
            "whatever", "any is fine", "any will do", "not picky", "dont really care",
            "do not care", "no specific", "does nt matter", "any kind", "any food",
        ];
        if !contains_any(ctx.norm, PHRASES) {
            return;
        }
        let Some(d) = ctx.domain else { return };
        let named: &[(Slot, &[&str])] = &[
            (Slot::Area, &["area", "part", "anywhere", "location", "side"]),
            (Slot::PriceRange, &["price", "pricerange", "cost", "expensive", "cheap"]),
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
            slots = ctx.sys_asks.iter().copied().filter(|s| !s.is_book()).take(2).collect();
        }
        for s in slots {
            if !updates.iter().any(|(ud, us, _)| *ud == d && *us == s) {
                updates.push((d, s, DONTCARE.to_string()));
            }
        }
    }

    /// A venue the system offered becomes the user's choice once the user engages
    /// with it (asks about it or books it) without naming another.
    fn accepted_offer(&self, ctx: &TurnCtx<'_>, view: &TrackView, current: &[(Domain, Slot, String)], updates: &mut Vec<(Domain, Slot, String)>) {
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
        if current.iter().any(|(d, s, _)| *d == offer.domain && *s == Slot::Name) || declines(ctx.norm) {
            return;
        }
        if ctx.domain.is_some_and(|d| d != offer.domain) {
            return;
        }
        let engaged = !user_asks(ctx.norm).is_empty()
            || contains_any(ctx.norm, &["book", "reserve", "sounds good", "sounds great", "that sounds", "perfect", "yes", "that works", "great", "sure"])
            || current.iter().any(|(d, s, _)| *d == offer.domain && s.is_book());
        if engaged && !is_closing(ctx.norm) {
            let _ = view;
            updates.push((offer.domain, Slot::Name, offer.value.clone()));
        }
    }
}
