//! The built-in tracker on hand-written dialogs: values, context from the
//! system's question, corrections, "don't care", times, counts, days, taxi
//! places, and an offered venue the user accepts.

use agents::builtin::lexicon::Lexicon;
use agents::builtin::tracker::{DONTCARE, RuleTracker};
use agents::roles::Utterance;
use multiwoz::{Domain, Slot};

fn tracker() -> RuleTracker {
    RuleTracker::new(Lexicon::build([
        (Domain::Restaurant, "name", "pizza hut city centre"),
        (Domain::Restaurant, "name", "the golden curry"),
        (Domain::Restaurant, "food", "italian"),
        (Domain::Restaurant, "food", "indian"),
        (Domain::Hotel, "name", "acorn guest house"),
        (Domain::Hotel, "name", "the lensfield hotel"),
        (Domain::Attraction, "name", "all saints church"),
        (Domain::Train, "departure", "cambridge"),
        (Domain::Train, "departure", "london kings cross"),
        (Domain::Train, "departure", "ely"),
    ]))
}

fn slot(view: &agents::builtin::tracker::TrackView, d: Domain, s: Slot) -> Option<&str> {
    view.state
        .get(&d)
        .and_then(|m| m.get(&s))
        .map(String::as_str)
}

#[test]
fn restaurant_constraints_and_a_correction() {
    let t = tracker();
    let history = [
        Utterance::user("I want a cheap Italian restaurant in the centre, please."),
        Utterance::system("Pizza Hut City Centre is a cheap italian place. Shall I book it?"),
        Utterance::user("Actually, make it an expensive Indian one."),
    ];
    let view = t.track(&history);
    assert_eq!(slot(&view, Domain::Restaurant, Slot::Area), Some("centre"));
    assert_eq!(slot(&view, Domain::Restaurant, Slot::Food), Some("indian"));
    assert_eq!(
        slot(&view, Domain::Restaurant, Slot::PriceRange),
        Some("expensive")
    );
}

#[test]
fn bare_answers_fill_the_slot_the_system_asked_for() {
    let t = tracker();
    let history = [
        Utterance::user("I need a place to stay with free wifi."),
        Utterance::system("What area would you like to stay in?"),
        Utterance::user("The north."),
        Utterance::system("How many people will be staying?"),
        Utterance::user("5"),
    ];
    let view = t.track(&history);
    assert_eq!(slot(&view, Domain::Hotel, Slot::Area), Some("north"));
    assert_eq!(slot(&view, Domain::Hotel, Slot::Internet), Some("yes"));
    assert_eq!(slot(&view, Domain::Hotel, Slot::BookPeople), Some("5"));
}

#[test]
fn dont_care_is_kept_internally_and_dropped_from_the_public_state() {
    let t = tracker();
    let history = [
        Utterance::user("I'm looking for a guesthouse."),
        Utterance::system("Do you have a price range in mind?"),
        Utterance::user("I don't care about the price."),
    ];
    let view = t.track(&history);
    assert_eq!(slot(&view, Domain::Hotel, Slot::PriceRange), Some(DONTCARE));
    assert_eq!(slot(&view, Domain::Hotel, Slot::Type), Some("guesthouse"));
    let public = view.public_state();
    assert!(!public[&Domain::Hotel].contains_key(&Slot::PriceRange));
}

#[test]
fn trains_read_places_days_times_and_people() {
    let t = tracker();
    let history = [Utterance::user(
        "I need a train from London Kings Cross to Cambridge on Friday, leaving after 5:30 pm, for two people.",
    )];
    let view = t.track(&history);
    assert_eq!(
        slot(&view, Domain::Train, Slot::Departure),
        Some("london kings cross")
    );
    assert_eq!(
        slot(&view, Domain::Train, Slot::Destination),
        Some("cambridge")
    );
    assert_eq!(slot(&view, Domain::Train, Slot::Day), Some("friday"));
    assert_eq!(slot(&view, Domain::Train, Slot::Leave), Some("17:30"));
    assert_eq!(slot(&view, Domain::Train, Slot::BookPeople), Some("2"));
    let arrive = t.track(&[Utterance::user(
        "A train to Ely that arrives by 10:15 please.",
    )]);
    assert_eq!(slot(&arrive, Domain::Train, Slot::Arrive), Some("10:15"));
}

