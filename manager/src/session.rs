//! One turn of the pipeline, and [`Session`], a dialog that remembers its
//! history and state between turns (the turn's request and outcome types are
//! in `turn.rs`).
//!
//! A turn: track the state (or take the gold state) → query the database for
//! the domains in the state → route → the chosen domain's agent replies →
//! lexicalize the reply for people.

use std::time::Instant;

use agents::roles::{
    DbResult, DialogState, OFF_TOPIC_REPLY, RespondInput, RouteInput, Speaker, Stage, TrackInput,
    Utterance,
};
use multiwoz::Domain;

use crate::alternatives;
use crate::aside;
use crate::dard::Dard;
use crate::error::TurnError;
use crate::grounding::{self, ground_remembering};
use crate::lexicalize::{booking_reference, describes_two, lexicalize_reply, lexicalize_two};
use crate::memory::DialogMemory;
use crate::recall;
use crate::told;
use crate::turn::{StageReport, StateSource, TurnOutcome, TurnRequest};

impl Dard {
    /// Answers the last user utterance of `req.history`. Turns are independent:
    /// many may run at once on one `Dard`.
    pub async fn answer(&self, req: TurnRequest<'_>) -> Result<TurnOutcome, TurnError> {
        let seed = Dard::seed_for(req.dialog_id.unwrap_or("-"), req.history.len());
        self.run_turn(req, seed, None).await
    }

