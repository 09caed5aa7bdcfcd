//! The fast path of the prediction reader: serde visitors that build
//! [`Predictions`] straight from the JSON text, without an intermediate tree.
//!
//! It accepts only files on which it is sure to agree with the exact reader in
//! [`crate::predictions`]: well-formed files without duplicate keys (a repeated
//! dialog id, turn field, state domain or slot). Anything else — a syntax error,
//! a wrong type, a missing `response`, a duplicate — makes it give up, and the
//! caller re-reads the file with the exact reader, which reports the problem (or
//! applies Python's last-value-wins rule) exactly as before. So this path changes
//! speed, never results or messages.

use std::fmt;

use indexmap::IndexMap;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::json::Json;

use crate::predictions::{
    PredictedDialog, PredictedTurn, Predictions, ReadWarnings, TurnState, count_unknown_domain,
    normalize_dialog_id,
};

/// Parses predictions when the file is clean (see the module documentation);
/// `None` sends the caller to the exact reader.
pub(crate) fn read_clean(bytes: &[u8]) -> Option<Predictions> {
    let mut warnings = ReadWarnings::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let dialogs = de
        .deserialize_map(RootVisitor {
            warnings: &mut warnings,
        })
        .ok()?;
    de.end().ok()?;
    Some(Predictions { dialogs, warnings })
}

/// Any reason to give up; the exact reader finds the real one.
fn give_up<E: de::Error>() -> E {
    E::custom("not a clean prediction file")
}

struct RootVisitor<'w> {
    warnings: &'w mut ReadWarnings,
}

impl<'de> Visitor<'de> for RootVisitor<'_> {
    type Value = IndexMap<String, PredictedDialog>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of dialog id → list of turns")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut dialogs = IndexMap::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(id) = map.next_key::<String>()? {
            let turns = map.next_value_seed(TurnsSeed {
                warnings: &mut *self.warnings,
            })?;
            let key = normalize_dialog_id(&id);
            let dialog = PredictedDialog {
                original_id: id,
                turns,
            };
            if dialogs.insert(key, dialog).is_some() {
                return Err(give_up());
            }
        }
        Ok(dialogs)
    }
}

struct TurnsSeed<'w> {
    warnings: &'w mut ReadWarnings,
}

impl<'de> DeserializeSeed<'de> for TurnsSeed<'_> {
    type Value = Vec<PredictedTurn>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TurnsSeed<'_> {
    type Value = Vec<PredictedTurn>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of turns")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut turns = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(turn) = seq.next_element_seed(TurnSeed {
            warnings: &mut *self.warnings,
        })? {
            turns.push(turn);
        }
        Ok(turns)
    }
}

struct TurnSeed<'w> {
    warnings: &'w mut ReadWarnings,
}

impl<'de> DeserializeSeed<'de> for TurnSeed<'_> {
    type Value = PredictedTurn;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TurnSeed<'_> {
    type Value = PredictedTurn;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a turn object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut response: Option<String> = None;
        let mut state: Option<TurnState> = None;
        let mut active_domains: Option<Vec<String>> = None;
        let mut ignored: Vec<String> = Vec::new();
        while let Some(field) = map.next_key_seed(FieldSeed)? {
            match field {
                Field::Response if response.is_none() => response = Some(map.next_value()?),
                Field::State if state.is_none() => {
                    state = Some(map.next_value_seed(StateSeed)?);
                }
                Field::ActiveDomains if active_domains.is_none() => {
                    active_domains = Some(map.next_value()?);
                }
                Field::Response | Field::State | Field::ActiveDomains => return Err(give_up()),
                Field::Other(other) => {
                    if ignored.contains(&other) {
                        return Err(give_up());
                    }
                    ignored.push(other);
                    // Parsed, not skipped: serde_json's skipping accepts numbers
                    // (like 1e400) that the exact reader rejects.
                    map.next_value::<Json>()?;
                }
            }
        }
        let response = response.ok_or_else(give_up)?;
        // Counted in the exact reader's order: fields, then state domains, then
        // active domains (counts do not depend on the order anyway).
        for name in ignored {
            *self.warnings.ignored_fields.entry(name).or_insert(0) += 1;
        }
        for domain in state.iter().flat_map(|s| s.keys()) {
            count_unknown_domain(domain, self.warnings);
        }
        for domain in active_domains.iter().flatten() {
            count_unknown_domain(domain, self.warnings);
        }
        Ok(PredictedTurn {
            response,
            state,
            active_domains,
        })
    }
}

