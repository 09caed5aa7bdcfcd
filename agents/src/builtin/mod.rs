//! The built-in offline default: no model, no key, no download.
//!
//! * [`router`]: an averaged perceptron over word n-grams, trained at start-up on
//!   the available dialogs (never the test split), that picks the domain of a
//!   user turn; the labels it learns are defined in [`labels`];
//! * [`tracker`]: a lexicon ([`lexicon`]) and rule based belief-state tracker
//!   over the ontology and the database's values;
//! * [`policy`] decides what to do from the state, the database result and the
//!   user's last turn (read in context by the private `intent` module: a
//!   booking wanted now, details accepted, a suggestion asked for), and
//!   [`realize`] says it with a human system turn retrieved from the example
//!   [`pool`].
//!
//! [`Builtin`] bundles the three and implements [`Tracker`], [`Router`] and
//! [`DomainAgent`].

mod cache;
pub mod cues;
mod intent;
pub mod knowledge;
pub mod labels;
pub mod lexicon;
mod memo;
mod persist;
pub mod policy;
pub mod pool;
pub mod realize;
pub mod router;
pub mod template;
pub mod text;
pub mod times;
pub mod tracker;

use std::collections::HashSet;
use std::time::Instant;

use multiwoz::Domain;
use multiwoz::db::Database;
use multiwoz::model::{Dialog, Split};

use self::cache::TrackCache;
use self::knowledge::Knowledge;
use self::lexicon::Lexicon;
pub use self::persist::{BUILTIN_CACHE_ENV, BuiltinCache, Trained};
use self::policy::{Plan, PolicyInput, decide};
use self::pool::Pool;
use self::realize::Realizer;
use self::router::{DomainClassifier, Prediction};
use self::text::normalize;
use self::tracker::{RuleTracker, TrackView};
use crate::roles::{
    AgentError, AgentFuture, DbResult, DialogState, DomainAgent, RespondInput, RespondOutput,
    RouteInput, RouteOutput, Router, Speaker, Stage, StageUsage, TrackInput, TrackOutput, Tracker,
    Utterance,
};

/// The built-in tracker, router and domain agents, trained at start-up.
#[derive(Debug, Clone)]
pub struct Builtin {
    tracker: RuleTracker,
    router: DomainClassifier,
    realizer: Realizer,
    knowledge: Knowledge,
    cache: TrackCache,
}