#[test]
fn taxi_places_resolve_venues_named_by_their_domain() {
    let t = tracker();
    let history = [
        Utterance::user("I want to eat at the golden curry."),
        Utterance::system("The Golden Curry is a great choice."),
        Utterance::user("Also a room at the Lensfield hotel."),
        Utterance::system("The Lensfield Hotel is booked."),
        Utterance::user("I need a taxi from the hotel to the restaurant by 19:00."),
    ];
    let view = t.track(&history);
    assert_eq!(
        slot(&view, Domain::Taxi, Slot::Departure),
        Some("the lensfield hotel")
    );
    assert_eq!(
        slot(&view, Domain::Taxi, Slot::Destination),
        Some("the golden curry")
    );
    assert_eq!(slot(&view, Domain::Taxi, Slot::Arrive), Some("19:00"));
}

#[test]
fn taxi_places_include_the_hospital_and_the_police_station() {
    let t = tracker();
    let view = t.track(&[Utterance::user(
        "I need a taxi to the hospital from parkside police station at 9am.",
    )]);
    assert_eq!(
        slot(&view, Domain::Taxi, Slot::Destination),
        Some("addenbrookes hospital")
    );
    assert_eq!(
        slot(&view, Domain::Taxi, Slot::Departure),
        Some("parkside police station")
    );
    // A town's station is the place, not the town.
    let view = t.track(&[Utterance::user(
        "I need a taxi from the cambridge train station to the golden curry at 18:00.",
    )]);
    assert_eq!(
        slot(&view, Domain::Taxi, Slot::Departure),
        Some("cambridge train station")
    );
    // The nearest "from" or "to" decides which end a place is.
    let view = t.track(&[Utterance::user(
        "Please get me a taxi from the police to Addenbrookes at 14:00.",
    )]);
    assert_eq!(
        slot(&view, Domain::Taxi, Slot::Departure),
        Some("parkside police station")
    );
    assert_eq!(
        slot(&view, Domain::Taxi, Slot::Destination),
        Some("addenbrookes hospital")
    );
}

#[test]
fn a_price_range_said_outright_wins_over_a_hint() {
    let t = tracker();
    let view = t.track(&[Utterance::user(
        "I need a place to stay in the moderate price range, I am on a budget.",
    )]);
    assert_eq!(
        slot(&view, Domain::Hotel, Slot::PriceRange),
        Some("moderate")
    );
    let view = t.track(&[Utterance::user(
        "I'm on a budget, I need a place to stay in the north.",
    )]);
    assert_eq!(slot(&view, Domain::Hotel, Slot::PriceRange), Some("cheap"));
}

#[test]
fn an_offered_venue_becomes_the_choice_when_the_user_engages() {
    let t = tracker();
    let history = [
        Utterance::user("Find me a guesthouse in the north."),
        Utterance::system("I recommend the Acorn Guest House."),
        Utterance::user("Sounds good, what is the phone number?"),
    ];
    let view = t.track(&history);
    assert_eq!(
        slot(&view, Domain::Hotel, Slot::Name),
        Some("acorn guest house")
    );
    let declined = t.track(&[
        Utterance::user("Find me a guesthouse in the north."),
        Utterance::system("I recommend the Acorn Guest House."),
        Utterance::user("Do you have another one?"),
    ]);
    assert_eq!(slot(&declined, Domain::Hotel, Slot::Name), None);
}

