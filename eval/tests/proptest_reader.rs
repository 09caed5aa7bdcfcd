//! Property tests: the prediction reader never panics, whatever the bytes or the JSON
//! shape, and `evaluate` never panics on predictions the reader accepts.

#![allow(clippy::unwrap_used)]

use eval::{EvalInputs, Options, Predictions, VenueDb, evaluate};
use indexmap::IndexMap;
use multiwoz::Domain;
use multiwoz::evaldata::{DomainGoal, EvalData, Goal, Requestable};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Any JSON value, with keys drawn mostly from the names the reader looks at.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("response".to_owned()),
        Just("state".to_owned()),
        Just("active_domains".to_owned()),
        Just("hotel".to_owned()),
        Just("SNG01.json".to_owned()),
        Just("sng01".to_owned()),
        "\\PC{0,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Well-formed turns with arbitrary text, for the end-to-end property.
fn turn() -> impl Strategy<Value = Value> {
    let text = "[\\PC\\[\\]_ .,']{0,40}";
    let state = prop::collection::vec(
        (
            prop_oneof![
                Just("hotel"),
                Just("restaurant"),
                Just("train"),
                Just("taxi")
            ],
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("name"),
                        Just("arriveBy"),
                        Just("leave at"),
                        Just("area"),
                        Just("food")
                    ],
                    "\\PC{0,10}",
                ),
                0..4,
            ),
        ),
        0..3,
    );
    (
        text,
        prop::option::of(state),
        prop::option::of(prop::collection::vec("[a-z]{0,10}", 0..3)),
    )
        .prop_map(|(response, state, domains)| {
            let mut t = serde_json::Map::new();
            t.insert("response".into(), json!(response));
            if let Some(state) = state {
                let s: serde_json::Map<String, Value> = state
                    .into_iter()
                    .map(|(d, slots)| {
                        let slots: serde_json::Map<String, Value> = slots
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), json!(v)))
                            .collect();
                        (d.to_owned(), Value::Object(slots))
                    })
                    .collect();
                t.insert("state".into(), Value::Object(s));
            }
            if let Some(domains) = domains {
                t.insert("active_domains".into(), json!(domains));
            }
            Value::Object(t)
        })
}

struct AllVenues;

impl VenueDb for AllVenues {
    fn venue_ids(&self, _domain: Domain, constraints: &[(&str, &str)]) -> Vec<String> {
        constraints
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }
}

fn synthetic_data() -> EvalData {
    let mut hotel = DomainGoal::default();
    hotel.informable.insert("area".into(), "north".into());
    hotel.requestable = vec![Requestable::Phone, Requestable::Reference];
    let train = DomainGoal {
        requestable: vec![Requestable::TrainId],
        ..DomainGoal::default()
    };
    let goal = Goal {
        domains: IndexMap::from([(Domain::Hotel, hotel), (Domain::Train, train)]),
    };
    let mut state = IndexMap::new();
    state.insert(
        "hotel".to_owned(),
        IndexMap::from([("area".to_owned(), "north".to_owned())]),
    );
    let mut data = EvalData::default();
    for id in ["sng01", "mul02"] {
        data.goals.insert(id.into(), goal.clone());
        data.references
            .insert(id.into(), vec!["the NAME is at ADDRESS .".into(); 4]);
        data.gold_states.insert(id.into(), vec![state.clone(); 4]);
        data.booked_domains.insert(
            id.into(),
            vec![vec![], vec![Domain::Hotel], vec![Domain::Hotel], vec![]],
        );
    }
    data
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn reader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = Predictions::from_slice(&bytes, "fuzz");
    }

    #[test]
    fn reader_never_panics_on_json_shapes(v in json_value()) {
        let text = v.to_string();
        if let Ok(p) = Predictions::from_json_str(&text, "fuzz") {
            // Accepted input: keys are normalized and every turn has a response.
            for key in p.dialogs.keys() {
                prop_assert_eq!(key.clone(), eval::predictions::normalize_dialog_id(key));
            }
        }
    }

    #[test]
    fn evaluate_never_panics_on_accepted_predictions(
        turns_a in prop::collection::vec(turn(), 0..6),
        turns_b in prop::collection::vec(turn(), 0..3),
        upper in any::<bool>(),
    ) {
        let first = if upper { "SNG01.json" } else { "sng01" };
        let text = json!({ first: turns_a, "mul02": turns_b }).to_string();
        let p = Predictions::from_json_str(&text, "fuzz").expect("well-formed predictions");
        let data = synthetic_data();
        let inputs = EvalInputs { data: &data, db: &AllVenues };
        match evaluate(&p, &inputs, &Options::default()) {
            Ok(report) => {
                prop_assert!(report.inform >= 0.0 && report.inform <= 100.0);
                prop_assert!(report.success <= report.inform);
                prop_assert!(report.bleu >= 0.0 && report.bleu <= 100.0 + 1e-9);
            }
            Err(e) => {
                // Only the located, documented refusals.
                let msg = e.to_string();
                prop_assert!(msg.contains("no turns") || msg.contains("predicted turns"), "{}", msg);
            }
        }
    }
}

#[test]
fn unknown_dialog_is_a_located_error() {
    let p = Predictions::from_json_str(r#"{"PMUL9999.json": [{"response": "hi"}]}"#, "p").unwrap();
    let data = synthetic_data();
    let err = evaluate(
        &p,
        &EvalInputs {
            data: &data,
            db: &AllVenues,
        },
        &Options::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("PMUL9999.json") && err.contains("goals"),
        "{err}"
    );
}

#[test]
fn more_turns_than_the_reference_is_a_located_error() {
    let turns: Vec<Value> = (0..5).map(|_| json!({"response": "x"})).collect();
    let p = Predictions::from_json_str(&json!({"sng01": turns}).to_string(), "p").unwrap();
    let data = synthetic_data();
    let err = evaluate(
        &p,
        &EvalInputs {
            data: &data,
            db: &AllVenues,
        },
        &Options::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("sng01") && err.contains("5 predicted turns"),
        "{err}"
    );
}

#[test]
fn fewer_turns_are_scored_and_counted() {
    let p = Predictions::from_json_str(r#"{"sng01": [{"response": "x"}]}"#, "p").unwrap();
    let data = synthetic_data();
    let report = evaluate(
        &p,
        &EvalInputs {
            data: &data,
            db: &AllVenues,
        },
        &Options::default(),
    )
    .unwrap();
    assert_eq!(report.turns, 1);
    assert_eq!(report.warnings.short_dialogs, 1);
}
