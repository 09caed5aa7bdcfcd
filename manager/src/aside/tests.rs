use super::*;

#[test]
fn a_turn_is_cut_at_sentence_ends_and_before_a_new_request() {
    assert_eq!(
        clauses(
            "Yes, could I get their phone number please? I also need a guesthouse in the West."
        ),
        vec![
            "Yes, could I get their phone number please?",
            "I also need a guesthouse in the West."
        ]
    );
    assert_eq!(
        clauses(
            "I need the phone number for Cote and I am looking for an attraction called Clare Hall"
        ),
        vec![
            "I need the phone number for Cote",
            "and I am looking for an attraction called Clare Hall"
        ]
    );
    assert_eq!(clauses("Thanks!"), vec!["Thanks!"]);
}

#[test]
fn the_answer_lists_each_detail_once_about_one_venue() {
    assert_eq!(
        answer(Domain::Attraction, &[Ask::Phone]).as_deref(),
        Some("The phone number of [value_name] is [value_phone].")
    );
    assert_eq!(
        answer(
            Domain::Attraction,
            &[Ask::Phone, Ask::Address, Ask::Postcode, Ask::Price]
        )
        .as_deref(),
        Some(
            "The phone number of [value_name] is [value_phone], its address is \
             [value_address], its postcode is [value_postcode] and its entrance fee is \
             [value_price]."
        )
    );
    assert_eq!(
        answer(Domain::Hotel, &[Ask::Price]).as_deref(),
        Some("The price range of [value_name] is [value_price].")
    );
    assert_eq!(answer(Domain::Hotel, &[Ask::Stars]), None);
}
