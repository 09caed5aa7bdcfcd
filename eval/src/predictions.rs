//! The prediction reader: the standard evaluator's input format,
//! `{dialog_id: [{"response": str, "state"?: {domain: {slot: value}}, "active_domains"?: [domain]}, …]}`,
//! one entry per system turn.
//!
//! Dialog ids are matched case-insensitively and a `.json` suffix is tolerated.
//! Key order is kept everywhere (see the `json` module). Every structural problem is a
//! [`ReadError`] that names the dialog, the turn and the field; harmless oddities
//! (extra fields, non-MultiWOZ domain names) are counted in [`ReadWarnings`].

use std::collections::BTreeMap;
use std::path::Path;

use indexmap::IndexMap;
use serde::Serialize;

use crate::error::ReadError;
use crate::json::Json;

/// A dialog state: domain → slot → value, in file order.
pub type TurnState = multiwoz::evaldata::TurnState;

/// One predicted system turn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PredictedTurn {
    /// The (usually delexicalized) system response, before normalization.
    pub response: String,
    /// The predicted dialog state, if given.
    pub state: Option<TurnState>,
    /// The predicted active domains, if given (compared as strings, like the evaluator).
    pub active_domains: Option<Vec<String>>,
}

/// One predicted dialog.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PredictedDialog {
    /// The id as written in the prediction file.
    pub original_id: String,
    /// The system turns.
    pub turns: Vec<PredictedTurn>,
}

/// Harmless oddities met while reading, counted rather than fatal.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReadWarnings {
    /// Turn fields other than `response`, `state` and `active_domains`, with counts.
    pub ignored_fields: BTreeMap<String, usize>,
    /// Names in `active_domains` or state keys that are not MultiWOZ domains, with counts.
    pub unknown_domains: BTreeMap<String, usize>,
}

impl ReadWarnings {
    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.ignored_fields.is_empty() && self.unknown_domains.is_empty()
    }
}

/// A prediction file, keyed by the normalized dialog id (lower case, no `.json`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Predictions {
    /// Dialogs in file order.
    pub dialogs: IndexMap<String, PredictedDialog>,
    /// Counted warnings from reading.
    pub warnings: ReadWarnings,
}

/// The key the evaluation data uses for a dialog id: lower case without `.json`.
pub fn normalize_dialog_id(id: &str) -> String {
    let lower = id.trim().to_lowercase();
    match lower.strip_suffix(".json") {
        Some(stem) => stem.to_owned(),
        None => lower,
    }
}

