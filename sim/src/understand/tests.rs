use super::*;
use crate::system::State;

fn turn(text: &str, delex: &str, domain: Domain, record: Option<Record>) -> SystemTurn {
    SystemTurn {
        text: text.into(),
        delex: delex.into(),
        domain: Some(domain),
        reason: String::new(),
        record,
        count: None,
        state: State::new(),
    }
}

fn record(fields: &[(&str, &str)]) -> Record {
    Record {
        id: "1".into(),
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn has(acts: &[Act], intent: Intent, slot: Option<Attr>, value: &str) -> bool {
    acts.iter()
        .any(|a| a.intent == intent && a.slot == slot && (value.is_empty() || a.value == value))
}

#[test]
fn placeholders_give_the_values_the_text_holds() {
    let r = record(&[("name", "pizza hut city centre"), ("phone", "01223323737")]);
    let t = turn(
        "pizza hut city centre is great . call 01223323737 . reference ABCD1234 .",
        "[value_name] is great . call [value_phone] . reference [value_reference] .",
        Domain::Restaurant,
        Some(r),
    );
    let acts = understand(&t, None);
    assert!(has(
        &acts,
        Intent::Inform,
        Some(Attr::Name),
        "pizza hut city centre"
    ));
    assert!(has(&acts, Intent::Inform, Some(Attr::Phone), "01223323737"));
    assert!(has(&acts, Intent::Book, Some(Attr::Reference), "ABCD1234"));
}

#[test]
fn unfilled_placeholders_inform_nothing() {
    let t = turn(
        "the phone is [value_phone] .",
        "the phone is [value_phone] .",
        Domain::Hotel,
        None,
    );
    assert!(
        !understand(&t, None)
            .iter()
            .any(|a| a.slot == Some(Attr::Phone))
    );
}

#[test]
fn values_written_out_are_found_through_the_record() {
    let r = record(&[("address", "17 magdalene street"), ("postcode", "cb30af")]);
    let t = turn(
        "It is at 17 Magdalene Street, postcode CB30AF.",
        "",
        Domain::Attraction,
        Some(r),
    );
    let acts = understand(&t, None);
    assert!(has(&acts, Intent::Inform, Some(Attr::Address), ""));
    assert!(has(&acts, Intent::Inform, Some(Attr::Postcode), ""));
}

#[test]
fn questions_become_requests_and_statements_do_not() {
    let t = turn(
        "I can book that. How many people and what day?",
        "",
        Domain::Restaurant,
        None,
    );
    let acts = understand(&t, None);
    assert!(has(&acts, Intent::Request, Some(Attr::BookPeople), "?"));
    assert!(has(&acts, Intent::Request, Some(Attr::BookDay), "?"));
    let t = turn(
        "There are 4 people working there.",
        "",
        Domain::Restaurant,
        None,
    );
    assert!(
        !understand(&t, None)
            .iter()
            .any(|a| a.intent == Intent::Request)
    );
}

#[test]
fn train_questions_ask_train_slots() {
    let t = turn(
        "Where will you be departing from and what day?",
        "",
        Domain::Train,
        None,
    );
    let acts = understand(&t, None);
    assert!(has(&acts, Intent::Request, Some(Attr::Departure), "?"));
    assert!(has(&acts, Intent::Request, Some(Attr::Day), "?"));
}

#[test]
fn no_offer_and_failed_booking_are_told_apart() {
    let t = turn("I'm sorry, there are no matches.", "", Domain::Hotel, None);
    assert!(has(&understand(&t, None), Intent::NoOffer, None, ""));
    let t = turn(
        "Booking was unsuccessful. Would you like another day?",
        "",
        Domain::Hotel,
        None,
    );
    let acts = understand(&t, None);
    assert!(has(&acts, Intent::NoBook, None, ""));
    assert!(!has(&acts, Intent::NoOffer, None, ""));
}

#[test]
fn a_sorry_without_a_domain_is_a_no_offer_in_the_users_domain() {
    let t = SystemTurn {
        text: "Sorry, I can't help with that.".into(),
        ..SystemTurn::default()
    };
    let acts = understand(&t, Some(Domain::Train));
    assert!(has(&acts, Intent::NoOffer, None, ""));
    assert_eq!(acts[0].domain, Some(Domain::Train));
}

#[test]
fn a_named_taxi_car_is_a_booking() {
    let r = record(&[("car", "red tesla"), ("phone", "07123456789")]);
    let t = turn(
        "Booked! A red tesla will pick you up, contact 07123456789.",
        "Booked! A [value_car] will pick you up, contact [value_phone].",
        Domain::Taxi,
        Some(r),
    );
    let acts = understand(&t, None);
    assert!(has(&acts, Intent::Inform, Some(Attr::CarType), "red tesla"));
    assert!(has(&acts, Intent::Book, Some(Attr::Reference), ""));
}

#[test]
fn a_reference_needs_a_digit() {
    let t = turn(
        "The reference number is required for that.",
        "",
        Domain::Hotel,
        None,
    );
    assert!(!has(&understand(&t, None), Intent::Book, None, ""));
}

#[test]
fn where_from_asks_only_the_departure() {
    let t = turn(
        "Where would you like to travel from?",
        "",
        Domain::Taxi,
        None,
    );
    let acts = understand(&t, None);
    assert!(has(&acts, Intent::Request, Some(Attr::Departure), "?"));
    assert!(!has(&acts, Intent::Request, Some(Attr::Destination), "?"));
    let t = turn(
        "Where would you like to go to and from?",
        "",
        Domain::Taxi,
        None,
    );
    let acts = understand(&t, None);
    assert!(has(&acts, Intent::Request, Some(Attr::Departure), "?"));
    assert!(has(&acts, Intent::Request, Some(Attr::Destination), "?"));
}

#[test]
fn told_parking_and_internet_read_as_yes_or_no() {
    let t = turn(
        "allenbell has free parking. It has no internet.",
        "[value_name] has [value_parking]. It has [value_internet].",
        Domain::Hotel,
        Some(record(&[("name", "allenbell")])),
    );
    let acts = understand(&t, None);
    assert!(
        has(&acts, Intent::Inform, Some(Attr::Parking), "yes"),
        "{acts:?}"
    );
    assert!(
        has(&acts, Intent::Inform, Some(Attr::Internet), "no"),
        "{acts:?}"
    );
}

#[test]
fn a_taxi_question_about_where_to_take_you_asks_the_destination() {
    let t = turn(
        "Where would you like the taxi to take you?",
        "Where would you like the taxi to take you?",
        Domain::Taxi,
        None,
    );
    let acts = understand(&t, None);
    assert!(
        has(&acts, Intent::Request, Some(Attr::Destination), "?"),
        "{acts:?}"
    );
}

#[test]
fn not_in_the_area_is_a_no_offer() {
    let t = turn(
        "Not in north. Would you like to try a different part of town?",
        "Not in [value_area]. Would you like to try a different part of town?",
        Domain::Hotel,
        None,
    );
    let acts = understand(&t, None);
    assert!(has(&acts, Intent::NoOffer, None, ""), "{acts:?}");
}

#[test]
fn a_type_word_inside_the_venue_name_informs_no_type() {
    let r = record(&[
        ("name", "clare college"),
        ("type", "college"),
        ("area", "west"),
    ]);
    let t = turn(
        "clare college is located at trinity lane .",
        "clare college is located at trinity lane .",
        Domain::Attraction,
        Some(r.clone()),
    );
    let acts = understand(&t, None);
    assert!(has(
        &acts,
        Intent::Inform,
        Some(Attr::Name),
        "clare college"
    ));
    assert!(!has(&acts, Intent::Inform, Some(Attr::Type), ""));
    // Said outside the name, the type is told.
    let t = turn(
        "clare college is a college in the west .",
        "clare college is a college in the west .",
        Domain::Attraction,
        Some(r),
    );
    let acts = understand(&t, None);
    assert!(has(&acts, Intent::Inform, Some(Attr::Type), "college"));
    assert!(has(&acts, Intent::Inform, Some(Attr::Area), "west"));
}

#[test]
fn a_value_framed_by_an_article_or_its_unit_is_read_as_the_value() {
    let r = record(&[("name", "acorn guest house"), ("area", "north")]);
    let t = turn(
        "Not in the north. acorn guest house is in the moderate price range.",
        "Not in [value_area]. [value_name] is in the [value_price].",
        Domain::Hotel,
        Some(r),
    );
    let acts = understand(&t, None);
    assert!(
        has(&acts, Intent::Inform, Some(Attr::Area), "north"),
        "{acts:?}"
    );
    assert!(
        has(&acts, Intent::Inform, Some(Attr::PriceRange), "moderate"),
        "{acts:?}"
    );
}
