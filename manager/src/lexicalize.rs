//! Lexicalization for people: the delexicalized reply with its placeholders
//! filled from the database record and the state (`multiwoz::lex`), plus the
//! details no database holds (booking references, the taxi's car).

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

/// Fills the placeholders of `delex` for `domain` from `db`'s record and the
/// state; placeholders without a value stay as they are.
pub fn lexicalize_reply(
    delex: &str,
    domain: Domain,
    db: &DbResult,
    state: &DialogState,
    seed: u64,
) -> String {
    let mut text = delex.to_string();
    if let Some(car) = db.record.as_ref().and_then(|r| r.get("car")) {
        for p in CAR_PLACEHOLDERS {
            text = text.replace(p, car);
        }
    }
    let slots: IndexMap<String, String> = state
        .get(&domain)
        .map(|s| {
            s.iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let reference = booking_reference(seed);
    let fields = |name: &str| {
        db.record
            .as_ref()
            .and_then(|r| r.get(name))
            .map(str::to_string)
    };
    let ctx = LexContext {
        domain: Some(domain),
        entity: db
            .record
            .as_ref()
            .map(|_| &fields as &dyn multiwoz::lex::FieldSource),
        state: Some(&slots),
        reference: Some(&reference),
        choice: Some(db.count),
    };
    lexicalize(&text, &ctx)
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
            1,
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
            0,
        );
        assert_eq!(text, "a red tesla will pick you up");
    }
}
