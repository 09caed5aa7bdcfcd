//! The placeholders a delexicalized reply may carry: exactly the names the
//! standard evaluator's stock slot mapping recognizes (mwzeval's
//! `normalize_slot_name`), so that replies score without a custom mapping.

/// Whether the stock evaluator mapping recognizes the placeholder `name` (given
/// without brackets, any case).
pub fn is_stock_placeholder(name: &str) -> bool {
    // One table for the whole project: the evaluator's own mapping in `multiwoz`.
    multiwoz::normalize::placeholder_token(name, multiwoz::normalize::Mapping::Stock).is_some()
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
