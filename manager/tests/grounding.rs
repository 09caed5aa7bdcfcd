//! Grounding a state in the (synthetic) database, per domain.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use manager::DialogState;
use manager::grounding::ground;
use multiwoz::{Domain, Slot};

fn state(domain: Domain, slots: &[(Slot, &str)]) -> DialogState {
    let mut s = DialogState::new();
    for (slot, value) in slots {
        s.entry(domain)
            .or_default()
            .insert(*slot, value.to_string());
    }
    s
}

#[test]
fn venue_query_counts_matches_and_ignores_book_slots() {
    let (db, _) = support::data();
    let s = state(
        Domain::Restaurant,
        &[
            (Slot::Area, "centre"),
            (Slot::PriceRange, "cheap"),
            (Slot::BookPeople, "4"),
        ],
    );
    let r = ground(&db, Domain::Restaurant, &s, 0);
    assert_eq!(r.count, 2);
    assert_eq!(r.record.unwrap().name(), Some("pasta palace"));
    let none = ground(
        &db,
        Domain::Restaurant,
        &state(Domain::Restaurant, &[(Slot::Food, "thai")]),
        0,
    );
    assert_eq!((none.count, none.record), (0, None));
}

#[test]
fn train_offer_is_the_first_to_leave_after_the_wanted_time() {
    let (db, _) = support::data();
    let s = state(
        Domain::Train,
        &[
            (Slot::Day, "monday"),
            (Slot::Leave, "07:00"),
            (Slot::Departure, "cambridge"),
        ],
    );
    let r = ground(&db, Domain::Train, &s, 0);
    assert_eq!(r.count, 2);
    assert_eq!(r.record.unwrap().id, "TR0002", "07:17 leaves before 09:17");
    let s = state(
        Domain::Train,
        &[(Slot::Day, "monday"), (Slot::Arrive, "11:00")],
    );
    let r = ground(&db, Domain::Train, &s, 0);
    assert_eq!(
        r.record.unwrap().id,
        "TR0001",
        "arrives 10:08, the latest before 11:00"
    );
}

#[test]
fn hospital_police_and_taxi_get_records() {
    let (db, _) = support::data();
    let h = ground(
        &db,
        Domain::Hospital,
        &state(Domain::Hospital, &[(Slot::Department, "cardiology")]),
        0,
    );
    let rec = h.record.unwrap();
    assert_eq!((h.count, rec.get("phone")), (1, Some("01220000031")));
    assert!(rec.get("address").is_some() && rec.get("postcode").is_some());

    let p = ground(&db, Domain::Police, &DialogState::new(), 0);
    let rec = p.record.unwrap();
    assert_eq!(rec.name(), Some("Parkside Police Station"));
    assert!(rec.get("postcode").is_some());

    let asked = state(
        Domain::Taxi,
        &[
            (Slot::Departure, "the museum"),
            (Slot::Destination, "the station"),
            (Slot::Leave, "10:15"),
        ],
    );
    let a = ground(&db, Domain::Taxi, &asked, 1);
    let car = a.record.as_ref().unwrap().get("car").unwrap().to_string();
    assert!(["red", "blue"].iter().any(|c| car.starts_with(c)), "{car}");
    assert_eq!(a.record.as_ref().unwrap().get("phone").unwrap().len(), 11);
    assert_eq!(
        ground(&db, Domain::Taxi, &asked, 1),
        a,
        "deterministic per seed"
    );
    assert!(
        ground(&db, Domain::Taxi, &DialogState::new(), 1)
            .record
            .is_none()
    );
}

#[test]
fn no_taxi_is_sent_before_its_pickup_place_and_time_are_known() {
    let (db, _) = support::data();
    let partial = state(
        Domain::Taxi,
        &[(Slot::Destination, "the station"), (Slot::Leave, "10:15")],
    );
    let r = ground(&db, Domain::Taxi, &partial, 1);
    assert!(r.record.is_none() && r.count == 0, "{r:?}");
}

#[test]
fn an_everyday_type_word_grounds_as_the_database_type_it_means() {
    let (db, _) = support::data();
    // "gallery" is no type in the database; galleries are museums there.
    let s = state(Domain::Attraction, &[(Slot::Type, "gallery")]);
    let r = ground(&db, Domain::Attraction, &s, 0);
    assert_eq!(r.count, 1);
    assert_eq!(r.record.unwrap().name(), Some("museum of toys"));
    // A word that means nothing in the database still matches nothing.
    let s = state(Domain::Attraction, &[(Slot::Type, "zoo")]);
    assert_eq!(ground(&db, Domain::Attraction, &s, 0).count, 0);
}
