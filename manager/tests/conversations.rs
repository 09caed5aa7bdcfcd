//! Scripted conversations with the built-in default, checked against the
//! database: the regression net for whole dialogs (`tests/conversations/` at
//! the repository root, one script per file in `dard chat --script`'s format).
//!
//! Every turn is checked for what a person would never accept — unfilled
//! placeholders, a raw `?` from the database, "a expensive", a word, field,
//! clause or sentence said twice, a phone number or postcode the database does not
//! have, one reference for two bookings. A JSON line's `"expect"` object adds
//! checks of its own turn (see [`check_expectations`]): the domain, the entity
//! offered and its fields in the database, the same venue or taxi as before,
//! a booking and its total, a question, no match, small talk.
//!
//! Needs the MultiWOZ data (found as `dard` finds it, from the repository root).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use manager::script::{ScriptTurn, parse_script};
use manager::{Dard, DialogMemory, DialogState, DomainMemory, TurnOutcome};
use multiwoz::{Domain, Slot};
use serde_json::{Map, Value};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One pipeline for every conversation (building it trains the built-in).
fn dard() -> &'static Dard {
    static DARD: OnceLock<Dard> = OnceLock::new();
    DARD.get_or_init(|| {
        let mut builder = Dard::builder();
        if std::env::var_os("DARD_DATA").is_none() {
            let candidates = [
                root().join("data/multiwoz"),
                root().join("../shared/multiwoz"),
            ];
            if let Some(dir) = candidates.iter().find(|d| d.is_dir()) {
                builder = builder.data_dir(dir);
            }
        }
        builder
            .build()
            .expect("the built-in default on the MultiWOZ data")
    })
}

/// Phone numbers and postcodes the database knows (lower case, no spaces).
fn known_values() -> &'static (BTreeSet<String>, BTreeSet<String>) {
    static KNOWN: OnceLock<(BTreeSet<String>, BTreeSet<String>)> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let db = dard().database();
        let (mut phones, mut postcodes) = (BTreeSet::new(), BTreeSet::new());
        for domain in Domain::ALL {
            // Grounding adds the hospital's and the police's own details.
            let grounded = dard().ground(domain, &Default::default(), 0);
            let records = db
                .entities(domain)
                .iter()
                .map(|e| {
                    (
                        e.get("phone").map(str::to_string),
                        e.get("postcode").map(str::to_string),
                    )
                })
                .chain(grounded.record.iter().map(|r| {
                    (
                        r.get("phone").map(str::to_string),
                        r.get("postcode").map(str::to_string),
                    )
                }));
            for (phone, postcode) in records {
                phones.extend(phone.map(|p| squash(&p)));
                postcodes.extend(postcode.map(|p| squash(&p)));
            }
        }
        (phones, postcodes)
    })
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

/// What the dialog has shown so far, for checks across turns.
#[derive(Default)]
struct Seen {
    /// The entity id last offered per domain.
    offered: BTreeMap<Domain, String>,
    /// The first taxi car of the dialog.
    taxi: Option<(String, String)>,
    /// Every reference given, with what it booked.
    references: BTreeMap<String, (Domain, String)>,
}