impl Predictions {
    /// Reads a prediction file.
    pub fn from_path(path: &Path) -> Result<Predictions, ReadError> {
        let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
            path: path.to_owned(),
            source,
        })?;
        Predictions::from_slice(&bytes, &path.display().to_string())
    }

    /// Parses prediction JSON; `origin` names the source in errors (e.g. the path).
    pub fn from_slice(bytes: &[u8], origin: &str) -> Result<Predictions, ReadError> {
        // Clean files (the usual case) take the fast path; anything it declines is
        // read by the exact reader, which gives the same result or the located error.
        match crate::fastread::read_clean(bytes) {
            Some(predictions) => Ok(predictions),
            None => Predictions::from_slice_exact(bytes, origin),
        }
    }

    /// The exact reader: the whole file as an order-keeping tree, then checked
    /// field by field.
    pub(crate) fn from_slice_exact(bytes: &[u8], origin: &str) -> Result<Predictions, ReadError> {
        let root: Json = serde_json::from_slice(bytes).map_err(|source| ReadError::Json {
            origin: origin.to_owned(),
            source,
        })?;
        Predictions::from_json(root, origin)
    }

    /// Parses prediction JSON from a string.
    pub fn from_json_str(text: &str, origin: &str) -> Result<Predictions, ReadError> {
        Predictions::from_slice(text.as_bytes(), origin)
    }

    /// Builds predictions from dialogs already in memory (ids are normalized here).
    pub fn from_dialogs(
        dialogs: impl IntoIterator<Item = PredictedDialog>,
    ) -> Result<Predictions, ReadError> {
        let mut out = Predictions::default();
        for dialog in dialogs {
            out.insert(dialog, "<memory>")?;
        }
        Ok(out)
    }

    /// The number of predicted turns over all dialogs.
    pub fn turn_count(&self) -> usize {
        self.dialogs.values().map(|d| d.turns.len()).sum()
    }

    fn insert(&mut self, dialog: PredictedDialog, origin: &str) -> Result<(), ReadError> {
        let key = normalize_dialog_id(&dialog.original_id);
        if let Some(previous) = self.dialogs.get(&key) {
            return Err(ReadError::DuplicateDialog {
                origin: origin.to_owned(),
                first: previous.original_id.clone(),
                second: dialog.original_id,
            });
        }
        self.dialogs.insert(key, dialog);
        Ok(())
    }

    fn from_json(root: Json, origin: &str) -> Result<Predictions, ReadError> {
        let invalid = |location: String, message: String| ReadError::Invalid {
            origin: origin.to_owned(),
            location,
            message,
        };
        let Json::Object(root) = root else {
            return Err(invalid(
                "top level".to_owned(),
                format!(
                    "expected an object of dialog id → list of turns, found {}",
                    root.kind()
                ),
            ));
        };
        let mut out = Predictions::default();
        for (id, turns) in root {
            let Json::Array(turns) = turns else {
                return Err(invalid(
                    format!("dialog `{id}`"),
                    format!("expected a list of turns, found {}", turns.kind()),
                ));
            };
            let mut parsed = Vec::with_capacity(turns.len());
            for (index, turn) in turns.into_iter().enumerate() {
                let at = |field: &str| format!("dialog `{id}`, turn {index}{field}");
                parsed.push(
                    parse_turn(turn, &at, &mut out.warnings)
                        .map_err(|(location, message)| invalid(location, message))?,
                );
            }
            out.insert(
                PredictedDialog {
                    original_id: id,
                    turns: parsed,
                },
                origin,
            )?;
        }
        Ok(out)
    }
}

type Located = (String, String);

fn parse_turn(
    turn: Json,
    at: &dyn Fn(&str) -> String,
    warnings: &mut ReadWarnings,
) -> Result<PredictedTurn, Located> {
    let Json::Object(fields) = turn else {
        return Err((at(""), format!("expected an object, found {}", turn.kind())));
    };
    let mut out = PredictedTurn::default();
    let mut has_response = false;
    for (name, value) in fields {
        match name.as_str() {
            "response" => {
                let Json::String(text) = value else {
                    return Err((
                        at(", response"),
                        format!("expected a string, found {}", value.kind()),
                    ));
                };
                out.response = text;
                has_response = true;
            }
            "state" => out.state = Some(parse_state(value, at, warnings)?),
            "active_domains" => out.active_domains = Some(parse_domains(value, at, warnings)?),
            _ => *warnings.ignored_fields.entry(name).or_insert(0) += 1,
        }
    }
    if !has_response {
        return Err((at(""), "missing the `response` field".to_owned()));
    }
    Ok(out)
}

fn parse_state(
    value: Json,
    at: &dyn Fn(&str) -> String,
    warnings: &mut ReadWarnings,
) -> Result<TurnState, Located> {
    let Json::Object(domains) = value else {
        return Err((
            at(", state"),
            format!(
                "expected an object of domain → slots, found {}",
                value.kind()
            ),
        ));
    };
    let mut state = TurnState::with_capacity(domains.len());
    for (domain, slots) in domains {
        count_unknown_domain(&domain, warnings);
        let Json::Object(slots) = slots else {
            return Err((
                at(&format!(", state.{domain}")),
                format!("expected an object of slot → value, found {}", slots.kind()),
            ));
        };
        let mut parsed = IndexMap::with_capacity(slots.len());
        for (slot, v) in slots {
            let Json::String(v) = v else {
                return Err((
                    at(&format!(", state.{domain}.{slot}")),
                    format!("expected a string value, found {}", v.kind()),
                ));
            };
            parsed.insert(slot, v);
        }
        state.insert(domain, parsed);
    }
    Ok(state)
}

