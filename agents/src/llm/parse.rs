//! Robust parsing of model replies: JSON first (also inside code fences or after
//! chatter), then tagged lines (`domain: hotel`), then bare answers. A parser
//! returns the reason a reply is unusable, which goes into the repair prompt.

use multiwoz::{Domain, Slot};
use serde_json::Value;

use crate::prompt::{domain_slots, unknown_placeholders};
use crate::roles::DialogState;

/// Removes surrounding code fences (```` ```json … ``` ````) and whitespace.
fn strip_fences(text: &str) -> &str {
    let t = text.trim();
    let Some(inner) = t.strip_prefix("```") else {
        return t;
    };
    // Drop the info string (`json`) on the opening fence's line.
    let inner = inner.split_once('\n').map_or("", |(_, rest)| rest);
    inner.trim_end().strip_suffix("```").unwrap_or(inner).trim()
}

/// The first balanced JSON object in `text`, parsed.
fn find_json_object(text: &str) -> Option<serde_json::Map<String, Value>> {
    json_objects(text).into_iter().next()
}

/// Every balanced JSON object in `text` that parses, outermost only, in order.
fn json_objects(text: &str) -> Vec<serde_json::Map<String, Value>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut start = 0;
    let mut end = None;
    while let Some(rel) = text[start..].find('{') {
        let open = start + rel;
        let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
        for (i, &b) in bytes.iter().enumerate().skip(open) {
            if in_str {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_str = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        if let Ok(Value::Object(map)) = serde_json::from_str(&text[open..=i]) {
                            found.push(map);
                            end = Some(i);
                        }
                        break;
                    }
                }
                _ => {}
            }
        }
        start = end.take().map_or(open + 1, |i| i + 1);
    }
    found
}

/// `text` up to the first stop sequence that starts after its leading
/// whitespace (the same rule as the llama backend's), for backends that do
/// not apply stop sequences themselves.
pub fn cut_at_stop<'t>(text: &'t str, stops: &[&str]) -> &'t str {
    let lead = text.len() - text.trim_start().len();
    let cut = stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text[lead..].find(s).map(|at| at + lead))
        .min();
    cut.map_or(text, |at| &text[..at])
}

/// How many words in a row an answer must share with the system prompt to
/// count as repeating it. No reply of a clerk, routing reason or state says
/// eight words of the instructions in a row; a model that echoes them does.
const ECHO_WORDS: usize = 8;

/// The stretch of `system` that `reply` repeats, when it repeats
/// [`ECHO_WORDS`] or more words of it in a row (compared lower-cased, on
/// letters and digits only); `None` for a reply of its own.
pub fn echoed_instructions(reply: &str, system: &str) -> Option<String> {
    fn words(text: &str) -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    }
    let reply = words(reply);
    let system = words(system);
    if reply.len() < ECHO_WORDS || system.len() < ECHO_WORDS {
        return None;
    }
    let grams: std::collections::HashSet<&[String]> = system.windows(ECHO_WORDS).collect();
    reply
        .windows(ECHO_WORDS)
        .find(|w| grams.contains(w))
        .map(|w| w.join(" "))
}

/// The non-empty example states a tracker's instructions show (the JSON
/// objects of its system prompt that read as a state), to reject an answer
/// that copies one ([`check_not_instruction_example`]).
pub fn instruction_examples(system: &str) -> Vec<DialogState> {
    json_objects(system)
        .into_iter()
        .filter_map(|map| parse_state(&Value::Object(map).to_string()).ok())
        .filter(|state| !state.is_empty())
        .collect()
}

/// Rejects a tracked state that is one of the instructions' own examples,
/// unless the conversation (or the previous state) really holds it: every
/// value of the example appears in `dialog` (the conversation's text), or
/// the previous state already equals it. A model that cannot do the task
/// often answers with the example it was shown.
pub fn check_not_instruction_example(
    state: &DialogState,
    examples: &[DialogState],
    previous: &DialogState,
    dialog: &str,
) -> Result<(), String> {
    let Some(example) = examples.iter().find(|e| *e == state) else {
        return Ok(());
    };
    if example == previous {
        return Ok(());
    }
    let dialog = dialog.to_lowercase();
    let grounded = example
        .values()
        .flat_map(|slots| slots.values())
        .all(|v| dialog.contains(v.as_str()));
    if grounded {
        return Ok(());
    }
    Err(format!(
        "it is the example from the instructions ({}), not this conversation's state",
        crate::prompt::format_state(example)
    ))
}

