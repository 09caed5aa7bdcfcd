//! `--mapping`: the stock mapping deletes placeholders it does not know (and counts
//! them); DARD's knows more of them. Also what an all-empty file prints.

#![allow(clippy::unwrap_used)]

use eval::{EvalInputs, Options, Predictions, VenueDb, evaluate};
use indexmap::IndexMap;
use multiwoz::Domain;
use multiwoz::evaldata::{DomainGoal, EvalData, Goal, Requestable};
use multiwoz::normalize::Mapping;

struct NoVenues;

impl VenueDb for NoVenues {
    fn venue_ids(&self, _domain: Domain, _constraints: &[(&str, &str)]) -> Vec<String> {
        Vec::new()
    }
}

/// One restaurant dialog whose user wants a booking reference.
fn data() -> EvalData {
    let mut restaurant = DomainGoal::default();
    restaurant.informable.insert("name".into(), "nandos".into());
    restaurant.requestable = vec![Requestable::Reference];
    let mut state = IndexMap::new();
    state.insert(
        "restaurant".to_owned(),
        IndexMap::from([("name".to_owned(), "nandos".to_owned())]),
    );
    let mut data = EvalData::default();
    data.goals.insert(
        "sng01".into(),
        Goal {
            domains: IndexMap::from([(Domain::Restaurant, restaurant)]),
        },
    );
    data.references.insert(
        "sng01".into(),
        vec!["booked , your reference is REFERENCE .".into()],
    );
    data.gold_states.insert("sng01".into(), vec![state]);
    data.booked_domains
        .insert("sng01".into(), vec![vec![Domain::Restaurant]]);
    data
}

fn run(mapping: Mapping) -> eval::Report {
    run_on(
        r#"{"SNG01.json": [{"response": "Booked, your reference is [restaurant_reference] and [restaurant_ref]."}]}"#,
        mapping,
    )
}

fn run_on(predictions: &str, mapping: Mapping) -> eval::Report {
    let p = Predictions::from_json_str(predictions, "pred.json").unwrap();
    let data = data();
    evaluate(
        &p,
        &EvalInputs {
            data: &data,
            db: &NoVenues,
        },
        &Options { mapping },
    )
    .unwrap()
}

#[test]
fn stock_mapping_deletes_and_counts_unknown_placeholders() {
    let report = run(Mapping::Stock);
    assert_eq!(report.mapping, "stock");
    assert_eq!(report.unknown_placeholders.total, 1);
    assert_eq!(report.unknown_placeholders.by_name["restaurant_ref"], 1);
    // `[restaurant_reference]` is in the stock table, so Success holds anyway.
    assert_eq!((report.inform, report.success), (100.0, 100.0));
}

#[test]
fn dard_mapping_knows_dards_booking_names() {
    let report = run(Mapping::Dard);
    assert_eq!(report.mapping, "dard");
    assert_eq!(report.unknown_placeholders.total, 0);
}

#[test]
fn all_empty_file_prints_cond_entropy_zero_not_minus_zero() {
    let report = run_on(r#"{"SNG01.json": [{"response": ""}]}"#, Mapping::Stock);
    let printed = report.to_string();
    assert!(printed.contains("cond. bigram entropy 0.00 "), "{printed}");
    assert!(!printed.contains("cond. bigram entropy -0.00"), "{printed}");
    // mwzeval's `-sum(...)` over no bigrams is the integer 0.
    assert_eq!(
        report.mwzeval_results()["richness"]["cond_entropy"],
        serde_json::json!(0)
    );
}
