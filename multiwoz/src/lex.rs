//! Delexicalization (values → `[value_x]` placeholders, via span annotations) and
//! lexicalization (placeholders → concrete values from a database entity and the
//! belief state, for people to read).
//!
//! Lexicalization takes any [`FieldSource`] for entity fields, so it does not depend
//! on how the database stores its entities.

use std::fmt::Write as _;

use indexmap::IndexMap;

use crate::Domain;
use crate::model::{Span, SpanPos, Turn};

/// The placeholder name for a MultiWOZ 2.1 span slot, as the evaluator's reference
/// files spell it: `Addr` → `value_address`, `Post` → `value_postcode`, `Ref` →
/// `value_reference`, `Fee`/`Ticket` → `value_price`, `Dest` → `value_destination`,
/// `Depart` → `value_departure`; other slots are lower-cased (`Phone` → `value_phone`).
pub fn placeholder_name(span_slot: &str) -> String {
    let lower = span_slot.to_ascii_lowercase();
    let mapped = match lower.as_str() {
        "addr" => "address",
        "post" => "postcode",
        "ref" => "reference",
        "fee" | "ticket" => "price",
        "dest" => "destination",
        "depart" => "departure",
        other => other,
    };
    format!("value_{mapped}")
}

/// Delexicalizes a turn with its own spans.
pub fn delexicalize(turn: &Turn) -> String {
    delexicalize_text(&turn.text, &turn.spans)
}

/// Replaces each annotated value with a placeholder, the way the evaluator builds
/// its references: spans sorted (stably) by start, a span starting inside an earlier
/// replaced one skipped, `dontcare` values kept as text.
///
/// Token spans (MultiWOZ 2.1) give `[value_x]` placeholders and a text re-joined with
/// single spaces; character spans (2.2) give `[slot]` placeholders, as the evaluator
/// writes them. Indices out of range are clamped like Python slices, so a span whose
/// end precedes its start still inserts its placeholder (PMUL4672 has one).
pub fn delexicalize_text(text: &str, spans: &[Span]) -> String {
    let mut sorted: Vec<&Span> = spans.iter().collect();
    sorted.sort_by_key(|s| match s.pos {
        SpanPos::Tokens { first, .. } => first,
        SpanPos::Chars { start, .. } => start,
    });
    let token_spans = sorted
        .iter()
        .all(|s| matches!(s.pos, SpanPos::Tokens { .. }));
    if token_spans {
        delex_tokens(text, &sorted)
    } else {
        delex_chars(text, &sorted)
    }
}

fn delex_tokens(text: &str, spans: &[&Span]) -> String {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut prev = 0;
    for span in spans {
        let SpanPos::Tokens { first, last } = span.pos else {
            continue;
        };
        if first < prev || span.value == "dontcare" {
            continue;
        }
        out.extend(slice(&tokens, prev, first).iter().map(|t| t.to_string()));
        out.push(format!("[{}]", placeholder_name(&span.slot)));
        prev = last.saturating_add(1);
    }
    out.extend(
        slice(&tokens, prev, tokens.len())
            .iter()
            .map(|t| t.to_string()),
    );
    out.join(" ")
}

/// `items[from:to]` with Python's clamping (empty when `from >= to`).
fn slice<T>(items: &[T], from: usize, to: usize) -> &[T] {
    let to = to.min(items.len());
    let from = from.min(to);
    &items[from..to]
}

fn delex_chars(text: &str, spans: &[&Span]) -> String {
    // Offsets count characters (Python string indices), not bytes.
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut prev = 0;
    for span in spans {
        let SpanPos::Chars { start, end } = span.pos else {
            continue;
        };
        if start < prev || span.value == "dontcare" {
            continue;
        }
        out.extend(slice(&chars, prev, start));
        let _ = write!(out, "[{}]", span.slot);
        prev = end;
    }
    out.extend(slice(&chars, prev, chars.len()));
    out
}