/// Plays one script file and checks every turn.
fn play(name: &str) {
    let path = root()
        .join("tests/conversations")
        .join(format!("{name}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let dialogs = parse_script(&text, &path.display().to_string()).unwrap();
    assert!(!dialogs.is_empty(), "{name}: no dialog");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (d, dialog) in dialogs.iter().enumerate() {
        let mut session = dard().session_keyed(&format!("{name}#{d}"));
        let mut seen = Seen::default();
        let mut transcript = String::new();
        for turn in &dialog.turns {
            let outcome = rt.block_on(session.turn(&turn.user)).unwrap();
            transcript.push_str(&format!(
                "USER: {}\nDARD ({}, {} matches): {}\n   state {}\n",
                turn.user,
                outcome.domain,
                outcome.db.count,
                outcome.reply,
                serde_json::to_string(&outcome.state).unwrap_or_default()
            ));
            let memory = session.memory().clone();
            let mut problems = check_every_turn(&outcome, &memory, &mut seen);
            problems.extend(check_expectations(turn, &outcome, &memory, &seen));
            remember(&outcome, &memory, &mut seen);
            assert!(
                problems.is_empty(),
                "{name} (line {}): {}\n--- transcript ---\n{transcript}",
                turn.line,
                problems.join("; ")
            );
        }
    }
}

fn remember(outcome: &TurnOutcome, memory: &DialogMemory, seen: &mut Seen) {
    for (d, m) in &memory.domains {
        if let Some(r) = &m.offered {
            seen.offered.insert(*d, r.id.clone());
        }
    }
    if seen.taxi.is_none()
        && let Some(r) = memory.domain(Domain::Taxi).and_then(|m| m.offered.as_ref())
        && outcome.reply.contains(r.get("car").unwrap_or("\u{0}"))
    {
        seen.taxi = Some((
            r.get("car").unwrap_or_default().to_string(),
            r.get("phone").unwrap_or_default().to_string(),
        ));
    }
}

/// Words that take "a" although they start with a vowel letter.
const A_WORDS: &[&str] = &["uni", "use", "usu", "eu", "one", "once", "ur"];

/// Checks that hold for every reply.
fn check_every_turn(outcome: &TurnOutcome, memory: &DialogMemory, seen: &mut Seen) -> Vec<String> {
    let reply = &outcome.reply;
    let lower = reply.to_lowercase();
    let mut problems = Vec::new();
    if reply.contains('[') {
        problems.push(format!("a placeholder is left: {reply:?}"));
    }
    if let Some(taxi) = outcome.state.get(&Domain::Taxi)
        && let (Some(from), Some(to)) = (
            taxi.get(&multiwoz::Slot::Departure),
            taxi.get(&multiwoz::Slot::Destination),
        )
        && from == to
    {
        problems.push(format!("the taxi goes from {from} to {to}"));
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    for pair in words.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b.trim_end_matches(['.', ',', '?', '!']) == "unknown"
            && !matches!(
                a,
                "is" | "are" | "was" | "an" | "remains" | "currently" | "still"
            )
        {
            problems.push(format!("`{a} unknown` reads badly: {reply:?}"));
        }
        if a == "?" && b.chars().next().is_some_and(char::is_alphabetic) {
            problems.push(format!("a raw `?` value: {reply:?}"));
        }
        if a == b && a.chars().all(char::is_alphabetic) {
            problems.push(format!("`{a}` twice: {reply:?}"));
        }
        // "a and b guest house" is a name, not an article.
        let vowel = b != "and"
            && b.starts_with(['a', 'e', 'i', 'o', 'u'])
            && !A_WORDS.iter().any(|w| b.starts_with(w));
        if a == "a" && vowel {
            problems.push(format!("`a {b}`: {reply:?}"));
        }
    }
    let sentences: Vec<String> = lower
        .split(['.', '!', '?'])
        .map(|s| s.trim().to_string())
        .filter(|s| s.len() > 3)
        .collect();
    let distinct: BTreeSet<&String> = sentences.iter().collect();
    if distinct.len() < sentences.len() {
        problems.push(format!("a sentence said twice: {reply:?}"));
    }
    // "X is in the east and X is in the east": a clause said twice within a
    // sentence, which the sentence check above does not see.
    let mut clauses = BTreeSet::new();
    if words.windows(6).any(|w| !clauses.insert(w)) {
        problems.push(format!("a clause said twice: {reply:?}"));
    }
    let (phones, postcodes) = known_values();
    let taxi_phones: Vec<String> = memory
        .domains
        .values()
        .flat_map(|m| {
            m.offered
                .iter()
                .chain(m.booking.iter().filter_map(|b| b.record.as_ref()))
        })
        .filter_map(|r| r.get("phone").map(squash))
        .collect();
    for token in lower.split(|c: char| !c.is_alphanumeric()) {
        let digits = token.chars().all(|c| c.is_ascii_digit());
        if digits
            && token.len() == 11
            && token.starts_with('0')
            && !phones.contains(token)
            && !taxi_phones.iter().any(|p| p == token)
        {
            problems.push(format!("phone {token} is not in the database: {reply:?}"));
        }
        let postcode_like = token.starts_with("cb")
            && (5..=7).contains(&token.len())
            && token[2..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit());
        if postcode_like && !postcodes.contains(token) {
            problems.push(format!(
                "postcode {token} is not in the database: {reply:?}"
            ));
        }
    }
    for (d, m) in &memory.domains {
        if let Some(b) = &m.booking {
            let what = b.record.as_ref().map(|r| r.id.clone()).unwrap_or_default();
            let key = format!("{what}{:?}", b.details);
            match seen.references.get(&b.reference) {
                Some((d0, k0)) if (d0, k0) != (d, &key) => problems.push(format!(
                    "reference {} given for two bookings ({d0} and {d})",
                    b.reference
                )),
                _ => {
                    seen.references.insert(b.reference.clone(), (*d, key));
                }
            }
        }
    }
    problems
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn offered(memory: &DialogMemory, d: Domain) -> Option<&DomainMemory> {
    memory.domain(d)
}

/// Checks of a turn's `"expect"` object:
/// `domain`, `domain_in`, `says` / `says_not` (substrings, any case), `asks`
/// (a question), `offers` (`false`: nothing offered yet; `true` or field
/// constraints: the reply names the entity offered, which has these fields in
/// the database), `same_offer` (the entity offered before), `booked` (a reference for this domain, shown),
/// `no_booking`, `taxi` (car and phone shown), `same_taxi` (the dialog's first
/// car), `total` (price × people), `no_match`, `off_topic`, `state` (slot
/// values the tracked state holds: `{"taxi": {"departure": "…"}}`).
fn check_expectations(
    turn: &ScriptTurn,
    outcome: &TurnOutcome,
    memory: &DialogMemory,
    seen: &Seen,
) -> Vec<String> {
    let Some(Value::Object(expect)) = turn.extra.get("expect") else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    let reply = outcome.reply.to_lowercase();
    let domain = expected_domain(expect, outcome, &mut problems);
    for s in expect.get("says").map(strings).unwrap_or_default() {
        if !reply.contains(&s.to_lowercase()) {
            problems.push(format!("the reply does not say `{s}`: {:?}", outcome.reply));
        }
    }
    for s in expect.get("says_not").map(strings).unwrap_or_default() {
        if reply.contains(&s.to_lowercase()) {
            problems.push(format!("the reply says `{s}`: {:?}", outcome.reply));
        }
    }
    let flag = |k: &str| expect.get(k).and_then(Value::as_bool).unwrap_or(false);
    if flag("asks") && !reply.contains('?') {
        problems.push(format!("no question asked: {:?}", outcome.reply));
    }
    let mem = offered(memory, domain);
    let record = mem.and_then(|m| m.offered.as_ref());
    if expect.get("offers") == Some(&Value::Bool(false)) {
        // Too little is known yet: a question, not a guess.
        if let Some(r) = record {
            problems.push(format!(
                "offered `{}` before it was asked for: {:?}",
                r.name().unwrap_or_default(),
                outcome.reply
            ));
        }
    } else if let Some(want) = expect.get("offers") {
        match record {
            None => problems.push(format!("nothing offered in {domain}: {:?}", outcome.reply)),
            Some(r) => {
                let name = r.name().unwrap_or_default().to_lowercase();
                if name.is_empty() || !reply.contains(&name) {
                    problems.push(format!(
                        "the reply does not name `{name}`: {:?}",
                        outcome.reply
                    ));
                }
                if let Value::Object(fields) = want {
                    for (k, v) in fields {
                        let want = v
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string());
                        let have = r.get(k).unwrap_or_default().to_lowercase();
                        if have != want.to_lowercase() {
                            problems.push(format!("{name}: {k} is `{have}`, not `{want}`"));
                        }
                    }
                }
            }
        }
    }
    if flag("same_offer") {
        let before = seen.offered.get(&domain);
        let now = record.map(|r| &r.id);
        if before.is_none() || before != now {
            problems.push(format!(
                "the {domain} offer changed from {before:?} to {now:?}"
            ));
        }
    }
    if flag("new_offer") {
        let before = seen.offered.get(&domain);
        let now = record.map(|r| &r.id);
        if now.is_none() || before == now {
            problems.push(format!(
                "the {domain} offer did not change from {before:?}: {:?}",
                outcome.reply
            ));
        }
    }
    let booking = mem.and_then(|m| m.booking.as_ref());
    if flag("booked") {
        match booking {
            Some(b) if reply.contains(&b.reference.to_lowercase()) => {}
            _ => problems.push(format!("no {domain} booking shown: {:?}", outcome.reply)),
        }
    }
    if flag("no_booking") {
        let shown = memory
            .domains
            .values()
            .filter_map(|m| m.booking.as_ref())
            .any(|b| reply.contains(&b.reference.to_lowercase()));
        if shown {
            problems.push(format!("a booking was made: {:?}", outcome.reply));
        }
    }
    let taxi = memory.domain(Domain::Taxi).and_then(|m| m.offered.as_ref());
    if flag("taxi") {
        match taxi {
            Some(t) if reply.contains(t.get("car").unwrap_or("\u{0}")) => {}
            _ => problems.push(format!("no taxi car shown: {:?}", outcome.reply)),
        }
    }
    if flag("same_taxi") {
        let now = taxi.map(|t| {
            (
                t.get("car").unwrap_or_default().to_string(),
                t.get("phone").unwrap_or_default().to_string(),
            )
        });
        if seen.taxi.is_none() || seen.taxi != now {
            problems.push(format!("the taxi changed from {:?} to {now:?}", seen.taxi));
        }
    }
    if flag("total") {
        problems.extend(check_total(booking, &reply));
    }
    if let Some(Value::Object(want)) = expect.get("suggests") {
        problems.extend(check_suggestion(want, domain, &reply));
    }
    if flag("no_match") && outcome.db.count != 0 {
        problems.push(format!("{} matches, expected none", outcome.db.count));
    }
    if let Some(Value::Object(want)) = expect.get("state") {
        problems.extend(check_state(want, &outcome.state));
    }
    if flag("off_topic") && !outcome.off_topic {
        problems.push(format!("not answered as small talk: {:?}", outcome.reply));
    }
    problems
}

/// The slot values of `want` (domain → slot → value) the state lacks or holds
/// otherwise.
fn check_state(want: &Map<String, Value>, state: &DialogState) -> Vec<String> {
    let have = serde_json::to_value(state).unwrap_or_default();
    let mut problems = Vec::new();
    for (domain, slots) in want {
        for (slot, value) in slots.as_object().into_iter().flatten() {
            let got = &have[domain.as_str()][slot.as_str()];
            if got != value {
                problems.push(format!("{domain} {slot} is {got}, not {value}"));
            }
        }
    }
    problems
}

fn expected_domain(
    expect: &Map<String, Value>,
    outcome: &TurnOutcome,
    problems: &mut Vec<String>,
) -> Domain {
    if let Some(d) = expect.get("domain").and_then(Value::as_str) {
        let want: Domain = d.parse().unwrap();
        if outcome.domain != want {
            problems.push(format!(
                "routed to {}, not {want}: {:?}",
                outcome.domain, outcome.reply
            ));
        }
        return want;
    }
    if let Some(ds) = expect.get("domain_in") {
        let allowed: Vec<Domain> = strings(ds).iter().map(|d| d.parse().unwrap()).collect();
        if !allowed.contains(&outcome.domain) {
            problems.push(format!(
                "routed to {}, not one of {allowed:?}",
                outcome.domain
            ));
        }
    }
    outcome.domain
}

/// The reply offers, as what would match instead, venues with the constraints of
/// `want` (slot → value), and gives their number as the database counts them
/// (what changed is checked with `says`).
fn check_suggestion(want: &Map<String, Value>, domain: Domain, reply: &str) -> Vec<String> {
    let constraints: Vec<(&str, &str)> = want
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
        .collect();
    let count = dard()
        .database()
        .query(domain, constraints.iter().copied())
        .len();
    if count == 0 {
        return vec![format!("nothing in {domain} matches {want:?}")];
    }
    let stated = match count {
        1 => "would you like the ".to_string(),
        n => format!("would you like one of the {} ", number_word(n)),
    };
    match reply.contains(&stated) {
        true => Vec::new(),
        false => vec![format!("the reply does not say `{stated}…`: {reply:?}")],
    }
}

/// How the reply writes a count.
fn number_word(n: usize) -> String {
    const WORDS: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| w.to_string())
}

fn check_total(booking: Option<&manager::Booking>, reply: &str) -> Vec<String> {
    let Some(b) = booking else {
        return vec!["no booking to total".to_string()];
    };
    let unit = b
        .record
        .as_ref()
        .and_then(|r| r.get("price"))
        .unwrap_or_default();
    let people: f64 = b
        .details
        .get(&multiwoz::Slot::BookPeople)
        .and_then(|p| p.parse().ok())
        .unwrap_or(1.0);
    let amount: f64 = unit
        .split(' ')
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(0.0);
    let total = format!("{:.2}", amount * people);
    if reply.contains(&total) {
        Vec::new()
    } else {
        vec![format!(
            "the total {total} (= {unit} × {people}) is not in {reply:?}"
        )]
    }
}

#[test]
fn memory_survives_a_snapshot_and_resume() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut session = dard().session();
    rt.block_on(session.turn("Book a table for 2 at golden wok on monday at 18:00"))
        .unwrap();
    let reference = session
        .memory()
        .domain(Domain::Restaurant)
        .and_then(|m| m.booking.as_ref())
        .map(|b| b.reference.clone())
        .expect("a booking");
    let stored = serde_json::to_string(&session.snapshot()).unwrap();
    let mut resumed = dard().resume(serde_json::from_str(&stored).unwrap());
    assert_eq!(resumed.memory(), session.memory());
    let again = rt
        .block_on(resumed.turn("what was the reference number again?"))
        .unwrap();
    assert_eq!(
        resumed
            .memory()
            .domain(Domain::Restaurant)
            .and_then(|m| m.booking.as_ref())
            .map(|b| b.reference.clone()),
        Some(reference),
        "{}",
        again.reply
    );
}

