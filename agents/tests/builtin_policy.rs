//! The built-in policy's decisions: request a missing constraint, offer, tell
//! what was asked, book, no match, taxi, goodbye.

use std::collections::BTreeMap;

use agents::builtin::policy::{PolicyInput, decide};
use agents::builtin::pool::Kind;
use agents::builtin::text::normalize;
use agents::roles::{DbRecord, DbResult};
use multiwoz::{Domain, Slot};

fn state(pairs: &[(Slot, &str)]) -> BTreeMap<Slot, String> {
    pairs.iter().map(|(s, v)| (*s, v.to_string())).collect()
}

fn db(domain: Domain, count: usize) -> DbResult {
    DbResult {
        domain,
        count,
        record: (count > 0).then(DbRecord::default),
    }
}

fn plan(
    domain: Domain,
    st: &BTreeMap<Slot, String>,
    count: usize,
    user: &str,
    system: &str,
) -> agents::builtin::policy::Plan {
    decide(&PolicyInput {
        domain,
        state: st,
        db: &db(domain, count),
        user: &normalize(user),
        system: &normalize(system),
        confirmed: false,
        train_named: false,
    })
}

#[test]
fn many_matches_and_few_constraints_ask_for_more() {
    let p = plan(
        Domain::Restaurant,
        &state(&[]),
        110,
        "I need a restaurant.",
        "",
    );
    assert_eq!(p.kind, Kind::Request);
    assert_eq!(p.requests.first().map(String::as_str), Some("food"));
    assert!(p.must.is_empty());
}

#[test]
fn a_narrow_search_offers_a_named_venue_without_contact_details() {
    let st = state(&[(Slot::Food, "indian"), (Slot::Area, "centre")]);
    let p = plan(
        Domain::Restaurant,
        &st,
        3,
        "Indian food in the centre please.",
        "",
    );
    assert_eq!(p.kind, Kind::Offer);
    assert!(p.must.contains("name"));
    for unasked in ["phone", "address", "postcode", "reference"] {
        assert!(
            !p.must.contains(unasked) && !p.may.contains(unasked),
            "{unasked} offered unasked"
        );
    }
}

#[test]
fn asked_attributes_are_told_with_the_venue_name() {
    let st = state(&[(Slot::Name, "the golden curry")]);
    let p = plan(
        Domain::Restaurant,
        &st,
        1,
        "What is their phone number and postcode?",
        "",
    );
    assert_eq!(p.kind, Kind::Attrs);
    for ph in ["phone", "postcode", "name"] {
        assert!(p.must.contains(ph), "{ph} missing");
    }
    assert!(!p.must.contains("address"));
}

#[test]
fn a_booking_with_all_details_gives_a_reference_and_missing_details_are_asked() {
    let full = state(&[
        (Slot::Name, "acorn guest house"),
        (Slot::BookDay, "friday"),
        (Slot::BookPeople, "2"),
        (Slot::BookStay, "3"),
    ]);
    let p = plan(
        Domain::Hotel,
        &full,
        1,
        "Please book it for 2 people for 3 nights from Friday.",
        "",
    );
    assert_eq!(p.kind, Kind::Book);
    assert!(p.must.contains("reference"));
    let partial = state(&[(Slot::Name, "acorn guest house"), (Slot::BookPeople, "2")]);
    let p = plan(
        Domain::Hotel,
        &partial,
        1,
        "Can you book it for 2 people?",
        "",
    );
    assert_eq!(p.kind, Kind::BookRequest);
    assert!(p.requests.contains(&"day".to_string()) && p.requests.contains(&"stay".to_string()));
}

#[test]
fn no_match_says_so() {
    let st = state(&[(Slot::Food, "christmas"), (Slot::Area, "centre")]);
    let p = plan(
        Domain::Restaurant,
        &st,
        0,
        "Christmas food in the centre?",
        "",
    );
    assert_eq!(p.kind, Kind::NoOffer);
}

#[test]
fn a_taxi_with_places_and_a_time_is_booked_with_car_and_phone() {
    let st = state(&[
        (Slot::Departure, "acorn guest house"),
        (Slot::Destination, "the golden curry"),
        (Slot::Arrive, "19:00"),
    ]);
    // The grounding sends a car (a record) once the trip is known.
    let p = plan(
        Domain::Taxi,
        &st,
        1,
        "I need a taxi to get there by 19:00.",
        "",
    );
    assert_eq!(p.kind, Kind::Book);
    assert!(p.must.contains("car") && p.must.contains("phone"));
    let p = plan(Domain::Taxi, &state(&[]), 0, "I need a taxi.", "");
    assert_eq!(p.kind, Kind::Request);
}

#[test]
fn a_taxi_without_a_car_is_not_booked_even_when_the_time_was_left_open() {
    // "Any time is fine": the tracker holds a don't-care time, the grounding
    // sends no car for it, and a booking reply would show empty placeholders.
    let st = state(&[
        (Slot::Departure, "acorn guest house"),
        (Slot::Destination, "the golden curry"),
        (Slot::Leave, "dontcare"),
    ]);
    let p = plan(Domain::Taxi, &st, 0, "I don't mind when.", "");
    assert_eq!(p.kind, Kind::Request);
    assert!(p.requests.iter().any(|r| r == "leave"), "{:?}", p.requests);
}

