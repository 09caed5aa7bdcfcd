//! The original MultiWOZ format (2.0 / 2.1 / ConvLab copies): `{id: {goal, log}}`.
//!
//! Dialogs are parsed straight from bytes into serde structs and converted into
//! the model one at a time, so that peak memory stays near the size of the model.

use std::cell::RefCell;
use std::fmt;

use indexmap::IndexMap;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::raw::{BookValue, GoalBookValue, Pairs, RawDialog, RawDomainMeta, RawGoal};
use crate::error::{LoadError, Location};
use crate::model::{
    BeliefState, Dialog, DialogAct, DomainBelief, DomainUserGoal, SourceFormat, Span, SpanPos,
    Speaker, Split, Turn, UserGoal,
};
use crate::{Domain, Slot};

/// Domains found in MultiWOZ belief states that the ontology leaves out on purpose:
/// `bus` is an empty frame in 2.1 and is not evaluated.
const IGNORED_DOMAINS: [&str; 1] = ["bus"];

/// Book keys that are not slots: `booked` is the bookings list, `ticket` an unused
/// train field that is always empty in 2.1.
const IGNORED_BOOK_KEYS: [&str; 1] = ["ticket"];

/// Parses an original-format file's bytes. `at` names the file for errors; `keep`
/// chooses which dialog ids to keep (all when `None`).
pub fn parse_original(
    bytes: &[u8],
    at: &Location,
    split: Option<Split>,
    keep: Option<&(dyn Fn(&str) -> bool + Sync)>,
) -> Result<Vec<Dialog>, LoadError> {
    let failure = RefCell::new(None);
    let current = RefCell::new(None);
    let visitor = DialogsVisitor {
        at,
        split,
        keep,
        failure: &failure,
        current: &current,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = de
        .deserialize_map(visitor)
        .and_then(|d| de.end().map(|()| d));
    match result {
        Ok(d) => Ok(d),
        Err(source) => Err(match failure.into_inner() {
            Some(e) => e,
            None => LoadError::Json {
                at: match current.into_inner() {
                    Some(id) if source.is_data() => at.dialog(&id),
                    _ => at.clone(),
                },
                source,
            },
        }),
    }
}

struct DialogsVisitor<'a> {
    at: &'a Location,
    split: Option<Split>,
    keep: Option<&'a (dyn Fn(&str) -> bool + Sync)>,
    failure: &'a RefCell<Option<LoadError>>,
    current: &'a RefCell<Option<String>>,
}

impl<'de> Visitor<'de> for DialogsVisitor<'_> {
    type Value = Vec<Dialog>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object mapping dialog ids to {goal, log}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Dialog>, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(1024));
        while let Some(id) = map.next_key::<String>()? {
            if self.keep.is_some_and(|k| !k(&id)) {
                map.next_value::<de::IgnoredAny>()?;
                continue;
            }
            *self.current.borrow_mut() = Some(id.clone());
            let raw: RawDialog = map.next_value()?;
            match convert(id, raw, &self.at.clone(), self.split) {
                Ok(d) => out.push(d),
                Err(e) => {
                    *self.failure.borrow_mut() = Some(e);
                    return Err(de::Error::custom("invalid dialog"));
                }
            }
        }
        *self.current.borrow_mut() = None;
        Ok(out)
    }
}

/// Converts one raw dialog, validating domain and slot names.
fn convert(
    id: String,
    raw: RawDialog<'_>,
    at: &Location,
    split: Option<Split>,
) -> Result<Dialog, LoadError> {
    let at = at.dialog(&id);
    let goal = convert_goal(raw.goal, &at)?;
    let mut turns = Vec::with_capacity(raw.log.len());
    for (i, t) in raw.log.into_iter().enumerate() {
        let speaker = if i % 2 == 0 {
            Speaker::User
        } else {
            Speaker::System
        };
        let text = t.text.0;
        let belief = if speaker == Speaker::System {
            Some(convert_belief(t.metadata, &at, i)?)
        } else {
            None
        };
        let acts = t
            .dialog_act
            .0
            .into_iter()
            .map(|(act, slot, value)| DialogAct {
                act,
                slot: slot.0,
                value: value.0,
            })
            .collect();
        let mut spans = Vec::with_capacity(t.span_info.len());
        for (j, s) in t.span_info.into_iter().enumerate() {
            let (Ok(first), Ok(last)) = (usize::try_from(s.3), usize::try_from(s.4)) else {
                return Err(LoadError::Invalid {
                    at: at.field(format!("log[{i}].span_info[{j}]")),
                    reason: format!("negative token index ({}, {})", s.3, s.4),
                });
            };
            spans.push(Span {
                act: s.0,
                slot: s.1,
                value: s.2.0,
                pos: SpanPos::Tokens { first, last },
            });
        }
        turns.push(Turn {
            speaker,
            text,
            belief,
            acts,
            spans,
        });
    }
    Ok(Dialog {
        id,
        split,
        format: SourceFormat::Original,
        goal: Some(goal),
        turns,
    })
}

