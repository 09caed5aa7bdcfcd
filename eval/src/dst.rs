//! Dialog state tracking figures as the standard evaluator's `get_dst` computes
//! them: joint goal accuracy and slot precision / recall / F1, where a slot value
//! matches when fuzzywuzzy's `partial_ratio(hyp, ref)` exceeds 95.
//!
//! The evaluator's epsilons (`1e-10`) and its scales (accuracy and F1 in percent,
//! precision and recall as fractions) are kept.

use rayon::prelude::*;
use serde::Serialize;

use crate::predictions::TurnState;

/// A value matches the reference when its partial ratio is above this.
pub const FUZZY_THRESHOLD: u8 = 95;

/// The DST figures; names follow the evaluator's output keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dst {
    /// Share of turns whose whole state matches, in percent.
    pub joint_accuracy: f64,
    /// Slot F1 in percent.
    pub slot_f1: f64,
    /// Slot precision as a fraction.
    pub slot_precision: f64,
    /// Slot recall as a fraction.
    pub slot_recall: f64,
    /// Turns compared.
    pub turns: usize,
    /// Turns whose whole state matched.
    pub joint_matches: usize,
    /// Matching slots.
    pub true_positives: u64,
    /// Predicted slots that are absent from or do not match the reference.
    pub false_positives: u64,
    /// Reference slots that are absent from or do not match the prediction.
    pub false_negatives: u64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    joint: usize,
    turns: usize,
    tp: u64,
    fp: u64,
    fn_: u64,
}

impl Counts {
    fn add(self, o: Counts) -> Counts {
        Counts {
            joint: self.joint + o.joint,
            turns: self.turns + o.turns,
            tp: self.tp + o.tp,
            fp: self.fp + o.fp,
            fn_: self.fn_ + o.fn_,
        }
    }
}

/// Compares predicted and reference states turn by turn.
///
/// `ratio` is fuzzywuzzy's `partial_ratio`, always called as `(hyp, ref)` like the
/// evaluator does (it is not symmetric for strings of equal length).
pub fn dst<F>(pairs: &[(&TurnState, &TurnState)], ratio: F) -> Dst
where
    F: Fn(&str, &str) -> u8 + Sync,
{
    let c = pairs
        .par_iter()
        .map(|(hyp, reference)| compare_turn(hyp, reference, &ratio))
        .reduce(Counts::default, Counts::add);
    let slot_precision = c.tp as f64 / ((c.tp + c.fp) as f64 + 1e-10);
    let slot_recall = c.tp as f64 / ((c.tp + c.fn_) as f64 + 1e-10);
    let slot_f1 =
        2.0 * slot_precision * slot_recall / (slot_precision + slot_recall + 1e-10) * 100.0;
    let joint_accuracy = c.joint as f64 / (c.turns as f64 + 1e-10) * 100.0;
    Dst {
        joint_accuracy,
        slot_f1,
        slot_precision,
        slot_recall,
        turns: c.turns,
        joint_matches: c.joint,
        true_positives: c.tp,
        false_positives: c.fp,
        false_negatives: c.fn_,
    }
}

fn flatten(state: &TurnState) -> impl Iterator<Item = ((&str, &str), &str)> {
    state.iter().flat_map(|(domain, slots)| {
        slots
            .iter()
            .map(move |(slot, value)| ((domain.as_str(), slot.as_str()), value.as_str()))
    })
}

fn lookup<'s>(state: &'s TurnState, domain: &str, slot: &str) -> Option<&'s str> {
    state.get(domain)?.get(slot).map(String::as_str)
}

fn compare_turn<F: Fn(&str, &str) -> u8>(
    hyp: &TurnState,
    reference: &TurnState,
    ratio: &F,
) -> Counts {
    let mut c = Counts {
        turns: 1,
        ..Counts::default()
    };
    let mut all_match = true;
    let mut hyp_slots = 0usize;
    for ((domain, slot), value) in flatten(hyp) {
        hyp_slots += 1;
        match lookup(reference, domain, slot) {
            Some(ref_value) if ratio(value, ref_value) > FUZZY_THRESHOLD => c.tp += 1,
            Some(_) => {
                // Present in both but not matching: a false positive and a false negative.
                c.fp += 1;
                c.fn_ += 1;
                all_match = false;
            }
            None => {
                c.fp += 1;
                all_match = false;
            }
        }
    }
    let mut ref_slots = 0usize;
    for ((domain, slot), _) in flatten(reference) {
        ref_slots += 1;
        if lookup(hyp, domain, slot).is_none() {
            c.fn_ += 1;
            all_match = false;
        }
    }
    // Keys are unique per state, so equal counts with no hyp-only key mean equal key sets.
    if all_match && hyp_slots == ref_slots {
        c.joint = 1;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(a: &str, b: &str) -> u8 {
        if a == b { 100 } else { 0 }
    }

    fn state(items: &[(&str, &str, &str)]) -> TurnState {
        let mut s = TurnState::new();
        for (d, k, v) in items {
            s.entry(d.to_string())
                .or_default()
                .insert(k.to_string(), v.to_string());
        }
        s
    }

    #[test]
    fn counts_and_formulas_follow_the_evaluator() {
        let h1 = state(&[("hotel", "area", "north"), ("hotel", "stars", "4")]);
        let r1 = state(&[("hotel", "area", "north"), ("hotel", "stars", "4")]);
        let h2 = state(&[("hotel", "area", "south"), ("taxi", "leave", "10:00")]);
        let r2 = state(&[("hotel", "area", "north"), ("hotel", "stars", "4")]);
        let d = dst(&[(&h1, &r1), (&h2, &r2)], exact);
        assert_eq!(
            (d.true_positives, d.false_positives, d.false_negatives),
            (2, 2, 2)
        );
        assert_eq!(d.joint_matches, 1);
        assert_eq!(d.joint_accuracy, 1.0 / (2.0 + 1e-10) * 100.0);
        let p = 2.0 / (4.0 + 1e-10);
        assert_eq!(d.slot_precision, p);
        assert_eq!(d.slot_recall, p);
        assert_eq!(d.slot_f1, 2.0 * p * p / (p + p + 1e-10) * 100.0);
    }

    #[test]
    fn empty_states_match_jointly() {
        let e = TurnState::new();
        let d = dst(&[(&e, &e)], exact);
        assert_eq!(d.joint_matches, 1);
        assert_eq!(d.slot_f1, 0.0);
    }

    #[test]
    fn an_empty_domain_object_adds_no_slot() {
        let mut h = state(&[("hotel", "area", "north")]);
        h.insert("taxi".to_owned(), Default::default());
        let r = state(&[("hotel", "area", "north")]);
        assert_eq!(dst(&[(&h, &r)], exact).joint_matches, 1);
    }
}
