//! `Database` semantics on a small synthetic database: the evaluator's rules
//! for `?` values, don't-care values, time inequalities, fuzzy names, ignored
//! keys and missing columns, plus entity lookup and load errors.

use std::path::Path;

use multiwoz::Domain;
use multiwoz::db::{Database, DbError};

const RESTAURANTS: &str = r#"[
  {"address": "1 a st", "area": "centre", "food": "italian", "id": "1", "introduction": "x",
   "location": [52.2, 0.1], "name": "pizza palace", "phone": "0100", "postcode": "cb1",
   "pricerange": "cheap", "type": "restaurant"},
  {"address": "2 b st", "area": "north", "food": "chinese", "id": "2",
   "location": [52.2, 0.1], "name": "golden dragon", "postcode": "cb2",
   "pricerange": "expensive", "type": "restaurant"},
  {"address": "3 c st", "area": "centre", "food": "mediterranean", "id": "3",
   "location": [52.2, 0.1], "name": "hotel du vin and bistro", "phone": "0300",
   "postcode": "cb3", "pricerange": "?", "type": "restaurant"}
]"#;

const TRAINS: &str = r#"[
  {"arriveBy": "10:00", "day": "monday", "departure": "cambridge", "destination": "london kings cross",
   "duration": "51 minutes", "leaveAt": "09:09", "price": "23.60 pounds", "trainID": "TR0001"},
  {"arriveBy": "12:00", "day": "monday", "departure": "cambridge", "destination": "london kings cross",
   "duration": "51 minutes", "leaveAt": "11:09", "price": "23.60 pounds", "trainID": "TR0002"},
  {"arriveBy": "?", "day": "tuesday", "departure": "ely", "destination": "cambridge",
   "duration": "17 minutes", "leaveAt": "13:00", "price": "4.40 pounds", "trainID": "TR0003"}
]"#;

const ATTRACTIONS: &str = r#"[
  {"address": "x", "area": "west", "entrance fee": "?", "id": "7", "location": [0, 0],
   "name": "the gym", "openhours": "?", "phone": "1", "postcode": "cb1", "pricerange": "?",
   "type": "mutliple sports"}
]"#;

fn db() -> Database {
    let p = Path::new("synthetic");
    Database::from_json_texts([
        (Domain::Restaurant, p, RESTAURANTS),
        (Domain::Train, p, TRAINS),
        (Domain::Attraction, p, ATTRACTIONS),
    ])
    .expect("synthetic database parses")
}

fn ids<'a>(db: &Database, domain: Domain, c: &[(&'a str, &'a str)]) -> Vec<String> {
    let fast: Vec<String> = db
        .query_ids(domain, c.iter().copied())
        .into_iter()
        .map(String::from)
        .collect();
    let slow: Vec<String> = db
        .query_reference(domain, c.iter().copied())
        .iter()
        .map(|e| e.id().to_string())
        .collect();
    assert_eq!(fast, slow, "indexed and reference paths disagree on {c:?}");
    fast
}

#[test]
fn question_mark_values_match_any_constraint() {
    let db = db();
    assert_eq!(
        ids(&db, Domain::Restaurant, &[("pricerange", "moderate")]),
        ["3"]
    );
    assert_eq!(ids(&db, Domain::Train, &[("arrive", "09:00")]), ["TR0003"]);
}

#[test]
fn dontcare_spellings_are_skipped_but_only_exactly() {
    let db = db();
    for v in [
        "dontcare",
        "not mentioned",
        "don't care",
        "dont care",
        "do n't care",
        "do not care",
    ] {
        assert_eq!(
            ids(&db, Domain::Restaurant, &[("area", v)]),
            ["1", "2", "3"],
            "{v}"
        );
    }
    assert!(ids(&db, Domain::Restaurant, &[("area", "Dontcare")]).is_empty());
}

#[test]
fn arrive_and_leave_are_minute_inequalities_after_normalization() {
    let db = db();
    assert_eq!(
        ids(&db, Domain::Train, &[("arrive", "10:00")]),
        ["TR0001", "TR0003"]
    );
    assert_eq!(
        ids(&db, Domain::Train, &[("arrive", "by 11:59")]),
        ["TR0001", "TR0003"]
    );
    assert_eq!(
        ids(&db, Domain::Train, &[("leave", "after 9:10")]),
        ["TR0002", "TR0003"]
    );
    assert_eq!(ids(&db, Domain::Train, &[("leave", "1pm")]), ["TR0003"]);
    // An unreadable time is minute 0: nothing arrives by then except '?' records.
    assert_eq!(
        ids(&db, Domain::Train, &[("arrive", "whenever")]),
        ["TR0003"]
    );
}