/// A turn field name; only unknown names are allocated.
enum Field {
    Response,
    State,
    ActiveDomains,
    Other(String),
}

struct FieldSeed;

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Field;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Field, E> {
        Ok(match name {
            "response" => Field::Response,
            "state" => Field::State,
            "active_domains" => Field::ActiveDomains,
            other => Field::Other(other.to_owned()),
        })
    }
}

struct StateSeed;

impl<'de> DeserializeSeed<'de> for StateSeed {
    type Value = TurnState;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for StateSeed {
    type Value = TurnState;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a state object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut state = TurnState::with_capacity(map.size_hint().unwrap_or(0).min(16));
        while let Some(domain) = map.next_key::<String>()? {
            let slots = map.next_value_seed(SlotsSeed)?;
            if state.insert(domain, slots).is_some() {
                return Err(give_up());
            }
        }
        Ok(state)
    }
}

struct SlotsSeed;

impl<'de> DeserializeSeed<'de> for SlotsSeed {
    type Value = IndexMap<String, String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SlotsSeed {
    type Value = IndexMap<String, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a slot object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut slots = IndexMap::with_capacity(map.size_hint().unwrap_or(0).min(32));
        while let Some((slot, value)) = map.next_entry::<String, String>()? {
            if slots.insert(slot, value).is_some() {
                return Err(give_up());
            }
        }
        Ok(slots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact reader's result, bypassing the fast path.
    fn exact(text: &str) -> Option<Predictions> {
        Predictions::from_slice_exact(text.as_bytes(), "t").ok()
    }

    #[test]
    fn clean_files_read_the_same_as_with_the_exact_reader() {
        let cases = [
            r#"{}"#,
            r#"{"SNG0073.json": [{"response": "hi [value_name]"}], "pmul4648": []}"#,
            r#"{"a": [{"response": "x", "state": {"taxi": {"leaveAt": "1"}, "hotel": {}},
                       "active_domains": ["taxi", "bus"], "belief": [1, {"z": 2}]},
                      {"active_domains": [], "response": "y\u00e9\n", "extra": null}]}"#,
        ];
        for text in cases {
            let fast = read_clean(text.as_bytes()).expect(text);
            assert_eq!(Some(fast), exact(text), "{text}");
        }
    }

    #[test]
    fn duplicates_and_errors_are_left_to_the_exact_reader() {
        let cases = [
            r#"{"a": [], "a": [{"response": "x"}]}"#,
            r#"{"SNG1": [], "sng1.json": []}"#,
            r#"{"a": [{"response": "x", "response": "y"}]}"#,
            r#"{"a": [{"response": "x", "state": {"hotel": {}, "hotel": {"area": "n"}}}]}"#,
            r#"{"a": [{"response": "x", "state": {"hotel": {"area": "n", "area": "s"}}}]}"#,
            r#"{"a": [{"response": "x", "belief": 1, "belief": 2}]}"#,
            r#"{"a": [{"response": "x", "belief": 1e400}]}"#,
            r#"{"a": [{"response": 3}]}"#,
            r#"{"a": [{"resp": "x"}]}"#,
            r#"{"a": [{"response": "x"}]"#,
            r#"[1]"#,
        ];
        for text in cases {
            assert!(read_clean(text.as_bytes()).is_none(), "{text}");
        }
        // The public reader still applies Python's last-value-wins rule.
        let p = Predictions::from_json_str(cases[2], "t").unwrap();
        assert_eq!(p.dialogs["a"].turns[0].response, "y");
    }
}
