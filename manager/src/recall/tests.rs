use super::*;
use crate::memory::{Booking, DomainMemory};
use agents::roles::DbRecord;
use std::collections::BTreeMap;

/// A database with no entities (the train facts come from the memory).
fn no_db() -> Database {
    Database::from_json_texts([]).unwrap()
}

fn train(id: &str, price: &str) -> DbRecord {
    let fields = [
        ("trainID", id),
        ("price", price),
        ("leaveAt", "11:00"),
        ("arriveBy", "11:51"),
        ("duration", "51 minutes"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    DbRecord {
        id: id.to_string(),
        fields,
    }
}

fn booked(people: &str) -> (DialogMemory, DialogState) {
    let record = train("TR1502", "23.60 pounds");
    let mut details = BTreeMap::new();
    details.insert(Slot::BookPeople, people.to_string());
    let mut memory = DialogMemory::new();
    memory.domains.insert(
        Domain::Train,
        DomainMemory {
            offered: Some(record.clone()),
            booking: Some(Booking {
                reference: "PX46PDP6".into(),
                record: Some(record),
                details,
            }),
        },
    );
    let mut state = DialogState::new();
    state.entry(Domain::Train).or_default().extend([
        (Slot::Departure, "cambridge".to_string()),
        (Slot::BookPeople, people.to_string()),
    ]);
    (memory, state)
}

#[test]
fn the_total_of_a_booked_train_is_the_price_times_the_people() {
    let (memory, state) = booked("4");
    for question in [
        "What is the total price?",
        "what's the total?",
        "How much will that cost?",
    ] {
        let r = answer(&memory, &no_db(), Domain::Train, &state, &state, question)
            .unwrap_or_else(|| panic!("{question:?} is not answered from the booking"));
        assert!(
            r.reply.starts_with(
                "The total for 4 tickets on TR1502 is 94.40 pounds (23.60 pounds each)"
            ),
            "{question:?}: {}",
            r.reply
        );
        assert!(r.delex.contains("[value_price]") && r.delex.contains("[value_id]"));
    }
}

#[test]
fn one_ticket_is_its_price_and_other_facts_come_along() {
    let (memory, state) = booked("1");
    let r = answer(
        &memory,
        &no_db(),
        Domain::Train,
        &state,
        &state,
        "How much is it, and what was the reference number and arrival time?",
    )
    .expect("answered");
    assert_eq!(
        r.reply,
        "A ticket on TR1502 costs 23.60 pounds, payable at the station. It arrives at 11:51. \
         Your reference number is PX46PDP6. Is there anything else I can help with?"
    );
}

#[test]
fn a_changed_booking_or_another_request_is_the_agents() {
    let (memory, state) = booked("4");
    let mut previous = state.clone();
    previous
        .entry(Domain::Train)
        .or_default()
        .insert(Slot::BookPeople, "3".into());
    // The people changed in this turn: the agent rebooks.
    assert!(
        answer(
            &memory,
            &no_db(),
            Domain::Train,
            &state,
            &previous,
            "Make it 4. How much?"
        )
        .is_none()
    );
    // A question of something else, or about another domain, is not a price question.
    assert!(
        answer(
            &memory,
            &no_db(),
            Domain::Train,
            &state,
            &state,
            "What is the address?"
        )
        .is_none()
    );
    assert!(
        answer(
            &memory,
            &no_db(),
            Domain::Train,
            &state,
            &state,
            "How much is a taxi to the station?"
        )
        .is_none()
    );
    // Nothing booked: nothing to recall.
    let empty = DialogMemory::new();
    assert!(
        answer(
            &empty,
            &no_db(),
            Domain::Train,
            &state,
            &state,
            "How much is it?"
        )
        .is_none()
    );
}

#[test]
fn details_of_no_venue_in_particular_are_asked_back() {
    let memory = DialogMemory::new();
    let state = DialogState::new();
    let r = answer(
        &memory,
        &no_db(),
        Domain::Restaurant,
        &state,
        &state,
        "I want the postcode and phone number of the restaurant",
    )
    .expect("asked back");
    assert!(
        r.reply
            .starts_with("Which restaurant would you like the phone number and postcode of?"),
        "{}",
        r.reply
    );
    // Named no kind of place: the router's pick is not put in the user's mouth.
    let r = answer(
        &memory,
        &no_db(),
        Domain::Hotel,
        &state,
        &state,
        "what's the postcode?",
    )
    .expect("asked back");
    assert!(
        r.reply
            .starts_with("Which place would you like the postcode of?")
    );
    assert!(r.db.record.is_none());
    // With something to search by, or a venue named before, the agent answers.
    let mut searched = DialogState::new();
    searched
        .entry(Domain::Restaurant)
        .or_default()
        .insert(Slot::Food, "italian".into());
    assert!(
        answer(
            &memory,
            &no_db(),
            Domain::Restaurant,
            &searched,
            &searched,
            "the postcode?"
        )
        .is_none()
    );
    let mut offered = DialogMemory::new();
    offered.domains.insert(
        Domain::Restaurant,
        DomainMemory {
            offered: Some(DbRecord::default()),
            booking: None,
        },
    );
    assert!(
        answer(
            &offered,
            &no_db(),
            Domain::Restaurant,
            &state,
            &state,
            "the postcode?"
        )
        .is_none()
    );
}

#[test]
fn the_reference_asked_again_is_the_bookings() {
    let (memory, state) = booked("4");
    let r = answer(
        &memory,
        &no_db(),
        Domain::Train,
        &state,
        &state,
        "what was the reference number again?",
    )
    .expect("answered");
    assert_eq!(
        r.reply,
        "The reference number of your booking on TR1502 is PX46PDP6. Is there anything else I can help with?"
    );
    assert!(r.delex.contains("[value_reference]"));
    let empty = DialogMemory::new();
    assert!(
        answer(
            &empty,
            &no_db(),
            Domain::Train,
            &state,
            &state,
            "what's the reference?"
        )
        .is_none()
    );
}

#[test]
fn a_question_routed_to_a_domain_with_nothing_at_hand_goes_to_the_one_with_something() {
    let (memory, state) = booked("2");
    let ask = "May I get the phone number? What is its star rating?";
    // The train is the only domain with an entity: a question naming no domain is about it.
    assert_eq!(
        venue_at_hand(&memory, Domain::Attraction, &state, ask, None),
        Some(Domain::Train)
    );
    // The router's pick stands when the turn names a domain, asks nothing, or
    // the pick has a search or an entity of its own.
    let named = "What is the phone number of the museum?";
    assert_eq!(
        venue_at_hand(&memory, Domain::Attraction, &state, named, None),
        None
    );
    assert_eq!(
        venue_at_hand(
            &memory,
            Domain::Attraction,
            &state,
            "I need a place to go",
            None
        ),
        None
    );
    assert_eq!(
        venue_at_hand(&memory, Domain::Train, &state, ask, None),
        None
    );
    let mut searched = state.clone();
    searched
        .entry(Domain::Attraction)
        .or_default()
        .insert(Slot::Type, "museum".into());
    assert_eq!(
        venue_at_hand(&memory, Domain::Attraction, &searched, ask, None),
        None
    );
    // Two domains with entities: the one the last system turn named.
    let mut two = memory.clone();
    let mut hotel = DbRecord::default();
    hotel
        .fields
        .insert("name".into(), "finches bed and breakfast".into());
    two.domains.insert(
        Domain::Hotel,
        DomainMemory {
            offered: Some(hotel),
            booking: None,
        },
    );
    let system = Some("Finches Bed and Breakfast is cheap. Would you like to book it?");
    assert_eq!(
        venue_at_hand(&two, Domain::Attraction, &state, ask, system),
        Some(Domain::Hotel)
    );
    assert_eq!(
        venue_at_hand(&two, Domain::Attraction, &state, ask, None),
        None
    );
}

#[test]
fn a_question_of_what_a_night_costs_gets_the_room_prices() {
    let db = Database::from_json_texts([(
        Domain::Hotel,
        std::path::Path::new("hotel_db.json"),
        r#"[{"id": "7", "name": "allenbell", "pricerange": "cheap", "type": "guesthouse",
             "price": {"double": "60", "family": "90", "single": "35"}}]"#,
    )])
    .unwrap();
    let mut record = DbRecord {
        id: "7".into(),
        fields: BTreeMap::new(),
    };
    record.fields.insert("name".into(), "allenbell".into());
    record.fields.insert("pricerange".into(), "cheap".into());
    let mut memory = DialogMemory::new();
    memory.domains.insert(
        Domain::Hotel,
        DomainMemory {
            offered: Some(record),
            booking: None,
        },
    );
    let mut state = DialogState::new();
    state
        .entry(Domain::Hotel)
        .or_default()
        .insert(Slot::PriceRange, "cheap".into());
    let r = answer(
        &memory,
        &db,
        Domain::Hotel,
        &state,
        &state,
        "How much is it per night?",
    )
    .expect("answered from the database");
    assert_eq!(
        r.reply,
        "allenbell is cheap: a double room is 60 pounds a night, a single is 35 pounds and a \
         family room is 90 pounds. Would you like me to book a room?"
    );
    assert!(
        r.delex
            .starts_with("[value_name] is [value_price]: a double room is [value_price]")
    );
    // The price range is the agent's to tell.
    assert!(
        answer(
            &memory,
            &db,
            Domain::Hotel,
            &state,
            &state,
            "What is the price range?"
        )
        .is_none()
    );
    // A turn that changes the search is a new search, not a question.
    let mut cheaper = state.clone();
    cheaper
        .entry(Domain::Hotel)
        .or_default()
        .insert(Slot::Area, "east".into());
    assert!(
        answer(
            &memory,
            &db,
            Domain::Hotel,
            &cheaper,
            &state,
            "One in the east? How much is it?"
        )
        .is_none()
    );
}