fn parse_domain(
    name: &str,
    at: &Location,
    field: impl FnOnce() -> String,
) -> Result<Option<Domain>, LoadError> {
    if IGNORED_DOMAINS.contains(&name) {
        return Ok(None);
    }
    // Exact lower-case names are the norm: skip the allocating parser for them.
    if let Some(d) = Domain::ALL.into_iter().find(|d| d.as_str() == name) {
        return Ok(Some(d));
    }
    name.parse::<Domain>()
        .map(Some)
        .map_err(|_| LoadError::UnknownDomain {
            at: at.field(field()),
            name: name.to_string(),
        })
}

/// The slot of a `semi` key: the spellings of MultiWOZ files first, without
/// allocating, then the loose parser.
fn semi_slot(name: &str) -> Option<Slot> {
    Some(match name {
        "area" => Slot::Area,
        "name" => Slot::Name,
        "type" => Slot::Type,
        "food" => Slot::Food,
        "pricerange" => Slot::PriceRange,
        "stars" => Slot::Stars,
        "parking" => Slot::Parking,
        "internet" => Slot::Internet,
        "day" => Slot::Day,
        "departure" => Slot::Departure,
        "destination" => Slot::Destination,
        "arriveBy" => Slot::Arrive,
        "leaveAt" => Slot::Leave,
        "department" => Slot::Department,
        other => return Slot::parse_loose(other),
    })
}

/// The slot of a `book` key (`people` → `bookpeople`).
fn book_slot(name: &str) -> Option<Slot> {
    Some(match name {
        "people" => Slot::BookPeople,
        "day" => Slot::BookDay,
        "time" => Slot::BookTime,
        "stay" => Slot::BookStay,
        other => return Slot::parse_loose(&format!("book{other}")).filter(|s| s.is_book()),
    })
}

fn convert_belief(
    metadata: Pairs<'_, RawDomainMeta<'_>>,
    at: &Location,
    turn: usize,
) -> Result<BeliefState, LoadError> {
    let mut domains = IndexMap::with_capacity(metadata.0.len());
    for (name, meta) in metadata.0 {
        let Some(domain) = parse_domain(&name, at, || format!("log[{turn}].metadata.{name}"))?
        else {
            continue;
        };
        let mut b = DomainBelief::default();
        b.semi.reserve(meta.semi.0.len());
        for (slot, value) in meta.semi.0 {
            let s = semi_slot(&slot).ok_or_else(|| LoadError::UnknownSlot {
                at: at.field(format!("log[{turn}].metadata.{name}.semi.{slot}")),
                name: slot.to_string(),
            })?;
            b.semi.insert(s, value.0);
        }
        for (key, value) in meta.book.0 {
            match value {
                BookValue::Booked(list) => {
                    b.booked = list
                        .into_iter()
                        .map(|m| m.into_iter().map(|(k, v)| (k, v.0)).collect())
                        .collect();
                }
                BookValue::Value(_) if IGNORED_BOOK_KEYS.contains(&key.as_ref()) => {}
                BookValue::Value(v) => {
                    let s = book_slot(&key).ok_or_else(|| LoadError::UnknownSlot {
                        at: at.field(format!("log[{turn}].metadata.{name}.book.{key}")),
                        name: key.to_string(),
                    })?;
                    b.book.insert(s, v);
                }
            }
        }
        domains.insert(domain, b);
    }
    Ok(BeliefState { domains })
}

fn convert_goal(raw: RawGoal, at: &Location) -> Result<UserGoal, LoadError> {
    let mut goal = UserGoal {
        message: raw.message,
        ..UserGoal::default()
    };
    for (name, g) in raw.domains {
        let is_empty = g.info.is_empty()
            && g.fail_info.is_empty()
            && g.book.is_none()
            && g.fail_book.is_empty()
            && g.reqt.is_empty();
        let Some(domain) = parse_domain(&name, at, || format!("goal.{name}"))? else {
            continue;
        };
        if is_empty {
            continue;
        }
        for (section, map) in [("info", &g.info), ("fail_info", &g.fail_info)] {
            if let Some(slot) = map.keys().find(|k| Slot::parse_loose(k).is_none()) {
                return Err(LoadError::UnknownSlot {
                    at: at.field(format!("goal.{name}.{section}.{slot}")),
                    name: slot.clone(),
                });
            }
        }
        let mut dg = DomainUserGoal {
            info: g.info.into_iter().map(|(k, v)| (k, v.0)).collect(),
            fail_info: g.fail_info.into_iter().map(|(k, v)| (k, v.0)).collect(),
            fail_book: g.fail_book.into_iter().map(|(k, v)| (k, v.0)).collect(),
            reqt: g.reqt.into_iter().map(|r| r.0).collect(),
            has_book: g.book.is_some(),
            ..DomainUserGoal::default()
        };
        for (k, v) in g.book.unwrap_or_default() {
            match v {
                GoalBookValue::Value(s) => {
                    dg.book.insert(k, s);
                }
                GoalBookValue::Flag(f) => {
                    dg.book_flags.insert(k, f);
                }
            }
        }
        goal.domains.insert(domain, dg);
    }
    Ok(goal)
}
