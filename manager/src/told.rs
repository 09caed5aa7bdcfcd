//! An offer of details already told: "… has free entrance. Would you like the
//! address?" one turn after the address was given. Retrieved replies close
//! with the question their human writer asked, who had not told the address
//! yet; the dialog has. The question is replaced with an open one when every
//! detail it offers is already in the conversation.

use agents::roles::DbRecord;

/// The details a closing question may offer, with the record field that holds
/// each and the words that name it.
const OFFERED: [(&str, &[&str]); 3] = [
    ("address", &["address", "location"]),
    ("phone", &["phone", "number", "contact"]),
    ("postcode", &["postcode", "post code", "postal code"]),
];

/// Words by which a closing question offers something rather than asks for it.
const OFFER_OPENERS: &[&str] = &[
    "would you like",
    "do you want",
    "do you need",
    "shall i give",
    "can i give",
    "should i give",
];

/// The question that replaces an offer of details already told.
const INSTEAD: &str = "Is there anything else I can help you with?";

/// `(delex, reply)` with the closing question replaced when it only offers
/// details of `record` that `told` (the conversation so far, and the reply
/// itself) already holds; `None` when there is nothing to replace.
pub(crate) fn drop_offer_of_told(
    delex: &str,
    reply: &str,
    record: Option<&DbRecord>,
    told: &str,
) -> Option<(String, String)> {
    let record = record?;
    let question = last_sentence(delex)?;
    if !question.ends_with('?') || !reply.trim_end().ends_with(question) {
        return None;
    }
    let lower = question.to_lowercase();
    if !OFFER_OPENERS.iter().any(|o| lower.contains(o)) {
        return None;
    }
    let offered: Vec<&str> = OFFERED
        .iter()
        .filter(|(_, words)| words.iter().any(|w| lower.contains(w)))
        .map(|(field, _)| *field)
        .collect();
    // A question that offers anything else ("would you like to book it?")
    // stays, and so does one offering a detail not yet told.
    let told = format!(
        "{} {}",
        told,
        &reply[..reply.trim_end().len() - question.len()]
    )
    .to_lowercase();
    let all_told = !offered.is_empty()
        && offered.iter().all(|field| {
            record
                .get(field)
                .is_some_and(|v| !v.is_empty() && told.contains(&v.to_lowercase()))
        });
    if !all_told || offers_more(&lower) {
        return None;
    }
    let cut = |text: &str| {
        let body = text.trim_end();
        let head = body[..body.len() - question.len()].trim_end();
        match head.is_empty() {
            true => INSTEAD.to_string(),
            false => format!("{head} {INSTEAD}"),
        }
    };
    Some((cut(delex), cut(reply)))
}

/// Whether an offer of details also offers something else (a booking, more
/// information).
fn offers_more(question: &str) -> bool {
    [
        "book",
        "reserv",
        "more information",
        "anything else",
        "else",
    ]
    .iter()
    .any(|w| question.contains(w))
}

/// The last sentence of `text`: after the last end mark before its end.
fn last_sentence(text: &str) -> Option<&str> {
    let body = text.trim_end();
    let inner = body.strip_suffix(['?', '.', '!'])?;
    let start = inner.rfind(['.', '!', '?']).map_or(0, |i| i + 1);
    Some(body[start..].trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> DbRecord {
        let mut r = DbRecord::default();
        for (k, v) in [
            ("name", "cherry hinton water play"),
            ("address", "cherry hinton hall, cherry hinton road"),
            ("phone", "01223446104"),
        ] {
            r.fields.insert(k.into(), v.into());
        }
        r
    }

    #[test]
    fn an_offer_of_the_address_already_told_is_replaced() {
        let told = "cherry hinton water play is located at cherry hinton hall, cherry hinton road.";
        let delex = "[value_name] has [value_price] entrance. Would you like the address?";
        let reply = "cherry hinton water play has free entrance. Would you like the address?";
        let (d, r) = drop_offer_of_told(delex, reply, Some(&record()), told).expect("replaced");
        assert_eq!(
            d,
            "[value_name] has [value_price] entrance. Is there anything else I can help you with?"
        );
        assert_eq!(
            r,
            "cherry hinton water play has free entrance. Is there anything else I can help you with?"
        );
    }

    #[test]
    fn an_offer_of_what_was_not_told_or_of_a_booking_stays() {
        let told = "cherry hinton water play is located at cherry hinton hall, cherry hinton road.";
        let reply = "It is free. Would you like the phone number?";
        assert!(drop_offer_of_told(reply, reply, Some(&record()), told).is_none());
        let reply = "It is free. Would you like me to book it?";
        assert!(drop_offer_of_told(reply, reply, Some(&record()), told).is_none());
        let reply = "It is free. Would you like the address?";
        assert!(drop_offer_of_told(reply, reply, Some(&record()), "nothing yet").is_none());
        assert!(drop_offer_of_told(reply, reply, None, told).is_none());
    }
}