    /// Runs one turn. With a dialog `memory`, grounding keeps what was offered
    /// and booked before and the memory learns what this reply says; without
    /// one (turns answered from a gold history) every turn grounds afresh.
    pub(crate) async fn run_turn(
        &self,
        req: TurnRequest<'_>,
        seed: u64,
        memory: Option<&mut DialogMemory>,
    ) -> Result<TurnOutcome, TurnError> {
        let start = Instant::now();
        let inner = &self.inner;
        let empty = DialogState::new();
        let mut stages = Vec::with_capacity(3);
        let fail = |stage| move |source| TurnError { stage, source };

        let mut memory = memory;
        let (mut state, state_source) = match req.gold_state {
            Some(gold) => (gold.clone(), StateSource::Gold),
            None => {
                let t = Instant::now();
                let out = inner
                    .tracker
                    .role
                    .track(TrackInput {
                        history: req.history,
                        previous: req.previous_state.unwrap_or(&empty),
                        dialog_id: req.dialog_id,
                    })
                    .await
                    .map_err(fail(Stage::Track))?;
                stages.push(StageReport {
                    stage: Stage::Track,
                    backend: inner.tracker.backend.clone(),
                    latency: t.elapsed(),
                    usage: out.usage,
                });
                (out.state, StateSource::Tracker)
            }
        };

        // "Would you like one of the guesthouses instead?" - "ok": the user took
        // the alternative, which stands in the state from now on.
        if req.gold_state.is_none()
            && let Some(m) = memory.as_deref_mut()
        {
            let said_yes = req
                .history
                .iter()
                .rev()
                .find(|u| u.speaker == Speaker::User)
                .is_some_and(|u| {
                    alternatives::takes_proposal(&agents::builtin::text::normalize(&u.text))
                });
            // "Yes, but in the north": a yes that changes the search answers
            // with a search of its own.
            let previous = req.previous_state.unwrap_or(&empty);
            // Compared with the alternatives taken before in place, as the
            // previous state holds them.
            let mut steered = state.clone();
            for change in &m.accepted {
                change.apply(&mut steered);
            }
            let same_search = |d: Domain| {
                let search = |s: &DialogState| {
                    s.get(&d)
                        .map(|slots| {
                            slots
                                .iter()
                                .filter(|(k, _)| !k.is_book())
                                .map(|(k, v)| (*k, v.clone()))
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default()
                };
                search(previous) == search(&steered)
            };
            let changed: Vec<Domain> = Domain::ALL
                .into_iter()
                .filter(|d| !same_search(*d))
                .collect();
            m.steer(&mut state, |p| said_yes && !changed.contains(&p.domain));
        }

        let t = Instant::now();
        let route = inner
            .router
            .role
            .route(RouteInput {
                history: req.history,
                state: &state,
                dialog_id: req.dialog_id,
            })
            .await
            .map_err(fail(Stage::Route))?;
        stages.push(StageReport {
            stage: Stage::Route,
            backend: inner.router.backend.clone(),
            latency: t.elapsed(),
            usage: route.usage,
        });
        let domain = route.domain;
        if route.off_topic {
            return Ok(TurnOutcome {
                domain,
                reason: route.reason,
                active_domains: vec![domain],
                state,
                state_source,
                db: DbResult::empty(domain),
                delex_reply: OFF_TOPIC_REPLY.to_string(),
                reply: OFF_TOPIC_REPLY.to_string(),
                off_topic: true,
                memory: None,
                stages,
                latency: start.elapsed(),
            });
        }
        // "Could I get their phone number? I also need a guesthouse": the
        // question about the venue at hand is answered from its record, the
        // rest goes to the new domain's agent.
        let aside = aside::find(&inner.db, req.history);
        let domain = aside.as_ref().map_or(domain, |a| a.delegated);
        // A question of details routed to a domain with nothing at hand is
        // about the entity the conversation is on.
        let last_user = req.history.last().filter(|u| u.speaker == Speaker::User);
        let at_hand = match (&aside, memory.as_deref(), last_user) {
            (None, Some(m), Some(user)) => {
                let system = req
                    .history
                    .iter()
                    .rev()
                    .find(|u| u.speaker == Speaker::System);
                recall::venue_at_hand(
                    m,
                    domain,
                    &state,
                    &user.text,
                    system.map(|u| u.text.as_str()),
                )
            }
            _ => None,
        };
        let (domain, route_reason) = match at_hand {
            Some(d) => (
                d,
                format!("{}; the question is about the {d} at hand", route.reason),
            ),
            None => (domain, route.reason.clone()),
        };
        // "What's the total?" after the booking, "what's the postcode?" with no
        // venue named: the memory answers, not a fresh search.
        if aside.is_none()
            && let Some(m) = memory.as_deref()
            && let Some(user) = last_user
            && let Some(r) = recall::answer(
                m,
                &self.inner.db,
                domain,
                &state,
                req.previous_state.unwrap_or(&empty),
                &user.text,
            )
        {
            return Ok(TurnOutcome {
                domain,
                reason: format!("{route_reason}; {}", r.why),
                active_domains: vec![domain],
                state,
                state_source,
                db: r.db,
                delex_reply: r.delex,
                reply: r.reply,
                off_topic: false,
                memory: None,
                stages,
                latency: start.elapsed(),
            });
        }
        let mut db = match &memory {
            Some(m) => ground_remembering(&self.inner.db, domain, &state, seed, m),
            None => self.ground(domain, &state, seed),
        };
        // "Something different": the next match instead of the one offered. The
        // user's words are read only when there is an offer and another match.
        let offered = memory
            .as_ref()
            .and_then(|m| m.domain(domain))
            .is_some_and(|m| m.offered.is_some());
        if db.count > 1
            && offered
            && req
                .history
                .iter()
                .rev()
                .find(|u| u.speaker == Speaker::User)
                .is_some_and(|u| {
                    agents::builtin::cues::asks_for_another(&agents::builtin::text::normalize(
                        &u.text,
                    ))
                })
            && let Some(next) = grounding::another(&self.inner.db, domain, &state, &db)
        {
            db = next;
        }

        let Some(agent) = inner.agents.get(&domain) else {
            return Err(TurnError {
                stage: Stage::Respond,
                source: agents::roles::AgentError::Input {
                    stage: Stage::Respond,
                    message: format!("no agent serves the {domain} domain"),
                },
            });
        };
        let mut rest_of_turn: Vec<Utterance>;
        let agent_history = match &aside {
            Some(a) => {
                rest_of_turn = req.history.to_vec();
                if let Some(last) = rest_of_turn.last_mut() {
                    last.text = a.rest.clone();
                }
                &rest_of_turn[..]
            }
            None => req.history,
        };
        let t = Instant::now();
        let out = agent
            .role
            .respond(RespondInput {
                history: agent_history,
                domain,
                state: &state,
                db: &db,
                dialog_id: req.dialog_id,
            })
            .await
            .map_err(fail(Stage::Respond))?;
        stages.push(StageReport {
            stage: Stage::Respond,
            backend: agent.backend.clone(),
            latency: t.elapsed(),
            usage: out.usage,
        });
        let reference = match memory.as_deref_mut() {
            Some(m) => {
                if let Some(a) = &aside {
                    m.observe(a.domain, &a.delex, &a.db, &state, seed);
                }
                m.observe(domain, &out.reply, &db, &state, seed)
            }
            None => Some(booking_reference(seed)),
        };
        let other = if db.count > 1 && describes_two(&out.reply) {
            grounding::another(&self.inner.db, domain, &state, &db)
        } else {
            None
        };
        let reply = match &other {
            Some(other) => lexicalize_two(
                &out.reply,
                domain,
                (&db, other),
                &state,
                reference.as_deref(),
            ),
            None => lexicalize_reply(&out.reply, domain, &db, &state, reference.as_deref()),
        };
        // The reply says nothing matches: it also says what would (once: not when
        // the system turn before already did).
        let nearest = match db.count == 0
            && !out.reply.contains("name]")
            && alternatives::says_no_match(&out.reply)
        {
            true => alternatives::nearest(&self.inner.db, domain, &state),
            false => None,
        };
        let said_before = |n: &alternatives::Nearest| {
            req.history
                .iter()
                .rev()
                .find(|u| u.speaker == Speaker::System)
                .is_some_and(|u| u.text.contains(&n.text))
        };
        let live = memory.is_some();
        let (delex_reply, reply) = match nearest {
            Some(n) if !said_before(&n) => {
                if let Some(m) = memory {
                    m.proposal = Some(n.change.clone());
                }
                (
                    alternatives::ask_instead(&out.reply, &n.delex),
                    alternatives::ask_instead(&reply, &n.text),
                )
            }
            _ => (out.reply, reply),
        };
        // In a live dialog, a closing offer of details the conversation has
        // already told gives way to an open question.
        let told_before = || {
            let system: Vec<&str> = req
                .history
                .iter()
                .filter(|u| u.speaker == Speaker::System)
                .map(|u| u.text.as_str())
                .collect();
            told::drop_offer_of_told(&delex_reply, &reply, db.record.as_ref(), &system.join(" "))
        };
        let (delex_reply, reply) = match live.then(told_before).flatten() {
            Some(pair) => pair,
            None => (delex_reply, reply),
        };
        // The delegated domain, and the aside's venue domain when there is one:
        // the evaluator reads these as the domains the reply talks about.
        let (delex_reply, reply, active_domains, reason) = match aside {
            Some(a) => {
                let said = lexicalize_reply(&a.delex, a.domain, &a.db, &state, None);
                (
                    format!("{} {delex_reply}", a.delex),
                    format!("{said} {reply}"),
                    vec![a.domain, domain],
                    format!(
                        "{}; details of the {} asked before a {domain} request answered first",
                        route.reason, a.domain
                    ),
                )
            }
            None => (delex_reply, reply, vec![domain], route_reason),
        };
        Ok(TurnOutcome {
            domain,
            reason,
            active_domains,
            state,
            state_source,
            db,
            delex_reply,
            reply,
            off_topic: false,
            memory: None,
            stages,
            latency: start.elapsed(),
        })
    }
}

/// A dialog with the pipeline: keeps the history (with the lexicalized replies
/// people saw), the state and the dialog memory (what was offered and booked)
/// between turns. Independent of other sessions; `Send`.
#[derive(Debug, Clone)]
pub struct Session {
    dard: Dard,
    id: u64,
    /// What the turn seeds derive from: random, unless the session is keyed.
    key: String,
    history: Vec<Utterance>,
    state: DialogState,
    memory: DialogMemory,
}

impl Session {
    /// A session whose made-up details (references, taxis) derive from `key`
    /// and the turn number.
    pub(crate) fn new(dard: Dard, id: u64, key: String) -> Session {
        Session {
            dard,
            id,
            key,
            history: Vec::new(),
            state: DialogState::new(),
            memory: DialogMemory::new(),
        }
    }

    /// Answers a user utterance. On error the utterance is not kept, so the
    /// caller can send it again.
    pub async fn turn(&mut self, user: &str) -> Result<TurnOutcome, TurnError> {
        self.history.push(Utterance::user(user));
        let seed = Dard::seed_for(&self.key, self.history.len());
        let req = TurnRequest {
            history: &self.history,
            dialog_id: None,
            gold_state: None,
            previous_state: Some(&self.state),
        };
        // The memory changes only when the turn succeeds.
        let mut memory = self.memory.clone();
        match self.dard.run_turn(req, seed, Some(&mut memory)).await {
            Ok(mut outcome) => {
                self.history.push(Utterance::system(outcome.reply.clone()));
                self.state = outcome.state.clone();
                outcome.memory = Some(memory.clone());
                self.memory = memory;
                Ok(outcome)
            }
            Err(e) => {
                self.history.pop();
                Err(e)
            }
        }
    }

    /// What the dialog has offered and booked so far, per domain.
    pub fn memory(&self) -> &DialogMemory {
        &self.memory
    }

    /// The key the session's references and taxis derive from (random unless
    /// the session was opened with [`Dard::session_keyed`]).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The dialog so far.
    pub fn history(&self) -> &[Utterance] {
        &self.history
    }

    /// The state after the last turn.
    pub fn state(&self) -> &DialogState {
        &self.state
    }

    /// Starts the dialog over.
    pub fn reset(&mut self) {
        self.history.clear();
        self.state.clear();
        self.memory.clear();
    }

    /// The session's number within its `Dard` (0, 1, …).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The pipeline the session runs on.
    pub fn dard(&self) -> &Dard {
        &self.dard
    }

    /// Replaces the dialog with the one in `snapshot`.
    pub(crate) fn restore(&mut self, snapshot: crate::snapshot::SessionSnapshot) {
        self.history = snapshot.history;
        self.state = snapshot.state;
        self.memory = snapshot.memory;
        if let Some(key) = snapshot.key {
            self.key = key;
        }
    }
}