/// `key: value` or `key = value` lines, keys lower-cased and trimmed.
fn tagged_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim().trim_start_matches(['-', '*', ' ']);
            let (k, v) = line.split_once(':').or_else(|| line.split_once('='))?;
            Some((k.trim().to_lowercase(), v.trim().to_string()))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_string()),
        _ => None,
    }
}

fn parse_domain_word(text: &str) -> Option<Domain> {
    let word = text
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    let word = word.strip_suffix(" agent").unwrap_or(&word);
    word.parse().ok()
}

/// Parses the router's reply: the domain and the reason (empty when not given).
pub fn parse_route(text: &str) -> Result<(Domain, String), String> {
    let t = strip_fences(text);
    if t.is_empty() {
        return Err("the answer is empty".to_string());
    }
    if let Some(map) = find_json_object(t) {
        let domain = map
            .get("domain")
            .or_else(|| map.get("agent"))
            .and_then(Value::as_str);
        let reason = map
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_string();
        return match domain.map(|d| (d, parse_domain_word(d))) {
            Some((_, Some(d))) => Ok((d, reason)),
            Some((raw, None)) => Err(format!("`{raw}` is not one of the agents")),
            None => Err("the JSON object has no \"domain\" field".to_string()),
        };
    }
    let lines = tagged_lines(t);
    let tagged = lines
        .iter()
        .find(|(k, _)| k == "domain" || k == "agent")
        .map(|(_, v)| v.as_str());
    if let Some(raw) = tagged {
        let reason = lines
            .iter()
            .find(|(k, _)| k == "reason")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        return parse_domain_word(raw)
            .map(|d| (d, reason))
            .ok_or_else(|| format!("`{raw}` is not one of the agents"));
    }
    // A bare agent name, possibly followed by a reason on the same line.
    let first = t
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .next();
    match first.and_then(parse_domain_word) {
        Some(d) => {
            let reason = t[first.map_or(0, str::len)..]
                .trim_start_matches([',', '.', ':', '-', ' '])
                .trim()
                .to_string();
            Ok((d, reason))
        }
        None => Err("no agent name found; answer with {\"domain\": …, \"reason\": …}".to_string()),
    }
}

/// Normalizes a state value: lower case, trimmed; `None` for values meaning
/// "not given"; the don't-care spellings become `dontcare`.
fn normalize_value(value: &str) -> Option<String> {
    let v = value.trim().to_lowercase();
    match v.as_str() {
        "" | "none" | "not mentioned" | "null" | "unknown" | "n/a" | "?" => None,
        "dontcare" | "don't care" | "dont care" | "do n't care" | "any" | "doesn't matter" => {
            Some("dontcare".to_string())
        }
        _ => Some(v),
    }
}

/// Inserts a slot if the domain has it; returns whether it was kept.
fn insert_slot(state: &mut DialogState, domain: Domain, slot: &str, value: &str) -> bool {
    let Some(slot) = Slot::parse_loose(slot) else {
        return false;
    };
    if !domain_slots(domain).contains(&slot) {
        return false;
    }
    if let Some(v) = normalize_value(value) {
        state.entry(domain).or_default().insert(slot, v);
    }
    true
}

/// Splits `restaurant-area`, `restaurant_area`, `restaurant area` into parts.
fn split_flat(key: &str) -> Option<(Domain, &str)> {
    let (d, s) = key.split_once(['-', '_', ' ', '.'])?;
    Some((d.trim().parse().ok()?, s.trim()))
}

/// Parses the tracker's reply: the complete updated state.
pub fn parse_state(text: &str) -> Result<DialogState, String> {
    let t = strip_fences(text);
    if t.is_empty() {
        return Err("the answer is empty".to_string());
    }
    let mut state = DialogState::new();
    if let Some(map) = find_json_object(t) {
        let mut known = 0;
        for (key, value) in &map {
            match value {
                Value::Object(slots) => {
                    let Ok(domain) = key.parse::<Domain>() else {
                        continue;
                    };
                    known += 1;
                    for (slot, v) in slots {
                        if let Some(v) = value_text(v) {
                            insert_slot(&mut state, domain, slot, &v);
                        }
                    }
                }
                other => {
                    if let (Some((domain, slot)), Some(v)) = (split_flat(key), value_text(other))
                        && insert_slot(&mut state, domain, slot, &v)
                    {
                        known += 1;
                    }
                }
            }
        }
        if known == 0 && !map.is_empty() {
            return Err("the JSON object names no known domain".to_string());
        }
        return Ok(state);
    }
    let lower = t.to_lowercase();
    if matches!(lower.trim_end_matches('.'), "none" | "empty" | "{}") {
        return Ok(state);
    }
    let mut known = 0;
    for (key, value) in tagged_lines(t) {
        if let Some((domain, slot)) = split_flat(&key)
            && insert_slot(&mut state, domain, slot, &value)
        {
            known += 1;
        }
    }
    if known == 0 {
        return Err("no state found; answer with one line of JSON such as {\"hotel\": {\"area\": \"north\"}}".to_string());
    }
    Ok(state)
}

