//! The agenda-based user: a customer with a [`Goal`] who pursues it domain by
//! domain, in the spirit of Schatzmann et al. (2007) and ConvLab's rule user.
//!
//! Per domain the user tells its constraints (one to four at a time; the
//! failing `fail_info` ones first), answers the system's questions from the
//! goal, corrects an offer that breaks a constraint, switches to `info` when
//! the system finds nothing and to `book` when a booking fails, books with its
//! details, asks for the `reqt` attributes, and when every domain is done
//! thanks and says goodbye. Everything it learns comes from the acts read from
//! what the system said ([`crate::understand`]).

use std::collections::BTreeMap;

use multiwoz::Domain;

use crate::acts::{Act, Intent};
use crate::attr::Attr;
use crate::goal::{DomainGoal, Goal, lookup};
use crate::rng::Rng;

/// Why a simulated dialog ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EndReason {
    /// The user got everything and said goodbye.
    Done,
    /// The user gave up: nothing matched (no `fail_info` left) or a booking
    /// failed (no `fail_book` left).
    GaveUp,
    /// The user ran out of turns.
    MaxTurns,
    /// The system failed with an error.
    SystemError(String),
    /// The user (a model) failed with an error.
    UserError(String),
}

/// The user's progress in one domain.
#[derive(Debug, Clone)]
struct Progress {
    domain: Domain,
    goal: DomainGoal,
    /// The constraints in force (`fail_info` until the system finds nothing).
    info: Vec<(Attr, String)>,
    on_fail_info: bool,
    /// The constraints told, in the order they will be told.
    untold: Vec<Attr>,
    /// The booking details in force (`fail_book` until a booking fails).
    book: Vec<(Attr, String)>,
    on_fail_book: bool,
    booked: bool,
    /// What the system told for each requested attribute.
    answers: BTreeMap<Attr, String>,
    /// The venue the system offered (its name as said).
    offered: Option<String>,
    /// Whether the user books before asking for the `reqt` attributes.
    book_first: bool,
}

impl Progress {
    fn new(domain: Domain, goal: &DomainGoal, rng: &mut Rng) -> Progress {
        let on_fail_info = !goal.fail_info.is_empty();
        let info = if on_fail_info {
            goal.fail_info.clone()
        } else {
            goal.info.clone()
        };
        let mut untold: Vec<Attr> = info.iter().map(|(a, _)| *a).collect();
        rng.shuffle(&mut untold);
        let on_fail_book = !goal.fail_book.is_empty() && goal.wants_booking();
        let book = if on_fail_book {
            // Details not named in `fail_book` stay as in `book`.
            let mut b = goal.book.clone();
            for (a, v) in &goal.fail_book {
                match b.iter_mut().find(|(x, _)| x == a) {
                    Some(slot) => slot.1 = v.clone(),
                    None => b.push((*a, v.clone())),
                }
            }
            b
        } else {
            goal.book.clone()
        };
        Progress {
            domain,
            goal: goal.clone(),
            info,
            on_fail_info,
            untold,
            book,
            on_fail_book,
            booked: false,
            answers: BTreeMap::new(),
            offered: None,
            book_first: rng.chance(0.5),
        }
    }

    fn unanswered(&self) -> Vec<Attr> {
        self.goal
            .reqt
            .iter()
            .copied()
            .filter(|a| !self.answers.contains_key(a))
            .collect()
    }

    fn complete(&self) -> bool {
        self.unanswered().is_empty() && (self.booked || !self.goal.wants_booking())
    }
}

/// What the user says in one turn, as acts, and whether it ends the dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct UserActs {
    /// The acts.
    pub acts: Vec<Act>,
    /// Whether the dialog ends with this turn.
    pub end: Option<EndReason>,
}

/// The agenda-based user policy.
#[derive(Debug, Clone)]
pub struct AgendaPolicy {
    domains: Vec<Progress>,
    rng: Rng,
    turns: usize,
    max_turns: usize,
    closing: Option<EndReason>,
}

impl AgendaPolicy {
    /// A user for `goal`, seeded, who gives up after `max_turns` turns.
    pub fn new(goal: &Goal, rng: Rng, max_turns: usize) -> AgendaPolicy {
        let mut rng = rng;
        let domains = goal
            .domains
            .iter()
            .map(|(d, g)| Progress::new(*d, g, &mut rng))
            .collect();
        AgendaPolicy {
            domains,
            rng,
            turns: 0,
            max_turns,
            closing: None,
        }
    }

    /// Whether every request was answered and every booking made.
    pub fn task_complete(&self) -> bool {
        self.domains.iter().all(Progress::complete)
    }

    fn index(&self, domain: Option<Domain>) -> Option<usize> {
        let d = domain?;
        self.domains.iter().position(|p| p.domain == d)
    }

    fn current(&self) -> Option<usize> {
        self.domains.iter().position(|p| !p.complete())
    }