/// A source of raw entity fields (`address`, `phone`, `postcode`, `pricerange`,
/// `trainID`, …), such as a database entity.
pub trait FieldSource {
    /// The field's value, if the entity has it.
    fn field(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> FieldSource for F {
    fn field(&self, name: &str) -> Option<String> {
        self(name)
    }
}

impl FieldSource for crate::db::Entity {
    fn field(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }
}

/// What lexicalization may fill placeholders from.
#[derive(Default)]
pub struct LexContext<'a> {
    /// The domain the response talks about (chooses e.g. what `price` means).
    pub domain: Option<Domain>,
    /// The entity offered (database fields).
    pub entity: Option<&'a dyn FieldSource>,
    /// The domain's belief state, slot → value (`bookpeople`, `leave`, …).
    pub state: Option<&'a IndexMap<String, String>>,
    /// A booking reference to show, if one was made.
    pub reference: Option<&'a str>,
    /// How many entities matched (for `choice`/`count` placeholders).
    pub choice: Option<usize>,
}

/// Replaces placeholders (`[value_name]`, `[restaurant_phone]`, `[address]`) by
/// concrete values from the context; placeholders with no value are left as they are.
pub fn lexicalize(text: &str, ctx: &LexContext<'_>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close_rel) = rest[open..].find(']') else {
            break;
        };
        let close = open + close_rel;
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        match fill(name, ctx) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The value for one placeholder name.
fn fill(name: &str, ctx: &LexContext<'_>) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    // `value_x`, `restaurant_x` and bare `x` all name the attribute `x`.
    let attr = match lower.split_once('_') {
        Some((prefix, attr)) if prefix == "value" || prefix.parse::<Domain>().is_ok() => attr,
        _ => lower.as_str(),
    };
    let entity = |field: &str| ctx.entity.and_then(|e| e.field(field));
    let state = |slot: &str| ctx.state.and_then(|s| s.get(slot).cloned());
    match attr {
        "reference" | "ref" => ctx.reference.map(str::to_string),
        "choice" | "count" => ctx.choice.map(|n| n.to_string()),
        "price" => match ctx.domain {
            Some(Domain::Attraction) => entity("entrance fee"),
            Some(Domain::Train) => entity("price"),
            _ => entity("pricerange").or_else(|| entity("price")),
        },
        "postcode" | "post" => entity("postcode"),
        "address" | "addr" => entity("address"),
        "id" | "trainid" => entity("trainID"),
        "leave" | "leaveat" => entity("leaveAt").or_else(|| state("leave")),
        "arrive" | "arriveby" => entity("arriveBy").or_else(|| state("arrive")),
        "people" | "bookpeople" => state("bookpeople"),
        "stay" | "bookstay" => state("bookstay"),
        "time" | "booktime" => state("booktime").or_else(|| entity("duration")),
        "day" | "bookday" => state("bookday")
            .or_else(|| state("day"))
            .or_else(|| entity("day")),
        "car" => None,
        other => entity(other).or_else(|| state(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(slot: &str, value: &str, first: usize, last: usize) -> Span {
        Span {
            act: "Hotel-Inform".to_string(),
            slot: slot.to_string(),
            value: value.to_string(),
            pos: SpanPos::Tokens { first, last },
        }
    }

    #[test]
    fn token_spans_become_value_placeholders_in_start_order() {
        let text = "Their address is 4 Kings Parade , postcode CB21SJ .";
        let spans = [
            span("Post", "CB21SJ", 8, 8),
            span("Addr", "4 Kings Parade", 3, 5),
        ];
        assert_eq!(
            delexicalize_text(text, &spans),
            "Their address is [value_address] , postcode [value_postcode] ."
        );
    }

    #[test]
    fn dontcare_and_overlapping_spans_are_left_as_text() {
        let text = "any area is fine in the centre";
        let spans = [
            span("Area", "dontcare", 0, 1),
            span("Area", "centre", 6, 6),
            span("Name", "the centre", 5, 6),
        ];
        assert_eq!(
            delexicalize_text(text, &spans),
            "any area is fine in [value_name]"
        );
    }

    #[test]
    fn reversed_span_inserts_its_placeholder_like_python_slicing() {
        // PMUL4672 turn 1 has a span ending before it starts.
        let text = "Yes , Camboats is a boat";
        let spans = [span("Name", "Camboats", 2, 2), span("Type", "boat", 3, 2)];
        assert_eq!(
            delexicalize_text(text, &spans),
            "Yes , [value_name] [value_type] is a boat"
        );
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        let spans = [span("Name", "x", 7, 9)];
        assert_eq!(delexicalize_text("a b", &spans), "a b [value_name]");
    }

    #[test]
    fn char_spans_count_characters_not_bytes() {
        let spans = [Span {
            act: "Restaurant-Inform".to_string(),
            slot: "name".to_string(),
            value: "Café Uno".to_string(),
            pos: SpanPos::Chars { start: 4, end: 12 },
        }];
        assert_eq!(
            delexicalize_text("Try Café Uno now", &spans),
            "Try [name] now"
        );
    }

    #[test]
    fn lexicalize_fills_from_entity_state_and_reference() {
        let entity = |f: &str| match f {
            "name" => Some("Allenbell".to_string()),
            "phone" => Some("01223210353".to_string()),
            "pricerange" => Some("cheap".to_string()),
            "entrance fee" => Some("5 pounds".to_string()),
            _ => None,
        };
        let mut state = IndexMap::new();
        state.insert("bookpeople".to_string(), "2".to_string());
        let ctx = LexContext {
            domain: Some(Domain::Hotel),
            entity: Some(&entity),
            state: Some(&state),
            reference: Some("ABC123"),
            choice: Some(3),
        };
        assert_eq!(
            lexicalize(
                "[value_name] is [value_price], call [hotel_phone]. booked for [value_people], ref [value_reference]. [value_choice] options, [value_car]",
                &ctx
            ),
            "Allenbell is cheap, call 01223210353. booked for 2, ref ABC123. 3 options, [value_car]"
        );
        let ctx = LexContext {
            domain: Some(Domain::Attraction),
            entity: Some(&entity),
            ..LexContext::default()
        };
        assert_eq!(
            lexicalize("entrance is [value_price] [", &ctx),
            "entrance is 5 pounds ["
        );
    }

    #[test]
    fn placeholder_names_follow_the_reference_files() {
        assert_eq!(placeholder_name("Addr"), "value_address");
        assert_eq!(placeholder_name("Ticket"), "value_price");
        assert_eq!(placeholder_name("Car"), "value_car");
    }
}