/// The reply up to a speaker tag written inside it (`… . user: i also need
/// a taxi`): a model that runs on into the next turns is cut where its own
/// turn ends, on one line as much as across lines.
fn cut_at_speaker_tag(reply: &str) -> &str {
    // ASCII lower-casing keeps byte offsets, so `at` indexes `reply` too.
    let lower = reply.to_ascii_lowercase();
    let cut = ["user:", "system:", "assistant:", "customer:"]
        .iter()
        .filter_map(|tag| {
            lower
                .match_indices(tag)
                .map(|(i, _)| i)
                .find(|&i| i == 0 || lower[..i].ends_with(|c: char| c.is_whitespace() || c == '"'))
        })
        .min();
    cut.map_or(reply, |at| &reply[..at])
}

/// Parses a domain agent's reply: the delexicalized text on one line.
pub fn parse_response(text: &str) -> Result<String, String> {
    let t = strip_fences(text);
    let body = match find_json_object(t) {
        Some(map) if t.starts_with('{') => ["response", "reply", "text"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_str))
            .map(str::to_string)
            .unwrap_or_default(),
        _ => {
            // The first paragraph; models sometimes add notes after a blank line.
            let para = t.split("\n\n").next().unwrap_or_default();
            let para = para.trim();
            let lower = para.to_lowercase();
            let prefix = ["reply:", "response:", "system:", "assistant:"]
                .iter()
                .find(|p| lower.starts_with(**p))
                .map_or(0, |p| p.len());
            para[prefix..].trim().trim_matches('"').to_string()
        }
    };
    let reply = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let reply = cut_at_speaker_tag(&reply).trim_end().to_string();
    if reply.is_empty() {
        return Err("the reply is empty".to_string());
    }
    let unknown = unknown_placeholders(&reply);
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.iter().map(|u| format!("[{u}]")).collect();
        return Err(format!(
            "it uses placeholders that do not exist: {}",
            names.join(", ")
        ));
    }
    Ok(reply)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn route_parses_json_tagged_and_bare_answers() {
        assert_eq!(
            parse_route(r#"{"domain": "hotel", "reason": "wants a room"}"#).unwrap(),
            (Domain::Hotel, "wants a room".to_string())
        );
        assert_eq!(
            parse_route("```json\n{\"domain\": \"Train\"}\n```")
                .unwrap()
                .0,
            Domain::Train
        );
        assert_eq!(
            parse_route("Sure! {\"agent\": \"taxi agent\", \"reason\": \"a cab\"} done")
                .unwrap()
                .0,
            Domain::Taxi
        );
        assert_eq!(
            parse_route("domain: police\nreason: robbed").unwrap(),
            (Domain::Police, "robbed".to_string())
        );
        assert_eq!(parse_route("restaurant.").unwrap().0, Domain::Restaurant);
    }

    #[test]
    fn route_rejects_empty_and_unknown_answers() {
        assert!(parse_route("  ").unwrap_err().contains("empty"));
        assert!(
            parse_route(r#"{"domain": "bus"}"#)
                .unwrap_err()
                .contains("bus")
        );
        assert!(parse_route("I cannot decide").is_err());
    }

    #[test]
    fn state_parses_nested_flat_and_tagged_forms() {
        let s = parse_state(r#"{"restaurant": {"food": "Italian", "price range": "cheap", "area": "none"}, "bus": {}}"#).unwrap();
        let r = &s[&Domain::Restaurant];
        assert_eq!(r[&Slot::Food], "italian");
        assert_eq!(r[&Slot::PriceRange], "cheap");
        assert!(!r.contains_key(&Slot::Area));
        let s = parse_state(r#"{"hotel-stars": 4, "hotel-parking": "don't care"}"#).unwrap();
        assert_eq!(s[&Domain::Hotel][&Slot::Stars], "4");
        assert_eq!(s[&Domain::Hotel][&Slot::Parking], "dontcare");
        let s = parse_state("train-leaveAt: 09:15\ntrain-day = monday").unwrap();
        assert_eq!(s[&Domain::Train][&Slot::Leave], "09:15");
        assert_eq!(s[&Domain::Train][&Slot::Day], "monday");
        assert!(parse_state("{}").unwrap().is_empty());
    }

    #[test]
    fn state_drops_slots_a_domain_does_not_have() {
        let s = parse_state(r#"{"attraction": {"stars": "4", "area": "west"}}"#).unwrap();
        assert_eq!(s[&Domain::Attraction].len(), 1);
    }

    #[test]
    fn state_rejects_garbage() {
        assert!(parse_state("").is_err());
        assert!(parse_state("the user wants food").is_err());
        assert!(parse_state(r#"{"weather": "sunny"}"#).is_err());
    }

    #[test]
    fn cut_at_stop_ignores_stops_in_leading_whitespace() {
        let stops = ["\nuser:", "\nExample "];
        assert_eq!(
            cut_at_stop("{\"a\": 1}\n\nExample 4:\nuser: hi", &stops),
            "{\"a\": 1}\n"
        );
        assert_eq!(cut_at_stop("\nuser: hi", &stops), "\nuser: hi");
        assert_eq!(cut_at_stop("plain", &stops), "plain");
    }

    #[test]
    fn echoed_system_prompt_is_found_and_own_answers_are_not() {
        let system = "You are the hotel agent of a travel information desk in Cambridge, UK.";
        assert_eq!(
            echoed_instructions(
                "Sure. You are the hotel agent of a travel information desk!",
                system
            )
            .as_deref(),
            Some("you are the hotel agent of a travel")
        );
        assert_eq!(
            echoed_instructions("[value_name] is a hotel in the north of town .", system),
            None
        );
        assert_eq!(echoed_instructions("hotel agent", system), None);
    }

    #[test]
    fn instruction_example_state_is_rejected_unless_the_dialog_holds_it() {
        let system = r#"Answer with JSON, for example {"restaurant": {"area": "centre", "food": "italian"}}; answer {} when nothing is known."#;
        let examples = instruction_examples(system);
        assert_eq!(examples.len(), 1, "{{}} is no example state");
        let copied = examples[0].clone();
        let empty = DialogState::new();
        let err = check_not_instruction_example(&copied, &examples, &empty, "a train to ely")
            .unwrap_err();
        assert!(err.contains("example from the instructions"), "{err}");
        assert!(
            check_not_instruction_example(
                &copied,
                &examples,
                &empty,
                "Italian food in the centre, please"
            )
            .is_ok()
        );
        assert!(check_not_instruction_example(&copied, &examples, &copied, "thanks").is_ok());
        let other = parse_state(r#"{"restaurant": {"area": "north"}}"#).unwrap();
        assert!(check_not_instruction_example(&other, &examples, &empty, "x").is_ok());
    }

    #[test]
    fn json_objects_finds_every_outer_object() {
        let found = json_objects(r#"a {"x": {"y": 1}} b {not json} c {"z": 2}"#);
        assert_eq!(found.len(), 2);
        assert!(found[0].contains_key("x") && found[1].contains_key("z"));
    }

    #[test]
    fn response_is_cut_at_a_speaker_tag_on_the_same_line() {
        assert_eq!(
            parse_response("i found [value_name] . user: great , book it . system: done .")
                .unwrap(),
            "i found [value_name] ."
        );
        assert!(parse_response("user: i need a hotel").is_err());
        // A word that merely ends in a tag is no tag.
        assert_eq!(
            parse_response("the superuser: fine .").unwrap(),
            "the superuser: fine ."
        );
    }

    #[test]
    fn response_strips_labels_and_checks_placeholders() {
        assert_eq!(
            parse_response("Reply: [value_name] is a nice place .\n\nNote: I used placeholders.")
                .unwrap(),
            "[value_name] is a nice place ."
        );
        assert_eq!(
            parse_response(r#"{"response": "booked , ref [value_reference] ."}"#).unwrap(),
            "booked , ref [value_reference] ."
        );
        assert!(parse_response("").unwrap_err().contains("empty"));
        assert!(
            parse_response("it has [value_wifi] .")
                .unwrap_err()
                .contains("[value_wifi]")
        );
    }
}