impl Builtin {
    /// Builds the lexicon from database values (`(domain, field, value)` with the
    /// database's field names) and trains the router and the example pool on
    /// `dialogs`. Test-split dialogs are skipped: the built-in default must never
    /// learn from what it is evaluated on.
    pub fn from_parts<'a>(
        db_values: impl IntoIterator<Item = (Domain, &'a str, &'a str)>,
        dialogs: &[Dialog],
    ) -> Builtin {
        Builtin::from_trained(Builtin::train(db_values, dialogs))
    }

    /// What [`Builtin::from_parts`] learns from the database and the dialogs,
    /// before it is put to use (the unit the start-up cache stores).
    pub fn train<'a>(
        db_values: impl IntoIterator<Item = (Domain, &'a str, &'a str)>,
        dialogs: &[Dialog],
    ) -> Trained {
        let start = Instant::now();
        let lexicon = Lexicon::build(db_values);
        let tracker = RuleTracker::new(lexicon);
        let train: Vec<Dialog> = dialogs
            .iter()
            .filter(|d| d.split != Some(Split::Test))
            .cloned()
            .collect();
        if train.len() < dialogs.len() {
            tracing::warn!(
                skipped = dialogs.len() - train.len(),
                "built-in default: test-split dialogs are never used for training"
            );
        }
        // The router and the pool learn from the same dialogs independently:
        // one thread each.
        let (router, pool) = std::thread::scope(|scope| {
            let pool = scope.spawn(|| Pool::build(&train, tracker.lexicon()));
            let router = DomainClassifier::train(&train, &tracker);
            let pool = pool.join().unwrap_or_else(|_| {
                tracing::error!("building the example pool panicked; using templates only");
                Pool::default()
            });
            (router, pool)
        });
        let knowledge = Knowledge::build(&train);
        tracing::info!(
            dialogs = train.len(),
            features = router.n_features(),
            pool = pool.entries().len(),
            elapsed_ms = start.elapsed().as_millis() as u64,
            "built-in default trained"
        );
        Trained {
            tracker,
            router,
            pool,
            knowledge,
        }
    }

    /// The built-in default from what [`Builtin::train`] learnt.
    pub fn from_trained(trained: Trained) -> Builtin {
        Builtin {
            tracker: trained.tracker,
            router: trained.router,
            realizer: Realizer::new(trained.pool),
            knowledge: trained.knowledge,
            cache: TrackCache::default(),
        }
    }

    /// Builds the built-in default from the database (venue names, foods,
    /// stations, departments for the lexicon) and the available dialogs (the
    /// router's training data and the example pool; test-split dialogs are
    /// skipped).
    pub fn new(db: &Database, dialogs: &[Dialog]) -> Builtin {
        let mut values: Vec<(Domain, &str, &str)> = Vec::new();
        for domain in Domain::ALL {
            for entity in db.entities(domain) {
                for (field, value) in entity.fields() {
                    if let Some(v) = value.as_str() {
                        values.push((domain, field, v));
                    }
                }
            }
        }
        Builtin::from_parts(values, dialogs)
    }

    /// The rule tracker.
    pub fn tracker(&self) -> &RuleTracker {
        &self.tracker
    }

    /// The tracker's full reading of a history (with `dontcare` values).
    pub fn track_view(&self, history: &[Utterance]) -> TrackView {
        self.cache.track(&self.tracker, history).0
    }

    /// The router's prediction for the last user turn of a history.
    pub fn predict_domain(&self, history: &[Utterance]) -> Prediction {
        let (now, before) = self.cache.track(&self.tracker, history);
        let p = self
            .router
            .predict_with(history, &self.tracker, now.domain, before.domain);
        // The booking pending is the one the system just offered ("Would you
        // like me to book you a room?"), else the one the user was talking about.
        let system = last_system(history);
        let offered = match cues::domain_words(&system).as_slice() {
            [] if cues::names_train_id(&system) => Some(Domain::Train),
            [d] if cues::asks_booking(&system)
                || text::contains_any(&system, &["book", "reserve", "reservation"]) =>
            {
                Some(*d)
            }
            _ => None,
        };
        let p = match offered.or(before.domain) {
            Some(pending) if pending != p.domain && books_first(history, &system, pending) => {
                p.overruled_by(pending)
            }
            _ => p,
        };
        // A domain the router has (almost) no examples of is routed by what
        // its agent's description and the ontology say about it; a follow-up
        // that names no domain stays with the one the system just spoke for.
        let user = history.last().map_or(String::new(), |u| normalize(&u.text));
        let lexicon = self.tracker.lexicon();
        let unlearned = self.knowledge.unlearned(&user, lexicon).or_else(|| {
            if self.knowledge.named(&user, lexicon).is_empty() && !cues::is_closing(&user) {
                self.knowledge.unlearned_named(&system, lexicon)
            } else {
                None
            }
        });
        let p = match unlearned {
            Some(d) if d != p.domain => p.overruled_by(d),
            _ => p,
        };
        // Most turns put nothing off: the clause-by-clause reading is skipped.
        let put_off = cues::puts_off(&user)
            .then(|| history.last())
            .flatten()
            .and_then(|u| self.left_after_put_off(&u.text, p.domain));
        put_off.map_or(p, |d| p.overruled_by(d))
    }

    /// "We'll find a restaurant later. Can you tell me about Clare College?":
    /// when the picked domain is named only in a clause that puts it off and
    /// the rest of the turn names one other domain, the turn is about that one.
    fn left_after_put_off(&self, text: &str, picked: Domain) -> Option<Domain> {
        let lexicon = self.tracker.lexicon();
        let (mut off, mut on) = (Vec::new(), Vec::new());
        for clause in text.split(['.', '!', '?', ';']).map(normalize) {
            let named = self.knowledge.named(&clause, lexicon);
            if cues::puts_off(&clause) {
                off.extend(named);
            } else {
                on.extend(named);
            }
        }
        on.dedup();
        match on.as_slice() {
            [d] if off.contains(&picked) && !on.contains(&picked) && !off.contains(d) => Some(*d),
            _ => None,
        }
    }

    /// Whether the last user turn of `history` is outside every domain (a
    /// greeting, small talk): it names no domain, changes no state and is no
    /// closing.
    pub fn off_topic(&self, history: &[Utterance]) -> bool {
        let Some(last) = history.last() else {
            return false;
        };
        let (now, before) = self.cache.track(&self.tracker, history);
        let changed = now.state != before.state;
        self.knowledge
            .off_topic(&normalize(&last.text), self.tracker.lexicon(), changed)
    }

    /// What the router knows about each domain beyond its training turns.
    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }

    /// The policy's plan for a turn (exposed for tests and inspection).
    pub fn plan(
        &self,
        history: &[Utterance],
        domain: Domain,
        state: &DialogState,
        db: &DbResult,
    ) -> Plan {
        let user = history.last().map_or(String::new(), |u| normalize(&u.text));
        let system = last_system(history);
        // The caller's state (gold or tracked) plus what only the tracker keeps:
        // the slots the user said they do not care about.
        let mut slots = state.get(&domain).cloned().unwrap_or_default();
        if let Some(own) = self.track_view(history).state.get(&domain) {
            for (s, v) in own {
                // Booking details the user just gave count even when the
                // caller's state has not caught up with them.
                if v == tracker::DONTCARE || s.is_book() {
                    slots.entry(*s).or_insert_with(|| v.clone());
                }
            }
        }
        let earlier = &history[..history.len().saturating_sub(1)];
        let said: Vec<String> = earlier
            .iter()
            .filter(|u| u.speaker == Speaker::System)
            .map(|u| normalize(&u.text))
            .collect();
        let confirmed = said.iter().any(|t| cues::confirms_booking(t, domain));
        let train_named = domain == Domain::Train && said.iter().any(|t| cues::names_train_id(t));
        let mut plan = decide(&PolicyInput {
            domain,
            state: &slots,
            db,
            user: &user,
            system: &system,
            confirmed,
            train_named,
        });
        plan.single_entity = db.count < 2;
        if let Some(then) = plan.then.as_mut() {
            then.single_entity = plan.single_entity;
        }
        tracing::debug!(?plan, "built-in plan");
        plan
    }

    /// The delexicalized reply for a turn.
    pub fn reply(
        &self,
        history: &[Utterance],
        domain: Domain,
        state: &DialogState,
        db: &DbResult,
        dialog_id: Option<&str>,
    ) -> String {
        let plan = self.plan(history, domain, state, db);
        let words: HashSet<String> = history
            .last()
            .map(|u| normalize(&u.text).split(' ').map(str::to_string).collect())
            .unwrap_or_default();
        let exclude = dialog_id.map(multiwoz::model::dialog_key);
        self.realizer.realize(&plan, &words, exclude.as_deref())
    }
}

