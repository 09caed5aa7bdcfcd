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

mod hospital;
mod places;
mod refs;
mod rules;
mod values;

use super::cues::{domain_words, system_requests};
use super::lexicon::{Lexicon, Match, PRICE_HINTS};
use super::text::{contains_any, normalize};
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
    /// Times said before any domain was known ("I have to arrive by 12:30"),
    /// kept for the train or taxi the next turns name.
    pub pending_times: Vec<(TimeKind, String)>,
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
    pub fn resume(
        tracker: &'t RuleTracker,
        view: TrackView,
        last_system: String,
    ) -> TrackerRun<'t> {
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
pub(super) struct TurnCtx<'a> {
    pub(super) norm: &'a str,
    pub(super) toks: Vec<&'a str>,
    pub(super) sys_norm: String,
    pub(super) sys_asks: Vec<Slot>,
    pub(super) domain: Option<Domain>,
    /// The domain the dialog was about before this turn.
    pub(super) before: Option<Domain>,
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
        let mut toks: Vec<&str> = norm.split(' ').filter(|t| !t.is_empty()).collect();
        // "going to the the finches": a doubled word hides the name.
        toks.dedup_by(|a, b| a == b && matches!(*a, "the" | "a" | "to"));
        let matches = self.lexicon.find(&toks);
        let times = all_times(&toks);
        let mut matches: Vec<Match> = matches
            .into_iter()
            .filter(|m| !times.iter().any(|t| t.start < m.end && m.start < t.end))
            .collect();
        // "Something moderate, I am on a budget": a price range said outright
        // wins over one only hinted at.
        let priced = |m: &Match| m.readings.iter().any(|r| r.slot == Slot::PriceRange);
        let hint = |m: &Match| m.end == m.start + 1 && PRICE_HINTS.contains(&toks[m.start]);
        if matches.iter().any(|m| priced(m) && !hint(m)) {
            matches.retain(|m| !(priced(m) && hint(m)));
        }
        let mut ctx = TurnCtx {
            norm,
            toks,
            sys_norm: sys_norm.to_string(),
            sys_asks: system_requests(sys_norm),
            domain: None,
            before: view.domain,
        };
        ctx.domain = self.turn_domain(&ctx, &matches, view);
        view.domain = ctx.domain.or(view.domain);
        let mut updates: Vec<(Domain, Slot, String)> = Vec::new();

        for m in &matches {
            let lo = m.start.saturating_sub(2);
            // "not indian", "anything but indian", "nothing fancy": a value turned
            // down is no constraint. ("No, cheap please" answers a question, so a
            // bare "no" turns nothing down.)
            let before = &ctx.toks[lo..m.start];
            let negated = before.iter().any(|t| {
                matches!(
                    *t,
                    "not" | "isnt" | "arent" | "than" | "nothing" | "except" | "avoid"
                )
            }) || before
                .windows(2)
                .any(|w| matches!(w, ["anything" | "everything" | "any", "but"]));
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
            self.taxi_other_end(view, &mut updates);
        }
        if ctx.domain.is_none() {
            view.pending_times
                .extend(times.iter().map(|t| (t.kind, t.hhmm())));
        } else if let Some(d @ (Domain::Train | Domain::Taxi)) = ctx.domain {
            let slot_of = |kind: TimeKind| {
                if kind == TimeKind::Arrive {
                    Slot::Arrive
                } else {
                    Slot::Leave
                }
            };
            for (kind, v) in std::mem::take(&mut view.pending_times) {
                let slot = slot_of(kind);
                let said_now = times.iter().any(|t| slot_of(t.kind) == slot);
                let held = view.state.get(&d).is_some_and(|st| st.contains_key(&slot));
                if !said_now && !held {
                    updates.push((d, slot, v));
                }
            }
        } else {
            view.pending_times.clear();
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
        if ctx.domain == Some(Domain::Taxi) {
            self.taxi_booking_time(&ctx, view, &mut updates);
            self.taxi_to_booked_table(view, &mut updates);
        }
        self.numbers_and_days(&ctx, &times, &mut updates);
        self.hotel_flags(&ctx, &mut updates);
        self.hotel_type(&ctx, view, &mut updates);
        self.dontcare(&ctx, &mut updates);
        self.same_as(&ctx, view, &mut updates);
        self.hospital_department(&ctx, &mut updates);
        let so_far = updates.clone();
        self.accepted_offer(&ctx, view, &so_far, &mut updates);

        for (d, s, v) in updates {
            view.state.entry(d).or_default().insert(s, v);
        }
    }

    /// The domain a user turn is about.
    fn turn_domain(
        &self,
        ctx: &TurnCtx<'_>,
        matches: &[Match],
        view: &TrackView,
    ) -> Option<Domain> {
        // A domain word inside a venue's name ("the cambridge museum of
        // technology") names the venue, not the domain: only the words around
        // the names count.
        let outside_names: Vec<&str> = ctx
            .toks
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                !matches.iter().any(|m| {
                    (m.start..m.end).contains(i)
                        && m.end - m.start > 1
                        && m.readings.iter().all(|r| r.slot == Slot::Name)
                })
            })
            .map(|(_, t)| *t)
            .collect();
        let mut named = domain_words(&outside_names.join(" "));
        // "A hotel in the same area as the restaurant" is about the hotel.
        let landmarks = refs::landmark_domains(&ctx.toks);
        if !landmarks.is_empty() {
            // With every named domain a landmark, the values decide below.
            named.retain(|d| !landmarks.contains(d));
        }
        // "I need to leave the hotel at 5:30" while arranging a taxi: the venues
        // are the taxi's places, not a new request.
        if view.domain == Some(Domain::Taxi)
            && !named.is_empty()
            && named
                .iter()
                .all(|d| matches!(d, Domain::Restaurant | Domain::Hotel | Domain::Attraction))
            // The movement word goes with the venue ("leave the hotel"), not
            // elsewhere in the turn ("the hotel … starting from saturday").
            && ctx.toks.windows(2).enumerate().any(|(j, w)| {
                matches!(w[0], "the" | "my" | "our")
                    && matches!(
                        w[1],
                        "hotel" | "restaurant" | "guesthouse" | "museum" | "college" | "attraction"
                    )
                    && ctx.toks[j.saturating_sub(3)..j].iter().any(|t| {
                        matches!(
                            *t,
                            "leave"
                                | "leaving"
                                | "arrive"
                                | "arriving"
                                | "from"
                                | "to"
                                | "get"
                                | "pick"
                        )
                    })
            })
        {
            return Some(Domain::Taxi);
        }
        // "I'd like to be picked up from the alexander bed and breakfast": a
        // venue one is collected from is a taxi's place, not a new request.
        let pickup = ctx
            .toks
            .windows(2)
            .any(|w| matches!(w, ["picked" | "pick", "up"] | ["collect" | "collected", _]))
            || ctx.toks.contains(&"pickup");
        if pickup
            && named.iter().all(|d| *d == Domain::Taxi)
            && matches
                .iter()
                .any(|m| m.readings.iter().any(|r| r.slot == Slot::Name))
        {
            return Some(Domain::Taxi);
        }
        if let Some(d) = named.first() {
            return Some(*d);
        }
        // "from the allenbell" while a taxi still lacks an end: the venue is
        // where the taxi goes or starts, whatever the question's wording.
        let taxi_open = view.state.get(&Domain::Taxi).is_none_or(|t| {
            !t.contains_key(&Slot::Departure) || !t.contains_key(&Slot::Destination)
        });
        // "Actually, I need to leave charlie chan by 11:15 and go to home from
        // home" changes a taxi that has both ends: a venue one leaves or goes
        // to is a taxi's place too.
        if view.domain == Some(Domain::Taxi)
            && matches.iter().any(|m| {
                let before = &ctx.toks[m.start.saturating_sub(3)..m.start];
                m.readings.iter().any(|r| r.slot == Slot::Name)
                    && (taxi_open && before.iter().any(|t| matches!(*t, "from" | "to" | "at"))
                        || before.iter().any(|t| {
                            matches!(
                                *t,
                                "leave" | "leaving" | "depart" | "departing" | "go" | "going"
                            )
                        }))
            })
        {
            return Some(Domain::Taxi);
        }
        // An answer to a taxi or train question stays in that domain even when
        // it names a venue ("departing from the missing sock").
        let travel_question = ctx.sys_asks.iter().any(|s| {
            matches!(
                s,
                Slot::Departure | Slot::Destination | Slot::Leave | Slot::Arrive
            )
        });
        if travel_question
            && matches!(view.domain, Some(Domain::Taxi | Domain::Train))
            && domain_words(&ctx.sys_norm)
                .iter()
                .all(|d| Some(*d) == view.domain)
        {
            return view.domain;
        }
        // Values that belong to one domain only; a venue named as a landmark
        // ("in the same area as the copper kettle", "near the museum") is not
        // what the turn is about.
        for m in matches {
            let lo = m.start.saturating_sub(4);
            if ctx.toks[lo..m.start]
                .iter()
                .any(|t| matches!(*t, "same" | "near" | "close" | "nearby" | "by"))
            {
                continue;
            }
            let domains: Vec<Domain> = m.readings.iter().map(|r| r.domain).collect();
            if domains.len() == 1 || domains.windows(2).all(|w| w[0] == w[1]) {
                let r = &m.readings[0];
                if r.slot != Slot::Departure || view.domain != Some(Domain::Taxi) {
                    return Some(r.domain);
                }
            }
        }
        if contains_any(
            ctx.norm,
            &["stars", "star", "wifi", "internet", "parking", "nights"],
        ) {
            return Some(Domain::Hotel);
        }
        let sys_domains = domain_words(&ctx.sys_norm);
        if let Some(d) = sys_domains.first() {
            return Some(*d);
        }
        view.domain
    }
}