#[test]
fn a_name_the_annotators_write_grounds_as_the_venue_it_names() {
    // MultiWOZ's annotators and the evaluator write "junction theatre" for
    // the database's "the junction".
    let mut state = DialogState::new();
    state
        .entry(Domain::Attraction)
        .or_default()
        .insert(Slot::Name, "junction theatre".to_string());
    let r = dard().ground(Domain::Attraction, &state, 0);
    assert_eq!(r.count, 1, "{r:?}");
    assert_eq!(
        r.record
            .and_then(|r| r.name().map(str::to_string))
            .as_deref(),
        Some("the junction")
    );
}

#[test]
fn script_lines_name_no_domain_for_small_talk() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let dialogs =
        parse_script("hello there\nI need a cheap hotel in the north\n", "inline").unwrap();
    let mut records = Vec::new();
    rt.block_on(manager::script::run_script(dard(), &dialogs, |r| {
        records.push(r)
    }))
    .unwrap();
    assert_eq!(records.len(), 2);
    let line = serde_json::to_value(&records[0]).unwrap();
    assert_eq!(line["domain"], Value::Null, "{line}");
    assert_eq!(line["off_topic"], Value::Bool(true), "{line}");
    assert_eq!(records[1].domain, Some(Domain::Hotel));
    assert!(!records[1].off_topic);
}

