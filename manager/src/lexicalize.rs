//! Lexicalization for people: the delexicalized reply with its placeholders
//! filled from the database record and the state (`multiwoz::lex`), plus the
//! details no database holds (booking references, the taxi's car) and the
//! values computed from others (a train booking's total is the ticket price
//! times the people). The filled text is then tidied ([`crate::tidy`]): article
//! agreement, repeated words, fields and sentences.

use std::hash::{DefaultHasher, Hash, Hasher};

use agents::roles::{DbResult, DialogState};
use indexmap::IndexMap;
use multiwoz::Domain;
use multiwoz::lex::{LexContext, lexicalize};

/// A booking reference made up deterministically from `seed`: eight upper-case
/// letters and digits, as MultiWOZ references look.
pub fn booking_reference(seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut h = DefaultHasher::new();
    (seed, "reference").hash(&mut h);
    let mut x = h.finish();
    (0..8)
        .map(|_| {
            let c = ALPHABET[(x % ALPHABET.len() as u64) as usize] as char;
            x /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

/// Placeholders `multiwoz::lex` leaves alone that the taxi record can fill.
const CAR_PLACEHOLDERS: &[&str] = &["[value_car]", "[taxi_car]", "[car]", "[taxi_type]"];

/// Database values that mean "not known" (`?` in the attraction fees).
fn shown(value: &str) -> String {
    if value.trim() == "?" || value.trim().is_empty() {
        "unknown".to_string()
    } else {
        value.to_string()
    }
}

/// A hotel amenity as people say it: the database's `yes`/`no` for parking
/// and internet become "free parking", "no internet".
fn amenity(field: &str, value: &str) -> Option<String> {
    let what = match field {
        "parking" => "parking",
        "internet" => "wifi",
        _ => return None,
    };
    Some(match value.trim() {
        "yes" | "free" => format!("free {what}"),
        "no" | "none" => format!("no {what}"),
        _ => return None,
    })
}

/// `unit` ("10.10 pounds") times `people`, in the same unit; `None` when the
/// price is not a number.
pub fn total_price(unit: &str, people: u32) -> Option<String> {
    let mut parts = unit.trim().splitn(2, ' ');
    let amount: f64 = parts.next()?.parse().ok()?;
    let rest = parts.next().unwrap_or("pounds");
    Some(format!("{:.2} {rest}", amount * f64::from(people)))
}

/// Whether a train reply quotes the price of the whole booking rather than of
/// one ticket: it confirms a booking or speaks of a total.
fn quotes_total(delex: &str) -> bool {
    let lower = delex.to_ascii_lowercase();
    lower.contains("reference") || lower.contains("_ref]") || lower.contains("total")
}

/// Fills the placeholders of `delex` for `domain` from `db`'s record, the
/// state and the booking `reference`; placeholders without a value stay as
/// they are.
pub fn lexicalize_reply(
    delex: &str,
    domain: Domain,
    db: &DbResult,
    state: &DialogState,
    reference: Option<&str>,
) -> String {
    crate::tidy::tidy(&fill_reply(delex, domain, db, state, reference))
}

/// [`lexicalize_reply`] for a reply that describes two entities ("one is
/// [value_name] … the other is [value_name] …"): from the second name on, the
/// placeholders are filled from `other`, so the two are told apart.
pub fn lexicalize_two(
    delex: &str,
    domain: Domain,
    (db, other): (&DbResult, &DbResult),
    state: &DialogState,
    reference: Option<&str>,
) -> String {
    let Some(split) = second_entity_at(delex) else {
        return lexicalize_reply(delex, domain, db, state, reference);
    };
    let (first, second) = delex.split_at(split);
    let text = fill_reply(first, domain, db, state, reference)
        + &fill_reply(second, domain, other, state, reference);
    crate::tidy::tidy(&text)
}

/// Whether a delexicalized reply describes two entities (two names, or two
/// train ids).
pub fn describes_two(delex: &str) -> bool {
    second_entity_at(delex).is_some()
}

/// Where the second entity of a reply begins: a second `[value_name]` (or
/// train `[value_id]`) in the same sentence as the first. A name in a later
/// sentence is the same entity again: a reply made of two parts (a booking,
/// then the details asked for) names its venue in each.
fn second_entity_at(delex: &str) -> Option<usize> {
    ["[value_name]", "[value_id]"].iter().find_map(|p| {
        let first = delex.find(p)?;
        let next = first + p.len();
        let second = next + delex[next..].find(p)?;
        let between = &delex[next..second];
        (!between.contains(['.', '?', '!'])).then_some(second)
    })
}

/// The placeholders of `delex` filled, before tidying.
fn fill_reply(
    delex: &str,
    domain: Domain,
    db: &DbResult,
    state: &DialogState,
    reference: Option<&str>,
) -> String {
    let mut text = delex.to_string();
    if let Some(car) = db.record.as_ref().and_then(|r| r.get("car")) {
        for p in CAR_PLACEHOLDERS {
            text = text.replace(p, car);
        }
    }
    let slots = domain_slots(state, domain);
    let people: Option<u32> = slots.get("bookpeople").and_then(|p| p.trim().parse().ok());
    let total = domain == Domain::Train && quotes_total(delex);
    let fields = |name: &str| {
        if name == "price"
            && total
            && let Some(n) = people.filter(|n| *n > 1)
            && let Some(t) = db
                .record
                .as_ref()
                .and_then(|r| r.get(name))
                .and_then(|v| total_price(v, n))
        {
            return Some(t);
        }
        record_field(db, name)
    };
    let ctx = LexContext {
        domain: Some(domain),
        entity: db
            .record
            .as_ref()
            .map(|_| &fields as &dyn multiwoz::lex::FieldSource),
        state: Some(&slots),
        reference,
        choice: Some(db.count),
    };
    fill_agreeing(&text, &ctx, &|_| true)
}

/// The delexicalized reply as the standard evaluator is to read it: the
/// placeholders it does not know (`[value_internet]`, `[value_parking]`),
/// which it would delete and leave a hole ("it has ."), are written out from
/// the record ("free wifi"), as MultiWOZ's references write those words; the
/// placeholders it knows stay.
pub fn for_evaluator(delex: &str, domain: Domain, db: &DbResult, state: &DialogState) -> String {
    if !agents::prompt::placeholders(delex)
        .iter()
        .any(|p| !agents::prompt::is_stock_placeholder(p))
    {
        return delex.to_string();
    }
    let slots = domain_slots(state, domain);
    let fields = |name: &str| record_field(db, name);
    let ctx = LexContext {
        domain: Some(domain),
        entity: db
            .record
            .as_ref()
            .map(|_| &fields as &dyn multiwoz::lex::FieldSource),
        state: Some(&slots),
        reference: None,
        choice: Some(db.count),
    };
    let unknown = |placeholder: &str| {
        !agents::prompt::is_stock_placeholder(placeholder.trim_matches(|c| c == '[' || c == ']'))
    };
    fill_agreeing(delex, &ctx, &unknown)
}

/// The state's slots of `domain`, by name, as `multiwoz::lex` reads them.
fn domain_slots(state: &DialogState, domain: Domain) -> IndexMap<String, String> {
    state
        .get(&domain)
        .map(|s| {
            s.iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// A field of the record as people read it (amenities as words, `?` as
/// "unknown").
fn record_field(db: &DbResult, name: &str) -> Option<String> {
    let value = db.record.as_ref().and_then(|r| r.get(name))?;
    Some(amenity(name, value).unwrap_or_else(|| shown(value)))
}

/// Whether `text` ends with a verb after which "unknown" reads as a predicate
/// ("the fee is unknown").
fn ends_with_copula(text: &str) -> bool {
    const COPULAS: &[&str] = &[
        "is",
        "are",
        "was",
        "were",
        "be",
        "remains",
        "currently",
        "still",
    ];
    text.split_whitespace()
        .last()
        .is_some_and(|w| COPULAS.contains(&w.to_lowercase().as_str()))
}

/// Whether `text` ends with an article (which agrees with what is filled in).
fn ends_with_article(text: &str) -> bool {
    text.split_whitespace()
        .last()
        .is_some_and(|w| matches!(w.to_lowercase().as_str(), "a" | "an" | "the"))
}

/// What a placeholder's value is called ("entrance fee", "phone number").
fn field_noun(placeholder: &str, domain: Option<Domain>) -> &'static str {
    let name = placeholder
        .trim_matches(|c| c == '[' || c == ']')
        .rsplit('_')
        .next()
        .unwrap_or_default();
    match name {
        "price" | "fee" if domain == Some(Domain::Attraction) => "entrance fee",
        "price" | "pricerange" => "price",
        "phone" => "phone number",
        "address" | "addr" => "address",
        "postcode" | "post" => "postcode",
        "stars" => "star rating",
        "food" => "cuisine",
        "area" => "area",
        "type" => "type",
        "open" | "openhours" => "opening time",
        _ => "detail",
    }
}

/// Fills the placeholders of `text` that `fill` picks, one by one, making an
/// article right before a placeholder agree with the value filled in ("a
/// [value_price]" → "an expensive"). Articles elsewhere are the writer's and
/// stay as they are.
fn fill_agreeing(text: &str, ctx: &LexContext<'_>, fill: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(len) = rest[open..].find(']') else {
            break;
        };
        out.push_str(&rest[..open]);
        let placeholder = &rest[open..=open + len];
        let mut value = if fill(placeholder) {
            lexicalize(placeholder, ctx)
        } else {
            placeholder.to_string()
        };
        let after = &rest[open + len + 1..];
        // "it has [value_price]" with the fee unknown: "it has an unknown entrance
        // fee" ("the fee is unknown" and "an unknown fee" stay).
        let noun_follows = after.trim_start().starts_with(|c: char| c.is_alphabetic());
        if value == "unknown" && !ends_with_copula(&out) && !ends_with_article(&out) {
            let noun = field_noun(placeholder, ctx.domain);
            let head = noun.rsplit(' ').next().unwrap_or(noun);
            let recent: Vec<String> = out
                .split_whitespace()
                .rev()
                .take(4)
                .map(|w| w.to_lowercase())
                .collect();
            // "an entrance fee of [value_price]": the noun is said already.
            let named_before = recent.iter().any(|w| w.trim_matches(',') == head);
            value = match noun_follows {
                _ if named_before => "an unknown amount".to_string(),
                // "has [value_price] admission": "has an unknown admission".
                true => "an unknown".to_string(),
                false => format!("an unknown {}", field_noun(placeholder, ctx.domain)),
            };
        }
        let next_word = after.split_whitespace().next().unwrap_or_default();
        // "it has [value_price]" with a free attraction: "it has free entrance".
        if value == "free"
            && (placeholder.ends_with("price]") || placeholder.ends_with("fee]"))
            && !noun_follows
            && !ends_with_copula(&out)
            && ctx.domain == Some(Domain::Attraction)
        {
            value = "free entrance".to_string();
        }
        // Some addresses in the database begin with the venue's name ("cafe
        // jello gallery, 13 magdalene street"): said after the name, it goes.
        if placeholder.ends_with("address]")
            && let Some(name) = ctx.entity.and_then(|e| e.field("name"))
            && out.to_lowercase().contains(&name.to_lowercase())
            && let Some(rest) = value
                .to_lowercase()
                .strip_prefix(&format!("{}, ", name.to_lowercase()))
                .and_then(|r| value.get(value.len().checked_sub(r.len())?..))
                .map(str::to_string)
        {
            value = rest;
        }
        // "Not in [value_area]" reads "not in the north": a part of town takes
        // the article after a preposition.
        if placeholder.ends_with("area]")
            && matches!(
                value.as_str(),
                "north" | "south" | "east" | "west" | "centre"
            )
            && out
                .split_whitespace()
                .last()
                .is_some_and(|w| matches!(w.to_lowercase().as_str(), "in" | "to" | "from"))
        {
            value.insert_str(0, "the ");
        }
        // "in the [value_price]" reads "in the moderate price range".
        if (placeholder.ends_with("price]") || placeholder.ends_with("pricerange]"))
            && matches!(value.as_str(), "cheap" | "moderate" | "expensive")
            && out.trim_end().to_lowercase().ends_with("in the")
            && !next_word.to_lowercase().starts_with("price")
            && !next_word.to_lowercase().starts_with("range")
        {
            value.push_str(" price range");
        }
        // "a [value_stars] [value_type]" reads "a 3 star hotel", not "a 3 hotel":
        // a star count right before a noun needs its unit.
        if placeholder.ends_with("stars]")
            && value.parse::<u32>().is_ok()
            && (noun_follows || (next_word.starts_with('[') && next_word.contains("type]")))
            && !next_word.to_lowercase().starts_with("star")
        {
            value.push_str(" star");
        }
        // "There are 23 [value_type] in town", "no [value_type] that match": the
        // type agrees with the count, unless the writer added the plural ending
        // or the type qualifies a noun ("no [value_type] attractions").
        if placeholder.ends_with("type]")
            && value != placeholder
            && crate::nouns::ends_with_plural_count(&out)
            && !after.starts_with(|c: char| c.is_alphanumeric())
            && crate::nouns::noun_may_end_here(after)
            && let Some(plural) = crate::nouns::plural_of(&value)
        {
            value = plural;
        }
        if value != placeholder {
            crate::tidy::agree_article(&mut out, &value);
        }
        out.push_str(&value);
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;
    use agents::roles::DbRecord;
    use multiwoz::Slot;

    #[test]
    fn references_are_deterministic_and_look_like_multiwoz_ones() {
        let a = booking_reference(7);
        assert_eq!(a, booking_reference(7));
        assert_ne!(a, booking_reference(8));
        assert_eq!(a.len(), 8);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
    }

    fn venue(name: &str, area: &str) -> DbResult {
        let mut record = DbRecord::default();
        record.fields.insert("name".into(), name.into());
        record.fields.insert("area".into(), area.into());
        DbResult {
            domain: Domain::Attraction,
            count: 2,
            record: Some(record),
        }
    }

    /// `delex` filled by [`lexicalize_two`] with two attractions.
    fn fill_two(delex: &str) -> String {
        let (a, b) = (venue("abbey pool", "east"), venue("jesus green", "north"));
        lexicalize_two(
            delex,
            Domain::Attraction,
            (&a, &b),
            &DialogState::new(),
            None,
        )
    }

    #[test]
    fn a_reply_about_two_venues_names_two() {
        let delex = "[value_name] is in the [value_area] and [value_name] is in the [value_area].";
        assert!(describes_two(delex));
        let text = fill_two(delex);
        assert_eq!(
            text,
            "abbey pool is in the east and jesus green is in the north."
        );
    }

    #[test]
    fn a_reply_in_two_parts_names_its_one_venue_in_each() {
        let delex = "I booked [value_name]. The phone of [value_name] is [value_phone].";
        assert!(!describes_two(delex));
        let text = fill_two(delex);
        assert!(!text.contains("jesus green"), "{text}");
    }

    #[test]
    fn reply_is_filled_from_record_state_and_count() {
        let mut record = DbRecord::default();
        record
            .fields
            .insert("name".into(), "pizza hut city centre".into());
        record.fields.insert("phone".into(), "01223323737".into());
        let db = DbResult {
            domain: Domain::Restaurant,
            count: 4,
            record: Some(record),
        };
        let mut state = DialogState::new();
        state
            .entry(Domain::Restaurant)
            .or_default()
            .insert(Slot::BookPeople, "2".into());
        let text = lexicalize_reply(
            "there are [value_choice] . [value_name] , [value_phone] , for [value_people] , ref [value_reference] .",
            Domain::Restaurant,
            &db,
            &state,
            Some(&booking_reference(1)),
        );
        assert_eq!(
            text,
            format!(
                "there are 4 . pizza hut city centre , 01223323737 , for 2 , ref {} .",
                booking_reference(1)
            )
        );
    }

    #[test]
    fn taxi_car_is_filled_from_the_made_up_record() {
        let mut record = DbRecord::default();
        record.fields.insert("car".into(), "red tesla".into());
        let db = DbResult {
            domain: Domain::Taxi,
            count: 1,
            record: Some(record),
        };
        let text = lexicalize_reply(
            "a [value_car] will pick you up",
            Domain::Taxi,
            &db,
            &DialogState::new(),
            None,
        );
        assert_eq!(text, "a red tesla will pick you up");
    }

    #[test]
    fn a_train_booking_quotes_the_total_for_everyone() {
        let mut record = DbRecord::default();
        record.fields.insert("price".into(), "9.80 pounds".into());
        let db = DbResult {
            domain: Domain::Train,
            count: 1,
            record: Some(record),
        };
        let mut state = DialogState::new();
        state
            .entry(Domain::Train)
            .or_default()
            .insert(Slot::BookPeople, "4".into());
        let booked = lexicalize_reply(
            "booked , the total fee is [value_price] , reference [value_reference] .",
            Domain::Train,
            &db,
            &state,
            Some("ABCD1234"),
        );
        assert!(booked.contains("39.20 pounds"), "{booked}");
        let offer = lexicalize_reply(
            "tickets are [value_price] each .",
            Domain::Train,
            &db,
            &state,
            None,
        );
        assert!(offer.contains("9.80 pounds"), "{offer}");
    }

    #[test]
    fn a_star_rating_before_the_type_reads_as_a_rating_not_a_count() {
        let mut record = DbRecord::default();
        for (k, v) in [
            ("name", "the lensfield hotel"),
            ("stars", "3"),
            ("type", "hotel"),
        ] {
            record.fields.insert(k.into(), v.into());
        }
        let db = DbResult {
            domain: Domain::Hotel,
            count: 1,
            record: Some(record),
        };
        let fill =
            |delex: &str| lexicalize_reply(delex, Domain::Hotel, &db, &DialogState::new(), None);
        assert_eq!(
            fill("[value_name] is a [value_stars] [value_type] ."),
            "the lensfield hotel is a 3 star hotel ."
        );
        assert_eq!(
            fill("it is a [value_stars] star [value_type] ."),
            "it is a 3 star hotel ."
        );
        assert_eq!(fill("it has [value_stars] stars ."), "it has 3 stars .");
    }

    #[test]
    fn a_part_of_town_after_a_preposition_takes_the_article() {
        let mut record = DbRecord::default();
        record.fields.insert("area".into(), "north".into());
        let db = DbResult {
            domain: Domain::Hotel,
            count: 1,
            record: Some(record),
        };
        let fill =
            |delex: &str| lexicalize_reply(delex, Domain::Hotel, &db, &DialogState::new(), None);
        assert_eq!(fill("Not in [value_area] ."), "Not in the north .");
        assert_eq!(fill("it is in the [value_area] ."), "it is in the north .");
        assert_eq!(
            fill("the [value_area] part of town"),
            "the north part of town"
        );
        let mut record = DbRecord::default();
        record.fields.insert("pricerange".into(), "moderate".into());
        let db = DbResult {
            domain: Domain::Hotel,
            count: 1,
            record: Some(record),
        };
        let fill =
            |delex: &str| lexicalize_reply(delex, Domain::Hotel, &db, &DialogState::new(), None);
        assert_eq!(
            fill("it is in the [value_price] ."),
            "it is in the moderate price range ."
        );
        assert_eq!(
            fill("it is in the [value_price] price range ."),
            "it is in the moderate price range ."
        );
    }

    #[test]
    fn an_unknown_database_value_reads_unknown() {
        let mut record = DbRecord::default();
        record.fields.insert("entrance fee".into(), "?".into());
        let db = DbResult {
            domain: Domain::Attraction,
            count: 1,
            record: Some(record),
        };
        let text = lexicalize_reply(
            "the entrance fee is [value_price] .",
            Domain::Attraction,
            &db,
            &DialogState::new(),
            None,
        );
        assert_eq!(text, "the entrance fee is unknown .");
        let text = lexicalize_reply(
            "they have an entrance fee of [value_price] .",
            Domain::Attraction,
            &db,
            &DialogState::new(),
            None,
        );
        assert_eq!(text, "they have an entrance fee of an unknown amount .");
    }

    #[test]
    fn a_free_fee_and_an_address_that_repeats_the_name_read_naturally() {
        let mut record = DbRecord::default();
        for (k, v) in [
            ("name", "cafe jello gallery"),
            ("address", "cafe jello gallery, 13 magdalene street"),
            ("entrance fee", "free"),
        ] {
            record.fields.insert(k.into(), v.into());
        }
        let db = DbResult {
            domain: Domain::Attraction,
            count: 1,
            record: Some(record),
        };
        let fill = |delex: &str| {
            lexicalize_reply(delex, Domain::Attraction, &db, &DialogState::new(), None)
        };
        assert_eq!(
            fill("[value_name] is located at [value_address] ."),
            "cafe jello gallery is located at 13 magdalene street ."
        );
        assert_eq!(
            fill("the address is [value_address] ."),
            "the address is cafe jello gallery, 13 magdalene street ."
        );
        assert_eq!(fill("it has [value_price] ."), "it has free entrance .");
        assert_eq!(
            fill("the entrance fee is [value_price] ."),
            "the entrance fee is free ."
        );
        assert_eq!(
            fill("it has [value_price] admission ."),
            "it has free admission ."
        );
    }

    #[test]
    fn the_evaluator_reads_amenities_as_words_and_known_placeholders_as_they_are() {
        let mut record = DbRecord::default();
        record.fields.insert("name".into(), "allenbell".into());
        record.fields.insert("internet".into(), "yes".into());
        record.fields.insert("parking".into(), "no".into());
        let db = DbResult {
            domain: Domain::Hotel,
            count: 1,
            record: Some(record),
        };
        let state = DialogState::new();
        assert_eq!(
            for_evaluator(
                "[value_name] has [value_internet] and [value_parking] .",
                Domain::Hotel,
                &db,
                &state
            ),
            "[value_name] has free wifi and no parking ."
        );
        let plain = "[value_name] is in the [value_area] .";
        assert_eq!(for_evaluator(plain, Domain::Hotel, &db, &state), plain);
    }
}
