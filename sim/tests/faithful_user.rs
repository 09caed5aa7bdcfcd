//! The simulated customer behaves as its goal says and as a person would:
//! corpus `fail_info` that the database meets is not tried, a no-offer turn
//! is not an offer to correct, a time question is answered with the time the
//! goal holds, a new domain is named, and the mined templates say nothing the
//! goal does not hold.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::path::{Path, PathBuf};

use multiwoz::Domain;
use multiwoz::db::Database;
use multiwoz::locate::{DataLayout, locate_from};
use multiwoz::model::{Dialog, Split};
use sim::Nlg;
use sim::acts::{Act, Intent};
use sim::attr::Attr;
use sim::goal::{DomainGoal, Goal};
use sim::policy::AgendaPolicy;
use sim::rng::Rng;

fn shared() -> DataLayout {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let env = std::env::var_os("DARD_DATA").map(PathBuf::from);
    locate_from(None, env.as_deref(), &root).unwrap()
}

fn db() -> Database {
    Database::load(shared().db_dir.as_ref().unwrap()).unwrap()
}

fn pairs(p: &[(Attr, &str)]) -> Vec<(Attr, String)> {
    p.iter().map(|(a, v)| (*a, v.to_string())).collect()
}

fn one(domain: Domain, g: DomainGoal) -> Goal {
    Goal {
        id: "t".into(),
        domains: vec![(domain, g)],
    }
}

#[test]
fn fail_info_that_the_database_meets_is_not_tried() {
    let db = db();
    // There are nightclubs: asking for one first would find one, and the
    // user (whose goal is a college) would accept it.
    let goal = one(
        Domain::Attraction,
        DomainGoal {
            info: pairs(&[(Attr::Type, "college")]),
            fail_info: pairs(&[(Attr::Type, "nightclub")]),
            reqt: vec![Attr::Phone],
            ..DomainGoal::default()
        },
    )
    .settle(&db);
    assert!(goal.domains[0].1.fail_info.is_empty());
    // A fail_info that really fails stays.
    let goal = one(
        Domain::Attraction,
        DomainGoal {
            info: pairs(&[(Attr::Type, "college")]),
            fail_info: pairs(&[(Attr::Type, "college"), (Attr::Area, "north")]),
            reqt: vec![Attr::Phone],
            ..DomainGoal::default()
        },
    )
    .settle(&db);
    assert!(!goal.domains[0].1.fail_info.is_empty());
}

fn policy(goal: &Goal) -> AgendaPolicy {
    AgendaPolicy::new(goal, Rng::new(3), 20)
}

#[test]
fn a_no_offer_turn_is_not_an_offer_to_correct() {
    let goal = one(
        Domain::Attraction,
        DomainGoal {
            info: pairs(&[(Attr::Type, "museum"), (Attr::Area, "centre")]),
            fail_info: pairs(&[(Attr::Type, "multiple sports"), (Attr::Area, "centre")]),
            reqt: vec![Attr::Postcode],
            ..DomainGoal::default()
        },
    );
    let mut p = policy(&goal);
    let _ = p.next(&[]);
    let _ = p.next(&[]);
    let reply = p.next(&[
        Act::new(
            Intent::Inform,
            Domain::Attraction,
            Attr::Type,
            "entertainment",
        ),
        Act::bare(Intent::NoOffer, Domain::Attraction),
    ]);
    let types: Vec<&str> = reply
        .acts
        .iter()
        .filter(|a| a.slot == Some(Attr::Type))
        .map(|a| a.value.as_str())
        .collect();
    assert_eq!(types, ["museum"], "{:?}", reply.acts);
}

#[test]
fn a_leave_time_question_is_answered_with_the_arrival_the_goal_holds() {
    let goal = one(
        Domain::Taxi,
        DomainGoal {
            info: pairs(&[
                (Attr::Departure, "acorn guest house"),
                (Attr::Destination, "the oak bistro"),
                (Attr::ArriveBy, "12:30"),
            ]),
            reqt: vec![Attr::CarType],
            ..DomainGoal::default()
        },
    );
    let mut p = policy(&goal);
    let _ = p.next(&[]);
    let reply = p.next(&[Act::new(Intent::Request, Domain::Taxi, Attr::LeaveAt, "?")]);
    assert!(
        reply
            .acts
            .iter()
            .any(|a| a.slot == Some(Attr::ArriveBy) && a.value == "12:30"),
        "{:?}",
        reply.acts
    );
    assert!(
        !reply.acts.iter().any(|a| a.value == "dontcare"),
        "{:?}",
        reply.acts
    );
}

fn nlg() -> Nlg {
    let layout = shared();
    let val: Vec<Dialog> = multiwoz::load::load_splits(&layout, &[Split::Val]).unwrap();
    Nlg::mine(&val, &sim::nlg::database_values(&db()))
}

#[test]
fn a_new_domain_is_named_and_templates_say_only_the_goal() {
    let nlg = nlg();
    assert!(nlg.len() > 2000, "only {} templates mined", nlg.len());
    let acts = [
        Act::new(Intent::Inform, Domain::Hotel, Attr::PriceRange, "expensive"),
        Act::new(Intent::Inform, Domain::Hotel, Attr::Area, "north"),
    ];
    let hotel_words = [
        "hotel",
        "stay",
        "guesthouse",
        "guest house",
        "room",
        "lodging",
        "accommodation",
    ];
    for seed in 0..40 {
        let mut rng = Rng::new(seed);
        let s = nlg
            .say_introducing(&acts, Domain::Hotel, &mut rng)
            .to_lowercase();
        assert!(hotel_words.iter().any(|w| s.contains(w)), "{s}");
        // Values outside the goal (partial names, other foods) never appear.
        for bad in [
            "lensfield",
            "university arms",
            "indonesian",
            "light bites",
            "gallery",
        ] {
            assert!(!s.contains(bad), "{s}");
        }
    }
}