#[test]
fn fuzzy_columns_use_partial_ratio_and_others_exact_equality() {
    let db = db();
    assert_eq!(
        ids(&db, Domain::Restaurant, &[("name", "pizza palace")]),
        ["1"]
    );
    assert_eq!(
        ids(&db, Domain::Restaurant, &[("name", "the pizza palace")]),
        ["1"]
    );
    assert_eq!(
        ids(&db, Domain::Restaurant, &[("name", "hotel du vin bistro")]),
        ["3"]
    );
    assert_eq!(
        ids(&db, Domain::Restaurant, &[("food", "Eriterean")]),
        ["3"]
    );
    assert!(ids(&db, Domain::Restaurant, &[("area", "centr")]).is_empty());
    assert_eq!(
        ids(&db, Domain::Train, &[("destination", "london")]),
        ["TR0001", "TR0002"]
    );
}

#[test]
fn book_slots_and_unknown_keys_are_ignored_and_last_value_wins() {
    let db = db();
    let c = [
        ("bookpeople", "4"),
        ("colour", "red"),
        ("area", "north"),
        ("area", "centre"),
    ];
    assert_eq!(ids(&db, Domain::Restaurant, &c), ["1", "3"]);
    // Ignored columns are not query keys.
    assert_eq!(
        ids(&db, Domain::Restaurant, &[("introduction", "y")]),
        ["1", "2", "3"]
    );
}

#[test]
fn records_lacking_a_queried_column_do_not_match() {
    let db = db();
    assert_eq!(ids(&db, Domain::Restaurant, &[("phone", "0300")]), ["3"]);
    assert!(ids(&db, Domain::Restaurant, &[("phone", "nothing")]).is_empty());
}

#[test]
fn non_venue_domains_return_nothing() {
    let db = db();
    assert!(db.query(Domain::Taxi, [("leave", "10:00")]).is_empty());
    assert!(db.query(Domain::Hospital, []).is_empty());
}

#[test]
fn attraction_spelling_is_fixed_on_load() {
    let db = db();
    assert_eq!(
        ids(&db, Domain::Attraction, &[("type", "multiple sports")]),
        ["7"]
    );
    assert_eq!(
        ids(&db, Domain::Attraction, &[("type", "mutliple sports")]),
        ["7"]
    );
    assert_eq!(
        ids(&db, Domain::Attraction, &[("entrancefee", "5 pounds")]),
        ["7"]
    );
}

#[test]
fn entities_are_found_by_id_with_raw_and_normalized_field_names() {
    let db = db();
    let train = db.entity(Domain::Train, "TR0002").expect("train by id");
    assert_eq!(train.get("leaveAt"), Some("11:09"));
    assert_eq!(train.get("leave"), Some("11:09"));
    assert_eq!(train.get("trainid"), Some("TR0002"));
    let r = db
        .entity(Domain::Restaurant, "2")
        .expect("restaurant by id");
    assert_eq!(r.name(), "golden dragon");
    assert_eq!(r.get("phone"), None);
    assert_eq!(r.get("location"), None, "lists are not strings");
    assert_eq!(db.entities(Domain::Restaurant).len(), 3);
    assert!(db.entity(Domain::Hotel, "1").is_none());
    let hit = db.query(Domain::Restaurant, [("food", "chinese")]);
    assert_eq!(hit[0].get("postcode"), Some("cb2"));
}

#[test]
fn load_errors_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Database::load(dir.path()).expect_err("empty folder");
    assert!(matches!(err, DbError::Io { .. }));
    assert!(err.to_string().contains("restaurant_db.json"), "{err}");

    for d in ["restaurant", "hotel", "attraction"] {
        std::fs::write(dir.path().join(format!("{d}_db.json")), "[]").expect("write");
    }
    std::fs::write(dir.path().join("train_db.json"), "[{\"trainID\": \"TR1\"},").expect("write");
    let err = Database::load(dir.path()).expect_err("truncated json");
    assert!(matches!(err, DbError::Json { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("train_db.json") && msg.contains("line 1"),
        "{msg}"
    );

    std::fs::write(dir.path().join("train_db.json"), "{\"a\": 1}").expect("write");
    let err = Database::load(dir.path()).expect_err("not a list");
    assert!(err.to_string().contains("train_db.json"), "{err}");

    std::fs::write(dir.path().join("train_db.json"), "[]").expect("write");
    let db = Database::load(dir.path()).expect("optional files may be absent");
    assert!(db.entities(Domain::Taxi).is_empty());
}

#[test]
fn database_is_shareable_across_threads_with_identical_results() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Database>();
    let db = db();
    let queries: [&[(&str, &str)]; 3] = [
        &[("name", "the pizza palace")],
        &[("destination", "london"), ("leave", "10:00")],
        &[("food", "chinese"), ("area", "north")],
    ];
    let expected: Vec<Vec<String>> = queries
        .iter()
        .map(|q| {
            ids(
                &db,
                if q[0].0 == "destination" {
                    Domain::Train
                } else {
                    Domain::Restaurant
                },
                q,
            )
        })
        .collect();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for (q, want) in queries.iter().zip(&expected) {
                    let domain = if q[0].0 == "destination" {
                        Domain::Train
                    } else {
                        Domain::Restaurant
                    };
                    let got: Vec<&str> = db.query_ids(domain, q.iter().copied());
                    assert_eq!(&got, want, "{q:?}");
                }
            });
        }
    });
}