fn parse_domains(
    value: Json,
    at: &dyn Fn(&str) -> String,
    warnings: &mut ReadWarnings,
) -> Result<Vec<String>, Located> {
    let Json::Array(items) = value else {
        return Err((
            at(", active_domains"),
            format!("expected a list of domain names, found {}", value.kind()),
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Json::String(name) = item else {
            return Err((
                at(&format!(", active_domains[{i}]")),
                format!("expected a domain name string, found {}", item.kind()),
            ));
        };
        count_unknown_domain(&name, warnings);
        out.push(name);
    }
    Ok(out)
}

pub(crate) fn count_unknown_domain(name: &str, warnings: &mut ReadWarnings) {
    let known = multiwoz::Domain::ALL.iter().any(|d| d.as_str() == name);
    if !known {
        *warnings.unknown_domains.entry(name.to_owned()).or_insert(0) += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ids_case_insensitively_and_strips_json_suffix() {
        let p = Predictions::from_json_str(
            r#"{"SNG0073.json": [{"response": "hi"}], "pmul4648": []}"#,
            "t",
        )
        .unwrap();
        let keys: Vec<&str> = p.dialogs.keys().map(String::as_str).collect();
        assert_eq!(keys, ["sng0073", "pmul4648"]);
        assert_eq!(p.dialogs["sng0073"].original_id, "SNG0073.json");
    }

    #[test]
    fn state_keeps_domain_order() {
        let p = Predictions::from_json_str(
            r#"{"a": [{"response": "x", "state": {"taxi": {"leaveAt": "1"}, "hotel": {}}}]}"#,
            "t",
        )
        .unwrap();
        let state = p.dialogs["a"].turns[0].state.as_ref().unwrap();
        let domains: Vec<&str> = state.keys().map(String::as_str).collect();
        assert_eq!(domains, ["taxi", "hotel"]);
    }

    #[test]
    fn wrong_types_are_located_errors() {
        let cases = [
            (r#"[1]"#, "top level"),
            (r#"{"d1": {"response": "x"}}"#, "dialog `d1`"),
            (
                r#"{"d1": [{"response": 3}]}"#,
                "dialog `d1`, turn 0, response",
            ),
            (r#"{"d1": [{"resp": "x"}]}"#, "missing the `response` field"),
            (
                r#"{"d1": [{"response": "x"}, {"response": "y", "state": {"hotel": {"area": 1}}}]}"#,
                "dialog `d1`, turn 1, state.hotel.area",
            ),
            (r#"{"d1": [{"response": "x", "state": []}]}"#, "state"),
            (
                r#"{"d1": [{"response": "x", "active_domains": "hotel"}]}"#,
                "active_domains",
            ),
            (
                r#"{"d1": [{"response": "x", "active_domains": [null]}]}"#,
                "active_domains[0]",
            ),
        ];
        for (input, expected) in cases {
            let err = Predictions::from_json_str(input, "pred.json")
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{input}: {err}");
            assert!(err.contains("pred.json"), "{input}: {err}");
        }
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let err = Predictions::from_json_str("{\n\"a\": [", "p.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn duplicate_ids_after_normalization_are_an_error() {
        let err = Predictions::from_json_str(r#"{"SNG1": [], "sng1.json": []}"#, "p")
            .unwrap_err()
            .to_string();
        assert!(err.contains("SNG1") && err.contains("sng1.json"), "{err}");
    }

    #[test]
    fn extra_fields_and_unknown_domains_are_counted_warnings() {
        let p = Predictions::from_json_str(
            r#"{"a": [{"response": "x", "belief": 1, "active_domains": ["bus"]},
                      {"response": "y", "belief": 2}]}"#,
            "t",
        )
        .unwrap();
        assert_eq!(p.warnings.ignored_fields["belief"], 2);
        assert_eq!(p.warnings.unknown_domains["bus"], 1);
    }
}