#[test]
fn thanks_and_goodbye_close_the_dialog() {
    let p = plan(
        Domain::Hotel,
        &state(&[]),
        5,
        "That's all I need, thank you. Bye!",
        "",
    );
    assert_eq!(p.kind, Kind::Bye);
    let p = plan(Domain::Hotel, &state(&[]), 5, "Thank you so much.", "");
    assert_eq!(p.kind, Kind::Reqmore);
    // Saying one is done is a goodbye, in any of the words that say it.
    for done in ["thanks, that's everything", "Great, I'm done. Thanks!"] {
        let p = plan(Domain::Taxi, &state(&[]), 1, done, "");
        assert_eq!(p.kind, Kind::Bye, "{done}");
    }
}

#[test]
fn an_answer_to_a_booking_question_books_even_with_thanks() {
    let st = state(&[
        (Slot::Name, "acorn guest house"),
        (Slot::BookDay, "monday"),
        (Slot::BookStay, "3"),
        (Slot::BookPeople, "1"),
    ]);
    let p = plan(
        Domain::Hotel,
        &st,
        1,
        "It will be just me, thanks.",
        "How many people will be staying?",
    );
    assert_eq!(p.kind, Kind::Book);
    assert!(p.must.contains("reference"));
}

#[test]
fn complete_booking_details_book_once_and_only_once() {
    let st = state(&[
        (Slot::Area, "east"),
        (Slot::BookDay, "wednesday"),
        (Slot::BookStay, "1"),
        (Slot::BookPeople, "1"),
    ]);
    let db3 = db(Domain::Hotel, 3);
    let input = |confirmed| PolicyInput {
        domain: Domain::Hotel,
        state: &st,
        db: &db3,
        user: "i would like it to have four stars",
        system: "is there a number of stars you prefer",
        confirmed,
        train_named: false,
    };
    assert_eq!(decide(&input(false)).kind, Kind::Book);
    let again = decide(&input(true));
    assert_ne!(again.kind, Kind::Book);
}

#[test]
fn a_train_booking_confirmation_needs_no_train_id() {
    let st = state(&[
        (Slot::Departure, "cambridge"),
        (Slot::Destination, "norwich"),
        (Slot::Day, "saturday"),
        (Slot::Leave, "09:45"),
        (Slot::BookPeople, "4"),
    ]);
    let p = plan(
        Domain::Train,
        &st,
        14,
        "Yes, please book 4 tickets.",
        "TR1234 leaves at 10:00. Shall I book it?",
    );
    assert_eq!(p.kind, Kind::Book);
    assert!(p.must.contains("reference"));
    assert!(!p.must.contains("id"));
}

#[test]
fn asking_for_a_suggestion_gets_an_offer_not_another_question() {
    let st = state(&[(Slot::Type, "guesthouse"), (Slot::Parking, "yes")]);
    let p = plan(
        Domain::Hotel,
        &st,
        21,
        "I do not. Can you suggest one?",
        "Do you have a price range in mind?",
    );
    assert_eq!(p.kind, Kind::Offer);
}

#[test]
fn yes_to_offered_contact_details_asks_for_them() {
    let st = state(&[(Slot::Name, "cambridge artworks")]);
    let p = plan(
        Domain::Attraction,
        &st,
        1,
        "Yes, please.",
        "It is free to enter. Would you like the address?",
    );
    assert_eq!(p.kind, Kind::Attrs);
    assert!(p.must.contains("address"));
}

#[test]
fn no_problem_while_the_system_books_is_no_refusal() {
    let st = state(&[
        (Slot::Name, "the golden curry"),
        (Slot::BookDay, "friday"),
        (Slot::BookPeople, "2"),
        (Slot::BookTime, "18:00"),
    ]);
    let p = plan(
        Domain::Restaurant,
        &st,
        1,
        "Sure, no problem.",
        "Give me one moment for the reference number.",
    );
    assert_eq!(p.kind, Kind::Book);
    let p = plan(
        Domain::Hotel,
        &state(&[
            (Slot::Name, "acorn guest house"),
            (Slot::BookDay, "friday"),
            (Slot::BookStay, "2"),
            (Slot::BookPeople, "1"),
        ]),
        1,
        "Just one, thanks.",
        "How many guests will be staying?",
    );
    assert_eq!(p.kind, Kind::Book);
}

#[test]
fn information_on_the_offered_venue_tells_how_to_reach_it() {
    // The venue the system offered: its address, postcode and phone.
    let mut record = DbRecord::default();
    record
        .fields
        .insert("name".into(), "broughton house gallery".into());
    let st = state(&[(Slot::Area, "centre"), (Slot::Type, "museum")]);
    let p = decide(&PolicyInput {
        domain: Domain::Attraction,
        state: &st,
        db: &DbResult {
            domain: Domain::Attraction,
            count: 11,
            record: Some(record),
        },
        user: &normalize("Thanks! Can I get some information on it?"),
        system: &normalize("broughton house gallery is located in the centre."),
        confirmed: false,
        train_named: false,
    });
    assert_eq!(p.kind, Kind::Attrs);
    assert!(
        p.must.contains("address") && p.must.contains("phone"),
        "{p:?}"
    );
    // With nothing named, "it" is no venue: the first row of the search is
    // not told as if it had been offered.
    let p = plan(
        Domain::Restaurant,
        &state(&[]),
        110,
        "Can you tell me some info on it?",
        "",
    );
    assert_ne!(p.kind, Kind::Attrs, "{p:?}");
    // A venue the user names in the same turn is described, not located.
    let p = plan(
        Domain::Restaurant,
        &state(&[(Slot::Name, "saigon city")]),
        1,
        "I am looking for a place to dine called saigon city, can you give me some info on it?",
        "",
    );
    assert_eq!(p.kind, Kind::Offer);
}
