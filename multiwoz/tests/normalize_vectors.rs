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
fn dard_mapping_adds_the_names_dards_authors_scored_with() {
    // Every name DARD's updated table has beyond the stock one, with its token.
    let added = [
        ("bookaddress", "ADDRESS"),
        ("bookarea", "AREA"),
        ("theatre_area", "AREA"),
        ("bar_area", "AREA"),
        ("restaurant_booktime", "TIME"),
        ("hotel_booktime", "TIME"),
        ("restaurant_bookday", "DAY"),
        ("hotel_bookday", "DAY"),
        ("hotel_food", "FOOD"),
        ("bookpricerange", "PRICE"),
        ("attraction_fee", "PRICE"),
        ("train_ref", "REFERENCE"),
        ("restaurant_ref", "REFERENCE"),
        ("hotel_ref", "REFERENCE"),
        ("train_bookpeople", "COUNT"),
        ("hotel_bookpeople", "COUNT"),
        ("restaurant_bookpeople", "COUNT"),
        ("taxi_bookpeople", "COUNT"),
        ("taxi_choice", "COUNT"),
        ("theatre_choice", "COUNT"),
        ("hotel_bookstay", "COUNT"),
        ("train_name", "TRAINID"),
    ];
    for (name, token) in added {
        assert_eq!(
            placeholder_token(name, Mapping::Dard),
            Some(token),
            "{name}"
        );
        assert_eq!(placeholder_token(name, Mapping::Stock), None, "{name}");
    }
    // Stock names keep their tokens; names neither table has stay unknown (DARD
    // added no `attraction_ref` and no generic `<domain>_<slot>` rule).
    assert_eq!(
        placeholder_token("train_id", Mapping::Dard),
        Some("TRAINID")
    );
    assert_eq!(placeholder_token("value_name", Mapping::Dard), Some("NAME"));
    for unknown in [
        "attraction_ref",
        "taxi_ref",
        "booking_ref",
        "restaurant_colour",
    ] {
        assert_eq!(placeholder_token(unknown, Mapping::Dard), None, "{unknown}");
    }
    let out = normalize_response("[Train_Name] leaves ; ref [hotel_ref]s .", Mapping::Dard);
    assert_eq!(out.text, "TRAINID leaves; ref REFERENCE.");
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