/// The normalized system turn before the user's last turn (empty when none).
fn last_system(history: &[Utterance]) -> String {
    history
        .len()
        .checked_sub(2)
        .and_then(|i| history.get(i))
        .map_or(String::new(), |u| normalize(&u.text))
}

/// Whether the last user turn completes a booking in `pending` (the domain in
/// focus before it) in a sentence of its own, before turning to something else:
/// "Yes, book it for 2 people. I also need a train." The booking is made first,
/// as people at the desk do, and the new request waits for the next turn.
fn books_first(history: &[Utterance], system: &str, pending: Domain) -> bool {
    if !matches!(
        pending,
        Domain::Restaurant | Domain::Hotel | Domain::Train | Domain::Attraction
    ) {
        return false;
    }
    let Some(user) = history.last() else {
        return false;
    };
    if cues::confirms_booking(system, pending) {
        return false;
    }
    let clauses: Vec<String> = user
        .text
        .split(['.', '!', '?', ';'])
        .map(normalize)
        .filter(|c| !c.is_empty())
        .collect();
    let own = |c: &str| cues::domain_words(c).iter().all(|d| *d == pending);
    // What is booked names its domain: tickets are for a train, a table for
    // a restaurant, nights for a hotel.
    let object = |c: &str| {
        if text::contains_any(c, &["ticket", "tickets", "seat", "seats"]) {
            Some(Domain::Train)
        } else if text::contains_any(c, &["table"]) {
            Some(Domain::Restaurant)
        } else if text::contains_any(c, &["night", "nights", "room", "rooms"]) {
            Some(Domain::Hotel)
        } else {
            None
        }
    };
    let books = clauses.iter().any(|clause| {
        let books = cues::wants_booking(clause, system)
            || cues::gives_party(clause)
            || text::contains_any(clause, &["reference number", "nights"]);
        books
            && !cues::declines(clause)
            && own(clause)
            && object(clause).is_none_or(|d| d == pending)
    });
    // "What is their phone number? I also need a restaurant.": the question
    // about the venue in focus comes first, and is answered first.
    let first_new = clauses.iter().position(|c| !own(c));
    let asks_first = clauses.iter().take(first_new.unwrap_or(0)).any(|c| {
        cues::user_asks(c).iter().any(|a| {
            matches!(
                a,
                cues::Ask::Phone | cues::Ask::Address | cues::Ask::Postcode | cues::Ask::Price
            )
        })
    });
    (books && pending != Domain::Attraction) || (asks_first && pending != Domain::Train)
}

