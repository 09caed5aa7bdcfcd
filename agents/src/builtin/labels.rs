//! The gold domain of a user turn: what the built-in router learns and what router
//! accuracy is measured against.
//!
//! The router picks the domain agent that answers a user turn, so the label is
//! read from the annotated dialog acts of the system reply to that turn:
//!
//! 1. the domains of the reply's acts (`Hotel-Inform`, `Train-OfferBook`, …;
//!    `general-*` and `Booking-*` name no domain). With several, the one the user
//!    turn's acts also name wins, else the first act's;
//! 2. otherwise the domains of the user turn's acts;
//! 3. otherwise the domain whose annotated belief state changed at this turn;
//! 4. otherwise the previous turn's label ("thank you" stays in its domain);
//! 5. turns before any domain is known take the first label that follows.
//!
//! Dialogs without any domain annotation give no labels.

use multiwoz::Domain;
use multiwoz::model::{BeliefState, Dialog, Speaker, Turn};

/// The gold domain of every user turn of `dialog`, in order; `None` only when
/// the dialog has no domain annotation at all.
pub fn gold_domains(dialog: &Dialog) -> Vec<Option<Domain>> {
    let turns = &dialog.turns;
    let mut raw: Vec<Option<Domain>> = Vec::new();
    let mut previous_belief: Option<&BeliefState> = None;
    for (i, turn) in turns.iter().enumerate() {
        if turn.speaker != Speaker::User {
            continue;
        }
        let reply = turns.get(i + 1).filter(|t| t.speaker == Speaker::System);
        let user_domains = act_domains(turn);
        let mut label = None;
        if let Some(reply) = reply {
            let sys = act_domains(reply);
            label = sys
                .iter()
                .find(|d| user_domains.contains(d))
                .or_else(|| sys.first())
                .copied();
        }
        if label.is_none() {
            label = user_domains.first().copied();
        }
        if label.is_none()
            && let Some(belief) = reply.and_then(|r| r.belief.as_ref())
        {
            label = changed_domain(previous_belief, belief);
        }
        if let Some(belief) = reply.and_then(|r| r.belief.as_ref()) {
            previous_belief = Some(belief);
        }
        raw.push(label);
    }
    // Carry labels forward, then fill the leading gap from the first label.
    let mut out = Vec::with_capacity(raw.len());
    let mut last = None;
    for l in &raw {
        last = l.or(last);
        out.push(last);
    }
    let first = raw.iter().flatten().next().copied();
    for l in out.iter_mut() {
        if l.is_none() {
            *l = first;
        }
    }
    out
}

/// The ontology domains named by a turn's acts, in act order, without repeats.
fn act_domains(turn: &Turn) -> Vec<Domain> {
    let mut out = Vec::new();
    for act in &turn.acts {
        if let Some(d) = act.domain()
            && !out.contains(&d)
        {
            out.push(d);
        }
    }
    out
}

/// The first domain whose annotated slot values differ from the previous state.
fn changed_domain(previous: Option<&BeliefState>, current: &BeliefState) -> Option<Domain> {
    for (domain, belief) in &current.domains {
        let filled = |v: &String| !v.is_empty() && v != "not mentioned" && v != "none";
        let before = previous.and_then(|p| p.domains.get(domain));
        let changed = belief
            .semi
            .iter()
            .chain(belief.book.iter())
            .filter(|(_, v)| filled(v))
            .any(|(slot, value)| {
                before.is_none_or(|b| b.semi.get(slot).or_else(|| b.book.get(slot)) != Some(value))
            });
        if changed {
            return Some(*domain);
        }
    }
    None
}