    /// The next user turn, given the acts of the system's last turn (none at
    /// the start).
    pub fn next(&mut self, system: &[Act]) -> UserActs {
        self.turns += 1;
        let mut responses: Vec<Act> = Vec::new();
        self.read_system(system, &mut responses);
        if let Some(reason) = self.closing.take() {
            return UserActs {
                acts: vec![Act::general(Intent::Bye)],
                end: Some(reason),
            };
        }
        if self.turns > self.max_turns {
            return UserActs {
                acts: vec![Act::general(Intent::Bye)],
                end: Some(EndReason::MaxTurns),
            };
        }
        if self.task_complete() {
            let mut acts = vec![Act::general(Intent::Thank)];
            if self.rng.chance(0.6) {
                acts.push(Act::general(Intent::Bye));
            }
            return UserActs {
                acts,
                end: Some(EndReason::Done),
            };
        }
        if !responses.is_empty() {
            return UserActs {
                acts: responses,
                end: None,
            };
        }
        UserActs {
            acts: self.advance(),
            end: None,
        }
    }

    /// Updates the user's view from the system's acts; answers and corrections
    /// go to `out`.
    fn read_system(&mut self, system: &[Act], out: &mut Vec<Act>) {
        let focus = self.current();
        // A turn that finds nothing repeats the constraints it tried: they are
        // no offer to correct.
        let failed: Vec<Option<Domain>> = system
            .iter()
            .filter(|a| a.intent == Intent::NoOffer)
            .map(|a| a.domain)
            .collect();
        for act in system {
            let Some(i) = self.index(act.domain) else {
                continue;
            };
            match act.intent {
                Intent::Inform | Intent::Recommend => {
                    self.read_inform(i, act, !failed.contains(&act.domain), out)
                }
                Intent::Book => {
                    let p = &mut self.domains[i];
                    if p.goal.wants_booking() || p.domain == Domain::Taxi {
                        p.booked = true;
                    }
                }
                Intent::NoOffer => self.read_no_offer(i, out),
                Intent::NoBook => self.read_no_book(i, out),
                Intent::Request => {
                    if let Some(slot) = act.slot {
                        self.answer(i, slot, out);
                    }
                }
                _ => {}
            }
        }
        // Several venues and none named: any will do (once everything is told).
        if let Some(i) = focus {
            let p = &self.domains[i];
            let many = system.iter().any(|a| {
                a.domain == Some(p.domain)
                    && a.slot == Some(Attr::Choice)
                    && a.value.parse::<usize>().is_ok_and(|n| n > 1)
            });
            if many && p.offered.is_none() && p.untold.is_empty() && out.is_empty() {
                out.push(Act::new(Intent::Inform, p.domain, Attr::Choice, "any"));
            }
        }
    }

    fn read_inform(&mut self, i: usize, act: &Act, correct: bool, out: &mut Vec<Act>) {
        let Some(slot) = act.slot else { return };
        let p = &mut self.domains[i];
        if slot == Attr::Name {
            p.offered = Some(act.value.clone());
        }
        if p.goal.reqt.contains(&slot) {
            p.answers.entry(slot).or_insert_with(|| act.value.clone());
            return;
        }
        // An offer that breaks a constraint already told is corrected.
        if let Some(want) = lookup(&p.info, slot).filter(|_| correct) {
            let told = !p.untold.contains(&slot);
            if told && violates(slot, want, &act.value) {
                push_unique(out, Act::new(Intent::Inform, p.domain, slot, want));
            }
        }
    }

    fn read_no_offer(&mut self, i: usize, out: &mut Vec<Act>) {
        let p = &mut self.domains[i];
        if p.on_fail_info {
            // Back to the real constraints: tell those that differ.
            let old = std::mem::take(&mut p.info);
            p.info = p.goal.info.clone();
            p.on_fail_info = false;
            for (a, v) in p.info.clone() {
                if lookup(&old, a) != Some(v.as_str()) {
                    p.untold.retain(|x| *x != a);
                    push_unique(out, Act::new(Intent::Inform, p.domain, a, v));
                }
            }
            // Constraints of `info` not yet told stay on the agenda.
            for (a, _) in &p.info {
                if lookup(&old, *a).is_none() && !p.untold.contains(a) {
                    let said = out.iter().any(|x| x.slot == Some(*a));
                    if !said {
                        p.untold.push(*a);
                    }
                }
            }
        } else if p.untold.is_empty() && (!p.goal.reqt.is_empty() || p.goal.wants_booking()) {
            self.closing = Some(EndReason::GaveUp);
        }
    }

    fn read_no_book(&mut self, i: usize, out: &mut Vec<Act>) {
        let p = &mut self.domains[i];
        if p.on_fail_book {
            let old = std::mem::replace(&mut p.book, p.goal.book.clone());
            p.on_fail_book = false;
            for (a, v) in p.book.clone() {
                if lookup(&old, a) != Some(v.as_str()) {
                    push_unique(out, Act::new(Intent::Inform, p.domain, a, v));
                }
            }
        } else if p.goal.wants_booking() && !p.booked {
            self.closing = Some(EndReason::GaveUp);
        }
    }

