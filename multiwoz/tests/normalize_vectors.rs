//! `multiwoz::normalize` against outputs of the standard evaluator's
//! `mwzeval/normalization.py` on synthetic inputs (times, names, foods, types,
//! placeholder names, short responses); `tests/fixtures/db_README.md` says how
//! the fixture was made. A `null` expectation marks inputs where Python raises.

use std::path::Path;

use multiwoz::normalize::{
    Mapping, normalize_response, normalize_state_slot_name, normalize_state_value,
    placeholder_token, time_str_to_minutes, try_normalize_state_value,
};
use serde_json::Value;

fn fixture() -> Vec<Value> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/db_normalize_vectors.jsonl");
    let text = std::fs::read_to_string(&path).expect("read normalize fixture");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("fixture line is JSON"))
        .collect()
}

fn s(v: &Value) -> &str {
    v.as_str().expect("string field")
}

#[test]
fn state_values_equal_mwzeval_including_where_it_raises() {
    let mut failures = Vec::new();
    let mut n = 0;
    for case in fixture().iter().filter(|c| c["kind"] == "value") {
        n += 1;
        let (slot, value) = (s(&case["slot"]), s(&case["value"]));
        let got = try_normalize_state_value(slot, value).ok();
        let want = case["expect"].as_str();
        if got.as_deref() != want {
            failures.push(format!("{slot} {value:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(n > 1000, "too few value cases: {n}");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn time_str_to_minutes_equals_mwzeval() {
    let mut n = 0;
    for case in fixture().iter().filter(|c| c["kind"] == "minutes") {
        n += 1;
        let value = s(&case["value"]);
        // Python's integers are unbounded; the Rust value saturates at u32::MAX.
        let want = match &case["expect"] {
            Value::Null => None,
            v => Some(
                v.as_u64()
                    .map_or(u32::MAX, |m| u32::try_from(m).unwrap_or(u32::MAX)),
            ),
        };
        assert_eq!(time_str_to_minutes(value), want, "{value:?}");
    }
    assert!(n >= 20);
}

#[test]
fn stock_placeholder_names_equal_mwzeval() {
    for case in fixture().iter().filter(|c| c["kind"] == "placeholder") {
        let name = s(&case["name"]);
        let want = s(&case["expect"]);
        let got = placeholder_token(name, Mapping::Stock).unwrap_or("");
        assert_eq!(got, want, "{name:?}");
    }
}

#[test]
fn responses_equal_mwzeval_with_stock_mapping() {
    for case in fixture().iter().filter(|c| c["kind"] == "response") {
        let text = s(&case["text"]);
        assert_eq!(
            normalize_response(text, Mapping::Stock).text,
            s(&case["expect"]),
            "{text:?}"
        );
    }
}

#[test]
fn unknown_placeholders_are_deleted_and_reported() {
    let out = normalize_response("I booked [restaurant_ref] for [Foo]s .", Mapping::Stock);
    assert_eq!(out.text, "i booked for.");
    assert_eq!(out.unknown_placeholders, vec!["restaurant_ref", "foo"]);
}

#[test]
fn extended_mapping_maps_domain_prefixed_names() {
    let cases = [
        ("restaurant_ref", "REFERENCE"),
        ("hotel_ref", "REFERENCE"),
        ("train_reference", "REFERENCE"),
        ("hotel_bookday", "DAY"),
        ("restaurant_booktime", "TIME"),
        ("hotel_bookstay", "COUNT"),
        ("restaurant_bookpeople", "COUNT"),
        ("train_name", "NAME"),
        ("train_people", "COUNT"),
        ("taxi_phone", "PHONE"),
        ("attraction_entrancefee", "PRICE"),
        ("hotel_id", "ID"),
        ("train_id", "TRAINID"),
        ("hospital_department", "DEPARTMENT"),
        ("attraction_openhours", "OPEN"),
        ("booking_ref", "REFERENCE"),
    ];
    for (name, token) in cases {
        assert_eq!(
            placeholder_token(name, Mapping::Extended),
            Some(token),
            "{name}"
        );
    }
    // The stock table still wins and unknown names stay unknown.
    assert_eq!(
        placeholder_token("train_id", Mapping::Extended),
        Some("TRAINID")
    );
    assert_eq!(
        placeholder_token("restaurant_colour", Mapping::Extended),
        None
    );
    assert_eq!(placeholder_token("restaurant_ref", Mapping::Stock), None);
    let out = normalize_response("I booked [restaurant_ref] .", Mapping::Extended);
    assert_eq!(out.text, "i booked REFERENCE.");
    assert!(out.unknown_placeholders.is_empty());
}

#[test]
fn slot_names_normalize_like_mwzeval() {
    assert_eq!(normalize_state_slot_name("arriveBy"), "arrive");
    assert_eq!(normalize_state_slot_name("leaveAt"), "leave");
    assert_eq!(normalize_state_slot_name("Price Range"), "pricerange");
    assert_eq!(normalize_state_slot_name("book day"), "bookday");
}

#[test]
fn raising_pm_hour_falls_back_to_the_stripped_value() {
    assert!(try_normalize_state_value("arrive", "ab:30 pm").is_err());
    assert_eq!(normalize_state_value("arrive", " AB:30 PM "), "ab:30 pm");
}
