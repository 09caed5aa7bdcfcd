//! The placeholders a delexicalized reply may carry: exactly the names the
//! standard evaluator's stock slot mapping recognizes (mwzeval's
//! `normalize_slot_name`), so that replies score without a custom mapping.

/// Every placeholder name the stock mapping knows, lower case.
const STOCK: &[&str] = &[
    // ADDRESS
    "address",
    "attraction_address",
    "hospital_address",
    "hotel_address",
    "police_address",
    "restaurant_address",
    "value_address",
    // AREA
    "area",
    "value_area",
    "attraction_area",
    "restaurant_area",
    "hotel_area",
    // TIME
    "booktime",
    "value_time",
    "time",
    "duration",
    "value_duration",
    "train_duration",
    "arriveby",
    "taxi_arriveby",
    "value_arrive",
    "arrive by",
    "train_arriveby",
    "leaveat",
    "value_leave",
    "leave at",
    "train_leaveat",
    "train_leave",
    "train_arrive",
    "taxi_leaveat",
    // DAY
    "day",
    "value_day",
    "bookday",
    "train_day",
    // PLACE
    "destination",
    "value_destination",
    "departure",
    "value_departure",
    "value_place",
    "train_departure",
    "train_destination",
    "taxi_destination",
    "taxi_departure",
    // FOOD
    "food",
    "value_food",
    "restaurant_food",
    // NAME
    "name",
    "attraction_name",
    "hospital_name",
    "hotel_name",
    "police_name",
    "restaurant_name",
    "value_name",
    // PHONE
    "phone",
    "attraction_phone",
    "hospital_phone",
    "hotel_phone",
    "police_phone",
    "restaurant_phone",
    "taxi_phone",
    "value_phone",
    // POST
    "postcode",
    "attraction_postcode",
    "hospital_postcode",
    "hotel_postcode",
    "restaurant_postcode",
    "value_postcode",
    "police_postcode",
    // PRICE
    "price",
    "value_price",
    "entrancefee",
    "entrance fee",
    "train_price",
    "attraction_entrancefee",
    "pricerange",
    "value_pricerange",
    "price range",
    "restaurant_pricerange",
    "hotel_pricerange",
    "attraction_pricerange",
    "attraction_price",
    // REFERENCE
    "ref",
    "attraction_reference",
    "hotel_reference",
    "restaurant_reference",
    "train_reference",
    "value_reference",
    "reference",
    // COUNT
    "stars",
    "value_stars",
    "hotel_stars",
    "bookstay",
    "value_stay",
    "stay",
    "bookpeople",
    "value_people",
    "people",
    "choice",
    "value_choice",
    "value_count",
    "attraction_choice",
    "hotel_choice",
    "restaurant_choice",
    "train_choice",
    // TYPE
    "type",
    "taxi_type",
    "taxi_car",
    "value_type",
    "value_car",
    "car",
    "restaurant_type",
    "hotel_type",
    "attraction_type",
    // TRAINID
    "trainid",
    "train_id",
    "value_id",
    "id",
    "train",
    "train_trainid",
    // INTERNET, PARKING, ID, DEPARTMENT, OPEN
    "internet",
    "hotel_internet",
    "parking",
    "hotel_parking",
    "hospital_id",
    "attraction_id",
    "restaurant_id",
    "value_department",
    "department",
    "hospital_department",
    "openhours",
];

/// Whether the stock evaluator mapping recognizes the placeholder `name` (given
/// without brackets, any case).
pub fn is_stock_placeholder(name: &str) -> bool {
    let lower = name.to_lowercase();
    STOCK.contains(&lower.as_str())
}

/// The placeholder names in `text`, in order (`[value_name]` gives `value_name`).
/// Mirrors the evaluator's pattern: word characters and spaces between brackets.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) => {
                let name = &after[..close];
                if !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == ' ')
                {
                    out.push(name);
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// The placeholders of `text` the stock mapping does not recognize.
pub fn unknown_placeholders(text: &str) -> Vec<&str> {
    placeholders(text)
        .into_iter()
        .filter(|p| !is_stock_placeholder(p))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn stock_names_are_recognized_and_others_are_not() {
        assert!(is_stock_placeholder("value_reference"));
        assert!(is_stock_placeholder("Restaurant_Phone"));
        assert!(is_stock_placeholder("value_car"));
        assert!(!is_stock_placeholder("value_internet"));
        assert!(!is_stock_placeholder("value_open"));
    }

    #[test]
    fn placeholders_are_found_in_order() {
        let text = "[value_name] is at [value_address] , call [value_phone] [not a placeholder!]";
        assert_eq!(
            placeholders(text),
            ["value_name", "value_address", "value_phone"]
        );
        assert_eq!(
            unknown_placeholders("it has [value_internet] ."),
            ["value_internet"]
        );
    }
}
