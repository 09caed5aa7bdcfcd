//! The standard evaluator's estimate of the active domain of each turn from the
//! dialog states (`utils.get_domain_estimates_from_state`), used when any turn
//! of the predictions lacks `active_domains`.
//!
//! The rule depends on the order of domains in each state: among several changed
//! domains the first one with the most slots wins, as Python's `max` returns the
//! first maximal element.

use crate::predictions::TurnState;

/// Estimates the active domains of one dialog's turns from their states.
///
/// A turn gets `[]` until some domain's state has changed, then `[current]`.
pub fn estimate_active_domains(states: &[&TurnState]) -> Vec<Vec<String>> {
    let empty = TurnState::new();
    let mut current: Option<&str> = None;
    let mut old_state: &TurnState = &empty;
    let mut old_changed: Vec<&str> = Vec::new();
    let mut out = Vec::with_capacity(states.len());

    for &state in states {
        // A domain changed when one of its (slot, value) pairs was not in the old state.
        let changed: Vec<&str> = state
            .iter()
            .filter(|(domain, slots)| {
                let old = old_state.get(domain.as_str());
                slots
                    .iter()
                    .any(|(slot, value)| old.and_then(|o| o.get(slot)) != Some(value))
            })
            .map(|(domain, _)| domain.as_str())
            .collect();

        if changed.is_empty() {
            match current {
                None => {
                    // The evaluator `continue`s here: old state and old changes stay.
                    out.push(Vec::new());
                    continue;
                }
                Some(cur) => {
                    if old_changed.len() > 1 {
                        old_changed.retain(|d| state.contains_key(*d) && *d != cur);
                        if let Some(first) = old_changed.first() {
                            current = Some(first);
                        }
                    }
                }
            }
        } else if !current.is_some_and(|cur| changed.contains(&cur)) {
            current = first_with_most_slots(state, &changed);
        }

        old_state = state;
        old_changed = changed;
        out.push(current.map(|c| vec![c.to_owned()]).unwrap_or_default());
    }
    out
}

/// Python's `max(changed, key=lambda d: len(state[d]))`: the first maximal element.
fn first_with_most_slots<'s>(state: &TurnState, changed: &[&'s str]) -> Option<&'s str> {
    let mut best: Option<(&str, usize)> = None;
    for &domain in changed {
        let size = state.get(domain).map_or(0, |s| s.len());
        if best.is_none_or(|(_, best_size)| size > best_size) {
            best = Some((domain, size));
        }
    }
    best.map(|(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(domains: &[(&str, &[(&str, &str)])]) -> TurnState {
        domains
            .iter()
            .map(|(d, slots)| {
                (
                    d.to_string(),
                    slots
                        .iter()
                        .map(|(s, v)| (s.to_string(), v.to_string()))
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn no_change_before_any_domain_gives_empty_estimates() {
        let s0 = state(&[]);
        let s1 = state(&[("hotel", &[("area", "north")])]);
        let out = estimate_active_domains(&[&s0, &s1, &s1]);
        assert_eq!(
            out,
            vec![vec![], vec!["hotel".to_owned()], vec!["hotel".to_owned()]]
        );
    }

    #[test]
    fn ties_go_to_the_first_domain_in_state_order() {
        let a = state(&[("taxi", &[("leave", "1")]), ("hotel", &[("area", "n")])]);
        let b = state(&[("hotel", &[("area", "n")]), ("taxi", &[("leave", "1")])]);
        assert_eq!(
            estimate_active_domains(&[&a]),
            vec![vec!["taxi".to_owned()]]
        );
        assert_eq!(
            estimate_active_domains(&[&b]),
            vec![vec!["hotel".to_owned()]]
        );
    }

    #[test]
    fn current_domain_is_kept_while_it_keeps_changing() {
        let s1 = state(&[("hotel", &[("area", "n")])]);
        let s2 = state(&[
            ("hotel", &[("area", "n"), ("stars", "4")]),
            (
                "train",
                &[("day", "monday"), ("leave", "1"), ("arrive", "2")],
            ),
        ]);
        let out = estimate_active_domains(&[&s1, &s2]);
        assert_eq!(out[1], vec!["hotel".to_owned()]);
    }

    #[test]
    fn unchanged_turn_after_two_changes_switches_to_the_other_domain() {
        let s1 = state(&[("hotel", &[("area", "n")])]);
        let s2 = state(&[
            ("hotel", &[("area", "n"), ("stars", "4")]),
            ("train", &[("day", "monday")]),
        ]);
        let out = estimate_active_domains(&[&s1, &s2, &s2]);
        assert_eq!(out[1], vec!["hotel".to_owned()]);
        assert_eq!(out[2], vec!["train".to_owned()]);
    }
}