#[test]
fn chat_sessions_never_share_references() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut refs = BTreeSet::new();
    for _ in 0..4 {
        let mut session = dard().session();
        rt.block_on(session.turn("Book a table for 2 at golden wok on monday at 18:00"))
            .unwrap();
        let r = session
            .memory()
            .domain(Domain::Restaurant)
            .and_then(|m| m.booking.as_ref())
            .map(|b| b.reference.clone())
            .expect("a booking");
        assert!(refs.insert(r), "a reference came back: {refs:?}");
    }
}

/// One test per script, named after what it guards.
macro_rules! conversations {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                play(stringify!($name));
            }
        )*

        /// Every script in the folder has its test.
        #[test]
        fn every_script_has_a_test() {
            let listed = [$(stringify!($name)),*];
            let dir = root().join("tests/conversations");
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "jsonl") {
                    let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
                    assert!(listed.contains(&stem.as_str()), "{stem}.jsonl has no test");
                }
            }
        }
    };
}

conversations!(
    a_question_about_the_new_venue_is_no_aside,
    a_question_about_the_proposed_alternative_takes_it,
    a_request_put_off_routes_to_what_the_turn_asks,
    a_taxi_between_the_police_and_the_hospital_is_booked,
    a_turn_without_words_gets_what_dard_can_do,
    a_value_given_with_thanks_goes_on_searching,
    a_venue_the_evaluator_renames_is_found_by_its_own_name,
    an_offer_turned_down_gets_another,
    asking_about_the_offer_with_thanks_gets_its_details,
    attraction_by_name,
    attraction_college_address,
    attraction_in_the_south_is_in_the_south,
    attraction_is_it_free_and_where_exactly,
    attraction_multi_sport_in_the_east,
    attraction_named_is_told_where_it_is,
    attraction_new_type_after_an_offer,
    attraction_no_match_names_another_area,
    attraction_same_area_as_the_one_offered,
    attraction_then_restaurant_same_area,
    attraction_type_and_area_of_a_named_venue,
    attraction_type_asked_after_the_name,
    attraction_unknown_fee_reads_as_a_phrase,
    closing_gets_no_new_offer,
    details_of_no_venue_are_asked_back,
    goodbye_after_business_words_closes,
    guesthouse_stays_a_guesthouse,
    hello_gets_what_dard_can_do,
    hospital_address_reaches_the_hospital,
    hospital_department_by_everyday_words,
    hospital_department_is_named_with_its_phone,
    hospital_department_phone,
    hotel_alternative_taken_with_ok,
    hotel_asked_as_somewhere_to_sleep,
    hotel_attraction_taxi,
    hotel_booked_while_a_taxi_waits,
    hotel_booking_asks_for_the_stay,
    hotel_count_claims_only_the_asked_amenity,
    hotel_every_question_is_answered,
    hotel_guesthouse_booking,
    hotel_named_without_its_prefix,
    hotel_nearby_takes_the_area_of_the_attraction,
    hotel_no_match,
    hotel_no_match_names_the_nearest_guesthouses,
    hotel_number_of_stars_address_and_postcode,
    hotel_parking_question_is_answered,
    hotel_star_rating_of_four,
    hotel_star_rating_reads_as_a_rating,
    hotel_stars_correction,
    hotel_type_and_internet_are_honoured,
    hotel_yes_with_a_new_area_is_a_new_search,
    how_much_a_night_gives_the_room_prices,
    hurt_child_reaches_the_hospital,
    internet_no_is_no_internet,
    joke_gets_no_venue,
    misspelt_attraction_name_is_no_station,
    museum_is_not_called_a_college,
    nightclub_is_called_by_its_own_type,
    no_repeated_fields_or_sentences,
    no_thanks_but_a_new_request_is_not_a_goodbye,
    off_topic_mid_dialog,
    parking_said_not_to_matter_is_not_answered,
    police_question_reaches_the_police,
    police_then_goodbye,
    references_differ_between_bookings,
    restaurant_booking_asks_what_is_missing,
    restaurant_cheap_centre_booking,
    restaurant_details_then_a_train,
    restaurant_dontcare_area,
    restaurant_dontcare_price,
    restaurant_food_correction,
    restaurant_more_info_tells_how_to_reach_it,
    restaurant_named_exactly_is_the_one_offered,
    restaurant_near_a_hotel_chosen_by_name,
    restaurant_no_match,
    restaurant_no_match_names_what_the_area_has,
    restaurant_no_match_then_relax,
    restaurant_offer_stays_named,
    restaurant_on_the_day_my_train_arrives,
    restaurant_phone_and_postcode,
    restaurant_something_different_offers_the_next_venue,
    restaurant_then_taxi_between_venues,
    restaurant_turned_down_values_are_no_constraints,
    robbery_reaches_the_police,
    small_talk_then_ok_and_a_request_gets_an_offer,
    something_fun_to_do_nearby_is_an_attraction,
    taxi_arrive_by_booking,
    taxi_arrives_before_our_reservation,
    taxi_arrives_by_the_booking_time,
    taxi_come_to_is_the_pickup,
    taxi_destination_question_is_answered,
    taxi_from_a_hotel_name_is_a_departure,
    taxi_from_one_venue_goes_to_the_other,
    taxi_from_the_restaurant_to_the_train_station,
    taxi_keeps_its_car_and_phone,
    taxi_leaving_the_college_for_the_other_place,
    taxi_picked_up_at_a_venue_starts_there,
    taxi_route_changed_after_both_ends,
    taxi_there_after_the_hospital,
    taxi_time_said_before_the_taxi,
    taxi_to_a_misspelt_venue,
    taxi_to_get_there_goes_to_the_venue,
    taxi_to_the_booked_table_arrives_by_its_time,
    taxi_waits_for_pickup_and_time,
    taxi_with_any_time_gets_no_empty_car,
    thanks_accepting_a_booking_offer_books,
    thanks_then_parks_is_a_new_request,
    thanks_with_a_yes_no_question_is_answered,
    the_information_of_the_guesthouse_tells_how_to_reach_it,
    train_and_hotel,
    train_arrive_by,
    train_booking_one_person,
    train_departure_time_after_is_a_constraint,
    train_id_like_is_no_question_of_the_id,
    train_leaves_and_arrives_in,
    train_out_of_a_city_is_the_departure,
    train_party_given_after_booking_rebooks,
    train_party_said_beside_a_new_request,
    train_price_and_duration,
    train_price_question_books_nothing,
    train_seats_wait_for_the_route,
    train_ticket_price_and_travel_time_book_nothing,
    train_tickets_for_both_of_us,
    train_total_asked_after_the_booking,
    train_total_is_price_times_people,
    two_dialogs_in_one_script,
    two_requests_in_one_turn_are_both_answered,
    unknown_entrance_fee_reads_unknown,
    where_is_the_ward_gives_the_hospital_address,
);