fn check_history(history: &[Utterance], stage: Stage) -> Result<(), AgentError> {
    if history.is_empty() {
        return Err(AgentError::Input {
            stage,
            message: "the history is empty; it must end with the user turn".into(),
        });
    }
    Ok(())
}

impl Tracker for Builtin {
    fn track<'a>(&'a self, input: TrackInput<'a>) -> AgentFuture<'a, TrackOutput> {
        Box::pin(async move {
            let start = Instant::now();
            check_history(input.history, Stage::Track)?;
            let state = self.track_view(input.history).public_state();
            Ok(TrackOutput {
                state,
                usage: vec![StageUsage::builtin(Stage::Track, start.elapsed())],
            })
        })
    }
}

impl Router for Builtin {
    fn route<'a>(&'a self, input: RouteInput<'a>) -> AgentFuture<'a, RouteOutput> {
        Box::pin(async move {
            let start = Instant::now();
            check_history(input.history, Stage::Route)?;
            let p = self.predict_domain(input.history);
            let off_topic = self.off_topic(input.history);
            let reason = if off_topic {
                "built-in: outside every domain (small talk)".to_string()
            } else {
                format!(
                    "built-in classifier: {} (margin {:.1} over {})",
                    p.domain, p.margin, p.second
                )
            };
            Ok(RouteOutput {
                domain: p.domain,
                reason,
                off_topic,
                usage: vec![StageUsage::builtin(Stage::Route, start.elapsed())],
            })
        })
    }
}

impl DomainAgent for Builtin {
    fn respond<'a>(&'a self, input: RespondInput<'a>) -> AgentFuture<'a, RespondOutput> {
        Box::pin(async move {
            let start = Instant::now();
            check_history(input.history, Stage::Respond)?;
            let reply = self.reply(
                input.history,
                input.domain,
                input.state,
                input.db,
                input.dialog_id,
            );
            Ok(RespondOutput {
                reply,
                usage: vec![StageUsage::builtin(Stage::Respond, start.elapsed())],
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(turns: &[&str]) -> Vec<Utterance> {
        turns
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if i % 2 == 0 {
                    Utterance::user(*t)
                } else {
                    Utterance::system(*t)
                }
            })
            .collect()
    }

    #[test]
    fn a_booking_completed_before_a_new_request_is_made_first() {
        let h = history(&[
            "I need a cheap guesthouse in the north.",
            "The Worth House is a cheap guesthouse. Would you like me to book you a room?",
            "Yes, please book it for 6 people for 5 nights. I'll also need a train to Cambridge.",
        ]);
        assert!(books_first(&h, &last_system(&h), Domain::Hotel));
    }

    #[test]
    fn tickets_are_never_a_hotel_booking() {
        let h = history(&[
            "I need a guesthouse in the north.",
            "There are 9. Do you have a price range?",
            "Any will do, but I'll need six tickets for myself and my family.",
        ]);
        assert!(!books_first(&h, &last_system(&h), Domain::Hotel));
        assert!(books_first(&h, &last_system(&h), Domain::Train));
    }

    #[test]
    fn a_question_about_the_venue_in_focus_comes_before_a_new_domain() {
        let h = history(&[
            "I'd like a college to visit.",
            "Christ's College is in the centre.",
            "Could I get their phone number? I also need a guesthouse in the west.",
        ]);
        assert!(books_first(&h, &last_system(&h), Domain::Attraction));
        let h = history(&[
            "I'd like a college to visit.",
            "Christ's College is in the centre.",
            "I also need a guesthouse in the west. What is the phone number?",
        ]);
        assert!(!books_first(&h, &last_system(&h), Domain::Attraction));
    }
}
