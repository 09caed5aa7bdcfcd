//! Unit tests of the Inform / Success rules against a fake venue DB.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// Restaurants: "r1" is cheap, "r2" is expensive; every query counts.
struct FakeDb {
    calls: AtomicUsize,
}

impl VenueDb for FakeDb {
    fn venue_ids(&self, domain: Domain, constraints: &[(&str, &str)]) -> Vec<String> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if domain != Domain::Restaurant {
            return vec!["t1".to_owned()];
        }
        let price = constraints
            .iter()
            .find(|(k, _)| *k == "pricerange")
            .map(|(_, v)| *v);
        match price {
            Some("cheap") => vec!["r1".to_owned()],
            Some("expensive") => vec!["r2".to_owned()],
            _ => vec!["r1".to_owned(), "r2".to_owned()],
        }
    }
}

fn slots(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn restaurant_state(price: &str) -> TurnState {
    let mut s = TurnState::new();
    s.insert("restaurant".to_owned(), slots(&[("pricerange", price)]));
    s
}

fn run(
    goal: &[GoalDomain<'_>],
    utterances: &[&str],
    states: &[TurnState],
    booked: &[Vec<Domain>],
) -> DialogOutcome {
    let db = FakeDb {
        calls: AtomicUsize::new(0),
    };
    let cached = CachedDb::new(&db);
    let active: Vec<Vec<String>> = goal
        .iter()
        .map(|g| g.domain.as_str().to_owned())
        .map(|d| vec![d])
        .collect();
    let all: Vec<String> = active.into_iter().flatten().collect();
    let input = DialogInput {
        goal: goal.to_vec(),
        booked,
        utterances: utterances.to_vec(),
        states: states.iter().collect(),
        active_domains: vec![all.as_slice(); utterances.len()],
    };
    dialog_success(&input, &cached)
}

#[test]
fn offered_venues_must_be_a_subset_of_the_goal_venues() {
    let cheap = slots(&[("pricerange", "cheap")]);
    let goal = [GoalDomain {
        domain: Domain::Restaurant,
        informable: &cheap,
        requested: vec!["PHONE"],
    }];
    let booked = vec![vec![]; 2];
    // Offering all restaurants (state without price) is not a subset of {r1}.
    let wide = vec![TurnState::new(), restaurant_state("moderate")];
    let out = run(&goal, &["x", "NAME is nice , PHONE"], &wide, &booked);
    assert!(!out.inform_total);
    assert_eq!(out.success, None);
    // Offering the cheap one is.
    let narrow = vec![TurnState::new(), restaurant_state("cheap")];
    let out = run(&goal, &["x", "NAME is nice , PHONE"], &narrow, &booked);
    assert!(out.inform_total);
    assert_eq!(out.success, Some(vec![(Domain::Restaurant, true)]));
    assert!(out.success_total);
}

#[test]
fn reference_counts_only_in_booked_domains() {
    let informable = slots(&[("name", "x")]);
    let goal = [GoalDomain {
        domain: Domain::Restaurant,
        informable: &informable,
        requested: vec!["REFERENCE"],
    }];
    let states = vec![TurnState::new(); 2];
    let out = run(
        &goal,
        &["REFERENCE", "bye"],
        &states,
        &[vec![], vec![Domain::Restaurant]],
    );
    assert!(
        out.inform_total,
        "a goal naming the venue is matched automatically"
    );
    assert!(!out.success_total);
    let out = run(
        &goal,
        &["bye", "REFERENCE"],
        &states,
        &[vec![], vec![Domain::Restaurant]],
    );
    assert!(out.success_total);
}

#[test]
fn train_never_offered_and_not_asked_by_id_is_matched() {
    let informable = slots(&[("day", "monday")]);
    let goal = [GoalDomain {
        domain: Domain::Train,
        informable: &informable,
        requested: vec![],
    }];
    let out = run(&goal, &["no train"], &[TurnState::new()], &[vec![]]);
    assert!(out.inform_total);
    let asked = [GoalDomain {
        domain: Domain::Train,
        informable: &informable,
        requested: vec!["TRAINID"],
    }];
    let out = run(&asked, &["no train"], &[TurnState::new()], &[vec![]]);
    assert!(!out.inform_total);
}

#[test]
fn inactive_domains_get_no_credit() {
    let informable = slots(&[]);
    let goal = [GoalDomain {
        domain: Domain::Taxi,
        informable: &informable,
        requested: vec!["PHONE"],
    }];
    let db = FakeDb {
        calls: AtomicUsize::new(0),
    };
    let cached = CachedDb::new(&db);
    let booked = vec![vec![]];
    let other = vec!["hotel".to_owned()];
    let states = [TurnState::new()];
    let input = DialogInput {
        goal: goal.to_vec(),
        booked: &booked,
        utterances: vec!["PHONE"],
        states: states.iter().collect(),
        active_domains: vec![other.as_slice()],
    };
    let out = dialog_success(&input, &cached);
    assert!(out.inform_total);
    assert!(!out.success_total);
}

#[test]
fn cached_db_runs_each_distinct_query_once_whatever_the_constraint_order() {
    let db = FakeDb {
        calls: AtomicUsize::new(0),
    };
    let cached = CachedDb::new(&db);
    let a = slots(&[("pricerange", "cheap"), ("area", "north")]);
    let b = slots(&[("area", "north"), ("pricerange", "cheap")]);
    assert_eq!(
        cached.query(Domain::Restaurant, &a),
        cached.query(Domain::Restaurant, &b)
    );
    assert_eq!(db.calls.load(Ordering::Relaxed), 1);
    assert_eq!(cached.distinct_queries(), 1);
}