#[test]
fn negated_values_are_not_taken() {
    let t = tracker();
    let view = t.track(&[Utterance::user(
        "I need a hotel, not a guesthouse, in the east.",
    )]);
    assert_eq!(slot(&view, Domain::Hotel, Slot::Type), None);
    assert_eq!(slot(&view, Domain::Hotel, Slot::Area), Some("east"));
}

#[test]
fn asking_whether_a_hotel_has_parking_sets_no_requirement() {
    let t = tracker();
    let view = t.track(&[
        Utterance::user("I need a guesthouse in the north."),
        Utterance::system("Acorn Guest House is a guesthouse in the north."),
        Utterance::user("Do they have free parking?"),
    ]);
    assert_eq!(slot(&view, Domain::Hotel, Slot::Parking), None);
    let view = t.track(&[Utterance::user(
        "I need a hotel with free wifi, but it doesn't need to have free parking.",
    )]);
    assert_eq!(slot(&view, Domain::Hotel, Slot::Internet), Some("yes"));
    assert_eq!(slot(&view, Domain::Hotel, Slot::Parking), Some(DONTCARE));
}

#[test]
fn one_as_a_pronoun_is_no_star_rating() {
    let t = tracker();
    let view = t.track(&[
        Utterance::user("I need a guesthouse."),
        Utterance::system("There are several 4 star guesthouses. Any star rating?"),
        Utterance::user("I need one that is moderately priced."),
    ]);
    assert_eq!(slot(&view, Domain::Hotel, Slot::Stars), None);
    assert_eq!(
        slot(&view, Domain::Hotel, Slot::PriceRange),
        Some("moderate")
    );
}

#[test]
fn the_same_area_and_party_are_copied_from_the_other_domain() {
    let t = tracker();
    let view = t.track(&[
        Utterance::user("Book a table for 4 people at an italian place in the centre."),
        Utterance::system("Pizza Hut City Centre is booked. Anything else?"),
        Utterance::user("I also need a hotel in the same area as the restaurant."),
    ]);
    assert_eq!(slot(&view, Domain::Hotel, Slot::Area), Some("centre"));
    let view = t.track(&[
        Utterance::user("Book a table for 4 people at an italian place on friday."),
        Utterance::system("Done. Anything else?"),
        Utterance::user("I need a train from ely to cambridge for the same group on the same day."),
    ]);
    assert_eq!(slot(&view, Domain::Train, Slot::BookPeople), Some("4"));
    assert_eq!(slot(&view, Domain::Train, Slot::Day), Some("friday"));
}

#[test]
fn a_misspelt_station_is_still_read() {
    let t = tracker();
    let view = t.track(&[Utterance::user("I need a train from Elly to Cambridge.")]);
    // "elly" is too short to correct; a longer slip is corrected.
    assert_eq!(slot(&view, Domain::Train, Slot::Departure), None);
    let view = t.track(&[Utterance::user(
        "I need a train to cambridge from london kings crosss.",
    )]);
    assert_eq!(
        slot(&view, Domain::Train, Slot::Departure),
        Some("london kings cross")
    );
}

#[test]
fn an_amenity_answered_after_its_word_or_said_not_to_matter() {
    let t = tracker();
    let track = |text: &str| t.track(&[Utterance::user(text)]);
    let view = track("I need a hotel in the north. Internet: no, please.");
    assert_eq!(slot(&view, Domain::Hotel, Slot::Internet), Some("no"));
    let view = track("I need a hotel in the north with wifi. No, I don't care about parking.");
    assert_eq!(slot(&view, Domain::Hotel, Slot::Internet), Some("yes"));
    assert_eq!(slot(&view, Domain::Hotel, Slot::Parking), Some(DONTCARE));
    let view = track("A hotel in the north please, parking doesn't matter.");
    assert_eq!(slot(&view, Domain::Hotel, Slot::Parking), Some(DONTCARE));
    let view = track("I want a hotel with wifi. No, I'd like parking too.");
    assert_eq!(slot(&view, Domain::Hotel, Slot::Parking), Some("yes"));
}