    /// Answers a system question about `slot` in domain `i`.
    fn answer(&mut self, i: usize, slot: Attr, out: &mut Vec<Act>) {
        let domain = self.domains[i].domain;
        // "When would you like to leave?" from a user who must arrive by a time
        // is answered with that time (and the other way round), as people do.
        let slot = {
            let p = &self.domains[i];
            let other = match slot {
                Attr::LeaveAt => Some(Attr::ArriveBy),
                Attr::ArriveBy => Some(Attr::LeaveAt),
                _ => None,
            };
            match other {
                Some(o) if lookup(&p.info, slot).is_none() && lookup(&p.info, o).is_some() => o,
                _ => slot,
            }
        };
        let value = {
            let p = &self.domains[i];
            lookup(&p.info, slot)
                .or_else(|| lookup(&p.book, slot))
                .map(str::to_string)
        };
        let value = match value {
            Some(v) => {
                self.domains[i].untold.retain(|a| *a != slot);
                v
            }
            // Requested attributes are the user's own questions, not answers.
            None if self.domains[i].goal.reqt.contains(&slot) => return,
            None if domain == Domain::Taxi
                && matches!(slot, Attr::Departure | Attr::Destination) =>
            {
                self.taxi_place(i, slot)
                    .unwrap_or_else(|| "dontcare".into())
            }
            None => "dontcare".into(),
        };
        push_unique(out, Act::new(Intent::Inform, domain, slot, value));
    }

    /// A taxi's end from the venues met before it: the last one is where the
    /// taxi goes, the one before where it starts, as ConvLab's user does.
    fn taxi_place(&self, taxi: usize, slot: Attr) -> Option<String> {
        let places: Vec<&Progress> = self.domains[..taxi]
            .iter()
            .filter(|p| {
                matches!(
                    p.domain,
                    Domain::Attraction | Domain::Hotel | Domain::Restaurant
                )
            })
            .collect();
        let place = match slot {
            Attr::Destination => places.last()?,
            _ if places.len() >= 2 => places.get(places.len() - 2)?,
            _ => return None,
        };
        place
            .offered
            .clone()
            .or_else(|| place.goal.info_value(Attr::Name).map(str::to_string))
    }

    /// The next acts from the agenda when nothing needs answering.
    fn advance(&mut self) -> Vec<Act> {
        let Some(i) = self.current() else {
            return vec![Act::general(Intent::Thank), Act::general(Intent::Bye)];
        };
        if self.domains[i].domain == Domain::Taxi {
            self.fill_taxi_places(i);
        }
        let initiative = self.rng.range(1, 4);
        let p = &mut self.domains[i];
        let domain = p.domain;
        if !p.untold.is_empty() {
            let n = initiative.min(p.untold.len());
            let told: Vec<Attr> = p.untold.drain(..n).collect();
            return told
                .into_iter()
                .filter_map(|a| {
                    let v = lookup(&p.info, a)?;
                    Some(Act::new(Intent::Inform, domain, a, v))
                })
                .collect();
        }
        let book_now = p.goal.wants_booking() && !p.booked;
        let unanswered = p.unanswered();
        if book_now && (p.book_first || unanswered.is_empty()) {
            return p
                .book
                .iter()
                .map(|(a, v)| Act::new(Intent::Inform, domain, *a, v.clone()))
                .collect();
        }
        if !unanswered.is_empty() {
            let n = initiative.min(unanswered.len());
            return unanswered[..n]
                .iter()
                .map(|a| Act::new(Intent::Request, domain, *a, "?"))
                .collect();
        }
        vec![Act::new(Intent::Inform, domain, Attr::Choice, "any")]
    }

    /// Gives the taxi goal the places it leaves unnamed, from the venues the
    /// system offered earlier.
    fn fill_taxi_places(&mut self, i: usize) {
        for slot in [Attr::Destination, Attr::Departure] {
            if lookup(&self.domains[i].info, slot).is_none()
                && let Some(place) = self.taxi_place(i, slot)
            {
                let p = &mut self.domains[i];
                p.info.push((slot, place));
                p.untold.push(slot);
            }
        }
    }
}

fn push_unique(out: &mut Vec<Act>, act: Act) {
    if !out.contains(&act) {
        out.push(act);
    }
}

/// Whether the system's `said` value breaks the user's constraint `want`
/// (times: leaving earlier or arriving later than asked; else another value).
pub fn violates(slot: Attr, want: &str, said: &str) -> bool {
    if want == "dontcare" {
        return false;
    }
    match slot {
        Attr::LeaveAt => matches!((minutes(want), minutes(said)), (Some(w), Some(s)) if s < w),
        Attr::ArriveBy => matches!((minutes(want), minutes(said)), (Some(w), Some(s)) if s > w),
        Attr::Name => {
            let (w, s) = (want.to_lowercase(), said.to_lowercase());
            !w.contains(&s) && !s.contains(&w)
        }
        _ => !want.eq_ignore_ascii_case(said.trim()),
    }
}

/// `HH:MM` as minutes since midnight.
pub fn minutes(t: &str) -> Option<u32> {
    let (h, m) = t.trim().split_once(':')?;
    Some(h.trim().parse::<u32>().ok()? * 60 + m.trim().get(..2)?.parse::<u32>().ok()?)
}
